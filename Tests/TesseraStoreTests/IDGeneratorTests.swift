import Foundation
import Testing
import TesseraCore

/// The identifiers new rows get: unique, in Crockford's base 32; row identifiers ordered by creation
/// time, tenant identifiers short.
@Suite("Generated identifiers")
struct IDGeneratorTests {
    private static let digits = Array("0123456789abcdefghjkmnpqrstvwxyz")
    private static let alphabet = Set(digits)

    /// The number a Crockford base-32 text spells.
    private static func value(_ text: Substring) throws -> UInt128 {
        try text.reduce(UInt128(0)) { value, character in
            (value << 5) | UInt128(try #require(digits.firstIndex(of: character)))
        }
    }

    @Test func rowIdentifiersAreUniqueAndOrderedByCreationTime() throws {
        let ids = TimeOrderedIDGenerator()
        let before = UInt128(Date().timeIntervalSince1970 * 1000)
        let made = (0..<20_000).map { _ in ids.next() }
        let after = UInt128(Date().timeIntervalSince1970 * 1000)
        #expect(Set(made).count == made.count, "no identifier repeats")
        for id in made {
            #expect(id.count == 26 && id.allSatisfy(Self.alphabet.contains), "\(id): 26 base-32 digits")
            // 26 digits hold 130 bits; the top two are zero, then 48 bits of milliseconds.
            let number = try Self.value(id[...])
            #expect(number >> 128 == 0, "\(id) holds 128 bits")
            #expect((before...after).contains(number >> 80), "the first 48 bits are the creation time")
        }
        #expect(made.map { $0.prefix(10) } == made.map { $0.prefix(10) }.sorted(), "later identifiers sort later")
        // The random bits differ between consecutive identifiers, not only the time.
        #expect(Set(made.map { $0.suffix(16) }).count == made.count)
    }

    @Test func rowIdentifiersMadeOnManyThreadsAtOnceNeverRepeat() async {
        let ids = TimeOrderedIDGenerator()
        let made = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<8 { group.addTask { (0..<5_000).map { _ in ids.next() } } }
            return await group.reduce(into: [String]()) { $0 += $1 }
        }
        #expect(made.count == 40_000)
        #expect(Set(made.map { $0.suffix(16) }).count == made.count, "no two share their random bits")
    }

    @Test func tenantIdentifiersAreShortAndUnique() {
        let ids = TenantIDGenerator()
        let made = (0..<20_000).map { _ in ids.next() }
        #expect(Set(made).count == made.count, "no identifier repeats")
        #expect(made.allSatisfy { $0.count == 10 && $0.allSatisfy(Self.alphabet.contains) }, "10 base-32 digits")
        // All 50 bits are drawn: every digit position takes many values.
        for position in 0..<10 {
            let seen = Set(made.map { $0[$0.index($0.startIndex, offsetBy: position)] })
            #expect(seen.count == 32, "digit \(position) takes every value")
        }
    }
}
