import Synchronization

/// Makes new row identifiers. Injected so the domain never reads a clock or random source itself.
public protocol IDGenerator: Sendable {
    /// A new, unique, preferably time-ordered identifier string.
    func next() -> String
}

/// Deterministic identifiers (`prefix-00000001`, …) for tests and seeded demo data.
public final class SequentialIDGenerator: IDGenerator {
    private let counter = Mutex(0)
    private let prefix: String

    public init(prefix: String = "id") { self.prefix = prefix }

    public func next() -> String {
        let value = counter.withLock { count in
            count += 1
            return count
        }
        let digits = String(value)
        return prefix + "-" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }
}
