/// How members enter a journey.
public enum JourneyEntry: Sendable, Hashable {
    /// Each event matching the matcher enters its member (one entry per event), immediately or after
    /// `delaySeconds`; with `unless`, only if no such event follows within `unlessSeconds` ("added to
    /// cart and did not order within 24 hours") — the member waits out the span first.
    case event(EventMatcher, delaySeconds: Int64, unless: EventMatcher?, unlessSeconds: Int64)
    /// Every member of the stored segment at `at` (microseconds), once.
    case scheduledOnce(segment: String, at: Int64)
    /// Every member of the stored segment at each occurrence of the schedule (in the brand's time
    /// zone); the participation guardrails decide who enters again.
    case recurring(segment: String, JourneySchedule)

    /// The stored segments this entry reads.
    public var segments: [String] {
        switch self {
        case .event(let matcher, _, _, _):
            // segmentEntered / segmentExited entries name their segment.
            [MarketingEvent.segmentEntered, MarketingEvent.segmentExited].contains(matcher.name)
                ? matcher.properties["segmentId"].map { [$0] } ?? [] : []
        case .scheduledOnce(let segment, _), .recurring(let segment, _): [segment]
        }
    }
}
