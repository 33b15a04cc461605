import Foundation
import TesseraDomain

/// Reads the member 360 view: the member row, its identifiers, brands and channels — four reads,
/// one round trip on PostgreSQL (``BundledReadsProgram``).
enum MemberViewSQL {
    static let columns = [
        "id", "kind", "status", "merged_into", "name", "gender", "birthday", "region", "city", "source_channel",
        "home_store", "guide", "joined_at", "CAST(consent AS TEXT)", "CAST(attributes AS TEXT)", "CAST(traits AS TEXT)",
        "event_count", "first_seen_at", "last_seen_at", "order_count", "first_order_at", "last_order_at",
        "total_spend_minor", "created_at", "updated_at",
    ]

    static func program(group: GroupID, member: MemberID, dialect: SQLDialect) -> BundledReadsProgram<MemberView?> {
        let key = [SQLValue.text(group.rawValue), .text(member.rawValue)]
        let ofMember = "WHERE group_id = ? AND member_id = ?"
        return BundledReadsProgram(
            [
                .init(columns: columns, source: "members WHERE group_id = ? AND id = ?", arguments: key),
                .init(
                    columns: ["type", "value"], source: "member_identifiers \(ofMember)", order: "type, value",
                    arguments: key),
                .init(columns: ["brand_id"], source: "member_brands \(ofMember)", order: "brand_id", arguments: key),
                .init(
                    columns: ["channel", "last_seen_at"], source: "member_channels \(ofMember)", order: "channel",
                    arguments: key),
            ], dialect: dialect
        ) { results in
            guard let row = results[0].first else { return nil }
            return view(
                row, identifiers: results[1].map { ($0.text(0) ?? "") + ":" + ($0.text(1) ?? "") },
                brands: results[2].compactMap { $0.text(0).map { BrandID($0) } },
                channels: results[3].map {
                    MemberView.ChannelActivity(channel: $0.text(0) ?? "", lastSeenAt: Timestamp.date($0.int(1) ?? 0))
                })
        }
    }

    private static func view(
        _ row: SQLRow, identifiers: [String], brands: [BrandID], channels: [MemberView.ChannelActivity]
    ) -> MemberView {
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
