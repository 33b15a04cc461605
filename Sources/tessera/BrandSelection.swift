import ArgumentParser
import TesseraCore
import TesseraDomain

/// Finds the group and brand a CLI command acts on: `--group` (default: the only group) and a brand code.
enum BrandSelection {
    static func resolve(store: SQLTesseraStore, group: String?, brandCode: String) async throws -> (GroupID, Brand) {
        let groupID: GroupID
        if let group {
            groupID = GroupID(group)
        } else {
            let groups = try await store.groupIDs()
            guard groups.count == 1, let only = groups.first else {
                throw ValidationError(
                    groups.isEmpty ? "run `tessera init` first" : "several groups exist: pass --group")
            }
            groupID = only
        }
        guard let brand = try await store.brand(group: groupID, code: brandCode) else {
            throw ValidationError("no brand with code '\(brandCode)' in group \(groupID)")
        }
        return (groupID, brand)
    }
}
