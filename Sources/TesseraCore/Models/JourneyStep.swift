public import TesseraDomain

/// One decided step of a claimed run, ready to be written: what the machine decided, and the event
/// name that should wake the run early if it now waits for one.
public struct JourneyStep: Sendable, Hashable {
    public var run: JourneyRun
    public var advance: JourneyAdvance
    public var wakeOn: String?
    /// Send node → the message rendered for the member (subject, body).
    public var rendered: [String: (subject: String?, body: String)]

    public init(
        run: JourneyRun, advance: JourneyAdvance, wakeOn: String?,
        rendered: [String: (subject: String?, body: String)] = [:]
    ) {
        self.run = run
        self.advance = advance
        self.wakeOn = wakeOn
        self.rendered = rendered
    }

    public static func == (left: JourneyStep, right: JourneyStep) -> Bool {
        left.run == right.run && left.advance == right.advance && left.wakeOn == right.wakeOn
            && left.rendered.mapValues { [$0.subject ?? "", $0.body] }
                == right.rendered.mapValues { [$0.subject ?? "", $0.body] }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(run)
        hasher.combine(advance)
    }
}
