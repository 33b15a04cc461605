/// Every migration, in the order it must run. Append only.
public enum Migrations {
    public static let all: [Migration] = [
        .foundation, .attributeDefinitions, .mergeUndo, .points, .tiers, .coupons, .storedValue, .benefits, .segments,
        .scores, .purchaseFacts, .cartsAndFollows, .journeys, .messaging, .messageTemplates, .channels,
        .recurringJourneys, .channelDelivery, .journeyGrants, .marketingEvents, .memberSample, .memberFillFactor,
        .partialQueueIndexes, .unkeyedJourneyVisits, .messageKeyOnce, .journeyNodeCounts, .journeyRunFillFactor,
        .scheduleEntryCursor, .activeRunMemberIndex, .journeyKeyOrder, .waitingRunIndex,
        .journeyRunEntryKey, .memberEventStats, .segmentMemberKeys, .textCollation, .mergedMemberIndex,
    ]
}
