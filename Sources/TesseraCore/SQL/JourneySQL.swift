public import Foundation
public import TesseraDomain

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
                node: node, since: row.int(8) ?? 0, enteredAt: row.int(9) ?? 0, entering: row.bool(10)))
    }

    /// The guardrails on entering a member into `journey`: fewer than `maximumEntries` entries so
    /// far, and none within the cooldown before `enteredAt`. `member` is an SQL expression with its
    /// arguments (a placeholder and its value, or a column and none).
    static func participation(
        member: (sql: String, arguments: [SQLValue]), group: GroupID, journey: String, definition: JourneyDefinition,
        enteredAt: Int64
    ) -> (sql: String, arguments: [SQLValue]) {
        let owned = (
            sql: "x.group_id = ? AND x.journey_id = ? AND x.member_id = \(member.sql)",
            arguments: [SQLValue.text(group.rawValue), .text(journey)] + member.arguments
        )
        var sql = "(SELECT COUNT(*) FROM journey_runs x WHERE \(owned.sql)) < ?"
        var arguments = owned.arguments + [.int(Int64(definition.maximumEntries))]
        if definition.reentryCooldownSeconds > 0 {
            sql += " AND NOT EXISTS (SELECT 1 FROM journey_runs x WHERE \(owned.sql) AND x.entered_at > ?)"
            arguments += owned.arguments + [.int(enteredAt - definition.reentryCooldownSeconds * 1_000_000)]
        }
        return (sql, arguments)
    }

    /// Enters one member on an event (`event` is the entry key; `at` the event's time).
    static func enter(
        group: GroupID, brand: BrandID, journey: String, version: Int64, definition: JourneyDefinition,
        member: MemberID, event: String, at: Int64, runID: String, now: Int64
    ) -> SQLStatement? {
        guard case .event(_, let delay, let unless, let span) = definition.entry else { return nil }
        let since = at + delay * 1_000_000
        let due = unless == nil ? since : max(since, at + span * 1_000_000)
        let m = SQLValue.text(member.rawValue)
        let guardrails = participation(
            member: ("?", [m]), group: group, journey: journey, definition: definition, enteredAt: at)
        return SQLStatement(
            """
            INSERT INTO journey_runs (group_id, id, journey_id, version, brand_id, member_id, entry_key, node_id, since, \
            entered_at, entering, status, due_at, wake_on, updated_at) \
            SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ? \
            WHERE \(guardrails.sql) ON CONFLICT (group_id, journey_id, member_id, entry_key) DO NOTHING
            """,
            [
                .text(group.rawValue), .text(runID), .text(journey), .int(version), .text(brand.rawValue), m,
                .text(event), .text(definition.start), .int(since), .int(at), .bool(true), .int(due),
                .optional(unless?.name), .int(now),
            ] + guardrails.arguments)
    }

    /// Enters every member of a stored segment on a schedule, in one statement.
    static func enterSegment(
        group: GroupID, brand: BrandID, journey: String, version: Int64, definition: JourneyDefinition,
        segment: String, at: Int64, now: Int64
    ) -> SQLStatement {
        let key = "schedule:\(version):\(at)"
        let guardrails = participation(
            member: ("s.member_id", []), group: group, journey: journey, definition: definition, enteredAt: at)
        return SQLStatement(
            """
            INSERT INTO journey_runs (group_id, id, journey_id, version, brand_id, member_id, entry_key, node_id, since, \
            entered_at, entering, status, due_at, updated_at) SELECT s.group_id, ? || s.member_id, ?, ?, ?, \
            s.member_id, ?, ?, ?, ?, ?, 'active', ?, ? FROM segment_members s WHERE s.group_id = ? AND s.segment_id = ? \
            AND \(guardrails.sql) ON CONFLICT (group_id, journey_id, member_id, entry_key) DO NOTHING
            """,
            [
                .text("\(journey):\(key):"), .text(journey), .int(version), .text(brand.rawValue), .text(key),
                .text(definition.start), .int(at), .int(at), .bool(false), .int(at), .int(now), .text(group.rawValue),
                .text(segment),
            ] + guardrails.arguments)
    }

    /// The statements applying one step: the run's new position (or its end), the nodes visited,
    /// tags changed and messages queued — each message under its idempotency key.
    static func apply(_ step: JourneyStep, at: Int64) -> [SQLStatement] {
        let (run, advance) = (step.run, step.advance)
        let (g, r) = (SQLValue.text(run.group.rawValue), SQLValue.text(run.id))
        let (b, m) = (SQLValue.text(run.brandID.rawValue), SQLValue.text(run.member.rawValue))
        var statements: [SQLStatement] = []
        for (index, action) in advance.actions.enumerated() {
            switch action {
            case .visit(let node, let branch):
                // Visits in one step share its time; the index keeps a loop's passes apart.
                statements.append(
                    SQLStatement(
                        """
                        INSERT INTO journey_visits (group_id, run_id, node_id, at, journey_id, version, member_id, branch) \
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (group_id, run_id, node_id, at) DO NOTHING
                        """,
                        [
                            g, r, .text(node), .int(at + Int64(index)), .text(run.journeyID), .int(run.version), m,
                            .optional(branch),
                        ]))
            case .tag(let node, let name, let add):
                let actor = SQLValue.text("journey:\(run.journeyID)")
                let history = SQLValue.text("\(run.effectKey(node: node)):\(at)")
                statements.append(
                    SQLStatement(
                        """
                        INSERT INTO tag_history (group_id, id, brand_id, member_id, tag, action, source, actor, occurred_at) \
                        SELECT ?, ?, ?, ?, ?, ?, 'journey', ?, ? WHERE \(add ? "NOT " : "")EXISTS (SELECT 1 FROM member_tags \
                        WHERE group_id = ? AND brand_id = ? AND member_id = ? AND tag = ?)
                        """,
                        [
                            g, history, b, m, .text(name), .text(add ? "added" : "removed"), actor, .int(at), g, b, m,
                            .text(name),
                        ]))
                statements.append(
                    add
                        ? SQLStatement(
                            """
                            INSERT INTO member_tags (group_id, brand_id, member_id, tag, source, actor, tagged_at) \
                            VALUES (?, ?, ?, ?, 'journey', ?, ?) ON CONFLICT (group_id, brand_id, member_id, tag) DO NOTHING
                            """, [g, b, m, .text(name), actor, .int(at)])
                        : SQLStatement(
                            "DELETE FROM member_tags WHERE group_id = ? AND brand_id = ? AND member_id = ? AND tag = ?",
                            [g, b, m, .text(name)]))
            case .send(let node, let channel, let template), .suppress(let node, let channel, let template, _):
                let key = run.effectKey(node: node)
                var reason: String?
                if case .suppress(_, _, _, let failure) = action { reason = failure.rawValue }
                // The log channel is the outbox itself: handing the message over is writing it.
                let delivered = channel == "log" && reason == nil
                let status = reason != nil ? "failed" : delivered ? "delivered" : "queued"
                statements.append(
                    SQLStatement(
                        """
                        INSERT INTO journey_messages (group_id, id, idempotency_key, journey_id, version, run_id, node_id, \
                        member_id, brand_id, channel, template, status, reason, created_at, delivered_at, subject, body, \
                        next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
                        ON CONFLICT (group_id, idempotency_key) DO NOTHING
                        """,
                        [
                            g, .text(key), .text(key), .text(run.journeyID), .int(run.version), r, .text(node), m, b,
                            .text(channel), .text(template), .text(status), .optional(reason), .int(at),
                            delivered ? .int(at) : .null, .optional(step.rendered[node]?.subject),
                            .optional(reason == nil ? step.rendered[node]?.body : nil),
                            status == "queued" ? .int(at) : .null,
                        ]))
            }
        }
        switch advance.next {
        case .wait(let state, let due):
            let wakeOn = SQLValue.optional(step.wakeOn)
            statements.append(
                SQLStatement(
                    """
                    UPDATE journey_runs SET node_id = ?, since = ?, entering = ?, due_at = ?, wake_on = ?, updated_at = ? \
                    WHERE group_id = ? AND id = ?
                    """,
                    [.text(state.node), .int(state.since), .bool(state.entering), .int(due), wakeOn, .int(at), g, r]))
        case .finished(let node, let outcome):
            statements.append(
                SQLStatement(
                    """
                    UPDATE journey_runs SET node_id = ?, status = 'done', outcome = ?, finished_at = ?, wake_on = NULL, \
                    updated_at = ? WHERE group_id = ? AND id = ?
                    """, [.text(node), .text(outcome.rawValue), .int(at), .int(at), g, r]))
        }
        return statements
    }
}
