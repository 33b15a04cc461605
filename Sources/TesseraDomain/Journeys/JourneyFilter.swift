/// Who a journey's `filter` node lets through; the others leave the journey (outcome `filtered`).
///
/// JSON: `{"filter": {"rule": {…segment rule…}, "next": id}}` or, for what happened since an earlier
/// send node of the member's run, `{"filter": {"message": "clicked", "of": "<send node>", "next": id}}`
/// with `delivered`, `clicked`, `notClicked` or `failed`. A message is looked up as it stands when the
/// filter runs, so a filter belongs after a wait that gives the member time to read.
public enum JourneyFilter: Sendable, Hashable {
    case rule(SegmentRule)
    case message(MessageTest, of: String)

    /// What must have happened to the run's message of a send node.
    public enum MessageTest: String, Sendable, Hashable, CaseIterable {
        case delivered, clicked, notClicked, failed

        /// Whether a message in `state` (none: never sent) passes.
        public func passes(_ state: JourneyMessageState?) -> Bool {
            switch self {
            case .delivered: state?.delivered == true
            case .clicked: state?.clicked == true
            case .notClicked: state?.delivered == true && state?.clicked != true
            case .failed: state?.failed == true
            }
        }
    }
}

/// Where the run's message of one send node stands (for ``JourneyFilter/message(_:of:)``).
public struct JourneyMessageState: Sendable, Hashable {
    public var delivered: Bool
    public var clicked: Bool
    public var failed: Bool

    public init(delivered: Bool, clicked: Bool, failed: Bool) {
        self.delivered = delivered
        self.clicked = clicked
        self.failed = failed
    }
}
