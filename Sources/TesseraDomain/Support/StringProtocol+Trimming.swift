extension StringProtocol where UTF8View: BidirectionalCollection {
    /// The text without leading and trailing white space (Unicode `White_Space`, newlines included).
    ///
    /// The same answer as Foundation's `trimmingCharacters(in: .whitespacesAndNewlines)` without its
    /// bridging: that call was 3% of all ingest CPU time, on identifiers that almost never need it.
    /// ```swift
    /// " 138 0000 0000\n".trimmingWhitespace()   // "138 0000 0000"
    /// ```
    public func trimmingWhitespace() -> String {
        // Fast path: printable ASCII at both ends, nothing to trim.
        if let first = utf8.first, let last = utf8.last, (0x21...0x7E).contains(first), (0x21...0x7E).contains(last) {
            return String(self)
        }
        guard let start = firstIndex(where: { !$0.isWhitespace }),
            let end = lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return String(self[start...end])
    }
}
