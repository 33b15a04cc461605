import Foundation
import TesseraDomain

/// Reads the member 360 view: the member row, then identifiers, brands and channels.
struct MemberViewProgram: SQLProgram {
    let group: SQLValue
    let member: SQLValue
    private var phase = 0
    private var row: SQLRow?
    private var identifiers: [String] = []
    private var brands: [BrandID] = []

    init(group: SQLValue, member: SQLValue) {
        self.group = group
        self.member = member
    }

    mutating func start() -> SQLStep<MemberView?> {
        phase = 0
        return .query(SQLStatement(StoreSQL.selectMember, [group, member]))
    }

    mutating func resume(_ rows: [SQLRow]) throws -> SQLStep<MemberView?> {
        phase += 1
        switch phase {
        case 1:
            guard let first = rows.first else { return .done(nil) }
            row = first
            return .query(
                SQLStatement(
                    "SELECT type, value FROM member_identifiers WHERE group_id = ? AND member_id = ? ORDER BY type, value",
                    [group, member]))
        case 2:
            identifiers = rows.map { ($0.text(0) ?? "") + ":" + ($0.text(1) ?? "") }
            return .query(
                SQLStatement(
                    "SELECT brand_id FROM member_brands WHERE group_id = ? AND member_id = ? ORDER BY brand_id",
                    [group, member]))
        case 3:
            brands = rows.compactMap { $0.text(0).map { BrandID($0) } }
            return .query(
                SQLStatement(
                    "SELECT channel, last_seen_at FROM member_channels WHERE group_id = ? AND member_id = ? ORDER BY channel",
                    [group, member]))
        default:
            guard let row else { return .done(nil) }
            let channels = rows.map {
                MemberView.ChannelActivity(channel: $0.text(0) ?? "", lastSeenAt: Timestamp.date($0.int(1) ?? 0))
            }
            return .done(view(row, channels: channels))
        }
    }

    private func view(_ row: SQLRow, channels: [MemberView.ChannelActivity]) -> MemberView {
        let json = { (index: Int) in row.text(index).flatMap { try? JSONValue.parse($0) } ?? .object([:]) }
        let date = { (index: Int) in row.int(index).map(Timestamp.date) }
        let profile = MemberView.Profile(
            name: row.text(4), gender: row.text(5), birthday: row.text(6), region: row.text(7), city: row.text(8),
            sourceChannel: row.text(9), homeStore: row.text(10), guide: row.text(11), joinedAt: date(12),
            consent: StoreSQL.decodeConsent(row.text(13)), attributes: json(14), traits: json(15))
        let aggregates = MemberView.Aggregates(
            eventCount: row.int(16) ?? 0, firstSeenAt: date(17), lastSeenAt: date(18), orderCount: row.int(19) ?? 0,
            firstPurchaseAt: date(20), lastPurchaseAt: date(21), totalSpendMinor: row.int(22) ?? 0)
        return MemberView(
            id: MemberID(row.text(0) ?? ""), kind: CustomerKind(rawValue: row.text(1) ?? "") ?? .prospect,
            status: row.text(2) ?? "active", mergedInto: row.text(3).map { MemberID($0) }, profile: profile,
            identifiers: identifiers, brands: brands, aggregates: aggregates, channels: channels,
            createdAt: date(23) ?? Date(timeIntervalSince1970: 0), updatedAt: date(24) ?? Date(timeIntervalSince1970: 0)
        )
    }
}
