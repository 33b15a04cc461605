/// Runs `first`, then the program `next` makes from its output, in the same transaction: how
/// larger operations reuse whole programs (an order's earning runs the points ledger's program
/// for its credit) without copying their steps.
///
/// `next` must be pure (it is called again when the driver restarts the transaction).
struct ChainedProgram<First: SQLProgram, Second: SQLProgram>: SQLProgram {
    var first: First
    let next: @Sendable (First.Output) throws -> Second
    private var second: Second?

    init(_ first: First, then next: @escaping @Sendable (First.Output) throws -> Second) {
        self.first = first
        self.next = next
    }

    mutating func start() throws -> SQLStep<Second.Output> {
        second = nil
        return try forward(first.start())
    }

    mutating func resume(_ rows: [SQLRow]) throws -> SQLStep<Second.Output> {
        guard var running = second else { return try forward(first.resume(rows)) }
        let step = try running.resume(rows)
        second = running
        return step
    }

    private mutating func forward(_ step: SQLStep<First.Output>) throws -> SQLStep<Second.Output> {
        switch step {
        case .query(let statement): return .query(statement)
        case .queries(let statements): return .queries(statements)
        case .execute(let statements): return .execute(statements)
        case .done(let output):
            var running = try next(output)
            let step = try running.start()
            second = running
            return step
        }
    }
}

/// A program that may have nothing to do: runs `program` when there is one, else answers `nil`.
struct OptionalProgram<Wrapped: SQLProgram>: SQLProgram {
    var program: Wrapped?

    mutating func start() throws -> SQLStep<Wrapped.Output?> {
        guard var running = program else { return .done(nil) }
        let step = try Self.lift(running.start())
        program = running
        return step
    }

    mutating func resume(_ rows: [SQLRow]) throws -> SQLStep<Wrapped.Output?> {
        guard var running = program else { return .done(nil) }
        let step = try Self.lift(running.resume(rows))
        program = running
        return step
    }

    private static func lift(_ step: SQLStep<Wrapped.Output>) -> SQLStep<Wrapped.Output?> {
        switch step {
        case .query(let statement): .query(statement)
        case .queries(let statements): .queries(statements)
        case .execute(let statements): .execute(statements)
        case .done(let output): .done(output)
        }
    }
}

/// Runs statements (possibly none) and answers `output`.
struct WriteProgram<Output: Sendable>: SQLProgram {
    let statements: [SQLStatement]
    let output: Output

    func start() -> SQLStep<Output> { statements.isEmpty ? .done(output) : .execute(statements) }
    func resume(_ rows: [SQLRow]) -> SQLStep<Output> { .done(output) }
}
