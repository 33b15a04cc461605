import Foundation
import NIOCore
import TesseraCore

/// The member store's share of the ingest benchmark's baseline: the rows the projector writes for the
/// bench traffic — every event row, each person's identifiers, the member row (created, or updated
/// with counts, times and traits), channel and brand activity, and on SQLite the event summaries (one
/// upsert per member and event name) — written by a minimal direct SQL loop
/// into tables with the same keys and indexes, in transactions of the projector's size. (The member
/// table leaves out the columns ingest never sets and the partial index of the 3% of members in the
/// estimate sample.)
///
/// It does no lookups, no planning and no OneID resolution: it knows every user's member id in
/// advance. So it is the floor under what any projector of this schema can do on this machine, and
/// "projected end to end ÷ this" is the share of the baseline the member store reaches.
struct MemberStoreBaseline {
    let driver: any SQLDriver
    /// Messages per transaction (the projector's batch size).
    let messagesPerTransaction: Int

    /// Creates the tables, writes all `bodies`' rows, and returns messages per second.
    func run(bodies: [(body: ByteBuffer, rows: [(String, String, String)])]) async throws -> Double {
        let collation =
            isPostgres
            ? [
                Migration.collateTextColumns(ofTables: [
                    "bench_members", "bench_member_identifiers", "bench_member_channels", "bench_member_brands",
                    "bench_events",
                ])
            ] : []
        try await driver.run(ExecuteProgram((schema + collation).map { SQLStatement($0, []) }), writes: true)
        let messages = bodies.flatMap(\.rows)
        let start = ContinuousClock.now
        var index = 0
        while index < messages.count {
            let slice = messages[index..<min(messages.count, index + messagesPerTransaction)]
            try await driver.run(ExecuteProgram(statements(for: slice, sequence: index)), writes: true)
            index += slice.count
        }
        return Double(messages.count) / BenchTraffic.seconds(since: start)
    }

    private var isPostgres: Bool { driver.dialect == .postgres }

    private var schema: [String] {
        let (json, withoutRowID) = isPostgres ? ("JSONB", "") : ("TEXT", " WITHOUT ROWID")
        return [
            """
            CREATE TABLE bench_members (group_id TEXT NOT NULL, id TEXT NOT NULL, registered BOOLEAN NOT NULL, \
            name TEXT, traits \(json) NOT NULL, event_count BIGINT NOT NULL, first_seen_at BIGINT, \
            last_seen_at BIGINT, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (group_id, id))
            """,
            """
            CREATE TABLE bench_member_identifiers (group_id TEXT NOT NULL, type TEXT NOT NULL, value TEXT NOT NULL, \
            member_id TEXT NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (group_id, type, value))\(withoutRowID)
            """,
            "CREATE INDEX bench_member_identifiers_member ON bench_member_identifiers (group_id, member_id)",
            """
            CREATE TABLE bench_member_channels (group_id TEXT NOT NULL, member_id TEXT NOT NULL, channel TEXT NOT NULL, \
            last_seen_at BIGINT NOT NULL, PRIMARY KEY (group_id, member_id, channel))\(withoutRowID)
            """,
            """
            CREATE TABLE bench_member_brands (group_id TEXT NOT NULL, member_id TEXT NOT NULL, brand_id TEXT NOT NULL, \
            joined_at BIGINT NOT NULL, PRIMARY KEY (group_id, member_id, brand_id))\(withoutRowID)
            """,
            """
            CREATE TABLE bench_events (group_id TEXT NOT NULL, id TEXT NOT NULL, idempotency_key TEXT NOT NULL, \
            member_id TEXT, origin_member_id TEXT, brand_id TEXT, kind TEXT NOT NULL, name TEXT, channel TEXT NOT NULL, \
            occurred_at BIGINT NOT NULL, received_at BIGINT NOT NULL, properties \(json) NOT NULL, \
            PRIMARY KEY (group_id, id), UNIQUE (group_id, idempotency_key))
            """,
            "CREATE INDEX bench_events_member_time ON bench_events (group_id, member_id, occurred_at)",
            // Segment rules read events by brand, name and time (migration 0011); every ingested event
            // lands in it too.
            """
            CREATE INDEX bench_events_brand_name_time ON bench_events (group_id, brand_id, name, occurred_at, member_id)
            """,
        ] + (driver.dialect.keepsEventSummaries ? [summariesTable] : [])
    }

    private var summariesTable: String {
        """
        CREATE TABLE bench_member_event_stats (group_id TEXT NOT NULL, member_id TEXT NOT NULL, \
        brand_id TEXT NOT NULL, name TEXT NOT NULL, first_at BIGINT NOT NULL, last_at BIGINT NOT NULL, \
        times BIGINT NOT NULL, PRIMARY KEY (group_id, member_id, brand_id, name)) WITHOUT ROWID
        """
    }

