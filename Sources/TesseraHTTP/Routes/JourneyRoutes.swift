import Foundation
import Hummingbird
import TesseraChannels
import TesseraCore
import TesseraDomain

/// Journeys of the caller's brand (`/api/v1/journeys`), addressed by name like scores and tags:
/// drafts are saved (`PUT`), checked (`POST /validate`), published as numbered versions and paused,
/// resumed or stopped; statistics per node. Reading needs `read`; editing and the lifecycle `admin`.
struct JourneyRoutes: Sendable {
    let journeys: JourneyService

    struct JourneyBody: Encodable {
        var id: String
        var name: String
        var status: String
        var version: Int64
        var draft: JSONValue
        var createdAt: Date
        var updatedAt: Date

        init(_ record: JourneyRecord) {
            (id, name, status, version, draft) = (
                record.id, record.name, record.status.rawValue, record.version, record.draft
            )
            (createdAt, updatedAt) = (record.createdAt, record.updatedAt)
        }
    }

    func list(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        struct Answer: Encodable { var journeys: [JourneyBody] }
        let records = try await journeys.store.journeys(group: principal.groupID, brand: principal.brandID)
        return try JSONCoding.response(Answer(journeys: records.map(JourneyBody.init)))
    }

    /// `PUT /api/v1/journeys/{name}`: saves the draft; `201` when the journey is new.
    func save(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.admin)
        let json = try await RequestBody.json(request, context: context)
        let (record, created) = try await journeys.save(
            name: try context.parameters.require("name"), draft: json, group: principal.groupID,
            brand: principal.brandID, at: Date())
        return try JSONCoding.response(JourneyBody(record), status: created ? .created : .ok)
    }

    /// `POST /api/v1/journeys/validate`: the body's definition checked as publishing would; every
    /// fault is a `400` at its JSON path.
    func validate(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        let json = try await RequestBody.json(request, context: context)
        let definition = try await journeys.validate(json, group: principal.groupID, brand: principal.brandID)
        struct Answer: Encodable {
            var valid: Bool
            var nodes: Int
            var segments: [String]
        }
        return try JSONCoding.response(
            Answer(valid: true, nodes: definition.nodes.count, segments: definition.segments.sorted()))
    }

    func get(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        return try JSONCoding.response(JourneyBody(try await named(context, principal)))
    }

    /// The journey the path names.
    private func named(_ context: TesseraContext, _ principal: Principal) async throws -> JourneyRecord {
        let name = try context.parameters.require("name")
        guard
            let record = try await journeys.store.journey(
                group: principal.groupID, brand: principal.brandID, named: name)
        else { throw TesseraError.notFound("no journey \(name) in this brand") }
        return record
    }

    /// `POST /api/v1/journeys/{name}/publish`: the draft, checked, becomes the next version.
    func publish(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.admin)
        let id = try await named(context, principal).id
        return try JSONCoding.response(
            JourneyBody(
                try await journeys.publish(id: id, group: principal.groupID, brand: principal.brandID, at: Date())))
    }

    /// `POST /api/v1/journeys/{name}/pause|resume|stop`: moves the journey to `status` (resume is
    /// `published`), if its lifecycle allows.
    func setStatus(_ status: JourneyRecord.Status) -> @Sendable (Request, TesseraContext) async throws -> Response {
        { _, context in
            let principal = try context.require(.admin)
            let id = try await named(context, principal).id
            let record = try await journeys.setStatus(
                status, id: id, group: principal.groupID, brand: principal.brandID, at: Date())
            return try JSONCoding.response(JourneyBody(record))
        }
    }

    /// `GET /api/v1/journeys/{name}/statistics`: runs by status and outcome, visits per node and
    /// branch, messages per node and status.
    func statistics(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        let id = try await named(context, principal).id
        let statistics = try await journeys.store.journeyStatistics(group: principal.groupID, journeyID: id)
        struct Answer: Encodable {
            var runs: [String: Int64]
            var visits: [String: [String: Int64]]
            var messages: [String: [String: Int64]]
            var grants: [String: [String: Int64]]
        }
        return try JSONCoding.response(
            Answer(
                runs: statistics.runs, visits: statistics.visits, messages: statistics.messages,
                grants: try await journeys.store.journeyGrants(group: principal.groupID, journeyID: id)))
    }

    /// `GET /api/v1/messaging/settings`: the brand's frequency caps and quiet hours.
    func settings(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        let timeZone = try await journeys.segments.context(
            group: principal.groupID, brand: principal.brandID, at: Date()
        ).timeZone
        let policy = try await journeys.deliveryPolicy(
            group: principal.groupID, brand: principal.brandID, timeZone: timeZone)
        return try JSONCoding.response(policy.json)
    }

    /// `PUT /api/v1/messaging/settings {"caps": {"*": {"perDay": 3}}, "quietHours": {"from": "21:00",
    /// "to": "09:00"}}`: checked strictly, applied to every journey's next sends.
    func saveSettings(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.admin)
        let json = try await RequestBody.json(request, context: context)
        let policy = try await journeys.saveDeliveryPolicy(
            json, group: principal.groupID, brand: principal.brandID, at: Date())
        return try JSONCoding.response(policy.json)
    }

    /// `GET /api/v1/journeys/{name}/messages?status=failed&reason=no_consent&limit=100`: the messages
    /// behind a count, newest first, with their members.
    func messages(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        let id = try await named(context, principal).id
        let query = request.uri.queryParameters
        let limit = try LoyaltyRoutes.queryInteger(request, "limit", default: 100, range: 1...1_000)
        struct Answer: Encodable { var messages: [JourneyMessage] }
        let messages = try await journeys.store.journeyMessages(
            group: principal.groupID, journeyID: id, status: query["status"].map(String.init),
            reason: query["reason"].map(String.init), limit: limit)
        return try JSONCoding.response(Answer(messages: messages))
    }

    /// `GET /api/v1/journey-blueprints`: the ready-made journeys (SPEC §7) with what they need.
    func blueprints(_ request: Request, _ context: TesseraContext) async throws -> Response {
        _ = try context.require(.read)
        let list: [JSONValue] = JourneyBlueprint.all.map { blueprint in
            .object([
                "id": .string(blueprint.id), "title": .string(blueprint.title),
                "description": .string(blueprint.description),
                "parameters": .array(
                    blueprint.parameters.map { parameter in
                        var object: [String: JSONValue] = [
                            "name": .string(parameter.name), "description": .string(parameter.description),
                            "required": .bool(parameter.defaultValue == nil),
                        ]
                        if let value = parameter.defaultValue { object["default"] = value }
                        return .object(object)
                    }),
                "messages": .array(blueprint.messages.map { .string($0.name) }),
                "segments": .array(blueprint.segments.map { .string("segment_\($0.key)") }),
                "coupons": .array(blueprint.coupons.map { .string("coupon_\($0.key)") }),
            ])
        }
        return try JSONCoding.response(JSONValue.object(["blueprints": .array(list)]))
    }

    /// `POST /api/v1/journey-blueprints/{id}/install {"name": "welcome", "parameters": {…}, "publish": true}`.
    func install(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.admin)
        let id = try context.parameters.require("id")
        guard let blueprint = JourneyBlueprint.named(id) else {
            throw TesseraError.notFound("no journey blueprint \(id); GET /api/v1/journey-blueprints lists them")
        }
        let reader = try FieldReader(try await RequestBody.json(request, context: context), path: "$")
        for key in reader.object.keys.sorted() where !["name", "parameters", "publish"].contains(key) {
            throw FieldError(path: "$.\(key)", reason: "unknown key; expected name, parameters or publish")
        }
        let name = try reader.string("name") ?? blueprint.id.replacingOccurrences(of: "-", with: "_")
        let installation = try await journeys.install(
            blueprint: blueprint, name: name, parameters: try reader.object("parameters") ?? [:],
            publish: try reader.bool("publish") ?? false, group: principal.groupID, brand: principal.brandID,
            at: Date())
        struct Answer: Encodable {
            var journey: JourneyBody
            var created: [String]
        }
        return try JSONCoding.response(
            Answer(journey: JourneyBody(installation.journey), created: installation.created), status: .created)
    }

    /// `POST /api/v1/products/prices {"prices": [{"sku": "TEA", "priceMinor": 7500}]}`: new prices from
    /// the catalogue; members with the SKU in their cart at a higher price get `cart.price_dropped`.
    func recordPrices(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.write)
        let body = try await RequestBody.json(request, context: context)
        guard let items = body["prices"]?.arrayValue, (1...1_000).contains(items.count) else {
            throw FieldError(path: "$.prices", reason: "expected 1 to 1000 {sku, priceMinor}")
        }
        var prices: [(sku: String, priceMinor: Int64)] = []
        for (index, item) in items.enumerated() {
            let reader = try FieldReader(item, path: "$.prices[\(index)]")
            guard let sku = try reader.string("sku"), !sku.isEmpty else {
                throw FieldError(path: "$.prices[\(index)].sku", reason: "required")
            }
            guard let price = try reader.integer("priceMinor"), price >= 0 else {
                throw FieldError(path: "$.prices[\(index)].priceMinor", reason: "required: minor units, 0 or more")
            }
            prices.append((sku, price))
        }
        let events = try await journeys.store.recordPrices(
            prices, group: principal.groupID, brand: principal.brandID, at: Date())
        return try JSONCoding.response(JSONValue.object(["priceDropEvents": .number(Decimal(events))]))
    }

    /// `GET /api/v1/guide-tasks?guide=G7&status=open&limit=100`: tasks journeys created for store
    /// guides, soonest due first.
    func guideTasks(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        let query = request.uri.queryParameters
        let status = query["status"].map(String.init)
        guard status == nil || ["open", "done"].contains(status) else {
            throw FieldError(path: "status", reason: "expected open or done")
        }
        let limit = try LoyaltyRoutes.queryInteger(request, "limit", default: 100, range: 1...1_000)
        struct Answer: Encodable { var tasks: [GuideTask] }
        let tasks = try await journeys.store.guideTasks(
            group: principal.groupID, brand: principal.brandID, guide: query["guide"].map(String.init),
            status: status, limit: limit)
        return try JSONCoding.response(Answer(tasks: tasks))
    }

    /// `POST /api/v1/guide-tasks/{id}/complete`: the guide did it.
    func completeGuideTask(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.write)
        let id = try context.parameters.require("id")
        guard
            try await journeys.store.completeGuideTask(
                id: id, group: principal.groupID, brand: principal.brandID, at: Date())
        else { throw TesseraError.notFound("no open guide task \(id) in this brand") }
        return try JSONCoding.response(JSONValue.object(["id": .string(id), "status": .string("done")]))
    }

    /// `GET /r/{token}`: a member followed a tracked link; record the click and send them on.
    func followLink(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let token = try context.parameters.require("token")
        guard token.utf8.count <= 64, let url = try await journeys.store.followLink(token: token, at: Date()) else {
            throw TesseraError.notFound("no such link")
        }
        return Response(status: .found, headers: [.location: url, .cacheControl: "no-store"])
    }

    /// `GET /api/v1/channels`: the brand's configured channels (secrets never shown).
    func channels(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        let channels = try await journeys.store.channels(group: principal.groupID, brand: principal.brandID)
        return try JSONCoding.response(
            JSONValue.object(["channels": .object(channels.mapValues(\.publicJSON))]))
    }

    /// `PUT /api/v1/channels/{name} {"kind": "webhook", "url": "https://…", "secret": "…"}`.
    func saveChannel(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.admin)
        let name = try context.parameters.require("name")
        guard SegmentRuleParser.isPlainName(name), !JourneyService.channels.contains(name) else {
            throw FieldError(path: "name", reason: "letters, digits and _ only, and not a built-in channel (log)")
        }
        let configuration = try ChannelConfiguration.parse(try await RequestBody.json(request, context: context))
        try await journeys.store.saveChannel(
            name: name, configuration, group: principal.groupID, brand: principal.brandID, at: Date())
        return try JSONCoding.response(configuration.publicJSON)
    }

    /// `GET /api/v1/journeys/{name}/report?windowDays=7&model=touch`: funnel, attribution per node and
    /// per day, top products, and each split branch against its control (``JourneyReport``).
    func report(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        let id = try await named(context, principal).id
        let (days, model) = try Self.reportOptions(request)
        return try JSONCoding.response(
            try await journeys.report(
                id: id, group: principal.groupID, brand: principal.brandID, windowDays: days, model: model, at: Date()))
    }

    /// `GET /api/v1/journey-reports?names=welcome,winback&windowDays=7&model=touch`: several journeys'
    /// reports side by side, in the order named.
    func compare(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        let (days, model) = try Self.reportOptions(request)
        let names = (request.uri.queryParameters["names"].map(String.init) ?? "").split(separator: ",").map(String.init)
        guard (1...10).contains(names.count) else {
            throw FieldError(path: "names", reason: "name 1 to 10 journeys, separated by commas")
        }
        struct Named: Encodable {
            var name: String
            var report: JourneyReport
        }
        var reports: [Named] = []
        for name in names {
            guard
                let journey = try await journeys.store.journey(
                    group: principal.groupID, brand: principal.brandID, named: name)
            else { throw TesseraError.notFound("no journey \(name) in this brand") }
            reports.append(
                Named(
                    name: name,
                    report: try await journeys.report(
                        id: journey.id, group: principal.groupID, brand: principal.brandID, windowDays: days,
                        model: model, at: Date())))
        }
        struct Answer: Encodable { var journeys: [Named] }
        return try JSONCoding.response(Answer(journeys: reports))
    }

    /// `windowDays` (1–90, default 7) and `model` (`touch` or `click`) of a report request.
    static func reportOptions(_ request: Request) throws -> (Int, AttributionModel) {
        let query = request.uri.queryParameters
        guard let days = Int(query["windowDays"].map(String.init) ?? "7"), (1...90).contains(days) else {
            throw FieldError(path: "windowDays", reason: "expected whole days, 1 to 90")
        }
        guard let model = AttributionModel(rawValue: query["model"].map(String.init) ?? "touch") else {
            throw FieldError(path: "model", reason: "expected touch or click")
        }
        return (days, model)
    }

    /// `POST /api/v1/journeys/{name}/estimate`: members per node if the draft ran now (a dry run).
    func estimate(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        let journey = try await named(context, principal)
        let counts = try await journeys.estimate(
            journey.draft, group: principal.groupID, brand: principal.brandID, at: Date())
        struct Answer: Encodable { var nodes: [String: Int64] }
        return try JSONCoding.response(Answer(nodes: counts))
    }

    /// `POST /api/v1/journeys/{name}/test {"node": "hello", "memberIds": ["…"]}`: renders the draft's send
    /// node for each named member (at most 20) and hands it to the node's channel now — a webhook
    /// receives it with an idempotency key starting `test:` — without entering anyone, checking
    /// guardrails or touching the journey's figures.
    func testSend(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.admin)
        let journey = try await named(context, principal)
        let (group, brand) = (principal.groupID, principal.brandID)
        let reader = try FieldReader(try await RequestBody.json(request, context: context), path: "$")
        let node = try reader.requiredString("node")
        let members = try reader.array("memberIds") ?? []
        guard (1...20).contains(members.count) else {
            throw FieldError(path: "$.memberIds", reason: "name 1 to 20 members")
        }
        let definition = try JourneyParser.parse(journey.draft)
        guard case .send(let channel, let name, _, _)? = definition.nodes[node] else {
            throw FieldError(path: "$.node", reason: "\(node) is not a send node of this journey's draft")
        }
        guard
            let template = try await journeys.store.messageTemplates(group: group, brand: brand)
                .first(where: { $0.name == name })
        else { throw FieldError(path: "$.node", reason: "the node's template \(name) does not exist") }
        let configuration = try await journeys.store.channels(group: group, brand: brand)[channel]
        struct Sent: Encodable {
            var memberId: String
            var subject: String?
            var body: String
            var outcome: String
        }
        var sent: [Sent] = []
        let recipients = try await journeys.store.messageRecipients(
            group: group, members: members.compactMap(\.stringValue).map { MemberID($0) })
        let needs = template.needs
        for (index, value) in members.enumerated() {
            guard let id = value.stringValue else {
                throw FieldError(path: "$.memberIds[\(index)]", reason: "expected a member id")
            }
            guard
                let facts = try await journeys.store.memberFacts(
                    group: group, brand: brand, member: MemberID(id), needs: needs)
            else { throw FieldError(path: "$.memberIds[\(index)]", reason: "no such member") }
            let rendered = template.render(facts, brand: brand.rawValue)
            var outcome = "delivered"
            if let configuration {
                let message = OutboundMessage(
                    group: group, id: "test", key: "test:\(journey.id):\(node):\(id):\(UUID().uuidString)",
                    journeyID: journey.id, node: node, member: MemberID(id), brandID: brand, channel: channel,
                    configuration: configuration, template: name, subject: rendered.subject, body: rendered.body,
                    fields: rendered.fields, html: template.html,
                    recipient: recipients[MemberID(id)] ?? MessageRecipient(), attempts: 0,
                    createdAt: Date())
                switch await ChannelRouter.shared.deliver(message) {
                case .delivered: outcome = "delivered"
                case .retry(let detail): outcome = "failed: \(detail)"
                case .reject(let reason, let detail): outcome = "failed: \(reason.rawValue): \(detail)"
                }
            }
            sent.append(Sent(memberId: id, subject: rendered.subject, body: rendered.body, outcome: outcome))
        }
        struct Answer: Encodable { var sent: [Sent] }
        return try JSONCoding.response(Answer(sent: sent))
    }
}
