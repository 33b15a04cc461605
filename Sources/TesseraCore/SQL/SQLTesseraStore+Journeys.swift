public import Foundation
public import TesseraDomain

extension SQLTesseraStore {
    static let journeyColumns = "id, brand_id, name, status, version, CAST(draft AS TEXT), created_at, updated_at"

    static func journeyRecord(_ row: SQLRow) throws -> JourneyRecord {
        JourneyRecord(
            id: row.text(0) ?? "", brandID: BrandID(row.text(1) ?? ""), name: row.text(2) ?? "",
            status: JourneyRecord.Status(rawValue: row.text(3) ?? "") ?? .draft, version: row.int(4) ?? 0,
            draft: try JSONParser.parse(Array((row.text(5) ?? "{}").utf8)),
            createdAt: Timestamp.date(row.int(6) ?? 0), updatedAt: Timestamp.date(row.int(7) ?? 0))
    }

    public func saveJourney(group: GroupID, brand: BrandID, name: String, draft: JSONValue, id: String, at: Date)
        async throws -> (record: JourneyRecord, created: Bool)
    {
        let now = SQLValue.int(Timestamp.micros(at))
        let record = try await driver.run(
            QueryProgram(
                SQLStatement(
                    """
                    INSERT INTO journeys (group_id, id, brand_id, name, status, version, draft, created_at, updated_at) \
                    VALUES (?, ?, ?, ?, 'draft', 0, ?::jsonb, ?, ?) ON CONFLICT (group_id, brand_id, name) \
                    DO UPDATE SET draft = excluded.draft, updated_at = excluded.updated_at \
                    RETURNING \(Self.journeyColumns)
                    """,
                    [
                        .text(group.rawValue), .text(id), .text(brand.rawValue), .text(name), .text(draft.jsonText),
                        now,
                        now,
                    ]),
                map: { rows in try rows.first.map(Self.journeyRecord) }),
            writes: true)
        guard let record else { throw TesseraError.notFound("journey \(name) could not be saved") }
        return (record, record.id == id)
    }

    public func journeys(group: GroupID, brand: BrandID) async throws -> [JourneyRecord] {
        try await driver.run(
            QueryProgram(
                SQLStatement(
                    "SELECT \(Self.journeyColumns) FROM journeys WHERE group_id = ? AND brand_id = ? ORDER BY name",
                    [.text(group.rawValue), .text(brand.rawValue)]),
                map: { try $0.map(Self.journeyRecord) }), writes: false)
    }

    public func journey(group: GroupID, brand: BrandID, id: String) async throws -> JourneyRecord? {
        try await driver.run(Self.selectJourney(group: group, brand: brand, id: id), writes: false)
    }

    public func journey(group: GroupID, brand: BrandID, named name: String) async throws -> JourneyRecord? {
        try await driver.run(
            QueryProgram(
                SQLStatement(
                    "SELECT \(Self.journeyColumns) FROM journeys WHERE group_id = ? AND brand_id = ? AND name = ?",
                    [.text(group.rawValue), .text(brand.rawValue), .text(name)]),
                map: { rows in try rows.first.map(Self.journeyRecord) }), writes: false)
    }

    static func selectJourney(group: GroupID, brand: BrandID, id: String) -> QueryProgram<JourneyRecord?> {
        QueryProgram(
            SQLStatement(
                "SELECT \(journeyColumns) FROM journeys WHERE group_id = ? AND brand_id = ? AND id = ?",
                [.text(group.rawValue), .text(brand.rawValue), .text(id)]),
            map: { rows in try rows.first.map(Self.journeyRecord) })
    }

    public func publishJourney(
        group: GroupID, brand: BrandID, id: String, definition: JourneyDefinition, timeZone: TimeZone, at: Date
    ) async throws -> JourneyRecord {
        let (g, j, now) = (SQLValue.text(group.rawValue), SQLValue.text(id), SQLValue.int(Timestamp.micros(at)))
        let program = ChainedProgram(Self.selectJourney(group: group, brand: brand, id: id)) { found in
            guard let found else { throw TesseraError.notFound("no journey \(id) in this brand") }
            guard found.status != .stopped else {
                throw TesseraError.rejected(
                    code: "journey_stopped", field: "status", reason: "a stopped journey cannot be published again")
            }
            let version = SQLValue.int(found.version + 1)
            var statements = [
                SQLStatement(
                    """
                    INSERT INTO journey_versions (group_id, journey_id, version, definition, published_at) \
                    VALUES (?, ?, ?, ?::jsonb, ?)
                    """, [g, j, version, .text(found.draft.jsonText), now]),
                SQLStatement(
                    "UPDATE journeys SET version = ?, status = 'published', updated_at = ? WHERE group_id = ? AND id = ?",
                    [version, now, g, j]),
                SQLStatement("DELETE FROM journey_triggers WHERE group_id = ? AND journey_id = ?", [g, j]),
            ]
            switch definition.entry {
            case .event(let matcher, _, _, _):
                statements.append(
                    SQLStatement(
                        "INSERT INTO journey_triggers (group_id, brand_id, name, journey_id, version) VALUES (?, ?, ?, ?, ?)",
                        [g, .text(brand.rawValue), .text(matcher.name), j, version]))
            case .scheduledOnce(_, let due):
                statements.append(
                    SQLStatement(
                        "INSERT INTO journey_schedules (group_id, journey_id, version, due_at, done) VALUES (?, ?, ?, ?, ?)",
                        [g, j, version, .int(due), .bool(false)]))
            case .recurring(_, let schedule):
                statements.append(
                    SQLStatement(
                        """
                        INSERT INTO journey_schedules (group_id, journey_id, version, due_at, done, time_zone) \
                        VALUES (?, ?, ?, ?, ?, ?)
                        """,
                        [
                            g, j, version, .int(schedule.next(after: Timestamp.micros(at), in: timeZone)), .bool(false),
                            .text(timeZone.identifier),
                        ]))
            }
            return ChainedProgram(ExecuteProgram(statements)) { _ in
                Self.selectJourney(group: group, brand: brand, id: id)
            }
        }
        guard let record = try await driver.run(program, writes: true) else {
            throw TesseraError.notFound("no journey \(id) in this brand")
        }
        return record
    }

