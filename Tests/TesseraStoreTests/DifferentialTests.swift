import Foundation
import Testing
import TesseraCore
import TesseraDomain

/// The same random traffic into SQLite and PostgreSQL must give the same identity partition.
@Suite("SQLite and PostgreSQL agree")
struct DifferentialTests {
    @Test(arguments: [1, 2, 3])
    func sameTrafficSamePartition(seed: UInt64) async throws {
        var random = SeededRandom(seed: seed)
        var batches: [[IngestMessage]] = []
        var key = 0
        for _ in 0..<6 {
            var batch: [IngestMessage] = []
            for _ in 0..<40 {
                key += 1
                let person = random.next() % 12
                var identifiers = ["anonymous:a\(random.next() % 20)"]
                if random.next() % 2 == 0 { identifiers.append("external:p\(person)") }
                if random.next() % 3 == 0 { identifiers.append("phone:1380000\(String(format: "%04d", person))") }
                batch.append(
                    try message(
                        "k\(random.next() % 200)", identifiers, registers: identifiers.count > 1, at: TimeInterval(key))
                )
            }
            batches.append(batch)
        }
        var partitions: [Set<Set<String>>] = []
        for backend in Backend.allCases {
            let tenant = try await Tenant.make(try await backend.makeStore())
            for batch in batches { try await tenant.send(batch) }
            var groups: Set<Set<String>> = []
            let all = Set(batches.flatMap { $0.flatMap { $0.identifiers.map(\.description) } })
            for identifier in all {
                if let member = try await tenant.member(identifier) { groups.insert(Set(member.identifiers)) }
            }
            partitions.append(groups)
        }
        #expect(partitions[0] == partitions[1])
        #expect(!partitions[0].isEmpty)
    }
}
