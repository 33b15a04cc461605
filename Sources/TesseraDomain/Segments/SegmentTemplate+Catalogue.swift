import Foundation

extension SegmentTemplate.Parameter {
    static func days(_ value: Int, name: String = "days", description: String = "the window in days") -> Self {
        Self(name: name, kind: .days, defaultValue: .number(.init(value)), description: description)
    }
    static func count(_ name: String, _ value: Int64, _ description: String) -> Self {
        Self(name: name, kind: .count, defaultValue: .number(.init(value)), description: description)
    }
    static func amount(_ name: String, _ value: Int64?, _ description: String) -> Self {
        Self(name: name, kind: .amount, defaultValue: value.map { .number(.init($0)) }, description: description)
    }
    static func text(_ name: String, _ value: String?, _ description: String) -> Self {
        Self(name: name, kind: .text, defaultValue: value.map(JSONValue.string), description: description)
    }
}

extension SegmentTemplate {
    private static func field(_ field: MemberField, _ test: FieldTest) -> SegmentRule {
        .compare(FieldComparison(.field(field), test))
    }

    private static func number(_ field: MemberField, _ op: ComparisonOperator, _ value: Int64) -> SegmentRule {
        .compare(FieldComparison(.field(field), .number(NumberTest(op, value))))
    }

    private static func did(_ name: String, _ values: Values, times: Int64 = 1) -> SegmentRule {
        .event(
            EventCondition(
                EventMatcher(name: name), window: .lastDays(values.days("days")),
                count: NumberTest(.greaterOrEqual, times)))
    }

