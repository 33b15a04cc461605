import Foundation
import TesseraDomain

/// An explicit merge as a ``SQLProgram``: check both members, move everything, read back the audit row.
struct MergeProgram: SQLProgram {
    let dialect: SQLDialect
    let group: GroupID
    let survivor: MemberID
    let merged: MemberID
    let actor: String
    let reason: String
    let id: String
    let at: Date
    private var phase = 0

    init(
        dialect: SQLDialect, group: GroupID, survivor: MemberID, merged: MemberID, actor: String, reason: String,
        id: String, at: Date
    ) {
        self.dialect = dialect
        self.group = group
        self.survivor = survivor
        self.merged = merged
        self.actor = actor
        self.reason = reason
        self.id = id
        self.at = at
    }

    mutating func start() throws -> SQLStep<MergeRecord> {
        guard survivor != merged else { throw TesseraError.conflict("a member cannot be merged into itself") }
        phase = 1
        return .query(
            SQLStatement(
                "SELECT id, status FROM members WHERE group_id = ? AND id IN (?, ?)",
                [.text(group.rawValue), .text(survivor.rawValue), .text(merged.rawValue)]))
    }

    mutating func resume(_ rows: [SQLRow]) throws -> SQLStep<MergeRecord> {
        switch phase {
        case 1:
            let status = Dictionary(rows.compactMap { row in row.text(0).map { ($0, row.text(1) ?? "") } }) { $1 }
            // The survivor is the resource addressed (404 when missing); the merged member is named
            // in the request, so a missing one is a refusal of that field (422), like any reference.
            guard status[survivor.rawValue] != nil else { throw TesseraError.notFound("member \(survivor) not found") }
            guard status[merged.rawValue] != nil else {
                throw TesseraError.rejected(
                    code: "member_not_found", field: "mergedMemberId", reason: "no member \(merged) in this group")
            }
            for member in [survivor, merged] where status[member.rawValue] != "active" {
                throw TesseraError.conflict("member \(member) was already merged")
            }
            phase = 2
            return .execute(
                StoreSQL.merge(
                    dialect: dialect, group: group, survivor: survivor, merged: merged, actor: actor, reason: reason,
                    id: id, at: at))
        case 2:
            phase = 3
            return .query(SQLStatement(StoreSQL.selectMerge, [.text(group.rawValue), .text(id)]))
        default:
            guard let row = rows.first else { throw TesseraError.unavailable("merge audit row missing after merge") }
            return .done(StoreSQL.mergeRecord(row))
        }
    }
}
