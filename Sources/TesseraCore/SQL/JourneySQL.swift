import Foundation
import TesseraDomain

/// SQL shared by the journey programs and ingest: entering members (with the participation
/// guardrails) and applying one step's effects.
enum JourneySQL {
    static let runColumns = """
        group_id, id, journey_id, version, brand_id, member_id, entry_key, node_id, since, entered_at, entering
        """

    static func run(_ row: SQLRow) -> JourneyRun? {
        guard let group = row.text(0), let id = row.text(1), let journey = row.text(2), let brand = row.text(4),
            let member = row.text(5), let entry = row.text(6), let node = row.text(7)
        else { return nil }
        return JourneyRun(
            group: GroupID(group), id: id, journeyID: journey, version: row.int(3) ?? 0, brandID: BrandID(brand),
            member: MemberID(member), entryKey: entry,
            state: JourneyRunState(
                node: node, since: row.int(8) ?? 0, enteredAt: row.int(9) ?? 0, entering: row.bool(10)),
            leasedRow: row.values.count > 11 ? row.text(11) : nil)
    }

    /// The physical address of a run's row version, as ``run(_:)`` reads it after ``runColumns``.
    static func rowAddress(_ dialect: SQLDialect) -> (column: String, type: String) {
        dialect == .postgres ? ("ctid", "TID") : ("rowid", "INTEGER")
    }

    /// Enters one member on an event (`event` is the entry key; `at` the event's time).
    static func enter(
        group: GroupID, brand: BrandID, journey: String, version: Int64, definition: JourneyDefinition,
        member: MemberID, event: String, at: Int64, runID: String, now: Int64
    ) -> SQLStatement? {
        guard case .event(_, let delay, let unless, let span) = definition.entry else { return nil }
        let since = at + delay * 1_000_000
        return enterRuns(
            group: group, brand: brand, journey: journey, version: version, definition: definition,
            members: ("SELECT CAST(? AS TEXT) AS member_id", [.text(member.rawValue)]), id: ("?", [.text(runID)]),
            entryKey: event, since: since, enteredAt: at, entering: true,
            due: unless == nil ? since : max(since, at + span * 1_000_000), wakeOn: unless?.name, now: now)
    }

    /// Members of a scheduled segment entered per transaction (``SQLTesseraStore/enterScheduledJourneys(now:group:lease:)``):
    /// on PostgreSQL a chunk takes about a third of a second, during which the other core steps the
    /// runs entered before it.
    static let entryChunk = 25_000

    /// Enters the members of a stored segment on a schedule (`at` is the occurrence) whose ids come
    /// after `members.after` and up to `members.through` (each unbounded when nil), in one statement.
    static func enterSegment(
        group: GroupID, brand: BrandID, journey: String, version: Int64, definition: JourneyDefinition,
        segment: String, members: (after: String?, through: String?), at: Int64, now: Int64, lease: EntryLease? = nil
    ) -> SQLStatement {
        let key = "schedule:\(version):\(at)"
        // The chunk's bounds, on the segment's members and (`x.`) on the earlier runs the guardrails read.
        var range = ("", "", [SQLValue]())
        if let after = members.after {
            range.0 += " AND member_id > ?"
            range.1 += " AND x.member_id > ?"
            range.2.append(.text(after))
        }
        if let through = members.through {
            range.0 += " AND member_id <= ?"
            range.1 += " AND x.member_id <= ?"
            range.2.append(.text(through))
        }
        return enterRuns(
            group: group, brand: brand, journey: journey, version: version, definition: definition,
            members: (
                "SELECT member_id FROM segment_members WHERE group_id = ? AND segment_id = ?\(range.0)",
                [.text(group.rawValue), .text(segment)] + range.2
            ), earlier: (range.1, range.2), id: ("? || s.member_id", [.text("\(journey):\(key):")]), entryKey: key,
            since: at, enteredAt: at, entering: false, due: at, wakeOn: nil, now: now, lease: lease)
    }

    /// The lease runs are entered under, to be stepped by the worker entering them without leasing
    /// them again; the insert then answers each run as a lease does (``run(_:)``, with its row's address).
    /// Such a run is due when its lease ends: until then no lease walks past it in the due index
    /// (57 ms a lease with 9,000 entered runs queued on PostgreSQL), and if its worker dies, any
    /// worker takes it then.
    struct EntryLease {
        var token: String
        var until: Int64
        var dialect: SQLDialect
    }