    public func setJourneyStatus(
        group: GroupID, brand: BrandID, id: String, to status: JourneyRecord.Status, at: Date
    ) async throws -> JourneyRecord {
        let (g, j, now) = (SQLValue.text(group.rawValue), SQLValue.text(id), SQLValue.int(Timestamp.micros(at)))
        let program = ChainedProgram(Self.selectJourney(group: group, brand: brand, id: id)) { found in
            guard let found else { throw TesseraError.notFound("no journey \(id) in this brand") }
            let allowed: Bool =
                switch (found.status, status) {
                case (.published, .paused), (.paused, .published), (.draft, .stopped), (.published, .stopped),
                    (.paused, .stopped):
                    true
                default: false
                }
            guard allowed else {
                throw TesseraError.rejected(
                    code: "journey_status", field: "status",
                    reason: "a \(found.status.rawValue) journey cannot become \(status.rawValue)")
            }
            var statements = [
                SQLStatement(
                    "UPDATE journeys SET status = ?, updated_at = ? WHERE group_id = ? AND id = ?",
                    [.text(status.rawValue), now, g, j])
            ]
            if status == .stopped {
                statements += [
                    SQLStatement(
                        """
                        UPDATE journey_runs SET status = 'done', outcome = 'stopped', finished_at = ?, updated_at = ? \
                        WHERE group_id = ? AND journey_id = ? AND status = 'active'
                        """, [now, now, g, j]),
                    SQLStatement("DELETE FROM journey_triggers WHERE group_id = ? AND journey_id = ?", [g, j]),
                    SQLStatement(
                        "UPDATE journey_schedules SET done = ? WHERE group_id = ? AND journey_id = ?",
                        [.bool(true), g, j]),
                ]
            }
            return ChainedProgram(ExecuteProgram(statements)) { _ in
                Self.selectJourney(group: group, brand: brand, id: id)
            }
        }
        guard let record = try await driver.run(program, writes: true) else {
            throw TesseraError.notFound("no journey \(id) in this brand")
        }
        return record
    }

    public func journeyVersion(group: GroupID, journeyID: String, version: Int64) async throws -> JSONValue? {
        try await driver.run(
            QueryProgram(
                SQLStatement(
                    """
                    SELECT CAST(definition AS TEXT) FROM journey_versions WHERE group_id = ? AND journey_id = ? \
                    AND version = ?
                    """, [.text(group.rawValue), .text(journeyID), .int(version)]),
                map: { rows in try rows.first?.text(0).map { try JSONParser.parse(Array($0.utf8)) } }),
            writes: false)
    }

    public func enterScheduledJourneys(now: Date, group: GroupID?, lease: (token: String, seconds: Int64)?)
        async throws -> ScheduledEntry
    {
        try await enterScheduledJourneys(now: now, group: group, chunk: JourneySQL.entryChunk, lease: lease)
    }

    /// ``enterScheduledJourneys(now:group:lease:)`` entering at most `chunk` members of each
    /// schedule's segment per call (tests name a small one).
    ///
    /// Each due schedule is locked (skipped by other workers while locked), its next chunk of
    /// members after `entered_through` (in member id order) is entered, and the cursor moves on — or,
    /// after the last chunk, the schedule is done (once) or moves to its next occurrence (recurring).
    /// Members who join the segment behind the cursor while an occurrence is being entered are not
    /// entered by it; the chunk's participation guardrails and `ON CONFLICT` make a repeated chunk
    /// enter nobody twice.
    /// A leased chunk's runs come back as a lease answers them, so the worker entering them steps
    /// them without leasing them again: the lease's update was a tenth of a blast's statement time
    /// on PostgreSQL (`BENCHMARKS.md`, session 22).
    public func enterScheduledJourneys(
        now: Date, group: GroupID?, chunk: Int, lease: (token: String, seconds: Int64)? = nil
    ) async throws -> ScheduledEntry {
        let micros = Timestamp.micros(now)
        let dialect = driver.dialect
        let entryLease = lease.map {
            JourneySQL.EntryLease(token: $0.token, until: micros + $0.seconds * 1_000_000, dialect: dialect)
        }
        let lock = driver.dialect == .postgres ? " FOR UPDATE OF s SKIP LOCKED" : ""
        let select = SQLStatement(
            """
            SELECT s.group_id, s.journey_id, s.version, j.brand_id, CAST(v.definition AS TEXT), s.due_at, s.time_zone, \
            s.entered_through FROM journey_schedules s \
            JOIN journeys j ON j.group_id = s.group_id AND j.id = s.journey_id AND j.status = 'published' \
            JOIN journey_versions v ON v.group_id = s.group_id AND v.journey_id = s.journey_id AND v.version = s.version \
            WHERE s.done = ? AND s.due_at <= ?\(group == nil ? "" : " AND s.group_id = ?")\(lock)
            """, [.bool(false), .int(micros)] + (group.map { [SQLValue.text($0.rawValue)] } ?? []))
        /// A due schedule read: the segment it enters, and the occurrence's time — a one-off plan's own
        /// time; a recurring plan's due time (a worker that was down enters the latest missed occurrence
        /// once and goes on from now).
        struct Due {
            var group: String, journey: String, version: Int64, brand: String, due: Int64, timeZone: String?
            var after: String?, definition: JourneyDefinition, segment: String, occurrence: Int64
            var recurrence: JourneySchedule?
        }
        let program = ChainedProgram(
            QueryProgram(select) { rows in
                rows.compactMap { row -> Due? in
                    guard let group = row.text(0), let journey = row.text(1), let version = row.int(2),
                        let brand = row.text(3), let text = row.text(4), let due = row.int(5),
                        let definition = try? JourneyParser.parse(try JSONParser.parse(Array(text.utf8)))
                    else { return nil }
                    let (segment, occurrence, recurrence): (String, Int64, JourneySchedule?)
                    switch definition.entry {
                    case .scheduledOnce(let once, let at): (segment, occurrence, recurrence) = (once, at, nil)
                    case .recurring(let every, let schedule): (segment, occurrence, recurrence) = (every, due, schedule)
                    case .event: return nil
                    }
                    return Due(
                        group: group, journey: journey, version: version, brand: brand, due: due,
                        timeZone: row.text(6), after: row.text(7), definition: definition, segment: segment,
                        occurrence: occurrence, recurrence: recurrence)
                }
            }
        ) { schedules in
            // Where each schedule's chunk ends: its last member, or none when the rest fits in it.
            ChainedProgram(
                QueriesProgram(
                    schedules.map { schedule in
                        SQLStatement(
                            """
                            SELECT member_id FROM segment_members WHERE group_id = ? AND segment_id = ? \
                            AND member_id > ? ORDER BY member_id LIMIT 1 OFFSET ?
                            """,
                            [
                                .text(schedule.group), .text(schedule.segment), .text(schedule.after ?? ""),
                                .int(Int64(chunk - 1)),
                            ])
                    }, map: { $0.map { $0.first?.text(0) } })
            ) { ends in
                var entries: [SQLStatement] = []
                var statements: [SQLStatement] = []
                for (schedule, end) in zip(schedules, ends) {
                    let key: [SQLValue] = [.text(schedule.group), .text(schedule.journey), .int(schedule.version)]
                    entries.append(
                        JourneySQL.enterSegment(
                            group: GroupID(schedule.group), brand: BrandID(schedule.brand), journey: schedule.journey,
                            version: schedule.version, definition: schedule.definition, segment: schedule.segment,
                            members: (after: schedule.after, through: end), at: schedule.occurrence, now: micros,
                            lease: entryLease))
                    if let end {
                        statements.append(
                            SQLStatement(
                                """
                                UPDATE journey_schedules SET entered_through = ? \
                                WHERE group_id = ? AND journey_id = ? AND version = ?
                                """, [.text(end)] + key))
                    } else if let recurrence = schedule.recurrence {
                        let timeZone = schedule.timeZone.flatMap(TimeZone.init(identifier:)) ?? .gmt
                        statements.append(
                            SQLStatement(
                                """
                                UPDATE journey_schedules SET due_at = ?, entered_through = NULL \
                                WHERE group_id = ? AND journey_id = ? AND version = ?
                                """,
                                [.int(recurrence.next(after: max(schedule.due, micros), in: timeZone))] + key))
                    } else {
                        statements.append(
                            SQLStatement(
                                """
                                UPDATE journey_schedules SET done = ?, entered_through = NULL \
                                WHERE group_id = ? AND journey_id = ? AND version = ?
                                """, [.bool(true)] + key))
                    }
                }
                let started = schedules.contains { $0.after == nil }
                let unfinished = ends.count(where: { $0 != nil })
                let cursors = statements
                return ChainedProgram(
                    QueriesProgram(entries) { $0.joined().compactMap(JourneySQL.run) }
                ) { runs in
                    WriteProgram(
                        statements: cursors, output: (started, ScheduledEntry(unfinished: unfinished, runs: runs)))
                }
            }
        }
        let (started, entered) = try await driver.run(program, writes: true)
        if started, driver.dialect == .postgres {
            // A schedule may just have begun adding a whole segment's runs. Until autovacuum analyses
            // the table, PostgreSQL plans the blast's leases and step writes for the table as it was:
            // at 100k members they took 120–160 ms each and the blast ran at ~2,000 instead of ~5,000
            // messages/s, in most runs (BENCHMARKS.md, session 15).
            try await driver.run(ExecuteProgram([SQLStatement("ANALYZE journey_runs", [])]), writes: true)
        }
        return entered
    }

