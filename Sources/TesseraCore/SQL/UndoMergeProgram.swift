import Foundation
import TesseraDomain

/// Undoes a merge as a ``SQLProgram``: check the audit row and both members, move back what
/// originated with the merged member, reactivate it, recompute both, mark the audit row undone.
struct UndoMergeProgram: SQLProgram {
    let group: GroupID
    let id: String
    let at: Date
    let dialect: SQLDialect
    private var phase = 0
    private var record: MergeRecord?

    init(group: GroupID, id: String, at: Date, dialect: SQLDialect) {
        self.group = group
        self.id = id
        self.at = at
        self.dialect = dialect
    }

    private var g: SQLValue { .text(group.rawValue) }

    mutating func start() throws -> SQLStep<MergeRecord> {
        phase = 1
        return .query(SQLStatement(StoreSQL.selectMerge, [g, .text(id)]))
    }

    mutating func resume(_ rows: [SQLRow]) throws -> SQLStep<MergeRecord> {
        switch phase {
        case 1:
            guard let row = rows.first else { throw TesseraError.notFound("no merge \(id)") }
            guard row.int(9) == nil else { throw TesseraError.conflict("merge \(id) was already undone") }
            let merge = StoreSQL.mergeRecord(row)
            record = merge
            phase = 2
            return .query(
                SQLStatement(
                    "SELECT id, status, merged_into FROM members WHERE group_id = ? AND id IN (?, ?)",
                    [g, .text(merge.survivorID.rawValue), .text(merge.mergedID.rawValue)]))
        case 2:
            guard let merge = record else { throw TesseraError.notFound("no merge \(id)") }
            let states = Dictionary(rows.compactMap { row in row.text(0).map { ($0, (row.text(1), row.text(2))) } }) {
                $1
            }
            guard states[merge.survivorID.rawValue]?.0 == "active" else {
                throw TesseraError.conflict(
                    "member \(merge.survivorID) has since been merged elsewhere; undo that first")
            }
            guard let merged = states[merge.mergedID.rawValue], merged.0 == "merged",
                merged.1 == merge.survivorID.rawValue
            else {
                throw TesseraError.conflict("member \(merge.mergedID) is no longer merged into \(merge.survivorID)")
            }
            phase = 3
            return .execute(statements(merge))
        default:
            guard var merge = record else { throw TesseraError.notFound("no merge \(id)") }
            merge.reason += " (undone)"
            return .done(merge)
        }
    }

    private func statements(_ merge: MergeRecord) -> [SQLStatement] {
        let (s, m) = (SQLValue.text(merge.survivorID.rawValue), SQLValue.text(merge.mergedID.rawValue))
        var statements: [SQLStatement] = []
        for text in merge.identifiers {
            guard let colon = text.firstIndex(of: ":") else { continue }
            statements.append(
                SQLStatement(
                    "UPDATE member_identifiers SET member_id = ? WHERE group_id = ? AND type = ? AND value = ? AND member_id = ?",
                    [m, g, .text(String(text[..<colon])), .text(String(text[text.index(after: colon)...])), s]))
        }
        for table in ["events", "orders"] {
            statements.append(
                SQLStatement(
                    "UPDATE \(table) SET member_id = ? WHERE group_id = ? AND member_id = ? AND origin_member_id = ?",
                    [m, g, s, m]))
        }
        statements.append(
            SQLStatement(
                "UPDATE members SET status = 'active', merged_into = NULL, updated_at = ? WHERE group_id = ? AND id = ?",
                [.int(Timestamp.micros(at)), g, m]))
        statements.append(
            SQLStatement(
                "UPDATE member_merges SET undone_at = ? WHERE group_id = ? AND id = ?",
                [.int(Timestamp.micros(at)), g, .text(id)]))
        for member in [merge.survivorID, merge.mergedID] {
            statements += StoreSQL.rebuildActivity(group: group, member: member)
            statements += StoreSQL.recompute(group: group, member: member, events: true, at: at)
            statements += StoreSQL.rebuildEventStats(group: group, member: member, dialect: dialect)
        }
        return statements
    }
}