    /// Inserts a run for each member `members` yields (a query with a `member_id` column) that the
    /// participation guardrails admit: fewer than `maximumEntries` entries so far, none within the
    /// re-entry cooldown before `enteredAt`, and one per entry key. The earlier entries are read from
    /// one aggregate joined in and computed before the insert — a subquery per member would scan the
    /// growing table on a planner that saw it empty (PostgreSQL with fresh statistics), quadratic in a
    /// segment's size. `earlier` bounds that read by member id (conditions on `x.member_id`) where the
    /// members come from a known range: one index range instead of a probe per member, which in a
    /// segment's first occurrence all found nothing (25,000 probes, 44 ms of a chunk's ~250 ms on
    /// PostgreSQL, against 0.2 ms).
    private static func enterRuns(
        group: GroupID, brand: BrandID, journey: String, version: Int64, definition: JourneyDefinition,
        members: (sql: String, arguments: [SQLValue]), earlier: (sql: String, arguments: [SQLValue]) = ("", []),
        id: (sql: String, arguments: [SQLValue]), entryKey: String,
        since: Int64, enteredAt: Int64, entering: Bool, due: Int64, wakeOn: String?, now: Int64,
        lease: EntryLease? = nil
    ) -> SQLStatement {
        let (g, j) = (SQLValue.text(group.rawValue), SQLValue.text(journey))
        let cooldown = definition.reentryCooldownSeconds * 1_000_000
        let latestAllowed = cooldown > 0 ? enteredAt - cooldown : Int64.max
        let returning = lease.map { " RETURNING \(runColumns), CAST(\(rowAddress($0.dialect).column) AS TEXT)" } ?? ""
        return SQLStatement(
            """
            INSERT INTO journey_runs (group_id, id, journey_id, version, brand_id, member_id, entry_key, node_id, since, \
            entered_at, entering, status, due_at, wake_on, updated_at, lease_until, lease_token) \
            SELECT ?, \(id.sql), ?, ?, ?, s.member_id, ?, ?, ?, ?, ?, 'active', ?, ?, ?, ?, ? FROM (\(members.sql)) s \
            LEFT JOIN (SELECT x.member_id, COUNT(*) AS entries, MAX(x.entered_at) AS latest FROM journey_runs x \
            WHERE x.group_id = ? AND x.journey_id = ?\(earlier.sql) AND x.member_id IN (\(members.sql)) \
            GROUP BY x.member_id) p \
            ON p.member_id = s.member_id WHERE COALESCE(p.entries, 0) < ? AND (p.latest IS NULL OR p.latest <= ?) \
            ON CONFLICT (group_id, journey_id, member_id, entry_key) DO NOTHING\(returning)
            """,
            [g] + id.arguments + [
                j, .int(version), .text(brand.rawValue), .text(entryKey), .text(definition.start), .int(since),
                .int(enteredAt), .bool(entering), .int(lease?.until ?? due), .optional(wakeOn), .int(now),
                .optional(lease?.until), .optional(lease?.token),
            ] + members.arguments + [g, j] + earlier.arguments + members.arguments + [
                .int(Int64(definition.maximumEntries)), .int(latestAllowed),
            ])
    }

