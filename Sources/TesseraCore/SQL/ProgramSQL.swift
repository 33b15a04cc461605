import Foundation
import TesseraDomain

/// Reading a brand's stored loyalty programme, shared by every program that needs the rules.
enum ProgramSQL {
    /// The brand's latest programme, or exactly `version` when given: `version, config` rows.
    static func select(group: GroupID, brand: BrandID, version: Int? = nil) -> SQLStatement {
        SQLStatement(
            "SELECT version, CAST(config AS TEXT) FROM loyalty_programs WHERE group_id = ? AND brand_id = ?"
                + (version == nil ? "" : " AND version = ?") + " ORDER BY version DESC LIMIT 1",
            [.text(group.rawValue), .text(brand.rawValue)] + (version.map { [SQLValue.int(Int64($0))] } ?? []))
    }

    /// The version and programme of ``select(group:brand:version:)``'s rows; version 0 and
    /// ``LoyaltyProgram/standard`` when the brand never stored one.
    static func parse(_ rows: [SQLRow]) throws -> (version: Int, program: LoyaltyProgram) {
        guard let row = rows.first, let text = row.text(1) else { return (0, .standard) }
        return (Int(row.int(0) ?? 0), try ConfigCoding.decode(LoyaltyProgram.self, from: text))
    }
}
