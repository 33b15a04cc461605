import ArgumentParser
import Foundation
import TesseraCore
import TesseraDomain

/// `tessera attributes define NAME TYPE --brand CODE`: declares a custom member attribute.
struct Attributes: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage custom member attributes.", subcommands: [Define.self])

    struct Define: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Declare a custom attribute for a brand.")
        @Argument(help: "Attribute name: lower-case letters, digits and _.") var name: String
        @Argument(help: "string, number, boolean or date") var type: String
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Brand code.") var brand = "default"
        @Option(help: "Group id (default: the only group).") var group: String?

        func run() async throws {
            guard AttributeDefinition.isValidName(name) else {
                throw ValidationError("attribute names use 1-64 lower-case letters, digits or _")
            }
            guard let valueType = AttributeDefinition.ValueType(rawValue: type) else {
                throw ValidationError("type must be string, number, boolean or date")
            }
            let store = try await database.openStore()
            let (groupID, brandRecord) = try await BrandSelection.resolve(store: store, group: group, brandCode: brand)
            try await store.defineAttribute(
                AttributeDefinition(name: name, type: valueType), group: groupID, brand: brandRecord.id, at: Date())
            print("declared \(name) (\(type)) for brand \(brand)")
            try await store.close()
        }
    }
}
