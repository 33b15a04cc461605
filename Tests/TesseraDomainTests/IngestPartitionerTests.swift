import Foundation
import PropertyBased
import Testing
import TesseraDomain

/// Properties of splitting a projection batch into parts written side by side.
@Suite("Ingest partitioner")
struct IngestPartitionerTests {
    /// Messages of up to 30 people with shared devices, e-mail addresses and orders: `pick` chooses
    /// which identifiers a message carries and whether it names an order, so inputs range from all
    /// strangers to one connected crowd.
    static func messages(_ picks: [Int]) -> [IngestMessage] {
        picks.enumerated().map { index, pick in
            var identifiers = [try! Identifier.parse("external:u\(pick % 30)")]
            if pick % 4 == 0 { identifiers.append(try! Identifier.parse("anonymous:d\(pick % 7)")) }
            if pick % 9 == 0 { identifiers = [try! Identifier.parse("email:e\(pick % 5)@example.com")] }
            var message = IngestMessage(
                idempotencyKey: "k\(index)", kind: .track, identifiers: identifiers, name: "x", channel: "web",
                brandID: BrandID("b"), occurredAt: Date(timeIntervalSince1970: Double(index)))
            if pick % 11 == 0 {
                message.order = OrderInput(
                    externalID: "o\(pick % 3)", channel: "pos", status: .paid, currency: "CNY", totalMinor: 100,
                    paidMinor: 100, occurredAt: message.occurredAt)
            }
            return message
        }
    }

    /// What ties messages together, as the partitioner sees it.
    static func keys(_ message: IngestMessage) -> [String] {
        message.identifiers.map(\.description) + (message.order.map { ["order:\($0.externalID)"] } ?? [])
    }

    @Test func everyMessageLandsInOnePartInOrderAndNoKeyIsShared() async {
        await propertyCheck(input: Gen.int(in: 0...10_000).array(of: 0...60), Gen.int(in: 1...6)) { picks, count in
            let messages = Self.messages(picks)
            let parts = IngestPartitioner.partition(messages, into: count)
            #expect(parts.count <= count)
            #expect(parts.allSatisfy { !$0.isEmpty })
            // Exactly once each, and in arrival order within a part (keys are "k<index>").
            let keys = parts.flatMap { $0.map(\.idempotencyKey) }
            #expect(keys.sorted() == messages.map(\.idempotencyKey).sorted())
            for part in parts {
                let positions = part.map { Int($0.idempotencyKey.dropFirst())! }
                #expect(positions == positions.sorted())
            }
            // No identifier or order in two parts: their transactions cannot contend.
            var owner: [String: Int] = [:]
            for (index, part) in parts.enumerated() {
                for key in part.flatMap(Self.keys) {
                    #expect(owner[key, default: index] == index, "\(key) is in parts \(owner[key]!) and \(index)")
                    owner[key] = index
                }
            }
        }
    }

    @Test func strangersAreSpreadEvenly() async {
        await propertyCheck(input: Gen.int(in: 0...500), Gen.int(in: 1...8)) { total, count in
            let messages = (0..<total).map { index in
                IngestMessage(
                    idempotencyKey: "k\(index)", kind: .track,
                    identifiers: [try! Identifier.parse("external:u\(index)")],
                    channel: "web", occurredAt: Date(timeIntervalSince1970: 0))
            }
            let sizes = IngestPartitioner.partition(messages, into: count).map(\.count)
            #expect(sizes.count == min(count, total) || total < 2)
            #expect((sizes.max() ?? 0) - (sizes.min() ?? 0) <= 1)
        }
    }

    @Test func oneConnectedCrowdStaysTogether() {
        let messages = Self.messages([0, 0, 4, 4, 8, 8]).enumerated().map { index, message in
            var linked = message
            linked.identifiers.append(try! Identifier.parse("anonymous:shared"))
            return linked
        }
        let parts = IngestPartitioner.partition(messages, into: 4)
        #expect(parts.count == 1)
        #expect(parts.first?.map(\.idempotencyKey) == messages.map(\.idempotencyKey))
    }
}
