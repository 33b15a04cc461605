import Foundation
import Testing
import TesseraCore

/// The identifiers every new row gets: RFC 9562 version 7, unique, ordered by creation time.
@Suite("UUIDv7 identifiers")
struct UUIDv7GeneratorTests {
    @Test func identifiersAreVersionSevenUniqueAndTimeOrdered() throws {
        let ids = UUIDv7Generator()
        let before = UInt64(Date().timeIntervalSince1970 * 1000)
        let made = (0..<20_000).map { _ in ids.next() }
        let after = UInt64(Date().timeIntervalSince1970 * 1000)
        #expect(Set(made).count == made.count, "no identifier repeats (the pool is refilled many times here)")
        for id in made {
            let parsed = try #require(UUID(uuidString: id), "\(id) is a UUID")
            #expect(id == parsed.uuidString.lowercased(), "lowercase, 8-4-4-4-12")
            #expect(parsed.uuid.6 >> 4 == 7, "version 7")
            #expect(parsed.uuid.8 >> 6 == 0b10, "RFC 9562 variant")
            let millis = try #require(UInt64(id.replacingOccurrences(of: "-", with: "").prefix(12), radix: 16))
            #expect((before...after).contains(millis), "the first 48 bits are the creation time in milliseconds")
        }
        #expect(made.map { $0.prefix(13) } == made.map { $0.prefix(13) }.sorted(), "later identifiers sort later")
        // The random bits differ between consecutive identifiers, not only the time.
        #expect(Set(made.map { $0.suffix(17) }).count == made.count)
    }
}
