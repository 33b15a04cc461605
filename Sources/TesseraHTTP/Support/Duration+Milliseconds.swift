extension Duration {
    /// Whole milliseconds, for `elapsedMs` in answers.
    var wholeMilliseconds: Int64 { components.seconds * 1_000 + components.attoseconds / 1_000_000_000_000_000 }
}
