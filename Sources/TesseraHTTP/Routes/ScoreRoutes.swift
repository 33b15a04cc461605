import Foundation
import Hummingbird
import TesseraCore
import TesseraDomain

/// Behaviour scores and lifecycle models of the caller's brand (`/api/v1/scores`,
/// `/api/v1/lifecycles`): reading needs `read`, defining `admin`, recomputing `write`.
struct ScoreRoutes: Sendable {
    let derived: DerivedStateService

    /// Both catalogues with their statistics, and the presets that can be installed by name.
    func list(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        let (group, brand) = (principal.groupID, principal.brandID)
        let definitions = try await derived.definitions(group: group, brand: brand)
        let statistics = try await derived.store.scoreStatistics(group: group, brand: brand)
        struct Score: Encodable {
            var name: String
            var description: String?
            var definition: JSONValue
            /// Members with a non-zero value (the others have 0).
            var members: Int64
            var total: Int64
        }
        struct Stage: Encodable {
            var name: String
            var members: Int64
        }
        struct Lifecycle: Encodable {
            var name: String
            var description: String?
            var definition: JSONValue
            var stages: [Stage]
        }
        struct Presets: Encodable {
            var scores: [String]
            var lifecycles: [String]
        }
        struct Answer: Encodable {
            var scores: [Score]
            var lifecycles: [Lifecycle]
            var presets: Presets
        }
        return try JSONCoding.response(
            Answer(
                scores: definitions.scores.map {
                    Score(
                        name: $0.name, description: $0.description, definition: $0.json,
                        members: statistics.scores[$0.name]?.members ?? 0, total: statistics.scores[$0.name]?.sum ?? 0)
                },
                lifecycles: definitions.lifecycles.map { model in
                    Lifecycle(
                        name: model.name, description: model.description, definition: model.json,
                        stages: model.stages.map {
                            Stage(name: $0.name, members: statistics.stages[model.name]?[$0.name] ?? 0)
                        })
                },
                presets: Presets(
                    scores: ScoreModel.presets.keys.sorted(), lifecycles: LifecycleModel.presets.keys.sorted())))
    }

    /// `PUT /api/v1/scores/{name}` with a definition (``ScoreModel/parse(_:name:)``) or
    /// `{"preset": "engagement"}`; every member is rescored before the answer.
    func saveScore(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.admin)
        let name = try Self.name(context)
        let json = try await RequestBody.json(request, context: context)
        let model: ScoreModel
        if let preset = try Self.preset(json, names: ScoreModel.presets.keys) {
            model =
                ScoreModel.presets[preset].map {
                    var model = $0; model.name = name; return model
                }
                ?? ScoreModel(name: name, rules: [])
        } else {
            model = try ScoreModel.parse(json, name: name)
        }
        return try await Self.saved(model.name) {
            try await derived.save(model, group: principal.groupID, brand: principal.brandID)
        }
    }

    /// `PUT /api/v1/lifecycles/{name}` with a definition (``LifecycleModel/parse(_:name:)``) or
    /// `{"preset": "aipl"}`; every member is placed before the answer.
    func saveLifecycle(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.admin)
        let name = try Self.name(context)
        let json = try await RequestBody.json(request, context: context)
        let model: LifecycleModel
        if let preset = try Self.preset(json, names: LifecycleModel.presets.keys) {
            model =
                LifecycleModel.presets[preset].map {
                    var model = $0; model.name = name; return model
                }
                ?? LifecycleModel(name: name, stages: [])
        } else {
            model = try LifecycleModel.parse(json, name: name)
        }
        return try await Self.saved(model.name) {
            try await derived.save(model, group: principal.groupID, brand: principal.brandID)
        }
    }

    func delete(_ kind: ScoreModelKind) -> @Sendable (Request, TesseraContext) async throws -> Response {
        { _, context in
            let principal = try context.require(.admin)
            try await derived.delete(
                kind: kind, name: try Self.name(context), group: principal.groupID, brand: principal.brandID)
            return Response(status: .noContent)
        }
    }

    /// `POST /api/v1/scores/recompute`: rescores every member and refreshes the segments now.
    func recompute(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.write)
        let started = ContinuousClock.now
        let changed = try await derived.recompute(group: principal.groupID, brand: principal.brandID)
        struct Answer: Encodable {
            var changed: Int
            var elapsedMs: Int64
        }
        return try JSONCoding.response(
            Answer(changed: changed, elapsedMs: (ContinuousClock.now - started).wholeMilliseconds))
    }

    /// `GET /api/v1/members/{id}/scores`: the member's scores, lifecycle stages and RFM group.
    func member(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        let member = MemberID(try context.parameters.require("id"))
        var needs = SegmentRule.Needs()
        needs.scores = true
        needs.stages = true
        guard
            let facts = try await derived.store.memberFacts(
                group: principal.groupID, brand: principal.brandID, member: member, needs: needs)
        else { throw TesseraError.notFound("member \(member) not found") }
        struct Answer: Encodable {
            var scores: [String: Int64]
            var stages: [String: String]
            var rfmGroup: String?
        }
        return try JSONCoding.response(
            Answer(scores: facts.scores, stages: facts.stages, rfmGroup: facts.rfmGroup?.rawValue))
    }

    private static func name(_ context: TesseraContext) throws -> String {
        let name = try context.parameters.require("name")
        guard SegmentRuleParser.isPlainName(name) else {
            throw FieldError(path: "name", reason: "names use letters, digits and _ only (at most 64)")
        }
        return name
    }

    /// The preset a body `{"preset": "…"}` names, or nil for a full definition.
    private static func preset(_ json: JSONValue, names: some Collection<String>) throws -> String? {
        guard case .object(let object) = json, let value = object["preset"] else { return nil }
        guard object.count == 1, let name = value.stringValue, names.contains(name) else {
            throw FieldError(
                path: "$.preset", reason: "give only a preset, one of: \(names.sorted().joined(separator: ", "))")
        }
        return name
    }

    private static func saved(_ name: String, _ save: () async throws -> (created: Bool, changed: Int)) async throws
        -> Response
    {
        let started = ContinuousClock.now
        let (created, changed) = try await save()
        struct Answer: Encodable {
            var name: String
            var created: Bool
            var changed: Int
            var elapsedMs: Int64
        }
        return try JSONCoding.response(
            Answer(
                name: name, created: created, changed: changed,
                elapsedMs: (ContinuousClock.now - started).wholeMilliseconds),
            status: created ? .created : .ok)
    }
}
