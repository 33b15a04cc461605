import Foundation
import TesseraDomain

/// Quotes, redemptions, voids and restores of coupons — one, or many that arrived together — in one
/// transaction and at most two statements, each answered on its own: one read locks the coupons
/// (PostgreSQL `FOR UPDATE` when anything writes, in code order, so two batches never wait on each
/// other in a cycle; SQLite's single writer), ``CouponChange/decide(_:)`` judges the changes in
/// their order — a second redemption of one code finds it used, or replays under the same key — and
/// one statement writes every changed coupon and its events. So of any number of concurrent
/// redemptions of one code exactly one succeeds. Why many at once: a redemption alone is a
/// transaction of four round trips on PostgreSQL (`BENCHMARKS.md`, session 23).
struct CouponChangeProgram: SQLProgram {
    let dialect: SQLDialect
    /// At most ``PointsBatchProgram/largestBatch`` changes.
    let changes: [CouponChange]

    private var answers: [Result<CouponOutcome, any Error>] = []
    private var written = false

    init(dialect: SQLDialect, changes: [CouponChange]) {
        precondition(changes.count <= PointsBatchProgram.largestBatch, "too many coupon changes in one batch")
        (self.dialect, self.changes) = (dialect, changes)
    }

    /// Whether any change writes: only then are the coupons locked and the transaction a write.
    var writes: Bool { changes.contains { $0.action.writes } }

    private struct Key: Hashable, Comparable {
        var group: String
        var code: String

        static func < (left: Self, right: Self) -> Bool { (left.group, left.code) < (right.group, right.code) }
    }

    mutating func start() throws -> SQLStep<[Result<CouponOutcome, any Error>]> {
        (answers, written) = ([], false)
        let columns = [("group_id", "TEXT"), ("code", "TEXT")]
        let keys = Set(changes.map { Key(group: $0.group.rawValue, code: $0.code) }).sorted()
        let table = SQLBuilder.derivedTable(
            columns: columns, rows: keys.map { [.text($0.group), .text($0.code)] }, dialect: dialect, padded: true)
        return .query(
            SQLStatement(
                """
                SELECT \(CouponChange.rowColumns) FROM (\(table.sql)) AS \(SQLBuilder.derivedAlias(columns, dialect: dialect)) \
                JOIN coupons c ON c.group_id = u.group_id AND c.code = u.code \
                JOIN coupon_templates t ON t.group_id = c.group_id AND t.id = c.template_id ORDER BY c.group_id, c.code
                """ + (dialect == .postgres && writes ? " FOR UPDATE OF c" : ""), table.arguments))
    }

    mutating func resume(_ rows: [SQLRow]) throws -> SQLStep<[Result<CouponOutcome, any Error>]> {
        if written { return .done(answers) }
        var states: [Key: CouponChange.State] = [:]
        for row in rows {
            if let state = try CouponChange.State(row) {
                // Column 1 is the code as stored, which the changes carry; the record holds its display form.
                states[Key(group: state.group, code: row.text(1) ?? "")] = state
            }
        }
        var changed: [Key: (state: CouponChange.State, at: Date)] = [:]
        var events: [[SQLValue]] = []
        for change in changes {
            let key = Key(group: change.group.rawValue, code: change.code)
            do {
                let decision = try change.decide(states[key])
                states[key] = decision.state
                if let event = decision.event {
                    changed[key] = (decision.state, change.at)
                    events += DomainEventSQL.rows([event], group: change.group, idPrefix: change.id)
                }
                answers.append(.success(decision.outcome))
            } catch {
                answers.append(.failure(error))
            }
        }
        written = true
        guard !changed.isEmpty else { return .done(answers) }
        return .execute(
            SQLBuilder.independentWrites(
                [CouponChange.update(changed.sorted { $0.key < $1.key }.map(\.value), dialect: dialect)]
                    + DomainEventSQL.insert(rows: events, dialect: dialect), dialect: dialect))
    }
}