    /// The statements moving many runs at once to their steps' new positions (or ends), each only
    /// while the run is still leased under `token`, answering `group_id, id` of each run moved: a few
    /// `UPDATE … FROM` over derived tables. The updates also clear the leases: every step advances or
    /// ends its run, so no run stays leased. An ended run — here or when its plan is stopped — keeps
    /// its last `wake_on`, which only active runs are woken by (``JourneyTrigger``): clearing it made
    /// SQLite rewrite the run's entry in the member index (by group, member, wake_on) for every run a
    /// blast ended, a third of the update.
    ///
    /// A run whose lease told where its row was (``JourneyRun/leasedRow``) is found there, its id and
    /// lease checked; one whose row has moved since (a wake-up rewrote it) is not moved by these
    /// statements, and is moved in a second round (``completeJourneySteps``), found by its entry
    /// (journey, member, entry key: PostgreSQL's key of `journey_runs`) and its id checked.
    static func moves(_ steps: [JourneyStep], token: String, at: Int64, dialect: SQLDialect) -> [SQLStatement] {
        let address = rowAddress(dialect)
        var waits: [Bool: [[SQLValue]]] = [:]
        var ends: [Bool: [[SQLValue]]] = [:]
        for step in steps {
            let run = step.run
            var key = [SQLValue.text(run.group.rawValue), .text(run.id)]
            let row = run.leasedRow.flatMap { dialect == .postgres ? .text($0) : Int64($0).map(SQLValue.int) }
            key += row.map { [$0] } ?? [.text(run.journeyID), .text(run.member.rawValue), .text(run.entryKey)]
            switch step.advance.next {
            case .wait(let state, let due):
                waits[row != nil, default: []].append(
                    key + [
                        .text(state.node), .int(state.since), .bool(state.entering), .int(due),
                        .optional(step.wakeOn),
                    ])
            case .finished(let node, let outcome):
                ends[row != nil, default: []].append(key + [.text(node), .text(outcome.rawValue)])
            }
        }
        let now = SQLValue.int(at)
        let waitColumns: [(name: String, type: String)] = [
            ("node", "TEXT"), ("since", "BIGINT"), ("entering", "BOOLEAN"), ("due", "BIGINT"), ("wake", "TEXT"),
        ]
        let endColumns: [(name: String, type: String)] = [("node", "TEXT"), ("outcome", "TEXT")]
        return [false, true].flatMap { located in
            let keys: [(name: String, type: String)] =
                [("g", "TEXT"), ("id", "TEXT")]
                + (located ? [("address", address.type)] : [("j", "TEXT"), ("m", "TEXT"), ("k", "TEXT")])
            return updates(
                waits[located] ?? [], keys: keys, columns: waitColumns, located: located, dialect: dialect,
                token: token,
                set:
                    "node_id = u.node, since = u.since, entering = u.entering, due_at = u.due, wake_on = u.wake, "
                    + "lease_token = NULL, lease_until = NULL, updated_at = ?",
                arguments: [now])
                + updates(
                    ends[located] ?? [], keys: keys, columns: endColumns, located: located, dialect: dialect,
                    token: token,
                    set:
                        "node_id = u.node, status = 'done', outcome = u.outcome, finished_at = ?, "
                        + "lease_token = NULL, lease_until = NULL, updated_at = ?",
                    arguments: [now, now])
        }
    }

