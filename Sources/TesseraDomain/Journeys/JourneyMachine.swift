/// Advances one member through a journey: a pure function of the definition, the member's facts and
/// the time, so every branch can be tested without a database and a retried step decides exactly
/// as the first attempt did (splits draw from a hash of the entry and node, not from a generator).
///
/// A step runs nodes until the member must wait or leaves: `condition`, `split`, `tag`, `send` and
/// `exit` take no time; `wait` and `waitForEvent` end the step with the time to resume. Durations
/// count in journey time — from when the member reached the node (an event entry's event time plus
/// its delay), not from when a worker got to it — so a busy worker never stretches a journey.
public struct JourneyMachine: Sendable {
    public let definition: JourneyDefinition
    public let evaluator: SegmentEvaluator
    public let policy: DeliveryPolicy
    /// The consent each channel needs (by channel name).
    public let consents: [String: String]

    /// Definitions count seconds; runs, events and facts count microseconds.
    static let micros: Int64 = 1_000_000

    /// - Parameter consents: the consent each channel (by name) needs from the member, from the kind
    ///   it is configured as (``consent(forKind:)``); channels not named need none.
    public init(
        definition: JourneyDefinition, context: EvaluationContext, policy: DeliveryPolicy? = nil,
        consents: [String: String] = [:]
    ) {
        self.definition = definition
        evaluator = SegmentEvaluator(context: context)
        self.policy = policy ?? DeliveryPolicy(timeZone: context.timeZone)
        self.consents = consents
    }

    /// The consent a channel kind needs from the member (`members.consent`), if any: marketing by SMS,
    /// e-mail or WeChat needs an explicit yes; the log and webhook channels reach no person.
    public static func consent(forKind kind: String) -> String? {
        switch kind {
        case "sms": "sms"
        case "smtp": "email"
        case _ where kind.hasPrefix("wechat-") || kind.hasPrefix("wecom-"): "wechat"
        default: nil
        }
    }

    /// Whether a filter reads the run's messages (they are then loaded for each step).
    public var readsMessages: Bool {
        definition.nodes.values.contains { if case .filter(.message, _) = $0 { true } else { false } }
    }

    /// The member's facts the definition reads (its conditions, and events for event waits).
    public var needs: SegmentRule.Needs {
        var rules: [SegmentRule] = []
        var events = false
        if case .event(_, _, let unless, _) = definition.entry, unless != nil { events = true }
        for node in definition.nodes.values {
            switch node {
            case .condition(let rule, _, _), .filter(.rule(let rule), _): rules.append(rule)
            case .waitForEvent: events = true
            default: break
            }
        }
        var needs = SegmentRule.and(rules).needs
        needs.events = needs.events || events
        // Event waits look back to when the member reached the node, which no rule horizon bounds.
        if events { needs.eventsSince = nil }
        return needs
    }