    public func claimJourneyRuns(now: Date, limit: Int, leaseSeconds: Int64, token: String, group: GroupID?)
        async throws -> [JourneyRun]
    {
        let micros = Timestamp.micros(now)
        let lock = driver.dialect == .postgres ? " FOR UPDATE OF r SKIP LOCKED" : ""
        let scope = group.map { (" AND group_id = ?", [SQLValue.text($0.rawValue)]) } ?? ("", [])
        // The published plans are read first and named as constants. Joined to `journeys` instead,
        // PostgreSQL estimated the join on (group, journey) at 0.1% of the due runs, so it sorted all
        // of them rather than walk the due index until the limit: 80–120 ms per lease of 500 in a
        // 100k-member blast, against 1 ms. (Journey ids are generated, unique across groups.) The runs
        // chosen are updated where the choice found them, by physical address: joined back through the
        // primary key of long text ids instead, the lease cost twice as much (`BENCHMARKS.md`, session
        // 21). A row locked by the choice stays where it is until the update, in the same statement.
        let address = JourneySQL.rowAddress(driver.dialect).column
        let (choose, chosen) = driver.dialect == .postgres ? ("= ANY(ARRAY(", "))") : ("IN (", ")")
        let published = QueryProgram(
            SQLStatement("SELECT id FROM journeys WHERE status = 'published'\(scope.0)", scope.1),
            map: { $0.compactMap { $0.text(0) } })
        return try await driver.run(
            ChainedProgram(published) { journeys in
                OptionalProgram(
                    program: journeys.isEmpty
                        ? nil
                        : QueryProgram(
                            SQLStatement(
                                """
                                UPDATE journey_runs SET lease_until = ?, lease_token = ? WHERE \(address) \(choose)\
                                SELECT r.\(address) FROM journey_runs r WHERE r.status = 'active' \
                                AND r.due_at <= ? AND (r.lease_until IS NULL OR r.lease_until < ?) \
                                AND r.journey_id IN (\(SQLBuilder.markers(journeys.count)))\(scope.0) \
                                ORDER BY r.due_at LIMIT ?\(lock)\(chosen) \
                                RETURNING \(JourneySQL.runColumns), CAST(\(address) AS TEXT)
                                """,
                                [.int(micros + leaseSeconds * 1_000_000), .text(token), .int(micros), .int(micros)]
                                    + journeys.map { .text($0) } + scope.1 + [.int(Int64(limit))]),
                            map: { $0.compactMap(JourneySQL.run) }))
            }, writes: true) ?? []
    }

