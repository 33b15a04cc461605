/// A journey (marketing canvas plan) as published: how members enter, the graph they walk and the
/// participation guardrails. Immutable once published — a change is a new version, and members in
/// flight keep the version they entered with.
///
/// JSON (see ``JourneyParser``):
/// `{"entry": {"event": {"name": "follow"}}, "start": "hello", "nodes": {"hello": {"send":
/// {"channel": "log", "template": "welcome", "next": "end"}}, "end": {"exit": {}}}}`.
public struct JourneyDefinition: Sendable, Hashable {
    public var entry: JourneyEntry
    public var start: String
    public var nodes: [String: JourneyNode]
    /// How many times one member may enter (counting every entry, finished or not).
    public var maximumEntries: Int
    /// Seconds after an entry before the same member may enter again.
    public var reentryCooldownSeconds: Int64
    /// What sends do in the brand's quiet hours.
    public var quietHours: QuietHoursBehaviour

    public init(
        entry: JourneyEntry, start: String, nodes: [String: JourneyNode], maximumEntries: Int = 1,
        reentryCooldownSeconds: Int64 = 0, quietHours: QuietHoursBehaviour = .hold
    ) {
        self.quietHours = quietHours
        self.entry = entry
        self.start = start
        self.nodes = nodes
        self.maximumEntries = maximumEntries
        self.reentryCooldownSeconds = reentryCooldownSeconds
    }

    /// The stored segments the journey reads (its entry and its conditions), which must exist.
    public var segments: Set<String> {
        var ids = Set(entry.segments)
        for node in nodes.values {
            switch node {
            case .condition(let rule, _, _), .filter(.rule(let rule), _): ids.formUnion(rule.referencedSegments)
            default: break
            }
        }
        return ids
    }

    /// The message templates its send nodes name.
    public var templateNames: Set<String> {
        Set(nodes.values.compactMap { if case .send(_, let template, _, _) = $0 { template } else { nil } })
    }

    /// The first fault of the graph, at its JSON path: a successor that does not exist, a node no
    /// path from `start` reaches, or a cycle without a wait (it would run forever in one step).
    public func graphFault() -> FieldError? {
        guard nodes[start] != nil else { return FieldError(path: "$.start", reason: "no node \(start)") }
        for id in nodes.keys.sorted() {
            for next in nodes[id]?.successors ?? [] where nodes[next] == nil {
                return FieldError(path: "$.nodes.\(id)", reason: "continues at \(next), which is not a node")
            }
            if case .filter(.message(_, let of), _)? = nodes[id] {
                guard case .send? = nodes[of] else {
                    return FieldError(path: "$.nodes.\(id).filter.of", reason: "\(of) is not a send node")
                }
            }
        }
        var reached: Set<String> = [start]
        var frontier = [start]
        while let id = frontier.popLast() {
            for next in nodes[id]?.successors ?? [] where reached.insert(next).inserted { frontier.append(next) }
        }
        if let orphan = nodes.keys.sorted().first(where: { !reached.contains($0) }) {
            return FieldError(path: "$.nodes.\(orphan)", reason: "no path from \(start) reaches this node")
        }
        // A cycle among the nodes that do not hold is found by a depth-first search over them alone.
        var state: [String: Bool] = [:]  // false: on the current path; true: done
        func spins(_ id: String) -> String? {
            state[id] = false
            for next in nodes[id]?.successors ?? [] where nodes[next]?.holds == false {
                if state[next] == false { return next }
                if state[next] == nil, let found = spins(next) { return found }
            }
            state[id] = true
            return nil
        }
        for id in nodes.keys.sorted() where nodes[id]?.holds == false && state[id] == nil {
            if let looping = spins(id) {
                return FieldError(
                    path: "$.nodes.\(looping)", reason: "this node is on a cycle without a wait, which would never end")
            }
        }
        return nil
    }
}
