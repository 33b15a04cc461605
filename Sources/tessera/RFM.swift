import ArgumentParser
import Foundation
import TesseraCore
import TesseraDomain

/// `tessera rfm --end 1998-06-30 [--export scores.csv]`: recomputes a brand's RFM scores and
/// optionally writes them, with each member's identifier of one type, as CSV.
struct RFM: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Recompute RFM scores for a brand (and export them as CSV).")
    @OptionGroup var database: DatabaseOptions
    @Option(help: "Brand code.") var brand = "default"
    @Option(help: "Group id (default: the only group).") var group: String?
    @Option(help: "Last day observed, YYYY-MM-DD in the brand's time zone (default: today).") var end: String?
    @Option(help: "First day observed, YYYY-MM-DD (default: every purchase).") var start: String?
    @Option(help: "Write the scores to this CSV file.") var export: String?
    @Option(help: "Identifier type written with each member in the export.") var identifierType = "external"

    func run() async throws {
        let endDay = try end.map { text in
            guard let day = CivilDate.day(of: text) else { throw ValidationError("--end must be YYYY-MM-DD") }
            return day
        }
        let startDay = try start.map { text in
            guard let day = CivilDate.day(of: text) else { throw ValidationError("--start must be YYYY-MM-DD") }
            return day
        }
        try await Self.compute(
            database: database, group: group, brand: brand, endDay: endDay, startDay: startDay, export: export,
            identifierType: identifierType)
    }

    /// Nonisolated: rows are consumed off the main actor (see ARCHITECTURE.md).
    nonisolated static func compute(
        database: DatabaseOptions, group: String?, brand: String, endDay: Int64?, startDay: Int64?, export: String?,
        identifierType: String
    ) async throws {
        let store = try await database.openStore()
        let (groupID, brandRecord) = try await BrandSelection.resolve(store: store, group: group, brandCode: brand)
        let started = ContinuousClock.now
        let run = try await RFMService(store: store).compute(
            group: groupID, brand: brandRecord.id, endDay: endDay, startDay: startDay)
        let ms = { (duration: Duration) in duration.formatted(.units(allowed: [.milliseconds], width: .narrow)) }
        print(
            "scored \(run.members) members from \(run.purchases) purchases in \(ms(ContinuousClock.now - started)) "
                + "(read \(ms(run.read)), compute \(ms(run.compute)), write \(ms(run.write)))")
        if let export {
            try await write(
                store: store, group: groupID, brand: brandRecord.id, to: export, identifierType: identifierType)
            print("wrote \(export)")
        }
        try await store.close()
    }

    /// Writes the stored scores as CSV a page at a time into `path + ".partial"`, then moves it to
    /// `path`: memory stays one page whatever the member count, and a failed export leaves no
    /// truncated file under the name asked for.
    nonisolated static func write(
        store: SQLTesseraStore, group: GroupID, brand: BrandID, to path: String, identifierType: String
    ) async throws {
        let partial = path + ".partial"
        guard FileManager.default.createFile(atPath: partial, contents: nil) else {
            throw ValidationError("cannot create \(partial)")
        }
        let file = try FileHandle(forWritingTo: URL(fileURLWithPath: partial))
        do {
            var text =
                "member_id,\(CSVField.escaped(identifierType)),frequency,recency,T,monetary_value,total_minor,r,f,m,group\n"
            var cursor: String?
            while true {
                let page = try await store.rfmScores(
                    group: group, brand: brand, after: cursor, limit: 5_000, identifierType: identifierType)
                for (score, identifier) in page {
                    let summary = score.summary
                    text += "\(summary.member),\(CSVField.escaped(identifier ?? "")),\(summary.frequency),"
                    text += "\(summary.recency),\(summary.age),\(summary.monetaryValueMinor),\(summary.totalMinor),"
                    text += "\(score.r),\(score.f),\(score.m),\(score.group.rawValue)\n"
                }
                try file.write(contentsOf: Data(text.utf8))
                text = ""
                guard page.count == 5_000, let last = page.last else { break }
                cursor = last.score.summary.member
            }
            try file.close()
        } catch {
            try? file.close()
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
        _ = try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.moveItem(atPath: partial, toPath: path)
    }
}