    public func completeJourneySteps(_ steps: [JourneyStep], token: String, at: Date) async throws -> [JourneyRun] {
        guard !steps.isEmpty else { return [] }
        let micros = Timestamp.micros(at)
        let dialect = driver.dialect
        // Only runs still leased under this token are applied: if this worker stalled past its lease
        // and another claimed a run, the other's step is the one that counts. The update moving each
        // run checks the token (on PostgreSQL again after waiting for a concurrent writer of the row,
        // which locks it until the commit) and answers the runs it moved; only their effects are
        // written, in the same transaction. It also clears the lease: one new row version per step.
        // The effects of every step are assembled before the transaction, so SQLite's single writer
        // is not held while thousands of rows are built; only a step lost to another lease makes
        // them again, for the steps that remain.
        //
        // Runs are found where their lease left them (``JourneyRun/leasedRow``); one whose row moved
        // since — rewritten by a wake-up, or leased again by another worker after this one stalled —
        // is looked for by its entry in a second round, where its lease decides as before.
        let effects = JourneySQL.effects(steps, at: micros, dialect: dialect)
        @Sendable func moved(_ rows: [[SQLRow]]) -> Set<String> {
            Set(rows.joined().map { "\($0.text(0) ?? "")/\($0.text(1) ?? "")" })
        }
        let key: @Sendable (JourneyStep) -> String = { "\($0.run.group.rawValue)/\($0.run.id)" }
        let program = ChainedProgram(
            QueriesProgram(JourneySQL.moves(steps, token: token, at: micros, dialect: dialect), map: moved)
        ) { found in
            let elsewhere = steps.filter { $0.run.leasedRow != nil && !found.contains(key($0)) }.map { step in
                var step = step
                step.run.leasedRow = nil
                return step
            }
            return ChainedProgram(
                QueriesProgram(JourneySQL.moves(elsewhere, token: token, at: micros, dialect: dialect), map: moved)
            ) { foundByID in
                let applied = steps.filter { found.contains(key($0)) || foundByID.contains(key($0)) }
                return WriteProgram(
                    statements: applied.count == steps.count
                        ? effects : JourneySQL.effects(applied, at: micros, dialect: dialect),
                    output: applied.map(\.run))
            }
        }
        return try await driver.run(program, writes: true)
    }

    public func claimQueuedGrants(now: Date, limit: Int, leaseSeconds: Int64, token: String, group: GroupID?)
        async throws -> [QueuedGrant]
    {
        try await driver.run(
            QueryProgram(
                QueueSQL.lease(
                    "journey_grants",
                    returning: "group_id, id, journey_id, node_id, member_id, brand_id, CAST(spec AS TEXT), attempts",
                    now: Timestamp.micros(now), leaseSeconds: leaseSeconds, token: token, limit: limit, group: group,
                    dialect: driver.dialect),
                map: { rows in
                    rows.map { row in
                        QueuedGrant(
                            group: GroupID(row.text(0) ?? ""), key: row.text(1) ?? "", journeyID: row.text(2) ?? "",
                            node: row.text(3) ?? "", member: MemberID(row.text(4) ?? ""),
                            brandID: BrandID(row.text(5) ?? ""),
                            grant: (try? JSONParser.parse(Array((row.text(6) ?? "").utf8))).flatMap(
                                JourneyGrant.init(json:)),
                            attempts: Int(row.int(7) ?? 0))
                    }
                }), writes: true)
    }

    public func recordGrants(
        _ outcomes: [(grant: QueuedGrant, outcome: QueuedGrant.Outcome, retryAt: Date?)], token: String, at: Date
    ) async throws {
        let now = SQLValue.int(Timestamp.micros(at))
        let statements = outcomes.map { grant, outcome, retryAt -> SQLStatement in
            func settle(_ set: String, _ arguments: [SQLValue]) -> SQLStatement {
                QueueSQL.settle("journey_grants", set: set, arguments, group: grant.group, id: grant.key, token: token)
            }
            switch outcome {
            case .granted(let result):
                return settle("status = 'granted', result = ?, granted_at = ?, error = NULL", [.text(result), now])
            case .retry(let detail) where retryAt != nil:
                return settle(
                    "next_attempt_at = ?, error = ?", [.optional(retryAt.map(Timestamp.micros)), .text(detail)])
            case .retry(let detail):
                return settle("status = 'failed', reason = 'error', error = ?", [.text(detail)])
            case .failed(let reason, let detail):
                return settle("status = 'failed', reason = ?, error = ?", [.text(reason), .text(detail)])
            }
        }
        guard !statements.isEmpty else { return }
        try await driver.run(ExecuteProgram(statements), writes: true)
    }

    public func journeyGrants(group: GroupID, journeyID: String) async throws -> [String: [String: Int64]] {
        try await driver.run(
            QueryProgram(
                SQLStatement(
                    """
                    SELECT node_id, CASE WHEN status = 'failed' THEN 'failed:' || reason ELSE status END, COUNT(*) \
                    FROM journey_grants WHERE group_id = ? AND journey_id = ? GROUP BY node_id, \
                    CASE WHEN status = 'failed' THEN 'failed:' || reason ELSE status END
                    """, [.text(group.rawValue), .text(journeyID)]),
                map: { rows in
                    var counts: [String: [String: Int64]] = [:]
                    for row in rows { counts[row.text(0) ?? "", default: [:]][row.text(1) ?? ""] = row.int(2) ?? 0 }
                    return counts
                }), writes: false)
    }

    public func guideTasks(group: GroupID, brand: BrandID, guide: String?, status: String?, limit: Int) async throws
        -> [GuideTask]
    {
        var sql = """
            SELECT id, member_id, guide, journey_id, node_id, title, status, due_at, created_at, completed_at \
            FROM guide_tasks WHERE group_id = ? AND brand_id = ?
            """
        var arguments: [SQLValue] = [.text(group.rawValue), .text(brand.rawValue)]
        if let guide {
            sql += " AND guide = ?"
            arguments.append(.text(guide))
        }
        if let status {
            sql += " AND status = ?"
            arguments.append(.text(status))
        }
        return try await driver.run(
            QueryProgram(
                SQLStatement(sql + " ORDER BY due_at, id LIMIT ?", arguments + [.int(Int64(limit))]),
                map: { rows in
                    rows.map { row in
                        GuideTask(
                            id: row.text(0) ?? "", member: MemberID(row.text(1) ?? ""), guide: row.text(2),
                            journeyID: row.text(3) ?? "", node: row.text(4) ?? "", title: row.text(5) ?? "",
                            status: row.text(6) ?? "", dueAt: Timestamp.date(row.int(7) ?? 0),
                            createdAt: Timestamp.date(row.int(8) ?? 0), completedAt: row.int(9).map(Timestamp.date))
                    }
                }), writes: false)
    }

