public import TesseraDomain

extension SQLTesseraStore {
    public func applyStoredValue(_ request: StoredValueRequest) async throws -> StoredValueOutcome {
        try await driver.run(
            StoredValueProgram(dialect: driver.dialect, request: request, id: ids.next()), writes: true)
    }

    public func storedValue(group: GroupID, brand: BrandID, member: MemberID) async throws -> StoredValueAccount {
        try await driver.run(
            QueryProgram(
                SQLStatement(
                    "SELECT principal, bonus FROM stored_value_accounts WHERE group_id = ? AND brand_id = ? AND member_id = ?",
                    [.text(group.rawValue), .text(brand.rawValue), .text(member.rawValue)]),
                map: { rows in
                    StoredValueAccount(principal: rows.first?.int(0) ?? 0, bonus: rows.first?.int(1) ?? 0)
                }), writes: false)
    }

    public func storedValueEntries(group: GroupID, brand: BrandID, member: MemberID, before: String?, limit: Int)
        async throws -> [StoredValueEntry]
    {
        try await driver.run(
            QueryProgram(
                SQLStatement(
                    "SELECT \(StoredValueProgram.entryColumns) FROM stored_value_entries WHERE group_id = ? AND brand_id = ? "
                        + "AND member_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
                    [
                        .text(group.rawValue), .text(brand.rawValue), .text(member.rawValue),
                        .text(before ?? "\u{10FFFF}"), .int(Int64(limit)),
                    ]),
                map: { $0.map(StoredValueProgram.entry) }), writes: false)
    }
}