    /// One transaction's statements for `messages` (`(key, user, kind)`), `sequence` numbering their events.
    private func statements(for messages: ArraySlice<(String, String, String)>, sequence: Int) -> [SQLStatement] {
        let group = SQLValue.text("bench-group")
        let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
        // Time-ordered event ids like the real ones (UUIDv7), so the primary key appends.
        var events: [[SQLValue]] = []
        var identifiers: [String: [SQLValue]] = [:]
        var members: [String: (user: String, identified: Bool, count: Int64)] = [:]
        var viewed: [String: Int64] = [:]
        for (offset, (key, user, kind)) in messages.enumerated() {
            let member = "member-" + user
            let identified = kind == "identify"
            events.append([
                group, .text(String(format: "%016llx", sequence + offset)), .text(key), .text(member), .text(member),
                .text("bench-brand"), .text(kind), identified ? .null : .text("Product Viewed"), .text("server"),
                .int(now), .int(now),
                .text(identified ? "{}" : #"{"sku":"SKU-1","price":99.5,"category":"skincare"}"#),
            ])
            var previous = members[member] ?? (user, false, 0)
            previous.identified = previous.identified || identified
            previous.count += 1
            members[member] = previous
            if !identified { viewed[member, default: 0] += 1 }
            let names =
                identified
                ? ["external:" + user, "anonymous:a" + user.dropFirst(), "email:\(user)@example.com"]
                : ["external:" + user]
            for name in names {
                let parts = name.split(separator: ":", maxSplits: 1).map(String.init)
                identifiers[name] = [group, .text(parts[0]), .text(parts[1]), .text(member), .int(now)]
            }
        }
        let memberRows = members.sorted { $0.key < $1.key }.map { member, state -> [SQLValue] in
            [
                group, .text(member), .bool(state.identified), state.identified ? .text("User " + state.user) : .null,
                .text(state.identified ? #"{"plan":"gold"}"# : "{}"), .int(state.count), .int(now), .int(now),
                .int(now), .int(now),
            ]
        }
        let traitsMerge =
            isPostgres ? "bench_members.traits || excluded.traits" : "json_patch(bench_members.traits, excluded.traits)"
        let (json, greatest) = isPostgres ? ("?::jsonb", "GREATEST") : ("?", "max")
        return SQLBuilder.insert(
            into: "bench_events",
            columns: [
                "group_id", "id", "idempotency_key", "member_id", "origin_member_id", "brand_id", "kind", "name",
                "channel", "occurred_at", "received_at", "properties",
            ],
            markers: Array(repeating: "?", count: 11) + [json], rows: events)
            + SQLBuilder.insert(
                into: "bench_member_identifiers", columns: ["group_id", "type", "value", "member_id", "created_at"],
                rows: identifiers.sorted { $0.key < $1.key }.map(\.value), suffix: "ON CONFLICT DO NOTHING")
            + SQLBuilder.insert(
                into: "bench_members",
                columns: [
                    "group_id", "id", "registered", "name", "traits", "event_count", "first_seen_at", "last_seen_at",
                    "created_at", "updated_at",
                ],
                markers: ["?", "?", "?", "?", json, "?", "?", "?", "?", "?"], rows: memberRows,
                suffix: """
                    ON CONFLICT (group_id, id) DO UPDATE SET registered = bench_members.registered OR excluded.registered, \
                    name = coalesce(excluded.name, bench_members.name), traits = \(traitsMerge), \
                    event_count = bench_members.event_count + excluded.event_count, \
                    last_seen_at = excluded.last_seen_at, updated_at = excluded.updated_at
                    """)
            + SQLBuilder.insert(
                into: "bench_member_channels", columns: ["group_id", "member_id", "channel", "last_seen_at"],
                rows: memberRows.map { [$0[0], $0[1], .text("server"), .int(now)] },
                suffix: "ON CONFLICT (group_id, member_id, channel) DO UPDATE SET last_seen_at = "
                    + "\(greatest)(bench_member_channels.last_seen_at, excluded.last_seen_at)")
            + SQLBuilder.insert(
                into: "bench_member_brands", columns: ["group_id", "member_id", "brand_id", "joined_at"],
                rows: memberRows.map { [$0[0], $0[1], .text("bench-brand"), .int(now)] },
                suffix: "ON CONFLICT DO NOTHING")
            + SQLBuilder.insert(
                into: "bench_member_event_stats",
                columns: ["group_id", "member_id", "brand_id", "name", "first_at", "last_at", "times"],
                rows: driver.dialect.keepsEventSummaries
                    ? viewed.sorted { $0.key < $1.key }.map { member, times in
                        [
                            group, .text(member), .text("bench-brand"), .text("Product Viewed"), .int(now), .int(now),
                            .int(times),
                        ]
                    } : [],
                suffix: """
                    ON CONFLICT (group_id, member_id, brand_id, name) DO UPDATE SET \
                    first_at = min(bench_member_event_stats.first_at, excluded.first_at), \
                    last_at = max(bench_member_event_stats.last_at, excluded.last_at), \
                    times = bench_member_event_stats.times + excluded.times
                    """)
    }
}