    public func completeGuideTask(id: String, group: GroupID, brand: BrandID, at: Date) async throws -> Bool {
        try await driver.run(
            QueryProgram(
                SQLStatement(
                    """
                    UPDATE guide_tasks SET status = 'done', completed_at = ? WHERE group_id = ? AND brand_id = ? \
                    AND id = ? AND status = 'open' RETURNING id
                    """, [.int(Timestamp.micros(at)), .text(group.rawValue), .text(brand.rawValue), .text(id)]),
                map: { !$0.isEmpty }), writes: true)
    }

    /// Found through the runs' members (the member index), their run ids filtering: no index covers
    /// `run_id`, and reading by it alone scanned the group's messages for every batch.
    public func journeyMessageStates(group: GroupID, runs: [JourneyRun]) async throws
        -> [String: [String: JourneyMessageState]]
    {
        guard !runs.isEmpty else { return [:] }
        var states: [String: [String: JourneyMessageState]] = [:]
        for chunk in SQLBuilder.chunks(runs, largest: driver.dialect == .postgres ? 1_000 : 250) {
            let members = SQLBuilder.oneOf(
                Array(Set(chunk.map(\.member.rawValue))).sorted().map(SQLValue.text), dialect: driver.dialect)
            let ids = SQLBuilder.oneOf(chunk.map { .text($0.id) }, dialect: driver.dialect)
            let rows = try await driver.run(
                QueryProgram(
                    SQLStatement(
                        """
                        SELECT run_id, node_id, status, clicked_at FROM journey_messages WHERE group_id = ? \
                        AND member_id \(members.sql) AND run_id \(ids.sql) ORDER BY created_at
                        """, [.text(group.rawValue)] + members.arguments + ids.arguments), map: { $0 }),
                writes: false)
            // A node sent again (a loop) is judged by its latest message.
            for row in rows {
                let status = row.text(2)
                states[row.text(0) ?? "", default: [:]][row.text(1) ?? ""] = JourneyMessageState(
                    delivered: status == "delivered", clicked: row.int(3) != nil, failed: status == "failed")
            }
        }
        return states
    }

    public func followLink(token: String, at: Date) async throws -> String? {
        let now = SQLValue.int(Timestamp.micros(at))
        let program = ChainedProgram(
            QueryProgram(
                SQLStatement(
                    """
                    UPDATE journey_links SET clicks = clicks + 1, first_clicked_at = COALESCE(first_clicked_at, ?), \
                    last_clicked_at = ? WHERE token = ? RETURNING url, group_id, message_id
                    """, [now, now, .text(token)]),
                map: { rows in rows.first.map { ($0.text(0) ?? "", $0.text(1) ?? "", $0.text(2) ?? "") } })
        ) { link in
            WriteProgram(
                statements: link.map { _, group, message in
                    [
                        SQLStatement(
                            """
                            UPDATE journey_messages SET clicked_at = COALESCE(clicked_at, ?) WHERE group_id = ? AND id = ?
                            """, [now, .text(group), .text(message)])
                    ]
                } ?? [], output: link?.0)
        }
        return try await driver.run(program, writes: true)
    }

    public func journeyStatistics(group: GroupID, journeyID: String) async throws -> JourneyStatistics {
        let key: [SQLValue] = [.text(group.rawValue), .text(journeyID)]
        return try await driver.run(
            QueriesProgram(
                [
                    SQLStatement(
                        """
                        SELECT CASE WHEN status = 'active' THEN 'active' ELSE outcome END, COUNT(*) FROM journey_runs \
                        WHERE group_id = ? AND journey_id = ? GROUP BY CASE WHEN status = 'active' THEN 'active' ELSE outcome END
                        """, key),
                    SQLStatement(
                        """
                        SELECT node_id, branch, visits FROM journey_node_counts WHERE group_id = ? AND journey_id = ?
                        """, key),
                    SQLStatement(
                        """
                        SELECT node_id, status, COUNT(*) FROM journey_messages WHERE group_id = ? AND journey_id = ? \
                        GROUP BY node_id, status
                        """, key),
                ]
            ) { results in
                var statistics = JourneyStatistics(runs: [:], visits: [:], messages: [:])
                for row in results[0] { statistics.runs[row.text(0) ?? "", default: 0] += row.int(1) ?? 0 }
                for row in results[1] {
                    statistics.visits[row.text(0) ?? "", default: [:]][row.text(1) ?? ""] = row.int(2) ?? 0
                }
                for row in results[2] {
                    statistics.messages[row.text(0) ?? "", default: [:]][row.text(1) ?? ""] = row.int(2) ?? 0
                }
                return statistics
            }, writes: false)
    }

    /// Template fields as stored JSON text (`{}` when none).
    static func fieldsJSON(_ fields: [String: String]) -> String {
        JSONValue.object(fields.mapValues(JSONValue.string)).jsonText
    }

    /// Template or message fields from stored JSON text (none when absent or unreadable).
    static func fields(_ text: String?) -> [String: String] {
        guard let text, let json = try? JSONParser.parse(Array(text.utf8)), case .object(let object) = json else {
            return [:]
        }
        return object.compactMapValues(\.stringValue)
    }

    public func deliveryPolicy(group: GroupID, brand: BrandID) async throws -> JSONValue? {
        try await driver.run(
            QueryProgram(
                SQLStatement(
                    "SELECT CAST(policy AS TEXT) FROM messaging_settings WHERE group_id = ? AND brand_id = ?",
                    [.text(group.rawValue), .text(brand.rawValue)]),
                map: { rows in try rows.first?.text(0).map { try JSONParser.parse(Array($0.utf8)) } }),
            writes: false)
    }

    public func saveDeliveryPolicy(_ policy: JSONValue, group: GroupID, brand: BrandID, at: Date) async throws {
        try await driver.run(
            ExecuteProgram([
                SQLStatement(
                    """
                    INSERT INTO messaging_settings (group_id, brand_id, policy, updated_at) VALUES (?, ?, ?::jsonb, ?) \
                    ON CONFLICT (group_id, brand_id) DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at
                    """,
                    [.text(group.rawValue), .text(brand.rawValue), .text(policy.jsonText), .int(Timestamp.micros(at))])
            ]), writes: true)
    }