    /// The statements writing many steps' effects at once: the nodes visited and the messages queued
    /// as multi-row inserts, grants, guide tasks, tracked links and tag changes — a blast writes
    /// thousands of steps in a few dozen statements. Only for steps whose runs ``moves(_:token:at:dialect:)``
    /// moved, in the same transaction.
    ///
    /// Visits are counted per node and branch (`journey_node_counts`, one upsert per node a batch
    /// passed); a row per visit is kept only for a visit that took a branch, which the split analysis
    /// reads per member. A blast's send and exit visits were two rows per member, a sixth of its
    /// writes (`BENCHMARKS.md`, session 19).
    static func effects(_ steps: [JourneyStep], at: Int64, dialect: SQLDialect) -> [SQLStatement] {
        var statements: [SQLStatement] = []
        var visits: [[SQLValue]] = []
        var counts: [[String]: Int64] = [:]
        var messages: [[SQLValue]] = []
        var links: [[SQLValue]] = []
        var grants: [[SQLValue]] = []
        var tasks: [[SQLValue]] = []
        for step in steps {
            let (run, advance) = (step.run, step.advance)
            let (g, r) = (SQLValue.text(run.group.rawValue), SQLValue.text(run.id))
            let (b, m) = (SQLValue.text(run.brandID.rawValue), SQLValue.text(run.member.rawValue))
            for (index, action) in advance.actions.enumerated() {
                switch action {
                case .visit(let node, let branch):
                    counts[[run.group.rawValue, run.journeyID, node, branch ?? ""], default: 0] += 1
                    guard let branch else { break }
                    // Visits in one step share its time; the index keeps a loop's passes apart.
                    visits.append([
                        g, r, .text(node), .int(at + Int64(index)), .text(run.journeyID), .int(run.version), m,
                        .text(branch),
                    ])
                case .tag(let node, let name, let add):
                    statements += tag(run, node: node, name: name, add: add, at: at)
                case .grant(let node, let grant, let budget?):
                    statements += budgetedGrant(run, node: node, grant: grant, budget: budget, at: at)
                case .grant(let node, let grant, nil):
                    grants.append(grantRow(run, node: node, grant: grant, at: at))
                case .task(let node, let title, let dueHours):
                    tasks.append([
                        g, .text(run.effectKey(node: node)), b, m, .text(run.journeyID), .text(node), .text(title),
                        .int(at + Int64(dueHours) * 3_600_000_000), .int(at),
                    ])
                case .send(let node, let channel, let template), .suppress(let node, let channel, let template, _):
                    let key = run.effectKey(node: node)
                    var reason: String?
                    if case .suppress(_, _, _, let failure) = action { reason = failure.rawValue }
                    // The log channel is the outbox itself: handing the message over is writing it.
                    let delivered = channel == "log" && reason == nil
                    let status = reason != nil ? "failed" : delivered ? "delivered" : "queued"
                    messages.append([
                        g, .text(key), .text(key), .text(run.journeyID), .int(run.version), r, .text(node), m, b,
                        .text(channel), .text(template), .text(status), .optional(reason), .int(at),
                        delivered ? .int(at) : .null, .optional(step.rendered[node]?.subject),
                        .optional(reason == nil ? step.rendered[node]?.body : nil),
                        status == "queued" ? .int(at) : .null,
                        .optional(
                            step.rendered[node].flatMap {
                                $0.fields.isEmpty ? nil : SQLTesseraStore.fieldsJSON($0.fields)
                            }
                        ),
                    ])
                }
            }
            for link in step.links {
                links.append([
                    .text(link.token), g, .text(link.messageKey), .int(Int64(link.position)), .text(link.url),
                ])
            }
        }
        statements += SQLBuilder.insert(
            into: "journey_visits",
            columns: ["group_id", "run_id", "node_id", "at", "journey_id", "version", "member_id", "branch"],
            rows: visits)
        statements += SQLBuilder.insert(
            into: "journey_messages",
            columns: [
                "group_id", "id", "idempotency_key", "journey_id", "version", "run_id", "node_id", "member_id",
                "brand_id", "channel", "template", "status", "reason", "created_at", "delivered_at", "subject", "body",
                "next_attempt_at", "fields",
            ], markers: Array(repeating: "?", count: 18) + ["?::jsonb"], rows: messages,
            suffix: "ON CONFLICT (group_id, id) DO NOTHING")
        statements += SQLBuilder.insert(
            into: "journey_grants", columns: grantColumns,
            markers: Array(repeating: "?", count: 9) + ["?::jsonb"] + Array(repeating: "?", count: 3), rows: grants,
            suffix: "ON CONFLICT (group_id, id) DO NOTHING")
        // A task goes to the member's guide at the time it is created (none: unassigned, `guide` null).
        // `WHERE 1 = 1`: SQLite reads `ON CONFLICT` straight after a join as the join's `ON`.
        let taskColumns: [(name: String, type: String)] = [
            ("g", "TEXT"), ("id", "TEXT"), ("b", "TEXT"), ("m", "TEXT"), ("j", "TEXT"), ("node", "TEXT"),
            ("title", "TEXT"), ("due", "BIGINT"), ("at", "BIGINT"),
        ]
        for chunk in SQLBuilder.chunks(tasks, largest: 128) {
            let table = SQLBuilder.derivedTable(columns: taskColumns, rows: Array(chunk), dialect: dialect)
            statements.append(
                SQLStatement(
                    """
                    INSERT INTO guide_tasks (group_id, id, brand_id, member_id, guide, journey_id, node_id, title, status, \
                    due_at, created_at) SELECT u.g, u.id, u.b, u.m, m.guide, u.j, u.node, u.title, 'open', u.due, u.at \
                    FROM (\(table.sql)) AS \(SQLBuilder.derivedAlias(taskColumns, dialect: dialect)) \
                    JOIN members m ON m.group_id = u.g AND m.id = u.m WHERE 1 = 1 ON CONFLICT (group_id, id) DO NOTHING
                    """, table.arguments))
        }
        statements += SQLBuilder.insert(
            into: "journey_links", columns: ["token", "group_id", "message_id", "position", "url"], rows: links,
            suffix: "ON CONFLICT (token) DO NOTHING")
        // Last, and in key order: concurrent batches (PostgreSQL) lock the counters they share in one
        // order and hold them only until the commit that follows. Counted before the messages were
        // written, a blast's batches queued behind each other's message inserts (2.2 ms a batch).
        statements += SQLBuilder.insert(
            into: "journey_node_counts", columns: ["group_id", "journey_id", "node_id", "branch", "visits"],
            rows: counts.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map { key, count in
                key.map(SQLValue.text) + [.int(count)]
            },
            suffix: """
                ON CONFLICT (group_id, journey_id, node_id, branch) DO UPDATE \
                SET visits = journey_node_counts.visits + excluded.visits
                """)
        return statements
    }

