public import Foundation

/// Changes to one member's row from one batch: counters to add, times to widen, profile to patch.
public struct MemberDelta: Sendable, Hashable {
    public var eventCount: Int = 0
    public var firstSeenAt: Date?
    public var lastSeenAt: Date?
    /// Latest activity per channel.
    public var channelLastSeen: [String: Date] = [:]
    public var profile: ProfilePatch = ProfilePatch()
    /// Becomes a registered member in this batch.
    public var registers: Bool = false
    /// Holds a contact identifier after this batch.
    public var hasContact: Bool = false
    /// Brands the member interacted with (brand membership).
    public var brands: Set<BrandID> = []

    public init() {}

    mutating func record(_ message: IngestMessage) {
        eventCount += 1
        firstSeenAt = min(firstSeenAt ?? message.occurredAt, message.occurredAt)
        lastSeenAt = max(lastSeenAt ?? message.occurredAt, message.occurredAt)
        channelLastSeen[message.channel] = max(
            channelLastSeen[message.channel] ?? message.occurredAt, message.occurredAt)
        if let patch = message.profile { profile = profile.merging(patch) }
        if message.registers { registers = true }
        if let brand = message.brandID { brands.insert(brand) }
    }

    mutating func absorb(_ other: MemberDelta) {
        eventCount += other.eventCount
        firstSeenAt = [firstSeenAt, other.firstSeenAt].compactMap { $0 }.min()
        lastSeenAt = [lastSeenAt, other.lastSeenAt].compactMap { $0 }.max()
        channelLastSeen.merge(other.channelLastSeen) { max($0, $1) }
        profile = other.profile.merging(profile)
        registers = registers || other.registers
        hasContact = hasContact || other.hasContact
        brands.formUnion(other.brands)
    }
}