    public func recentDeliveries(group: GroupID, members: [MemberID], since: Int64) async throws
        -> [MemberID: [String: [Int64]]]
    {
        var result: [MemberID: [String: [Int64]]] = [:]
        for chunk in SQLBuilder.chunks(Array(Set(members)), largest: driver.dialect == .postgres ? 5_000 : 500) {
            let members = SQLBuilder.oneOf(chunk.map { .text($0.rawValue) }, dialect: driver.dialect)
            let rows = try await driver.run(
                QueryProgram(
                    SQLStatement(
                        """
                        SELECT member_id, channel, delivered_at FROM journey_messages WHERE group_id = ? \
                        AND member_id \(members.sql) AND created_at >= ? AND status = 'delivered'
                        """, [.text(group.rawValue)] + members.arguments + [.int(since)]),
                    map: { $0 }), writes: false)
            for row in rows {
                guard let member = row.text(0), let channel = row.text(1), let at = row.int(2) else { continue }
                result[MemberID(member), default: [:]][channel, default: []].append(at)
            }
        }
        return result
    }

    public func saveMessageTemplate(_ template: MessageTemplate, group: GroupID, brand: BrandID, at: Date)
        async throws
    {
        try await driver.run(
            ExecuteProgram([
                SQLStatement(
                    """
                    INSERT INTO message_templates (group_id, brand_id, name, subject, body, html, fields, updated_at) \
                    VALUES (?, ?, ?, ?, ?, ?, ?::jsonb, ?) ON CONFLICT (group_id, brand_id, name) DO UPDATE SET \
                    subject = excluded.subject, body = excluded.body, html = excluded.html, fields = excluded.fields, \
                    updated_at = excluded.updated_at
                    """,
                    [
                        .text(group.rawValue), .text(brand.rawValue), .text(template.name), .optional(template.subject),
                        .text(template.body), .bool(template.html), .text(Self.fieldsJSON(template.fields)),
                        .int(Timestamp.micros(at)),
                    ])
            ]), writes: true)
    }

    public func messageTemplates(group: GroupID, brand: BrandID) async throws -> [MessageTemplate] {
        try await driver.run(
            QueryProgram(
                SQLStatement(
                    """
                    SELECT name, subject, body, html, CAST(fields AS TEXT) FROM message_templates \
                    WHERE group_id = ? AND brand_id = ? ORDER BY name
                    """, [.text(group.rawValue), .text(brand.rawValue)]),
                map: { rows in
                    rows.map {
                        MessageTemplate(
                            name: $0.text(0) ?? "", subject: $0.text(1), body: $0.text(2) ?? "", html: $0.bool(3),
                            fields: Self.fields($0.text(4)))
                    }
                }), writes: false)
    }

    public func journeyMessages(group: GroupID, journeyID: String, status: String?, reason: String?, limit: Int)
        async throws -> [JourneyMessage]
    {
        var sql = """
            SELECT member_id, node_id, channel, template, status, reason, subject, body, created_at, delivered_at, \
            clicked_at, attempts, error FROM journey_messages WHERE group_id = ? AND journey_id = ?
            """
        var arguments: [SQLValue] = [.text(group.rawValue), .text(journeyID)]
        if let status {
            sql += " AND status = ?"
            arguments.append(.text(status))
        }
        if let reason {
            sql += " AND reason = ?"
            arguments.append(.text(reason))
        }
        return try await driver.run(
            QueryProgram(
                SQLStatement(sql + " ORDER BY created_at DESC, id LIMIT ?", arguments + [.int(Int64(limit))]),
                map: { rows in
                    rows.map {
                        JourneyMessage(
                            member: MemberID($0.text(0) ?? ""), node: $0.text(1) ?? "", channel: $0.text(2) ?? "",
                            template: $0.text(3) ?? "", status: $0.text(4) ?? "", reason: $0.text(5),
                            subject: $0.text(6), body: $0.text(7), createdAt: Timestamp.date($0.int(8) ?? 0),
                            deliveredAt: $0.int(9).map(Timestamp.date), clickedAt: $0.int(10).map(Timestamp.date),
                            attempts: Int($0.int(11) ?? 0), error: $0.text(12))
                    }
                }), writes: false)
    }

    public func saveChannel(
        name: String, _ configuration: ChannelConfiguration, group: GroupID, brand: BrandID, at: Date
    ) async throws {
        try await driver.run(
            ExecuteProgram([
                SQLStatement(
                    """
                    INSERT INTO channels (group_id, brand_id, name, kind, config, updated_at) VALUES (?, ?, ?, ?, ?::jsonb, ?) \
                    ON CONFLICT (group_id, brand_id, name) DO UPDATE SET kind = excluded.kind, config = excluded.config, \
                    updated_at = excluded.updated_at
                    """,
                    [
                        .text(group.rawValue), .text(brand.rawValue), .text(name), .text(configuration.kind),
                        .text(configuration.json.jsonText), .int(Timestamp.micros(at)),
                    ])
            ]), writes: true)
    }

    public func channels(group: GroupID, brand: BrandID) async throws -> [String: ChannelConfiguration] {
        try await driver.run(
            QueryProgram(
                SQLStatement(
                    "SELECT name, CAST(config AS TEXT) FROM channels WHERE group_id = ? AND brand_id = ?",
                    [.text(group.rawValue), .text(brand.rawValue)]),
                map: { rows in
                    var channels: [String: ChannelConfiguration] = [:]
                    for row in rows {
                        guard let name = row.text(0), let text = row.text(1),
                            let configuration = try? ChannelConfiguration.parse(try JSONParser.parse(Array(text.utf8)))
                        else { continue }
                        channels[name] = configuration
                    }
                    return channels
                }), writes: false)
    }

