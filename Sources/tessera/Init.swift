import ArgumentParser
import Foundation
import TesseraCore

/// `tessera init`: creates the default group and brand and prints an admin key and a Segment write key once.
struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create the default group, brand and first keys.")
    @OptionGroup var database: DatabaseOptions
    @Option(help: "Name of the group.") var group = "Default group"
    @Option(help: "Code of the first brand.") var brand = "default"

    func run() async throws {
        let store = try await database.openStore()
        let bootstrap = Bootstrap(store: store)
        if try await bootstrap.isInitialized() {
            print("already initialised; create more keys with `tessera keys create`")
        } else {
            Init.show(try await bootstrap.initialize(groupName: group, brandCode: brand, brandName: brand))
        }
        try await store.close()
    }

    static func show(_ credentials: Bootstrap.Credentials) {
        // Written straight to the file descriptor: a buffered print would not reach a log file
        // while the server keeps running.
        FileHandle.standardOutput.write(
            Data(
                """
                Tessera initialised. These keys are shown once; store them now.
                  group:            \(credentials.groupID)
                  brand:            \(credentials.brandID)
                  admin API key:    \(credentials.adminKey)      (Authorization: Bearer …)
                  Segment write key: \(credentials.writeKey)     (HTTP Basic user name on /v1/*)

                """.utf8))
    }
}
