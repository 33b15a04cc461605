/// Runs statements in order in one transaction, each as a query, and answers how many rows they
/// returned in all: with `RETURNING 1` on inserts, how many rows were written (an `ON CONFLICT DO
/// NOTHING` that skipped returns none).
struct CountingProgram: SQLProgram {
    let statements: [SQLStatement]
    private var index = 0
    private var count = 0

    init(statements: [SQLStatement]) {
        self.statements = statements
    }

    mutating func start() throws -> SQLStep<Int> {
        (index, count) = (0, 0)
        return next()
    }

    mutating func resume(_ rows: [SQLRow]) throws -> SQLStep<Int> {
        count += rows.count
        index += 1
        return next()
    }

    private func next() -> SQLStep<Int> {
        index < statements.count ? .query(statements[index]) : .done(count)
    }
}