    public func claimQueuedMessages(now: Date, limit: Int, leaseSeconds: Int64, token: String) async throws
        -> [OutboundMessage]
    {
        let claimed = try await driver.run(
            QueryProgram(
                QueueSQL.lease(
                    "journey_messages",
                    returning: """
                        group_id, id, idempotency_key, journey_id, node_id, member_id, brand_id, channel, template, \
                        subject, body, attempts, created_at, (SELECT CAST(c.config AS TEXT) FROM channels c \
                        WHERE c.group_id = journey_messages.group_id AND c.brand_id = journey_messages.brand_id \
                        AND c.name = journey_messages.channel), CAST(fields AS TEXT), (SELECT t.html FROM message_templates t \
                        WHERE t.group_id = journey_messages.group_id AND t.brand_id = journey_messages.brand_id \
                        AND t.name = journey_messages.template)
                        """, now: Timestamp.micros(now), leaseSeconds: leaseSeconds, token: token, limit: limit,
                    group: nil, dialect: driver.dialect),
                map: { rows in
                    rows.map { row in
                        OutboundMessage(
                            group: GroupID(row.text(0) ?? ""), id: row.text(1) ?? "", key: row.text(2) ?? "",
                            journeyID: row.text(3) ?? "", node: row.text(4) ?? "", member: MemberID(row.text(5) ?? ""),
                            brandID: BrandID(row.text(6) ?? ""), channel: row.text(7) ?? "",
                            configuration: row.text(13).flatMap { text in
                                try? ChannelConfiguration.parse(try JSONParser.parse(Array(text.utf8)))
                            }, template: row.text(8) ?? "", subject: row.text(9), body: row.text(10),
                            fields: Self.fields(row.text(14)), html: row.bool(15), attempts: Int(row.int(11) ?? 0),
                            createdAt: Timestamp.date(row.int(12) ?? 0))
                    }
                }), writes: true)
        guard !claimed.isEmpty else { return [] }
        var recipients: [GroupID: [MemberID: MessageRecipient]] = [:]
        for (group, messages) in Dictionary(grouping: claimed, by: \.group) {
            recipients[group] = try await messageRecipients(group: group, members: messages.map(\.member))
        }
        return claimed.map { message in
            var message = message
            message.recipient = recipients[message.group]?[message.member] ?? MessageRecipient()
            return message
        }
    }

    public func messageRecipients(group: GroupID, members: [MemberID]) async throws -> [MemberID: MessageRecipient] {
        let ids = Array(Set(members.map(\.rawValue))).sorted()
        guard !ids.isEmpty else { return [:] }
        let list = "(\(SQLBuilder.markers(ids.count)))"
        let g = SQLValue.text(group.rawValue)
        let types = MessageRecipient.contactTypes
        return try await driver.run(
            QueriesProgram([
                SQLStatement(
                    "SELECT id, name, guide FROM members WHERE group_id = ? AND id IN \(list)",
                    [g] + ids.map(SQLValue.text)),
                SQLStatement(
                    """
                    SELECT member_id, type, value FROM member_identifiers WHERE group_id = ? AND member_id IN \(list) \
                    AND type IN (\(SQLBuilder.markers(types.count))) ORDER BY created_at, value
                    """, [g] + ids.map(SQLValue.text) + types.map { .text($0.rawValue) }),
            ]) { results in
                var recipients: [MemberID: MessageRecipient] = [:]
                for row in results[0] {
                    recipients[MemberID(row.text(0) ?? "")] = MessageRecipient(name: row.text(1), guide: row.text(2))
                }
                for row in results[1] {
                    recipients[MemberID(row.text(0) ?? ""), default: MessageRecipient()].contacts[
                        IdentifierType(rawValue: row.text(1) ?? ""), default: []
                    ].append(row.text(2) ?? "")
                }
                return recipients
            }, writes: false)
    }

    public func recordDeliveries(
        _ outcomes: [(message: OutboundMessage, outcome: DeliveryOutcome, retryAt: Date?)], token: String, at: Date
    ) async throws {
        let now = SQLValue.int(Timestamp.micros(at))
        let statements = outcomes.map { message, outcome, retryAt -> SQLStatement in
            func settle(_ set: String, _ arguments: [SQLValue]) -> SQLStatement {
                QueueSQL.settle(
                    "journey_messages", set: set, arguments, group: message.group, id: message.id, token: token)
            }
            switch outcome {
            case .delivered:
                return settle("status = 'delivered', delivered_at = ?, error = NULL", [now])
            case .retry(let detail) where retryAt != nil:
                return settle(
                    "next_attempt_at = ?, error = ?", [.optional(retryAt.map(Timestamp.micros)), .text(detail)])
            case .retry(let detail), .reject(_, let detail):
                var reason = DeliveryFailure.providerError
                if case .reject(let failure, _) = outcome { reason = failure }
                return settle("status = 'failed', reason = ?, error = ?", [.text(reason.rawValue), .text(detail)])
            }
        }
        guard !statements.isEmpty else { return }
        try await driver.run(ExecuteProgram(statements), writes: true)
    }

