import ArgumentParser
import RCSServer

struct CatalogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog",
        abstract: "Maintain the recording catalog.",
        subcommands: [Rebuild.self]
    )

    struct Rebuild: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-index every tenant's storage from scratch (stop `rcs serve` first).",
            discussion: "Takes the same options and environment as `rcs serve` to find the data, the keystore and its password.")

        @OptionGroup var server: ServeCommand

        func run() async throws {
            let configuration = try server.makeConfiguration()
            try await reportingErrorsAsync {
                for (tenant, count) in try await RCSServerMain.rebuildCatalog(configuration) {
                    print("\(tenant): \(count) recording(s)")
                }
            }
        }
    }
}
