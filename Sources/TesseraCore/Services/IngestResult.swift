public import TesseraDomain

/// The answer to a batch: one entry per input message, in input order.
public struct IngestResult: Sendable, Hashable, Codable {
    public struct Item: Sendable, Hashable, Codable {
        public var index: Int
        /// `accepted` (written), `duplicate` (written before), `queued` (in the ingest log, written
        /// shortly) or `rejected`.
        public var status: String
        public var memberID: MemberID?
        public var errors: [FieldErrorRecord]?

        public init(index: Int, status: String, memberID: MemberID? = nil, errors: [FieldErrorRecord]? = nil) {
            self.index = index
            self.status = status
            self.memberID = memberID
            self.errors = errors
        }
    }

    public var accepted: Int
    public var duplicates: Int
    public var rejected: Int
    public var queued: Int
    public var results: [Item]

    public init(results: [Item]) {
        self.results = results
        accepted = results.count { $0.status == "accepted" }
        duplicates = results.count { $0.status == "duplicate" }
        rejected = results.count { $0.status == "rejected" }
        queued = results.count { $0.status == "queued" }
    }

    /// The answer for messages appended to the ingest log: `queued` for each valid one.
    public static func queued(_ items: [Result<IngestMessage, FieldErrorList>]) -> IngestResult {
        IngestResult(
            results: items.enumerated().map { index, item in
                switch item {
                case .success: IngestResult.Item(index: index, status: "queued")
                case .failure(let errors): IngestResult.Item(index: index, status: "rejected", errors: errors.records)
                }
            })
    }
}
