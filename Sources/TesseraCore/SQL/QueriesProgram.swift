/// Runs several read queries in order in one transaction and maps all their rows at once: a
/// consistent snapshot of things that live in different tables (a member's facts), or the slices
/// of one query on one connection (``SQLDriver/runSlices(_:)``).
public struct QueriesProgram<Output: Sendable>: SQLProgram {
    let statements: [SQLStatement]
    let map: @Sendable ([[SQLRow]]) throws -> Output
    private var results: [[SQLRow]] = []

    public init(_ statements: [SQLStatement], map: @escaping @Sendable ([[SQLRow]]) throws -> Output) {
        self.statements = statements
        self.map = map
    }

    public mutating func start() throws -> SQLStep<Output> {
        results = []
        return try next()
    }

    public mutating func resume(_ rows: [SQLRow]) throws -> SQLStep<Output> {
        results.append(rows)
        return try next()
    }

    private func next() throws -> SQLStep<Output> {
        results.count < statements.count ? .query(statements[results.count]) : .done(try map(results))
    }
}

extension QueriesProgram where Output == [[SQLRow]] {
    /// Each query's rows, in order.
    public init(_ statements: [SQLStatement]) { self.init(statements) { $0 } }
}
