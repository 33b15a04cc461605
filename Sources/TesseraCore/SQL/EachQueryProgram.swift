/// Runs queries one after another in one transaction and returns each one's rows, in order: how
/// ``SQLDriver/runSlices(_:)`` is answered on one connection — always on PostgreSQL, and on
/// SQLite when commits kept its readers from sharing one state — and how slices run before a write
/// by default (``SQLDriver/runWrite(afterSlices:_:)``).
public struct EachQueryProgram: SQLProgram {
    let statements: [SQLStatement]
    private var answered: [[SQLRow]] = []

    public init(_ statements: [SQLStatement]) { self.statements = statements }

    public mutating func start() -> SQLStep<[[SQLRow]]> {
        answered = []
        return next()
    }

    public mutating func resume(_ rows: [SQLRow]) -> SQLStep<[[SQLRow]]> {
        answered.append(rows)
        return next()
    }

    private func next() -> SQLStep<[[SQLRow]]> {
        answered.count < statements.count ? .query(statements[answered.count]) : .done(answered)
    }
}
