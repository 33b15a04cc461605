/// Splits a batch of messages into parts that can be written side by side without contending.
///
/// Messages that share an identifier — or name the same order — are connected; every connected
/// group of messages goes to one part, in arrival order, so no two parts name the same identifier
/// or order and their transactions never wait on each other's identifier locks. Whole groups are
/// spread over the parts largest first, each to the part with the fewest messages so far, which
/// keeps the parts within one message of each other when every person is distinct.
///
/// Why: concurrent projection transactions that each took a slice of the log in arrival order
/// shared identifiers almost always (a 500-message slice of traffic from 100,000 people overlaps
/// any other slice), so they queued behind each other's locks and ran one at a time.
///
/// ```swift
/// let parts = IngestPartitioner.partition(messages, into: 4)  // ≤ 4 non-empty parts
/// ```
public enum IngestPartitioner {
    /// What connects two messages: an identifier, or an order of a brand (its later status changes
    /// must be written after the earlier ones, so they stay in one part, in order).
    private enum Key: Hashable {
        case identifier(Identifier)
        case order(brand: BrandID?, externalID: String)
    }

    /// At most `count` non-empty parts; every message is in exactly one, in its original order.
    public static func partition(_ messages: [IngestMessage], into count: Int) -> [[IngestMessage]] {
        guard count > 1, messages.count > 1 else { return messages.isEmpty ? [] : [messages] }
        var components = ConnectedComponents(count: messages.count)
        var firstHolder: [Key: Int] = [:]
        for (index, message) in messages.enumerated() {
            var keys = message.identifiers.map(Key.identifier)
            if let order = message.order { keys.append(.order(brand: message.brandID, externalID: order.externalID)) }
            for key in keys {
                if let holder = firstHolder[key] {
                    components.join(index, holder)
                } else {
                    firstHolder[key] = index
                }
            }
        }
        var members: [Int: [Int]] = [:]
        var roots: [Int] = []
        for index in messages.indices {
            let root = components.root(of: index)
            if members[root] == nil { roots.append(root) }
            members[root, default: []].append(index)
        }
        // Largest first (first arrival breaks ties, so the split is deterministic), each to the
        // emptiest part (lowest index breaks ties).
        let groups = roots.enumerated().sorted { lhs, rhs in
            let (left, right) = (members[lhs.element]?.count ?? 0, members[rhs.element]?.count ?? 0)
            return left != right ? left > right : lhs.offset < rhs.offset
        }
        var parts = Array(repeating: [Int](), count: count)
        for (_, root) in groups {
            var emptiest = 0
            for part in parts.indices where parts[part].count < parts[emptiest].count { emptiest = part }
            parts[emptiest] += members[root] ?? []
        }
        return parts.filter { !$0.isEmpty }.map { indices in indices.sorted().map { messages[$0] } }
    }
}

/// Union–find over `0..<count` with path halving and union by size.
private struct ConnectedComponents {
    private var parent: [Int]
    private var size: [Int]

    init(count: Int) {
        parent = Array(0..<count)
        size = Array(repeating: 1, count: count)
    }

    mutating func root(of element: Int) -> Int {
        var current = element
        while parent[current] != current {
            parent[current] = parent[parent[current]]
            current = parent[current]
        }
        return current
    }

    mutating func join(_ first: Int, _ second: Int) {
        var (a, b) = (root(of: first), root(of: second))
        guard a != b else { return }
        if size[a] < size[b] { swap(&a, &b) }
        parent[b] = a
        size[a] += size[b]
    }
}