    /// One step from `state` at `now` for the entry identified by `key` (its split draws); `sent` holds
    /// the member's deliveries of the last seven days per channel, for the frequency caps.
    public func advance(
        from state: JourneyRunState, facts: MemberFacts, now: Int64, key: String, sent: [String: [Int64]] = [:],
        messages: [String: JourneyMessageState] = [:]
    ) -> JourneyAdvance {
        var sent = sent
        var actions: [JourneyAction] = []
        var since = state.since
        if state.entering, case .event(_, _, let unless?, let span) = definition.entry {
            let spanEnd = state.enteredAt + span * Self.micros
            if facts.events.contains(where: {
                unless.matches($0) && $0.occurredAt > state.enteredAt && $0.occurredAt <= spanEnd
            }) {
                return JourneyAdvance(actions: [], next: .finished(node: state.node, .excluded))
            }
            if now < spanEnd {
                var waiting = state
                waiting.since = spanEnd
                return JourneyAdvance(actions: [], next: .wait(waiting, due: spanEnd))
            }
            // The member is in once the span is over: the journey starts then.
            since = max(since, spanEnd)
        }
        var id = state.node
        // Validation rules out cycles without a wait, so a step visits each node at most once.
        for _ in 0...definition.nodes.count {
            guard let node = definition.nodes[id] else { break }
            switch node {
            case .wait(let seconds, let next):
                actions.append(.visit(node: id, branch: nil))
                let due = since + seconds * Self.micros
                return JourneyAdvance(
                    actions: actions,
                    next: .wait(
                        JourneyRunState(node: next, since: due, enteredAt: state.enteredAt, entering: false), due: due))
            case .waitForEvent(let matcher, let timeout, let next, let timeoutNext):
                let deadline = since + timeout * Self.micros
                if let event = facts.events.filter({
                    matcher.matches($0) && $0.occurredAt >= since && $0.occurredAt <= deadline
                })
                .min(by: { $0.occurredAt < $1.occurredAt }) {
                    actions.append(.visit(node: id, branch: "event"))
                    (id, since) = (next, max(event.occurredAt, since))
                } else if now >= deadline {
                    actions.append(.visit(node: id, branch: "timeout"))
                    (id, since) = (timeoutNext, deadline)
                } else {
                    return JourneyAdvance(
                        actions: actions,
                        next: .wait(
                            JourneyRunState(node: id, since: since, enteredAt: state.enteredAt, entering: false),
                            due: deadline))
                }
            case .condition(let rule, let yes, let no):
                let holds = evaluator.matches(rule, facts)
                actions.append(.visit(node: id, branch: holds ? "yes" : "no"))
                id = holds ? yes : no
            case .filter(let filter, let next):
                let passes =
                    switch filter {
                    case .rule(let rule): evaluator.matches(rule, facts)
                    case .message(let test, let node): test.passes(messages[node])
                    }
                actions.append(.visit(node: id, branch: passes ? "passed" : "filtered"))
                guard passes else { return JourneyAdvance(actions: actions, next: .finished(node: id, .filtered)) }
                id = next
            case .split(let branches):
                let branch = Self.draw(branches, key: "\(key)|\(id)")
                actions.append(.visit(node: id, branch: branch.name))
                guard let next = branch.next else {
                    return JourneyAdvance(actions: actions, next: .finished(node: id, .control))
                }
                id = next
            case .tag(let name, let add, let next):
                actions.append(.visit(node: id, branch: nil))
                actions.append(.tag(node: id, name: name, add: add))
                id = next
            case .grant(let grant, let budget, let next):
                actions.append(.visit(node: id, branch: nil))
                actions.append(.grant(node: id, grant, budget: budget))
                id = next
            case .task(let title, let dueHours, let next):
                actions.append(.visit(node: id, branch: nil))
                actions.append(.task(node: id, title: title, dueHours: dueHours))
                id = next
            case .send(let channel, let template, let required, let next):
                if let consent = required ?? consents[channel], facts.consent[consent] != true {
                    actions.append(.visit(node: id, branch: "suppressed"))
                    actions.append(.suppress(node: id, channel: channel, template: template, reason: .noConsent))
                    id = next
                    continue
                }
                switch policy.decide(channel: channel, now: now, sent: sent, quiet: definition.quietHours) {
                case .deliver:
                    actions.append(.visit(node: id, branch: nil))
                    actions.append(.send(node: id, channel: channel, template: template))
                    sent[channel, default: []].append(now)
                case .suppress(let reason):
                    actions.append(.visit(node: id, branch: "suppressed"))
                    actions.append(.suppress(node: id, channel: channel, template: template, reason: reason))
                case .holdUntil(let opens):
                    return JourneyAdvance(
                        actions: actions,
                        next: .wait(
                            JourneyRunState(
                                node: id, since: max(since, opens), enteredAt: state.enteredAt, entering: false),
                            due: opens))
                }
                id = next
            case .exit(let goal):
                actions.append(.visit(node: id, branch: nil))
                return JourneyAdvance(actions: actions, next: .finished(node: id, goal ? .goal : .exited))
            }
        }
        return JourneyAdvance(actions: actions, next: .finished(node: id, .exited))
    }

    /// The branch `key` falls into, in proportion to the weights: the same key always draws the
    /// same branch, and over many keys the shares approach weight / total.
    public static func draw(_ branches: [JourneyBranch], key: String) -> JourneyBranch {
        let total = UInt64(branches.reduce(0) { $0 + max($1.weight, 0) })
        guard total > 0 else { return branches[0] }
        var ticket = key.fnv1a64 % total
        for branch in branches {
            let weight = UInt64(max(branch.weight, 0))
            if ticket < weight { return branch }
            ticket -= weight
        }
        return branches[branches.count - 1]
    }
}