    /// Sets `set` (over `columns`, read as `u.<name>`, after the `keys`: group, id and either the row
    /// address, when `located`, or the journey, member and entry key) on the runs `rows` name that are still leased
    /// under `token`, answering `group_id, id` of each. On SQLite, runs that share every value — a
    /// blast's members all reach the same node at the same journey time — are updated by one
    /// `WHERE id IN (…)` per distinct tuple (located: also `rowid IN (…)`); otherwise, and always on
    /// PostgreSQL (which has no index by run id), by `UPDATE … FROM` a derived table (128 rows on
    /// SQLite, 1,000 in PostgreSQL's arrays), joined by row address or by entry.
    private static func updates(
        _ rows: [[SQLValue]], keys: [(name: String, type: String)], columns: [(name: String, type: String)],
        located: Bool, dialect: SQLDialect, token: String, set: String, arguments: [SQLValue]
    ) -> [SQLStatement] {
        guard !rows.isEmpty else { return [] }
        let keyCount = keys.count
        let shared = Dictionary(grouping: rows) { row in [row[0]] + row.dropFirst(keyCount) }
        if shared.count * 64 <= rows.count, dialect == .sqlite {
            var statements: [SQLStatement] = []
            for (key, group) in shared.sorted(by: { "\($0.key)" < "\($1.key)" }) {
                let values = Array(key.dropFirst())
                // Inline the shared values as a one-row table so `set` reads them as `u.<name>` as well.
                let names = columns
                let single = zip(names, values).map { column, _ in "CAST(? AS \(column.type)) AS \(column.name)" }
                for chunk in SQLBuilder.chunks(group, largest: 500) {
                    let ids = chunk.map { $0[1] }
                    let rowIDs = located ? chunk.map { $0[2] } : []
                    let where_ =
                        located ? "journey_runs.rowid IN (\(SQLBuilder.markers(rowIDs.count))) AND " : ""
                    statements.append(
                        SQLStatement(
                            """
                            UPDATE journey_runs SET \(set) FROM (SELECT \(single.joined(separator: ", "))) AS u \
                            WHERE \(where_)journey_runs.group_id = ? AND journey_runs.id IN (\(SQLBuilder.markers(ids.count))) \
                            AND journey_runs.lease_token = ? RETURNING journey_runs.group_id, journey_runs.id
                            """, arguments + values + rowIDs + [key[0]] + ids + [.text(token)]))
                }
            }
            return statements
        }
        let found =
            located
            ? "journey_runs.\(rowAddress(dialect).column) = u.address"
            : "journey_runs.journey_id = u.j AND journey_runs.member_id = u.m AND journey_runs.entry_key = u.k"
        return SQLBuilder.chunks(rows, largest: dialect == .postgres ? 1_000 : 128).map { chunk in
            let table = SQLBuilder.derivedTable(columns: keys + columns, rows: Array(chunk), dialect: dialect)
            return SQLStatement(
                """
                UPDATE journey_runs SET \(set) FROM (\(table.sql)) AS \(SQLBuilder.derivedAlias(keys + columns, dialect: dialect)) \
                WHERE \(found) AND journey_runs.group_id = u.g AND journey_runs.id = u.id \
                AND journey_runs.lease_token = ? RETURNING journey_runs.group_id, journey_runs.id
                """, arguments + table.arguments + [.text(token)])
        }
    }

    static let grantColumns = [
        "group_id", "id", "journey_id", "version", "run_id", "node_id", "member_id", "brand_id", "kind", "spec",
        "status",
        "created_at", "next_attempt_at",
    ]

