/// A behaviour tag definition (SPEC §5): events matching `event` tag the member with `prefix` + the
/// value of their string property `property` — `{"event": {"name": "Product Viewed"}, "property":
/// "category", "prefix": "likes:", "window": {"lastDays": 90}}` gives `likes:skincare` to a member
/// who viewed a skincare product in the last 90 days, and takes it away once they have not for 90.
public struct BehaviourTagging: Sendable, Hashable {
    public var event: EventMatcher
    public var property: String
    public var prefix: String
    public var window: TimeWindow?

    public init(event: EventMatcher, property: String, prefix: String, window: TimeWindow? = nil) {
        self.event = event
        self.property = property
        self.prefix = prefix
        self.window = window
    }

    /// The tags the member's events give at `context.now`; values that would not make a valid tag
    /// name (empty, too long, with commas or line breaks) give none.
    public func tags(_ events: [EventFact], context: EvaluationContext) -> Set<String> {
        let bounds = window?.bounds(in: context) ?? .always
        var tags: Set<String> = []
        for event in events where self.event.matches(event) && bounds.contains(event.occurredAt) {
            guard case .string(let value) = event.properties[property], !value.isEmpty else { continue }
            let tag = prefix + value
            if TagDefinition.validName(tag) { tags.insert(tag) }
        }
        return tags
    }
}
