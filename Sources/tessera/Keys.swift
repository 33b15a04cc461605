import ArgumentParser
import TesseraCore
import TesseraDomain

/// `tessera keys create --brand CODE --scopes ingest,read`: prints a new API key once.
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage API keys.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an API key for a brand.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Brand code.") var brand = "default"
        @Option(help: "Comma-separated scopes: ingest, read, write, admin.") var scopes: String
        @Option(help: "A name to recognise the key by.") var name = "api key"
        @Option(help: "Group id (default: the only group).") var group: String?

        func run() async throws {
            let parsedScopes = try Scope.parseList(scopes)
            let store = try await database.openStore()
            let (groupID, brandRecord) = try await BrandSelection.resolve(store: store, group: group, brandCode: brand)
            let made = try await KeyService(store: store).create(
                group: groupID, brand: brandRecord.id, name: name, scopes: parsedScopes,
                kind: parsedScopes == [.ingest] ? "twk" : "tsk")
            print(made.key)
            try await store.close()
        }
    }
}
