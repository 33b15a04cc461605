import TesseraDomain

/// The check every member-scoped write starts with, inside its transaction: the member exists
/// and was not merged away (a merged member's writes belong to the survivor).
enum MemberCheckSQL {
    /// `merged_into` of the member; no row when there is no such member.
    static func select(group: GroupID, member: MemberID) -> SQLStatement {
        SQLStatement(
            "SELECT merged_into FROM members WHERE group_id = ? AND id = ?",
            [.text(group.rawValue), .text(member.rawValue)])
    }

    /// Throws `notFound` for no row, `conflict` naming the survivor for a merged member.
    static func requireActive(_ rows: [SQLRow], member: MemberID) throws {
        guard let row = rows.first else { throw TesseraError.notFound("member \(member) not found") }
        if let survivor = row.text(0) {
            throw TesseraError.conflict("member \(member) was merged into \(survivor); use \(survivor)")
        }
    }

    /// The error for a member whose account lock (``AccountRowSQL/lock(group:brand:member:at:)``)
    /// found no row: not found or merged away, from the member's row.
    static func lockRefused(_ rows: [SQLRow], member: MemberID) -> any Error {
        do {
            try requireActive(rows, member: member)
            // Unmerged between the two statements: rare, and safe to try again.
            return TesseraError.unavailable("member \(member) changed during the operation; try again")
        } catch {
            return error
        }
    }
}
