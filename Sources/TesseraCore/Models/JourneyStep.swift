public import TesseraDomain

/// One decided step of a claimed run, ready to be written: what the machine decided, and the event
/// name that should wake the run early if it now waits for one.
public struct JourneyStep: Sendable, Hashable {
    public var run: JourneyRun
    public var advance: JourneyAdvance
    public var wakeOn: String?
    /// Send node → the message rendered for the member (subject, body).
    public var rendered: [String: MessageTemplate.Rendered]
    /// The tracked links of those messages.
    public var links: [JourneyLink]

    public init(
        run: JourneyRun, advance: JourneyAdvance, wakeOn: String?, rendered: [String: MessageTemplate.Rendered] = [:],
        links: [JourneyLink] = []
    ) {
        self.run = run
        self.advance = advance
        self.wakeOn = wakeOn
        self.rendered = rendered
        self.links = links
    }
}
