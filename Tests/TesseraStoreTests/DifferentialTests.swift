import Foundation
import Testing
import TesseraCore
import TesseraDomain

/// The same random traffic into SQLite and PostgreSQL must give the same identity partition.
@Suite("SQLite and PostgreSQL agree")
struct DifferentialTests {
    @Test(arguments: [1, 2, 3])
    func sameTrafficSamePartition(seed: UInt64) async throws {
        var random = SplitMix(seed: seed)
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

/// A small deterministic generator so both databases see identical input.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
