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
        try await save(
            request, context, presets: ScoreModel.presets, parse: ScoreModel.parse,
            renamed: { model, name in
                var model = model
                model.name = name
                return model
            }, store: derived.save)
    }

    /// `PUT /api/v1/lifecycles/{name}` with a definition (``LifecycleModel/parse(_:name:)``) or
    /// `{"preset": "aipl"}`; every member is placed before the answer.
    func saveLifecycle(_ request: Request, _ context: TesseraContext) async throws -> Response {
        try await save(
            request, context, presets: LifecycleModel.presets, parse: LifecycleModel.parse,
            renamed: { model, name in
                var model = model
                model.name = name
                return model
            }, store: derived.save)
    }

    /// A definition from the body — a preset by name (renamed to the path's name) or parsed — stored
    /// and derived for every member; `201` when new.
    private func save<Model: Sendable>(
        _ request: Request, _ context: TesseraContext, presets: [String: Model],
        parse: (JSONValue, String) throws -> Model, renamed: (Model, String) -> Model,
        store: (Model, GroupID, BrandID, Date) async throws -> (created: Bool, changed: Int)
    ) async throws -> Response {
        let principal = try context.require(.admin)
        let name = try Self.name(context)
        let json = try await RequestBody.json(request, context: context)
        let model: Model
        if let preset = try Self.preset(json, names: presets.keys), let chosen = presets[preset] {
            model = renamed(chosen, name)
        } else {
            model = try parse(json, name)
        }
        let started = ContinuousClock.now
        let (created, changed) = try await store(model, principal.groupID, principal.brandID, Date())
        return try JSONCoding.response(
            Saved(
                name: name, created: created, changed: changed,
                elapsedMs: (ContinuousClock.now - started).wholeMilliseconds),
            status: created ? .created : .ok)
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
        needs.account = true
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

    /// `GET /api/v1/members/{id}/relationship`: whether the member follows the brand's official
    /// account and what is in their cart (``CartsAndFollowsSQL``).
    func relationship(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        let member = MemberID(try context.parameters.require("id"))
        var needs = SegmentRule.Needs()
        needs.cart = true
        needs.account = true
        guard
            let facts = try await derived.store.memberFacts(
                group: principal.groupID, brand: principal.brandID, member: member, needs: needs)
        else { throw TesseraError.notFound("member \(member) not found") }
        struct Follow: Encodable {
            var status: String?
            var changedAt: Date?
        }
        struct Line: Encodable {
            var sku: String
            var productId: String?
            var name: String?
            var category: String?
            var quantity: Int64
            var unitPriceMinor: Int64
            var currency: String
            var addedAt: Date
            var updatedAt: Date
        }
        struct Cart: Encodable {
            var items: [Line]
            var quantity: Int64
            var valueMinor: Int64
            var updatedAt: Date?
        }
        struct Answer: Encodable {
            var follow: Follow
            var cart: Cart
        }
        return try JSONCoding.response(
            Answer(
                follow: Follow(
                    status: facts.texts[.followStatus], changedAt: facts.times[.followChangedAt].map(Timestamp.date)),
                cart: Cart(
                    items: facts.cart.map {
                        Line(
                            sku: $0.sku, productId: $0.productID, name: $0.name, category: $0.category,
                            quantity: $0.quantity, unitPriceMinor: $0.unitPriceMinor, currency: $0.currency,
                            addedAt: Timestamp.date($0.addedAt), updatedAt: Timestamp.date($0.updatedAt))
                    }, quantity: facts.cartQuantity, valueMinor: facts.cartValueMinor,
                    updatedAt: facts.cartUpdatedAt.map(Timestamp.date))))
    }

    /// The answer to a saved definition.
    private struct Saved: Encodable {
        var name: String
        var created: Bool
        var changed: Int
        var elapsedMs: Int64
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
}