    /// A queued grant (the loyalty services apply it after the step commits).
    private static func grantRow(_ run: JourneyRun, node: String, grant: JourneyGrant, at: Int64) -> [SQLValue] {
        [
            .text(run.group.rawValue), .text(run.effectKey(node: node)), .text(run.journeyID), .int(run.version),
            .text(run.id), .text(node), .text(run.member.rawValue), .text(run.brandID.rawValue), .text(grant.kind),
            .text(grant.json.jsonText), .text("queued"), .int(at), .int(at),
        ]
    }

    /// A grant from a node with a budget: queued when the node's counter still has room, else failed
    /// with `budget_exhausted`. The counter's row is updated first, which on PostgreSQL locks it until
    /// the step commits, so concurrent workers take the budget's last units one at a time; `last_key`
    /// tells the insert whether this grant was the one counted.
    private static func budgetedGrant(_ run: JourneyRun, node: String, grant: JourneyGrant, budget: Int, at: Int64)
        -> [SQLStatement]
    {
        let key = SQLValue.text(run.effectKey(node: node))
        let counter: [SQLValue] = [.text(run.group.rawValue), .text(run.journeyID), .text(node)]
        let counted =
            "EXISTS (SELECT 1 FROM journey_budgets WHERE group_id = ? AND journey_id = ? AND node_id = ? AND last_key = ?)"
        var row = grantRow(run, node: node, grant: grant, at: at)
        row.removeLast(3)
        return [
            SQLStatement(
                """
                INSERT INTO journey_budgets (group_id, journey_id, node_id, used) VALUES (?, ?, ?, 0) \
                ON CONFLICT (group_id, journey_id, node_id) DO NOTHING
                """, counter),
            SQLStatement(
                """
                UPDATE journey_budgets SET used = used + 1, last_key = ? WHERE group_id = ? AND journey_id = ? \
                AND node_id = ? AND used < ?
                """, [key] + counter + [.int(Int64(budget))]),
            SQLStatement(
                """
                INSERT INTO journey_grants (\(grantColumns.joined(separator: ", ")), reason) \
                SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, CASE WHEN \(counted) THEN 'queued' ELSE 'failed' END, ?, \
                CASE WHEN \(counted) THEN ? END, CASE WHEN \(counted) THEN NULL ELSE 'budget_exhausted' END \
                WHERE 1 = 1 ON CONFLICT (group_id, id) DO NOTHING
                """,
                row + counter + [key, .int(at)] + counter + [key, .int(at)] + counter + [key]),
        ]
    }

    /// A journey's tag change with its history row (only when the member's tags really change).
    private static func tag(_ run: JourneyRun, node: String, name: String, add: Bool, at: Int64) -> [SQLStatement] {
        let (g, b, m) = (
            SQLValue.text(run.group.rawValue), SQLValue.text(run.brandID.rawValue), SQLValue.text(run.member.rawValue)
        )
        let actor = SQLValue.text("journey:\(run.journeyID)")
        let history = SQLValue.text("\(run.effectKey(node: node)):\(at)")
        return [
            SQLStatement(
                """
                INSERT INTO tag_history (group_id, id, brand_id, member_id, tag, action, source, actor, occurred_at) \
                SELECT ?, ?, ?, ?, ?, ?, 'journey', ?, ? WHERE \(add ? "NOT " : "")EXISTS (SELECT 1 FROM member_tags \
                WHERE group_id = ? AND brand_id = ? AND member_id = ? AND tag = ?)
                """,
                [
                    g, history, b, m, .text(name), .text(add ? "added" : "removed"), actor, .int(at), g, b, m,
                    .text(name),
                ]),
            add
                ? SQLStatement(
                    """
                    INSERT INTO member_tags (group_id, brand_id, member_id, tag, source, actor, tagged_at) \
                    VALUES (?, ?, ?, ?, 'journey', ?, ?) ON CONFLICT (group_id, brand_id, member_id, tag) DO NOTHING
                    """, [g, b, m, .text(name), actor, .int(at)])
                : SQLStatement(
                    "DELETE FROM member_tags WHERE group_id = ? AND brand_id = ? AND member_id = ? AND tag = ?",
                    [g, b, m, .text(name)]),
        ]
    }
}
