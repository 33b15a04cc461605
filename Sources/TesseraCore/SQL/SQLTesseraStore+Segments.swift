public import TesseraDomain

extension SQLTesseraStore {
    public func countMembers(
        matching rule: SegmentRule, group: GroupID, brand: BrandID, context: EvaluationContext
    ) async throws -> Int64 {
        let statement = SegmentSQL.count(rule, group: group, brand: brand, context: context, dialect: driver.dialect)
        return try await driver.run(QueryProgram(statement) { $0.first?.int(0) ?? 0 }, writes: false)
    }

    public func members(
        matching rule: SegmentRule, group: GroupID, brand: BrandID, context: EvaluationContext, after cursor: MemberID?,
        limit: Int
    ) async throws -> [MemberID] {
        let statement = SegmentSQL.members(
            rule, group: group, brand: brand, context: context, dialect: driver.dialect, after: cursor?.rawValue,
            limit: limit)
        return try await driver.run(
            QueryProgram(statement) { $0.compactMap { $0.text(0).map { MemberID($0) } } }, writes: false)
    }

    public func memberFacts(group: GroupID, brand: BrandID, member: MemberID, needs: SegmentRule.Needs) async throws
        -> MemberFacts?
    {
        try await driver.run(
            MemberFactsSQL.program(group: group, brand: brand, member: member, needs: needs), writes: false)
    }
}