    public func journeyAttribution(
        group: GroupID, brand: BrandID, journeyID: String, window: Int64, splitNodes: [String],
        model: AttributionModel
    ) async throws -> JourneyAttribution {
        let (g, b, j) = (SQLValue.text(group.rawValue), SQLValue.text(brand.rawValue), SQLValue.text(journeyID))
        let purchased = "COALESCE(o.paid_at, o.placed_at)"
        // The touch an order belongs to: the member's latest delivered (or clicked) message of the brand
        // within the window before the purchase.
        let touched = model == .click ? "clicked_at" : "delivered_at"
        let attributed = """
            FROM orders o JOIN journey_messages a ON a.group_id = o.group_id AND a.id = (SELECT m.id \
            FROM journey_messages m WHERE m.group_id = o.group_id AND m.member_id = o.member_id \
            AND m.brand_id = o.brand_id AND m.status = 'delivered' AND m.\(touched) < \(purchased) \
            AND m.\(touched) >= \(purchased) - ? ORDER BY m.\(touched) DESC, m.id DESC LIMIT 1) \
            WHERE o.group_id = ? AND o.brand_id = ? AND o.status IN \(StoreSQL.purchaseStatuses) AND a.journey_id = ? \
            AND o.member_id IN (SELECT x.member_id FROM journey_messages x WHERE x.group_id = ? AND x.journey_id = ? \
            AND x.status = 'delivered')
            """
        let attributedArguments: [SQLValue] = [.int(window), g, b, j, g, j]
        // Quarter hours (micros / 900 s) fold into local days in any time zone, half and quarter hours included.
        let quarter: Int64 = 900_000_000
        var statements = [
            SQLStatement(
                "SELECT COUNT(DISTINCT member_id) FROM journey_runs WHERE group_id = ? AND journey_id = ?", [g, j]),
            SQLStatement(
                """
                SELECT COUNT(DISTINCT CASE WHEN status = 'delivered' THEN member_id END), \
                COUNT(DISTINCT CASE WHEN clicked_at IS NOT NULL THEN member_id END) FROM journey_messages \
                WHERE group_id = ? AND journey_id = ?
                """, [g, j]),
            SQLStatement(
                "SELECT o.member_id, a.node_id, o.paid_minor - o.refunded_minor, \(purchased) \(attributed)",
                attributedArguments),
            SQLStatement(
                """
                SELECT i.sku, MAX(i.name), CAST(SUM(i.quantity) AS BIGINT), CAST(SUM(i.quantity * i.unit_price_minor) AS BIGINT), \
                COUNT(DISTINCT o.id) \(attributed.replacingOccurrences(of: "FROM orders o ", with: "FROM orders o JOIN order_items i ON i.group_id = o.group_id AND i.order_id = o.id ")) \
                GROUP BY i.sku ORDER BY 4 DESC, i.sku LIMIT 10
                """, attributedArguments),
            SQLStatement(
                """
                SELECT node_id, COUNT(CASE WHEN status = 'delivered' THEN 1 END), COUNT(clicked_at) \
                FROM journey_messages WHERE group_id = ? AND journey_id = ? GROUP BY node_id
                """, [g, j]),
            SQLStatement(
                """
                SELECT delivered_at / \(quarter), COUNT(*) FROM journey_messages WHERE group_id = ? AND journey_id = ? \
                AND status = 'delivered' GROUP BY delivered_at / \(quarter)
                """, [g, j]),
            SQLStatement(
                """
                SELECT clicked_at / \(quarter), COUNT(*) FROM journey_messages WHERE group_id = ? AND journey_id = ? \
                AND clicked_at IS NOT NULL GROUP BY clicked_at / \(quarter)
                """, [g, j]),
        ]
        statements += [
            SQLStatement(
                """
                SELECT kind, COUNT(*), CAST(SUM(CASE WHEN kind IN ('points', 'growth') THEN CAST(result AS BIGINT) \
                ELSE 0 END) AS BIGINT) FROM journey_grants WHERE group_id = ? AND journey_id = ? AND status = 'granted' \
                GROUP BY kind
                """, [g, j]),
            SQLStatement(
                """
                SELECT COUNT(*), CAST(COALESCE(SUM(c.discount_minor), 0) AS BIGINT) FROM journey_grants x \
                JOIN coupons c ON c.group_id = x.group_id AND c.brand_id = x.brand_id AND c.issue_key = 'journey:' || x.id \
                WHERE x.group_id = ? AND x.journey_id = ? AND x.kind = 'coupon' AND c.status = 'redeemed'
                """, [g, j]),
        ]
        if !splitNodes.isEmpty {
            statements.append(
                SQLStatement(
                    """
                    SELECT v.node_id, v.branch, COUNT(DISTINCT v.member_id), COUNT(DISTINCT CASE WHEN EXISTS \
                    (SELECT 1 FROM orders o WHERE o.group_id = v.group_id AND o.member_id = v.member_id AND o.brand_id = ? \
                    AND o.status IN \(StoreSQL.purchaseStatuses) AND \(purchased) > v.at AND \(purchased) <= v.at + ?) \
                    THEN v.member_id END) FROM journey_visits v WHERE v.group_id = ? AND v.journey_id = ? \
                    AND v.branch IS NOT NULL AND v.node_id IN (\(SQLBuilder.markers(splitNodes.count))) \
                    GROUP BY v.node_id, v.branch
                    """, [b, .int(window), g, j] + splitNodes.map(SQLValue.text)))
        }
        return try await driver.run(
            QueriesProgram(statements) { results in
                var attribution = JourneyAttribution()
                attribution.covered = results[0].first?.int(0) ?? 0
                attribution.notified = results[1].first?.int(0) ?? 0
                attribution.clicked = results[1].first?.int(1) ?? 0
                attribution.orders = results[2].map { row in
                    JourneyAttribution.Order(
                        member: MemberID(row.text(0) ?? ""), node: row.text(1) ?? "", amountMinor: row.int(2) ?? 0,
                        purchasedAt: row.int(3) ?? 0)
                }
                attribution.products = results[3].map { row in
                    JourneyAttribution.Product(
                        sku: row.text(0) ?? "", name: row.text(1), quantity: row.int(2) ?? 0,
                        amountMinor: row.int(3) ?? 0, orders: row.int(4) ?? 0)
                }
                for row in results[4] {
                    attribution.messages[row.text(0) ?? ""] = JourneyAttribution.Messages(
                        delivered: row.int(1) ?? 0, clicked: row.int(2) ?? 0)
                }
                for row in results[5] {
                    attribution.byQuarterHour[row.int(0) ?? 0, default: .init()].delivered = row.int(1) ?? 0
                }
                for row in results[6] {
                    attribution.byQuarterHour[row.int(0) ?? 0, default: .init()].clicked = row.int(1) ?? 0
                }
                for row in results[7] {
                    let (count, sum) = (row.int(1) ?? 0, row.int(2) ?? 0)
                    switch row.text(0) {
                    case "coupon": attribution.loyalty.couponsIssued = count
                    case "points": attribution.loyalty.pointsIssued = sum
                    case "growth": attribution.loyalty.growthIssued = sum
                    case "benefit": attribution.loyalty.benefitsGranted = count
                    default: break
                    }
                }
                attribution.loyalty.couponsRedeemed = results[8].first?.int(0) ?? 0
                attribution.loyalty.couponDiscountMinor = results[8].first?.int(1) ?? 0
                if results.count > 9 {
                    attribution.branches = results[9].map { row in
                        JourneyAttribution.Branch(
                            node: row.text(0) ?? "", branch: row.text(1) ?? "", members: row.int(2) ?? 0,
                            converted: row.int(3) ?? 0)
                    }
                }
                return attribution
            }, writes: false)
    }
}
