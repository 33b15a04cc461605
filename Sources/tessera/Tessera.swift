import ArgumentParser

/// The `tessera` command: server, migrations, keys.
@main
struct Tessera: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Tessera — membership, OneID and marketing automation.",
        subcommands: [
            Serve.self, Work.self, Migrate.self, Init.self, Keys.self, Attributes.self, Import.self, Demo.self,
            RFM.self,
            Bench.self,
        ],
        defaultSubcommand: Serve.self)
}