    /// The templates, by group. More than twenty, covering the SPEC's list.
    public static let all: [SegmentTemplate] = [
        // Basic
        SegmentTemplate(
            id: "new-members", group: .basic, title: "New members",
            description: "Joined within the last N days", parameters: [.days(30)],
            build: { field(.joinedAt, .within(.lastDays($0.days("days")))) }),
        SegmentTemplate(
            id: "birthday-soon", group: .basic, title: "Birthday soon",
            description: "Birthday today or in the next N − 1 days (brand time zone)", parameters: [.days(7)],
            build: { .birthday(days: $0.days("days")) }),
        SegmentTemplate(
            id: "city", group: .basic, title: "Members in a city", description: "Profile city equals the given city",
            parameters: [.text("city", nil, "the city, as stored")],
            build: { field(.city, .textIn([$0.text("city")])) }),
        SegmentTemplate(
            id: "registered-never-bought", group: .basic, title: "Registered, never bought",
            description: "Registered members without a valid purchase", parameters: [],
            build: { _ in .and([field(.registered, .bool(true)), number(.orderCount, .equal, 0)]) }),
        SegmentTemplate(
            id: "prospects-with-contact", group: .basic, title: "Reachable prospects",
            description: "Not registered, but with a phone, e-mail or WeChat identity", parameters: [],
            build: { _ in field(.kind, .textIn([CustomerKind.prospectWithContact.rawValue])) }),
        // Consumption
        SegmentTemplate(
            id: "repurchase-category", group: .consumption, title: "Repeat buyers of a product group",
            description: "Bought the category at least N times within the window",
            parameters: [.text("category", nil, "the category"), .count("times", 2, "orders at least"), .days(90)],
            build: { values in
                .purchase(
                    PurchaseCondition(
                        category: values.text("category"), window: .lastDays(values.days("days")),
                        measure: .count(NumberTest(.greaterOrEqual, values.number("times")))))
            }),
        SegmentTemplate(
            id: "cross-sell", group: .consumption, title: "Bought one category, not another",
            description: "e.g. bought milk powder, never diapers — within the window",
            parameters: [
                .text("bought", nil, "category bought"), .text("notBought", nil, "category not bought"), .days(180),
            ],
            build: { values in
                .and([
                    .purchase(
                        PurchaseCondition(category: values.text("bought"), window: .lastDays(values.days("days")))),
                    .not(
                        .purchase(
                            PurchaseCondition(
                                category: values.text("notBought"), window: .lastDays(values.days("days"))))),
                ])
            }),
        SegmentTemplate(
            id: "cross-sell-points-expiring", group: .consumption, title: "Repeat buyers with points about to expire",
            description:
                "Bought category X at least twice in 90 days, never category Y, with points expiring in 30 days",
            parameters: [
                .text("bought", nil, "category bought"), .text("notBought", nil, "category not bought"),
                .count("times", 2, "orders at least"), .days(90),
                .days(30, name: "expiringDays", description: "points expiring within"),
            ],
            build: { values in
                .and([
                    .purchase(
                        PurchaseCondition(
                            category: values.text("bought"), window: .lastDays(values.days("days")),
                            measure: .count(NumberTest(.greaterOrEqual, values.number("times"))))),
                    .not(
                        .purchase(
                            PurchaseCondition(
                                category: values.text("notBought"), window: .lastDays(values.days("days"))))),
                    .pointsExpiring(days: values.days("expiringDays"), NumberTest(.greater, 0)),
                ])
            }),
        SegmentTemplate(
            id: "channel-migration", group: .consumption, title: "Store spenders gone quiet",
            description: "Spent at least the amount in a channel, and nothing anywhere in the last N days",
            parameters: [
                .text("channel", "pos", "the channel spent in"),
                .amount("amount", 100_000, "spent at least (minor units)"),
                .days(30),
            ],
            build: { values in
                .and([
                    .purchase(
                        PurchaseCondition(
                            channel: values.text("channel"),
                            measure: .amount(NumberTest(.greaterOrEqual, values.number("amount"))))),
                    .not(.purchase(PurchaseCondition(window: .lastDays(values.days("days"))))),
                ])
            }),
        SegmentTemplate(
            id: "lapsed-high-value", group: .consumption, title: "Lapsed high-value members",
            description: "Total spend at least the amount, last purchase before the last N days",
            parameters: [.amount("amount", 500_000, "total spend at least (minor units)"), .days(90)],
            build: { values in
                .and([
                    number(.totalSpend, .greaterOrEqual, values.number("amount")),
                    field(.lastOrderAt, .before(.lastDays(values.days("days")))),
                ])
            }),
        SegmentTemplate(
            id: "first-purchase-recent", group: .consumption, title: "First purchase recently",
            description: "First valid purchase within the last N days", parameters: [.days(30)],
            build: { field(.firstOrderAt, .within(.lastDays($0.days("days")))) }),
        SegmentTemplate(
            id: "one-time-buyers", group: .consumption, title: "One-time buyers",
            description: "Exactly one valid purchase, made before the last N days", parameters: [.days(60)],
            build: { values in
                .and([number(.orderCount, .equal, 1), field(.lastOrderAt, .before(.lastDays(values.days("days"))))])
            }),
        SegmentTemplate(
            id: "big-spenders", group: .consumption, title: "Big spenders",
            description: "Total spend at least the amount",
            parameters: [.amount("amount", 1_000_000, "total spend at least (minor units)")],
            build: { number(.totalSpend, .greaterOrEqual, $0.number("amount")) }),
        SegmentTemplate(
            id: "high-average-order", group: .consumption, title: "High average order value",
            description: "Average order value at least the amount",
            parameters: [.amount("amount", 50_000, "average order value at least (minor units)")],
            build: { number(.averageOrderValue, .greaterOrEqual, $0.number("amount")) }),
        SegmentTemplate(
            id: "replenishment-due", group: .consumption, title: "Due to replenish",
            description:
                "Repeat buyers whose last purchase is older than their usual repurchase cycle (at most N days)",
            parameters: [.days(45)],
            build: { values in
                .and([
                    number(.repurchaseCycleDays, .lessOrEqual, values.number("days")),
                    field(.lastOrderAt, .before(.lastDays(values.days("days")))),
                ])
            }),
        SegmentTemplate(
            id: "store-buyers", group: .consumption, title: "Bought in a store",
            description: "A valid purchase in the store within the last N days",
            parameters: [.text("store", nil, "store code"), .days(90)],
            build: { values in
                .purchase(PurchaseCondition(store: values.text("store"), window: .lastDays(values.days("days"))))
            }),
        // Relationship
        SegmentTemplate(
            id: "guide-members", group: .relationship, title: "A guide's members",
            description: "Members whose exclusive guide is the given staff code",
            parameters: [.text("guide", nil, "staff code")], build: { field(.guide, .textIn([$0.text("guide")])) }),
        SegmentTemplate(
            id: "home-store", group: .relationship, title: "A store's members",
            description: "Members whose home store is the given store code",
            parameters: [.text("store", nil, "store code")], build: { field(.homeStore, .textIn([$0.text("store")])) }),
        SegmentTemplate(
            id: "no-guide", group: .relationship, title: "Members without a guide",
            description: "Registered members not yet assigned to a guide", parameters: [],
            build: { _ in .and([field(.registered, .bool(true)), field(.guide, .missing)]) }),
        // Interaction
        SegmentTemplate(
            id: "new-followers-never-bought", group: .interaction, title: "New followers who never bought",
            description: "Followed within the last N days and have no valid purchase",
            parameters: [.text("event", "follow", "the follow event's name"), .days(30)],
            build: { values in .and([did(values.text("event"), values), number(.orderCount, .equal, 0)]) }),
        SegmentTemplate(
            id: "abandoned-cart", group: .interaction, title: "Abandoned carts",
            description: "Added to cart in the last N days and did not order within the following hours",
            parameters: [
                .text("cartEvent", "Product Added", "the add-to-cart event"),
                .text("orderEvent", "Order Completed", "the order event"), .count("hours", 24, "hours to wait"),
                .days(7),
            ],
            build: { values in
                .sequence(
                    SequenceCondition(
                        first: EventMatcher(name: values.text("cartEvent")),
                        then: EventMatcher(name: values.text("orderEvent")),
                        seconds: max(values.number("hours"), 1) * 3_600, thenHappened: false,
                        window: .lastDays(values.days("days"))))
            }),
        SegmentTemplate(
            id: "idle-carts", group: .interaction, title: "Idle carts",
            description: "Hold at least the amount in their cart and have not changed it in the last N days",
            parameters: [.amount("amount", 1, "cart value at least (minor units)"), .days(1)],
            build: { values in
                .and([
                    number(.cartValue, .greaterOrEqual, values.number("amount")),
                    field(.cartUpdatedAt, .before(.lastDays(values.days("days")))),
                ])
            }),
        SegmentTemplate(
            id: "active-followers", group: .interaction, title: "Active followers",
            description: "Follow the official account now and were active within the last N days",
            parameters: [.days(2)],
            build: { values in
                .and([
                    field(.followStatus, .textIn([FollowStatus.following.rawValue])),
                    field(.lastSeenAt, .within(.lastDays(values.days("days")))),
                ])
            }),
        SegmentTemplate(
            id: "active-browsers", group: .interaction, title: "Active browsers",
            description: "Viewed at least N times within the window",
            parameters: [
                .text("event", "Product Viewed", "the view event"), .count("times", 3, "at least"), .days(14),
            ],
            build: { values in did(values.text("event"), values, times: values.number("times")) }),
        SegmentTemplate(
            id: "sharers", group: .interaction, title: "Sharers",
            description: "Shared content at least N times within the window",
            parameters: [.text("event", "share", "the share event"), .count("times", 1, "at least"), .days(30)],
            build: { values in did(values.text("event"), values, times: values.number("times")) }),
        SegmentTemplate(
            id: "unfollowed", group: .interaction, title: "Recently unfollowed",
            description: "Unfollowed the official account within the window",
            parameters: [.text("event", "unfollow", "the unfollow event"), .days(30)],
            build: { values in did(values.text("event"), values) }),
        SegmentTemplate(
            id: "browsing-lapsed-spenders", group: .interaction, title: "Valuable members browsing, not buying",
            description:
                "Registered, spent at least the amount, no purchase in the last N days, viewed products recently, "
                + "not opted out by tag",
            parameters: [
                .amount("amount", 100_000, "total spend at least (minor units)"),
                .days(60, name: "quietDays", description: "no purchase within"),
                .text("event", "Product Viewed", "the view event"),
                .days(30, name: "browseDays", description: "viewed within"),
                .text("optOutTag", "do-not-disturb", "the tag that excludes a member"),
            ],
            build: { values in
                .and([
                    field(.registered, .bool(true)),
                    number(.totalSpend, .greaterOrEqual, values.number("amount")),
                    field(.lastOrderAt, .before(.lastDays(values.days("quietDays")))),
                    .event(
                        EventCondition(
                            EventMatcher(name: values.text("event")), window: .lastDays(values.days("browseDays")))),
                    .not(.tag(values.text("optOutTag"))),
                ])
            }),
        SegmentTemplate(
            id: "dormant", group: .interaction, title: "Dormant",
            description: "Seen before, but not within the last N days", parameters: [.days(90)],
            build: { field(.lastSeenAt, .before(.lastDays($0.days("days")))) }),
        // Assets
        SegmentTemplate(
            id: "points-expiring", group: .assets, title: "Points about to expire",
            description: "At least the given points expire within N days",
            parameters: [.days(30), .count("minimum", 1, "points expiring at least")],
            build: { .pointsExpiring(days: $0.days("days"), NumberTest(.greaterOrEqual, max($0.number("minimum"), 1))) }
        ),
        SegmentTemplate(
            id: "points-rich", group: .assets, title: "Points-rich members", description: "Points balance at least N",
            parameters: [.count("points", 5_000, "balance at least")],
            build: { number(.points, .greaterOrEqual, $0.number("points")) }),
        SegmentTemplate(
            id: "stored-value-holders", group: .assets, title: "Stored-value holders",
            description: "Stored-value balance at least the amount",
            parameters: [.amount("amount", 1, "balance at least (minor units)")],
            build: { number(.storedValue, .greaterOrEqual, $0.number("amount")) }),
        SegmentTemplate(
            id: "coupon-holders", group: .assets, title: "Holding usable coupons",
            description: "At least N coupons usable now", parameters: [.count("coupons", 1, "usable coupons at least")],
            build: { number(.couponsHeld, .greaterOrEqual, $0.number("coupons")) }),
        SegmentTemplate(
            id: "tier", group: .assets, title: "Members of a tier", description: "Current tier equals the given tier",
            parameters: [.text("tier", nil, "tier name")], build: { field(.tier, .textIn([$0.text("tier")])) }),
        SegmentTemplate(
            id: "tagged", group: .assets, title: "Carrying a tag", description: "Members with the tag",
            parameters: [.text("tag", nil, "tag name")], build: { .tag($0.text("tag")) }),
    ]
}
