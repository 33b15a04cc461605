/// Reads a merge candidate's status and, when it is still `open`, runs the update: `true` when the
/// update ran. Checking first avoids relying on a driver-specific count of changed rows.
struct DismissProgram: SQLProgram {
    let update: SQLStatement
    let check: SQLStatement
    private var updated = false

    init(update: SQLStatement, check: SQLStatement) {
        self.update = update
        self.check = check
    }

    mutating func start() throws -> SQLStep<Bool> {
        .query(check)
    }

    mutating func resume(_ rows: [SQLRow]) throws -> SQLStep<Bool> {
        if updated { return .done(true) }
        guard rows.first?.text(0) == "open" else { return .done(false) }
        updated = true
        return .execute([update])
    }
}
