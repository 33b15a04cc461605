import Foundation
import Hummingbird
import NIOCore
import TesseraCore
public import TesseraDomain

/// The OpenAPI 3.1 description of the native and Segment-compatible APIs, served at
/// `GET /api/v1/openapi.json`. A test checks that every ``APIRoute`` appears here.
public enum OpenAPIDocument {
    /// One operation. `body` names a component schema of a JSON body, `requestBody` is an inline one
    /// (`bodyType` says its media type); `responses` maps status codes to descriptions: a 2xx answers
    /// `responseType` (nothing for 204 and redirects), a 4xx is RFC 9457 problem details, as is any
    /// other status (`default`).
    static func operation(
        _ summary: String, scope: String?, body: String? = nil, requestBody: JSONValue? = nil,
        bodyType: String = "application/json", parameters: [JSONValue] = [], responses: [String: String],
        responseType: String = "application/json"
    ) -> JSONValue {
        let problem: JSONValue = .object([
            "application/problem+json": .object(["schema": OpenAPISchema.ref("Problem")])
        ])
        var answers: [String: JSONValue] = responses.reduce(into: [:]) { answers, entry in
            let (status, description) = entry
            var answer: [String: JSONValue] = ["description": .string(description)]
            if status.hasPrefix("4") || status.hasPrefix("5") {
                answer["content"] = problem
            } else if status != "204", !status.hasPrefix("3") {
                let schema: JSONValue = .object([
                    "type": .string(responseType == "application/json" ? "object" : "string")
                ])
                answer["content"] = .object([responseType: .object(["schema": schema])])
            }
            answers[status] = .object(answer)
        }
        answers["default"] = .object(["description": .string("RFC 9457 problem details"), "content": problem])
        var object: [String: JSONValue] = ["summary": .string(summary), "responses": .object(answers)]
        if let scope {
            object["security"] = .array([.object(["bearer": .array([]), "basic": .array([])])])
            object["x-scope"] = .string(scope)
        }
        if let schema = requestBody ?? body.map(OpenAPISchema.ref) {
            object["requestBody"] = .object([
                "required": .bool(true), "content": .object([bodyType: .object(["schema": schema])]),
            ])
        }
        if !parameters.isEmpty { object["parameters"] = .array(parameters) }
        return .object(object)
    }

    /// A parameter; unless `schema` says more, a path segment is any non-empty string and a query
    /// parameter any string (an empty filter matches nothing).
    static func parameter(
        _ name: String, in location: String, _ description: String, required: Bool = false,
        schema: JSONValue? = nil
    ) -> JSONValue {
        .object([
            "name": .string(name), "in": .string(location), "required": .bool(location == "path" || required),
            "description": .string(description),
            "schema": schema ?? (location == "path" ? OpenAPISchema.text() : OpenAPISchema.anyText),
        ])
    }

    /// `limit`: a whole number from 1 to `maximum`.
    static func limit(_ maximum: Int64, _ description: String) -> JSONValue {
        parameter("limit", in: "query", description, schema: OpenAPISchema.integer(minimum: 1, maximum: maximum))
    }

    static let memberID = parameter("id", in: "path", "Member id")
    static let journeyName = parameter("name", in: "path", "Journey name", schema: OpenAPISchema.plainName)
    static let scoreName = parameter("name", in: "path", "Score name", schema: OpenAPISchema.plainName)
    static let modelName = parameter("name", in: "path", "Lifecycle model name", schema: OpenAPISchema.plainName)
    static let templateName = parameter(
        "name", in: "path", "Template name", schema: OpenAPISchema.plainName)
    static let tagName = parameter(
        "name", in: "path", "Tag name: up to 64 characters, no comma or line break",
        schema: OpenAPISchema.text(maxLength: 64, pattern: "^[^,\\r\\n]{1,64}$"))
    /// A CSV member list: a `member_id` header, then ids (unknown ones are counted, not stored); an
    /// identifier type such as `phone` may head the column instead.
    static let memberList = OpenAPISchema.text(
        "CSV: a member_id (or identifier type) header, then one value per line",
        pattern: "^member_id(\\r?\\n[0-9A-Za-z-]{1,36}){0,50}\\r?\\n?$")
    static let couponCode = parameter("code", in: "path", "Coupon code, any case, hyphens optional")
    static let expiringWithinDays = parameter(
        "expiringWithinDays", in: "query", "Window for `expiring`, 1 to 3,660 days (default 30)",
        schema: OpenAPISchema.integer(minimum: 1, maximum: 3_660))
    static let windowDays = parameter(
        "windowDays", in: "query", "attribution window, 1 to 90 days (7)",
        schema: OpenAPISchema.integer(minimum: 1, maximum: 90))
    static let attributionModel = parameter(
        "model", in: "query", "touch (default) or click", schema: OpenAPISchema.oneOf(["touch", "click"]))
    /// The key that makes a write safe to retry (the server also takes it as `idempotencyKey` in the body).
    static let idempotencyHeader = parameter(
        "Idempotency-Key", in: "header", "1 to 200 characters; a retry with the same key answers the first result",
        required: true, schema: OpenAPISchema.idempotencyKey)

    /// Path → method → operation.
    static var paths: [String: [String: JSONValue]] {
        let backlog =
            "The group's accepted messages have waited too long to be projected (TESSERA_INGEST_MAX_LAG); "
            + "nothing was written; retry after Retry-After seconds"
        let segment = { (type: String) in
            operation(
                "Segment-compatible \(type) (write key as HTTP Basic user name)", scope: "ingest",
                requestBody: segmentMessage(type: type),
                responses: ["200": "Queued in the ingest log", "429": backlog])
        }
        return [
            "/api/v1/events": [
                "post": operation(
                    "Ingest up to 1,000 behaviour events", scope: "ingest", body: "EventBatch",
                    responses: ["200": "Per-event results"])
            ],
            "/api/v1/members": [
                "post": operation(
                    "Create or update a member by its identifiers", scope: "ingest", body: "MemberUpsert",
                    responses: ["200": "The resolved member"]),
                "get": operation(
                    "Find a member by identifier", scope: "read",
                    parameters: [
                        parameter(
                            "identifier", in: "query", "type:value, e.g. phone:+8613800000000", required: true,
                            schema: OpenAPISchema.identifier)
                    ], responses: ["200": "Member 360 view"]),
            ],
            "/api/v1/members/{id}": [
                "get": operation(
                    "Member 360 view", scope: "read", parameters: [memberID], responses: ["200": "Member 360 view"])
            ],
            "/api/v1/members/{id}/timeline": [
                "get": operation(
                    "Events and orders, newest first", scope: "read",
                    parameters: [
                        memberID, parameter("cursor", in: "query", "nextCursor of the previous page (opaque)"),
                        limit(200, "1-200, default 50"),
                    ], responses: ["200": "A timeline page"])
            ],
            "/api/v1/members/{id}/merge": [
                "post": operation(
                    "Merge another member into this one", scope: "write", body: "MergeRequest", parameters: [memberID],
                    responses: [
                        "200": "The merge audit record", "404": "no such survivor",
                        "409": "either member was already merged, or they are one member",
                        "422": "member_not_found (mergedMemberId)",
                    ])
            ],
            "/api/v1/merge-candidates": [
                "get": operation(
                    "Members that share an identifier and await review", scope: "read",
                    parameters: [
                        parameter(
                            "status", in: "query", "open (default), merged or dismissed",
                            schema: OpenAPISchema.oneOf(["open", "merged", "dismissed"])),
                        limit(200, "1-200, default 50"),
                    ], responses: ["200": "Candidates"])
            ],
            "/api/v1/merges/{id}/undo": [
                "post": operation(
                    "Undo a merge: identifiers, events and orders of the merged member go back to it", scope: "write",
                    parameters: [parameter("id", in: "path", "Merge id (from the merge response)")],
                    responses: ["200": "The merge record"])
            ],
            "/api/v1/merge-candidates/{id}/dismiss": [
                "post": operation(
                    "Dismiss an open merge candidate (the members are different people)", scope: "write",
                    parameters: [parameter("id", in: "path", "Candidate id")], responses: ["200": "Dismissed"])
            ],
            "/api/v1/orders": [
                "post": operation(
                    "Create an order or move it forward (paid, refunded)", scope: "ingest", body: "Order",
                    responses: ["200": "The resolved member"])
            ],
            "/api/v1/openapi.json": ["get": operation("This document", scope: nil, responses: ["200": "OpenAPI 3.1"])],
            "/v1/batch": [
                "post": operation(
                    "Segment-compatible batch: validated, queued in the durable ingest log, projected into members "
                        + "within moments (see /api/v1/ingest/status)", scope: "ingest", body: "SegmentBatch",
                    responses: ["200": "All valid messages queued", "429": backlog])
            ],
            "/api/v1/ingest/status": [
                "get": operation(
                    "What of the group's accepted Segment traffic is not yet projected into members", scope: "read",
                    responses: [
                        "200":
                            "pendingEntries, pendingMessages, failedEntries, oldestPendingAt, lastError; "
                            + "maximumLagSeconds (TESSERA_INGEST_MAX_LAG) and refusing (its Segment requests get 429)"
                    ])
            ],
            "/v1/identify": ["post": segment("identify")], "/v1/track": ["post": segment("track")],
            "/v1/page": ["post": segment("page")], "/v1/screen": ["post": segment("screen")],
            "/v1/group": ["post": segment("group")], "/v1/alias": ["post": segment("alias")],
            "/api/v1/loyalty/program": [
                "get": operation(
                    "The brand's loyalty programme (time zone, points expiry, earn and growth rules, tiers) and its version",
                    scope: "read", responses: ["200": "version and program"]),
                "put": operation(
                    "Store a new version of the brand's loyalty programme (see docs/loyalty.md); every fault is "
                        + "reported at its JSON path", scope: "admin", body: "LoyaltyProgram",
                    responses: ["200": "version and program", "400": "the faults, each at its path"]),
            ],
            "/api/v1/loyalty/tiers/review": [
                "post": operation(
                    "Review now the tiers of members whose tier period ended (idempotent; also runs hourly)",
                    scope: "admin", responses: ["200": "members reviewed and tier changes made"])
            ],
            "/api/v1/loyalty/earning/status": [
                "get": operation(
                    "Orders and events waiting to earn points and growth, and how many of them failed before",
                    scope: "read", responses: ["200": "waiting and failing"])
            ],
            "/api/v1/members/{id}/loyalty": [
                "get": operation(
                    "A member's loyalty in the key's brand: tier, growth, points (lots, expiring, pending), tier history",
                    scope: "read",
                    parameters: [
                        memberID, expiringWithinDays,
                    ], responses: ["200": "The member's loyalty"])
            ],
            "/api/v1/loyalty/coupon-templates": [
                "get": operation(
                    "The brand's coupon templates with how many were issued", scope: "read",
                    responses: ["200": "templates"]),
                "post": operation(
                    "Create a coupon template: benefit (amount_off, percent_off, threshold, gift_item, free_shipping), "
                        + "validity, stock, per-member limit, channels, stores, categories, restoreOnRefund",
                    scope: "admin", body: "CouponTemplate",
                    responses: ["201": "the template and its id", "400": "the faults, each at its path"]),
            ],
            "/api/v1/loyalty/coupon-templates/{id}/disable": [
                "post": operation(
                    "Stop issuing a template (issued coupons stay usable)", scope: "admin",
                    parameters: [parameter("id", in: "path", "Template id")], responses: ["200": "status"])
            ],
            "/api/v1/loyalty/coupon-templates/{id}/enable": [
                "post": operation(
                    "Resume issuing a template", scope: "admin",
                    parameters: [parameter("id", in: "path", "Template id")],
                    responses: ["200": "status"])
            ],
            "/api/v1/loyalty/coupons/issue": [
                "post": operation(
                    "Issue one coupon of a template to each of up to 1,000 members; Idempotency-Key required",
                    scope: "write", body: "BulkIssue", parameters: [idempotencyHeader],
                    responses: ["200": "one result per member"])
            ],
            "/api/v1/loyalty/coupons/{code}": [
                "get": operation(
                    "A coupon by its code", scope: "read", parameters: [couponCode],
                    responses: ["200": "the coupon", "404": "no such coupon in this brand"])
            ],
            "/api/v1/loyalty/coupons/{code}/quote": [
                "post": operation(
                    "Is this coupon valid for this cart, and what is the discount? Uses nothing", scope: "read",
                    body: "CouponCart", parameters: [couponCode],
                    responses: ["200": "coupon and quote", "422": "why it cannot be used (code)"])
            ],
            "/api/v1/loyalty/coupons/{code}/redeem": [
                "post": operation(
                    "Use the coupon on an order (核销), exactly once; Idempotency-Key required", scope: "write",
                    body: "CouponRedemption", parameters: [couponCode, idempotencyHeader],
                    responses: ["200": "coupon and quote", "422": "why it cannot be used (code)"])
            ],
            "/api/v1/loyalty/coupons/{code}/void": [
                "post": operation(
                    "Cancel an unused coupon (reason required)", scope: "write", body: "Reason",
                    parameters: [couponCode],
                    responses: ["200": "the coupon", "422": "coupon_used"])
            ],
            "/api/v1/loyalty/coupons/{code}/restore": [
                "post": operation(
                    "Give back a redeemed coupon (its order was returned; reason required)", scope: "write",
                    body: "Reason", parameters: [couponCode],
                    responses: ["200": "the coupon", "422": "coupon_not_redeemed"])
            ],
            "/api/v1/members/{id}/coupons": [
                "get": operation(
                    "A member's coupons in the key's brand, newest first", scope: "read", parameters: [memberID],
                    responses: ["200": "coupons"]),
                "post": operation(
                    "Issue a coupon of a template to the member; Idempotency-Key required", scope: "write",
                    body: "CouponIssue", parameters: [memberID, idempotencyHeader],
                    responses: [
                        "201": "the coupon", "422": "template_not_found, out_of_stock, member_limit_reached, …",
                    ]),
            ],
            "/api/v1/members/{id}/benefits": [
                "get": operation(
                    "The member's benefits in force in the key's brand: their tier's and granted ones, with uses left",
                    scope: "read", parameters: [memberID], responses: ["200": "benefits"]),
                "post": operation(
                    "Grant a benefit (discount_rate, points_multiplier, birthday_gift, free_service) for a validity; "
                        + "Idempotency-Key required", scope: "admin", body: "BenefitGrant",
                    parameters: [memberID, idempotencyHeader],
                    responses: ["201": "the granted benefit", "400": "the faults, each at its path"]),
            ],
            "/api/v1/members/{id}/benefits/{benefit}/use": [
                "post": operation(
                    "Use one of a benefit with uses (birthday gift, free service); Idempotency-Key required",
                    scope: "write", body: "IdempotentWrite",
                    parameters: [memberID, parameter("benefit", in: "path", "Benefit id"), idempotencyHeader],
                    responses: ["200": "the benefit with uses left", "422": "benefit_used_up, benefit_not_found"])
            ],
            "/api/v1/members/{id}/benefits/{benefit}/revoke": [
                "post": operation(
                    "End a granted benefit now", scope: "admin",
                    parameters: [memberID, parameter("benefit", in: "path", "Benefit id")],
                    responses: ["200": "revoked", "422": "benefit_not_found"])
            ],
            "/api/v1/tags": [
                "get": operation(
                    "The brand's tag catalogue with member counts", scope: "read", responses: ["200": "tags"]),
                "post": operation(
                    "Add a tag to the catalogue (category basic, membership, consumption, points, benefits, interaction "
                        + "or prediction): manual or process tags are set; a rule tag (with rule) is carried by exactly "
                        + "the members its rule matches; a behaviour tag (with behaviour: event, property, prefix, "
                        + "window) gives prefix + property value to members with matching events",
                    scope: "admin", body: "TagDefinition",
                    responses: ["201": "the tag", "409": "the name is taken"]),
            ],
            "/api/v1/tags/{name}": [
                "delete": operation(
                    "Remove a tag from the catalogue and from every member (for a behaviour definition, every tag it "
                        + "gave); history kept", scope: "admin",
                    parameters: [tagName],
                    responses: ["204": "deleted", "404": "no such tag"])
            ],
            "/api/v1/tags/{name}/import": [
                "post": operation(
                    "Tag the members a CSV lists (header member_id or an identifier type such as phone; at most "
                        + "100,000 rows); an invalid value refuses the list naming its line", scope: "write",
                    requestBody: memberList, bodyType: "text/csv", parameters: [tagName],
                    responses: [
                        "200": "rows, tagged and notFound", "400": "the line at fault",
                        "422": "tag_not_found, tag_is_computed",
                    ])
            ],
            "/api/v1/tags/{name}/members": [
                "post": operation(
                    "Tag up to 1,000 members; unknown and merged members are skipped", scope: "write",
                    body: "TagMembers", parameters: [tagName],
                    responses: ["200": "changed and unchanged", "422": "tag_not_found"])
            ],
            "/api/v1/tags/{name}/members/remove": [
                "post": operation(
                    "Untag up to 1,000 members", scope: "write", body: "TagMembers",
                    parameters: [tagName],
                    responses: ["200": "changed and unchanged", "422": "tag_not_found"])
            ],
            "/api/v1/members/{id}/tags": [
                "get": operation(
                    "The member's tags in the key's brand and their history (who or what set each, when)",
                    scope: "read", parameters: [memberID], responses: ["200": "tags and history"])
            ],
            "/api/v1/scores": [
                "get": operation(
                    "Behaviour scores and lifecycle models with members per score and per stage, and the presets",
                    scope: "read", responses: ["200": "scores, lifecycles and presets"])
            ],
            "/api/v1/scores/recompute": [
                "post": operation(
                    "Rescore every member, re-place them in every lifecycle and refresh the dynamic segments",
                    scope: "write", responses: ["200": "members changed and elapsedMs"])
            ],
            "/api/v1/scores/{name}": [
                "put": operation(
                    "Define or replace a behaviour score (rules: event → points, caps, windows, decay) or install a "
                        + "preset ({\"preset\": \"engagement\"}); every member is rescored",
                    scope: "admin", body: "ScoreDefinition",
                    parameters: [scoreName],
                    responses: ["200": "replaced", "201": "created", "400": "the field at fault"]),
                "delete": operation(
                    "Delete a score and every member's value of it", scope: "admin",
                    parameters: [scoreName],
                    responses: ["204": "deleted", "404": "no such score"]),
            ],
            "/api/v1/lifecycles/{name}": [
                "put": operation(
                    "Define or replace a lifecycle model (ordered stages, each a segment rule; first match wins) or "
                        + "install a preset (aipl, customer); every member is placed, moves emit lifecycle.changed",
                    scope: "admin", body: "LifecycleDefinition",
                    parameters: [modelName],
                    responses: ["200": "replaced", "201": "created", "400": "the field at fault"]),
                "delete": operation(
                    "Delete a lifecycle model and every member's stage in it", scope: "admin",
                    parameters: [modelName],
                    responses: ["204": "deleted", "404": "no such model"]),
            ],
            "/api/v1/members/{id}/scores": [
                "get": operation(
                    "The member's behaviour scores, lifecycle stages and RFM group in the key's brand",
                    scope: "read", parameters: [memberID], responses: ["200": "scores, stages and rfmGroup"])
            ],
            "/api/v1/members/{id}/relationship": [
                "get": operation(
                    "Whether the member follows the brand's official account (latest follow/unfollow event) and "
                        + "the lines of their current cart (Product Added minus Product Removed since the latest "
                        + "checkout of each SKU), with quantity and value",
                    scope: "read", parameters: [memberID], responses: ["200": "follow and cart"])
            ],
            "/api/v1/journeys": [
                "get": operation(
                    "The brand's journeys with status, version and draft", scope: "read", responses: ["200": "journeys"]
                )
            ],
            "/api/v1/channels": [
                "get": operation(
                    "The brand's configured message channels (without secrets)", scope: "read",
                    responses: ["200": "channels"])
            ],
            "/api/v1/channels/{name}": [
                "put": operation(
                    "Configure a channel journeys' send nodes can name, by kind: webhook (url, shared secret of 16+ "
                        + "characters; signed with HMAC-SHA256 in Tessera-Signature: t=…,v1=…, with Idempotency-Key), "
                        + "smtp (host, port, from, optional username/password), sms (url, token: generic HTTP JSON), "
                        + "wechat-template / wechat-subscription (appId, secret, templateId, link), wechat-service, "
                        + "wecom-group (appId = corp id, secret), with optional baseUrl; access tokens are fetched "
                        + "and refreshed by Tessera. Deliveries are retried with backoff; failures carry a reason code",
                    scope: "admin", body: "ChannelConfiguration",
                    parameters: [parameter("name", in: "path", "Channel name", schema: OpenAPISchema.plainName)],
                    responses: ["200": "saved", "400": "the field at fault"])
            ],
            "/api/v1/message-templates": [
                "get": operation("The brand's message templates", scope: "read", responses: ["200": "templates"])
            ],
            "/api/v1/message-templates/{name}": [
                "put": operation(
                    "Save a Mustache message template (subject, body, html, and fields: named values for WeChat "
                        + "template data) journeys' send nodes name; member fields under member.*, fallbacks as "
                        + "inverted sections",
                    scope: "admin", body: "MessageTemplate", parameters: [templateName],
                    responses: ["200": "saved", "400": "the field at fault"])
            ],
            "/api/v1/message-templates/{name}/preview": [
                "post": operation(
                    "Render the template for one member", scope: "read", body: "TemplatePreview",
                    parameters: [templateName],
                    responses: ["200": "subject and body", "404": "no such template or member"])
            ],
            "/api/v1/messaging/settings": [
                "get": operation(
                    "The brand's delivery policy: frequency caps per channel (* for all) and quiet hours",
                    scope: "read", responses: ["200": "caps and quietHours"]),
                "put": operation(
                    "Replace the delivery policy, checked at every send of every journey: caps per day and week, "
                        + "quiet hours (local HH:MM, may span midnight)",
                    scope: "admin", body: "DeliveryPolicy", responses: ["200": "saved", "400": "the field at fault"]),
            ],
            "/api/v1/journeys/validate": [
                "post": operation(
                    "Check a journey definition as publishing would: the graph (dangling successors, unreachable "
                        + "nodes, cycles without a wait), segments, tags and channels; faults at their JSON path",
                    scope: "read", body: "JourneyDefinition", responses: ["200": "valid", "400": "the field at fault"])
            ],
            "/api/v1/journeys/{name}": [
                "put": operation(
                    "Save a journey's draft by name (created as a draft when new; checked when validated or "
                        + "published)", scope: "admin", body: "JourneyDraft", parameters: [journeyName],
                    responses: ["200": "draft replaced", "201": "journey created"]),
                "get": operation(
                    "One journey", scope: "read", parameters: [journeyName],
                    responses: ["200": "the journey", "404": "no such journey"]),
            ],
            "/api/v1/journeys/{name}/statistics": [
                "get": operation(
                    "Runs by status and outcome, visits per node and branch, messages per node and status",
                    scope: "read", parameters: [journeyName], responses: ["200": "statistics"])
            ],
            "/api/v1/journeys/{name}/messages": [
                "get": operation(
                    "The journey's messages, newest first (status, reason and limit filter): the drill-down from a "
                        + "failure count to its members",
                    scope: "read",
                    parameters: [
                        journeyName, parameter("status", in: "query", "delivered, queued or failed"),
                        parameter("reason", in: "query", "a failure reason code"),
                        limit(1_000, "1 to 1,000 (default 100)"),
                    ], responses: ["200": "messages"])
            ],
            "/api/v1/journeys/{name}/report": [
                "get": operation(
                    "Covered → notified → clicked → paid, orders and payments attributed by last touch (or last "
                        + "click: model=click) within windowDays, per node and per local day, the top products, and "
                        + "each split branch against its control with a two-proportion z-test and 95 % confidence "
                        + "interval; ties go to the later message",
                    scope: "read",
                    parameters: [
                        journeyName, windowDays, attributionModel,
                    ],
                    responses: ["200": "the report"])
            ],
            "/api/v1/products/prices": [
                "post": operation(
                    "New catalogue prices ({\"prices\": [{\"sku\", \"priceMinor\"}]}, 1 to 1000): members whose cart "
                        + "holds the SKU at a higher price get a cart.price_dropped event (once per member, SKU and "
                        + "price), which priceDrop journeys start on",
                    scope: "write", body: "PriceList",
                    responses: ["200": "how many events", "400": "the field at fault"])
            ],
            "/api/v1/journey-blueprints": [
                "get": operation(
                    "The ready-made journeys (welcome series, abandoned cart, replenishment, festival pre-heat, "
                        + "birthday care, dormant win-back) with their parameters and what they need",
                    scope: "read", responses: ["200": "blueprints"])
            ],
            "/api/v1/journey-blueprints/{id}/install": [
                "post": operation(
                    "Install a blueprint as a journey draft (name, parameters, publish): creates the message "
                        + "templates, segments and coupon templates it needs unless the brand has them",
                    scope: "admin", body: "BlueprintInstall", parameters: [parameter("id", in: "path", "Blueprint id")],
                    responses: ["201": "the journey and what was created", "400": "the parameter at fault"])
            ],
            "/api/v1/guide-tasks": [
                "get": operation(
                    "Tasks journeys' task nodes created for store guides (the member's guide when created), soonest "
                        + "due first",
                    scope: "read",
                    parameters: [
                        parameter("guide", in: "query", "a guide's staff code"),
                        parameter(
                            "status", in: "query", "open or done", schema: OpenAPISchema.oneOf(["open", "done"])),
                        limit(1_000, "1 to 1,000 (default 100)"),
                    ],
                    responses: ["200": "tasks"])
            ],
            "/api/v1/guide-tasks/{id}/complete": [
                "post": operation(
                    "Mark an open guide task done", scope: "write",
                    parameters: [parameter("id", in: "path", "Task id")],
                    responses: ["200": "done", "404": "no such open task"])
            ],
            "/api/v1/journey-reports": [
                "get": operation(
                    "Several journeys' reports side by side (names=a,b,…; 1 to 10), with windowDays and model as "
                        + "for one report",
                    scope: "read",
                    parameters: [
                        parameter(
                            "names", in: "query", "1 to 10 journey names, comma-separated", required: true,
                            schema: OpenAPISchema.text(pattern: "^[^,]+(,[^,]+){0,9}$")),
                        windowDays, attributionModel,
                    ],
                    responses: ["200": "the reports", "404": "an unknown journey"])
            ],
            "/api/v1/journeys/{name}/estimate": [
                "post": operation(
                    "Dry run of the draft: members per node now (the entry segment, or the event's doers of the last "
                        + "30 days; exact counts through conditions, splits by weight, event waits as upper bounds)",
                    scope: "read", parameters: [journeyName], responses: ["200": "nodes", "400": "the field at fault"])
            ],
            "/api/v1/journeys/{name}/test": [
                "post": operation(
                    "Test send: render the draft's send node for 1 to 20 named members and hand it to its channel now "
                        + "(webhook keys start test:), entering nobody and counting nothing",
                    scope: "admin", body: "JourneyTest", parameters: [journeyName],
                    responses: ["200": "what each member got", "400": "the field at fault"])
            ],
            "/api/v1/journeys/{name}/publish": [
                "post": operation(
                    "Publish the draft as the next version (members in flight keep theirs); checked as validate is",
                    scope: "admin", parameters: [journeyName],
                    responses: ["200": "published", "400": "the field at fault"])
            ],
            "/api/v1/journeys/{name}/pause": [
                "post": operation(
                    "Pause: no entries, no steps until resumed", scope: "admin", parameters: [journeyName],
                    responses: ["200": "paused", "422": "not published"])
            ],
            "/api/v1/journeys/{name}/resume": [
                "post": operation(
                    "Resume a paused journey", scope: "admin", parameters: [journeyName],
                    responses: ["200": "published", "422": "not paused"])
            ],
            "/api/v1/journeys/{name}/stop": [
                "post": operation(
                    "Stop for good: every run in flight ends (outcome stopped)", scope: "admin",
                    parameters: [journeyName],
                    responses: ["200": "stopped", "422": "already stopped"])
            ],
            "/api/v1/rfm/compute": [
                "post": operation(
                    "Recompute RFM for the brand as of endDate (local days; default today): frequency, recency, T "
                        + "and monetary value as the lifetimes package defines them, R/F/M quintiles, named groups",
                    scope: "write", body: "RFMCompute", responses: ["200": "members scored and elapsedMs"])
            ],
            "/api/v1/rfm/settings": [
                "get": operation(
                    "The brand's RFM window (windowDays; absent: all history) and daily schedule", scope: "read",
                    responses: ["200": "windowDays and scheduled"]),
                "put": operation(
                    "Set the RFM window (1–3,660 local days, null for all history) and whether the refresh job "
                        + "recomputes RFM daily", scope: "admin", body: "RFMSettings",
                    responses: ["200": "the settings", "400": "the field at fault"]),
            ],
            "/api/v1/rfm": [
                "get": operation(
                    "Stored RFM scores in member id order", scope: "read",
                    parameters: [
                        limit(200, "1–200, default 50"),
                        parameter("cursor", in: "query", "nextCursor of the previous page"),
                        parameter("identifierType", in: "query", "include each member's identifier of this type"),
                    ], responses: ["200": "scores and nextCursor"])
            ],
            "/api/v1/segment-templates": [
                "get": operation(
                    "The ready segment templates (basic, consumption, relationship, interaction, assets) with their "
                        + "parameters; use one as {\"template\": id, \"parameters\": {…}} wherever a rule goes",
                    scope: "read", responses: ["200": "templates"])
            ],
            "/api/v1/segments/validate": [
                "post": operation(
                    "Check a segment rule (docs/segments.md); answers its canonical form, or a problem naming the "
                        + "JSON path at fault", scope: "read", body: "SegmentRuleRequest",
                    responses: ["200": "valid", "400": "the fault at its path, e.g. $.rule.and[1].compare.op"])
            ],
            "/api/v1/segments/estimate": [
                "post": operation(
                    "Count the brand's members a rule selects now (the live size while editing): exactly for "
                        + "member bases up to 50,000 or with \"exact\": true, otherwise over a fixed random sample, "
                        + "with a 95% interval", scope: "read", body: "SegmentEstimateRequest",
                    responses: ["200": "count, low, high, exact, sampled and elapsedMs"])
            ],
            "/api/v1/segments": [
                "get": operation(
                    "The brand's segments with their sizes", scope: "read", responses: ["200": "segments"]),
                "post": operation(
                    "Create a dynamic segment (kept current as data arrives) or a snapshot (frozen now)",
                    scope: "write", body: "SegmentCreate",
                    responses: ["201": "the segment with its size", "409": "the name is taken in this brand"]),
            ],
            "/api/v1/segments/{id}": [
                "get": operation(
                    "One segment", scope: "read", parameters: [parameter("id", in: "path", "Segment id")],
                    responses: ["200": "the segment"]),
                "delete": operation(
                    "Delete a segment and its memberships", scope: "write",
                    parameters: [parameter("id", in: "path", "Segment id")], responses: ["200": "deleted"]),
            ],
            "/api/v1/segments/deduplicate": [
                "post": operation(
                    "De-duplicate by priority: for segments in priority order, snapshots where each member is only in "
                        + "the first segment holding them", scope: "write", body: "SegmentDeduplicate",
                    responses: ["201": "the snapshots", "422": "segment_not_found"])
            ],
            "/api/v1/segments/import": [
                "post": operation(
                    "Import a member list as a snapshot: a CSV body whose first column is member_id or an identifier "
                        + "type (phone, email, …); unknown members are counted, not stored",
                    scope: "write", requestBody: memberList, bodyType: "text/csv",
                    parameters: [
                        parameter(
                            "name", in: "query", "Segment name", required: true,
                            schema: OpenAPISchema.text(maxLength: 200))
                    ],
                    responses: ["201": "the snapshot, rows and notFound", "400": "a value that is not an identifier"])
            ],
            "/api/v1/segments/{id}/export": [
                "get": operation(
                    "The segment's members as CSV (member_id, and with identifierType that identifier)", scope: "read",
                    parameters: [
                        parameter("id", in: "path", "Segment id"),
                        parameter("identifierType", in: "query", "e.g. phone, external, openid"),
                    ], responses: ["200": "member_id (and the identifier) per line"], responseType: "text/csv")
            ],
            "/api/v1/segments/{id}/refresh": [
                "post": operation(
                    "Recompute a dynamic segment in full now; emits segment.entered / segment.exited", scope: "write",
                    parameters: [parameter("id", in: "path", "Segment id")],
                    responses: ["200": "entered, exited, memberCount", "422": "segment_is_snapshot"])
            ],
            "/api/v1/segments/{id}/members": [
                "get": operation(
                    "The segment's members in id order", scope: "read",
                    parameters: [
                        parameter("id", in: "path", "Segment id"), limit(200, "1–200, default 50"),
                        parameter("cursor", in: "query", "nextCursor of the previous page"),
                    ], responses: ["200": "members and nextCursor"])
            ],
            "/api/v1/segments/{id}/members/{member}": [
                "get": operation(
                    "Is this member in the segment (stored) and does the rule match them now (in memory)?",
                    scope: "read",
                    parameters: [
                        parameter("id", in: "path", "Segment id"), parameter("member", in: "path", "Member id"),
                    ],
                    responses: ["200": "inSegment and matchesNow"])
            ],
            "/api/v1/members/{id}/stored-value": [
                "get": operation(
                    "A member's stored value in the key's brand: principal, bonus, balance", scope: "read",
                    parameters: [memberID], responses: ["200": "balances"])
            ],
            "/api/v1/members/{id}/stored-value/entries": [
                "get": operation(
                    "A member's stored-value ledger, newest first", scope: "read",
                    parameters: [
                        memberID, parameter("before", in: "query", "Entry id to page from"),
                        limit(500, "1–500, default 50"),
                    ],
                    responses: ["200": "entries and next"])
            ],
            "/api/v1/members/{id}/stored-value/top-up": [
                "post": operation(
                    "Pay in principalMinor, with an optional bonusMinor; Idempotency-Key required", scope: "write",
                    body: "StoredValueTopUp", parameters: [memberID, idempotencyHeader],
                    responses: ["200": "entry and balances"])
            ],
            "/api/v1/members/{id}/stored-value/spend": [
                "post": operation(
                    "Spend amountMinor (principal and bonus in proportion); Idempotency-Key required", scope: "write",
                    body: "StoredValueSpend", parameters: [memberID, idempotencyHeader],
                    responses: ["200": "entry and balances", "422": "insufficient_balance"])
            ],
            "/api/v1/members/{id}/stored-value/refund": [
                "post": operation(
                    "Give back amountMinor of the spend spendId; Idempotency-Key required", scope: "write",
                    body: "StoredValueRefund", parameters: [memberID, idempotencyHeader],
                    responses: ["200": "entry and balances", "422": "refund_exceeds_spend, spend_not_found"])
            ],
            "/api/v1/members/{id}/stored-value/cash-out": [
                "post": operation(
                    "Pay out the remaining principal, forfeiting the bonus (reason required)", scope: "admin",
                    body: "ReasonedWrite", parameters: [memberID, idempotencyHeader],
                    responses: ["200": "entry and balances"])
            ],
            "/api/v1/members/{id}/stored-value/adjust": [
                "post": operation(
                    "An operator's correction of the principal (reason required)", scope: "admin",
                    body: "StoredValueCorrection", parameters: [memberID, idempotencyHeader],
                    responses: ["200": "entry and balances"])
            ],
            "/api/v1/members/{id}/tier-history": [
                "get": operation(
                    "A member's tier changes in the key's brand, newest first", scope: "read",
                    parameters: [memberID, limit(500, "1–500, default 50")],
                    responses: ["200": "changes"])
            ],
            "/api/v1/loyalty/points/expire": [
                "post": operation(
                    "Expire every lot due now, in every member's account (idempotent; also runs hourly)",
                    scope: "admin", responses: ["200": "members and points expired"])
            ],
            "/api/v1/members/{id}/points": [
                "get": operation(
                    "A member's points in the key's brand: balance, available, debt, expiring, open lots",
                    scope: "read",
                    parameters: [
                        memberID, expiringWithinDays,
                    ], responses: ["200": "The points summary"])
            ],
            "/api/v1/members/{id}/points/entries": [
                "get": operation(
                    "A member's points ledger, newest first", scope: "read",
                    parameters: [
                        memberID, parameter("before", in: "query", "Entry id to continue after (`next`)"),
                        limit(500, "1–500, default 50"),
                    ], responses: ["200": "entries and next"])
            ],
            "/api/v1/members/{id}/points/earn": [
                "post": operation(
                    "Credit points (expiring per the programme unless expiresAt is given); settles debt first",
                    scope: "write", body: "PointsEarn", parameters: [memberID, idempotencyHeader],
                    responses: ["200": "entries written (or replayed), balance and debt"])
            ],
            "/api/v1/members/{id}/points/redeem": [
                "post": operation(
                    "Spend points first-expiring-first; 422 insufficient_points when fewer are available",
                    scope: "write", body: "PointsChange", parameters: [memberID, idempotencyHeader],
                    responses: ["200": "entries written (or replayed), balance and debt"])
            ],
            "/api/v1/members/{id}/points/adjust": [
                "post": operation(
                    "An operator's correction, positive or negative, with a required reason", scope: "admin",
                    body: "PointsAdjust", parameters: [memberID, idempotencyHeader],
                    responses: ["200": "entries written (or replayed), balance and debt"])
            ],
            "/api/v1/brands": [
                "get": operation("Brands of the caller's group", scope: "read", responses: ["200": "Brands"]),
                "post": operation("Create a brand", scope: "admin", body: "Brand", responses: ["201": "The brand"]),
            ],
            "/api/v1/stores": [
                "get": operation("Stores of the caller's group", scope: "read", responses: ["200": "Stores"]),
                "post": operation(
                    "Create a store of a brand", scope: "admin", body: "Store", responses: ["201": "The store"]),
            ],
            "/api/v1/staff": [
                "get": operation("Staff and guides of the caller's group", scope: "read", responses: ["200": "Staff"]),
                "post": operation(
                    "Create a member of staff", scope: "admin", body: "Staff", responses: ["201": "The staff record"]),
            ],
            "/api/v1/keys": [
                "post": operation(
                    "Create an API key for a brand (shown once)", scope: "admin", body: "KeyRequest",
                    responses: ["201": "The new key"])
            ],
            "/api/v1/identity-policy": [
                "get": operation("The group's OneID policy", scope: "read", responses: ["200": "The policy"]),
                "put": operation(
                    "Replace the group's OneID priority, per-type limits and blocklist", scope: "admin",
                    body: "IdentityPolicy", responses: ["200": "The policy"]),
            ],
            "/api/v1/attributes": [
                "get": operation(
                    "Custom member attributes declared for the caller's brand", scope: "read",
                    responses: ["200": "Definitions"]),
                "post": operation(
                    "Declare a custom member attribute", scope: "admin", body: "AttributeDefinition",
                    responses: ["201": "The definition"]),
            ],
            "/r/{token}": [
                "get": operation(
                    "A tracked link of a journey message (no key needed): records the click on the message and "
                        + "redirects (302) to the link's original URL",
                    scope: nil, parameters: [parameter("token", in: "path", "Link token")],
                    responses: ["302": "to the original URL", "404": "unknown link"])
            ],
            "/healthz": ["get": operation("Liveness and database check", scope: nil, responses: ["200": "Healthy"])],
            "/metrics": [
                "get": operation(
                    "Prometheus metrics", scope: nil, responses: ["200": "Metrics text"],
                    responseType: "text/plain")
            ],
        ]
    }

    static var components: JSONValue {
        .object([
            "securitySchemes": .object([
                "bearer": .object(["type": .string("http"), "scheme": .string("bearer")]),
                "basic": .object([
                    "type": .string("http"), "scheme": .string("basic"),
                    "description": .string("Segment write key as the user name, empty password"),
                ]),
            ]),
            "schemas": .object(schemas),
        ])
    }

    /// Profile fields, of a native member or in Segment traits. `attributes` must be declared for
    /// the brand first (`POST /api/v1/attributes`).
    static var profile: [String: JSONValue] {
        typealias S = OpenAPISchema
        return [
            "name": S.anyText, "firstName": S.anyText, "lastName": S.anyText,
            "gender": S.oneOf(
                ["male", "m", "man", "男", "female", "f", "woman", "女", "other", "unknown", "u", ""],
                "any case"),
            "birthday": S.text(
                "YYYY-MM-DD, 1900 to 2100", pattern: "^(19[0-9]{2}|20[0-9]{2})-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])"),
            "region": S.anyText, "city": S.anyText, "address": S.object(["state": S.anyText, "city": S.anyText]),
            "sourceChannel": S.anyText, "homeStore": S.anyText, "guide": S.anyText, "joinedAt": S.instant,
            "consent": .object([
                "type": .string("object"), "additionalProperties": .object(["type": .string("boolean")]),
                "description": .string("channel: consented"),
            ]),
            "attributes": .object([
                "type": .string("object"), "additionalProperties": S.anyValue,
                "description": .string("the brand's declared custom attributes, each of its declared type"),
            ]),
        ]
    }

    /// A Segment message; `type` is implied by a single-message endpoint (`/v1/track`) and required
    /// in a batch. Every message needs a `userId` or an `anonymousId`; a track names its `event`, a
    /// group its `groupId`, an alias its `userId` and `previousId`. `traits.phone` and `traits.email`
    /// become identifiers; the other traits of an identify update the profile.
    ///
    /// Written as alternatives of plain objects (one per type and per id given) rather than nested
    /// conditions, so that a generator — a client's or the contract test's — can produce valid
    /// messages directly.
    static func segmentMessage(type: String?) -> JSONValue {
        typealias S = OpenAPISchema
        let types = type.map { [$0] } ?? ["identify", "track", "page", "screen", "group", "alias"]
        let contact: [String: JSONValue] = [
            "phone": S.phoneOrEmpty, "email": S.emailOrEmpty,
        ]
        let variants: [JSONValue] = types.flatMap { kind -> [JSONValue] in
            // An identify's traits also update the profile; other messages read only phone and email.
            let traits = S.object(kind == "identify" ? profile.merging(contact) { $1 } : contact)
            var properties: [String: JSONValue] = [
                "messageId": S.id, "userId": S.optionalID, "anonymousId": S.optionalID, "timestamp": S.instant,
                "originalTimestamp": S.instant, "channel": S.anyText, "traits": traits,
                "context": S.object(["traits": traits, "channel": S.anyText]), "properties": S.anyObject,
                "name": S.anyText, "category": S.anyText, "event": S.text(maxLength: 200), "groupId": S.id,
                "previousId": S.id,
            ]
            var required: [String] = []
            if type == nil {
                properties["type"] = .object(["const": .string(kind)])
                required.append("type")
            }
            switch kind {
            case "track": required.append("event")
            case "group": required.append("groupId")
            case "alias": return [S.object(properties, required: required + ["userId", "previousId"])]
            default: break
            }
            return ["userId", "anonymousId"].map { id in
                var given = properties
                given[id] = S.id
                return S.object(given, required: required + [id])
            }
        }
        return .object(["anyOf": .array(variants)])
    }

    /// Request bodies by name. Rules the server checks across fields (a coupon benefit's amounts by
    /// its type, a journey's graph, a segment rule) are in the descriptions and docs/, each refused
    /// as a problem naming its JSON path.
    static var schemas: [String: JSONValue] {
        typealias S = OpenAPISchema
        let text = S.text()
        let typeName = S.text(maxLength: 32, pattern: "^[a-z0-9_]{1,32}$")
        let identifiers = S.array(S.identifier, minItems: 1)
        let points = S.integer(minimum: -1_000_000_000_000, maximum: 1_000_000_000_000)
        let amount = S.integer(minimum: 0)
        let item = S.object(
            [
                "sku": text, "productId": S.anyText, "name": S.anyText, "category": S.anyText, "brand": S.anyText,
                "quantity": S.integer(minimum: 1, maximum: 1_000_000), "unitPriceMinor": amount,
            ], required: ["sku", "quantity", "unitPriceMinor"])
        let cart = S.object(
            [
                "channel": text, "store": S.anyText, "items": S.array(item),
                "shippingMinor": amount,
            ], required: ["channel", "items"])
        let source = S.object(
            ["type": S.oneOf(PointsSource.types.sorted()), "id": S.anyText], required: ["type"],
            "where the points came from (default: the operator)")
        return [
            "JSONValue": S.anyValueDefinition,
            "Problem": S.object(
                [
                    "type": S.anyText, "title": S.anyText, "status": S.integer(minimum: 100, maximum: 599),
                    "detail": S.anyText, "instance": S.anyText, "code": S.anyText,
                    "errors": S.array(S.object(["path": S.anyText, "reason": S.anyText])),
                    "results": S.anyObject,
                ], required: ["title", "status"]),
            "EventBatch": S.object(
                [
                    "events": S.array(
                        S.object(
                            [
                                "identifiers": identifiers, "name": S.text(maxLength: 200),
                                "idempotencyKey": S.idempotencyKey,
                                "registered": S.boolean, "channel": text, "occurredAt": S.instant,
                                "properties": S.anyObject,
                            ], required: ["identifiers", "name", "idempotencyKey"]), minItems: 1, maxItems: 1_000)
                ], required: ["events"]),
            "MemberUpsert": S.object(
                profile.merging([
                    "identifiers": identifiers, "idempotencyKey": S.text("empty: none", minLength: 0),
                    "registered": S.boolean, "traits": S.anyObject, "channel": S.anyText, "occurredAt": S.instant,
                ]) { $1 }, required: ["identifiers"]),
            "Order": S.object(
                [
                    "orderId": S.id, "identifiers": S.array(S.identifier),
                    "status": S.oneOf(OrderStatus.allCases.map(\.rawValue)),
                    "currency": S.text(pattern: "^[A-Za-z]{3}$"), "totalMinor": amount, "discountMinor": amount,
                    "paidMinor": amount, "refundedMinor": amount, "couponCode": S.anyText, "channel": text,
                    "store": S.anyText, "guide": S.anyText, "occurredAt": S.instant, "items": S.array(item),
                ], required: ["orderId", "status"]),
            "Brand": S.object(["code": S.code, "name": text], required: ["code", "name"]),
            "Store": S.object(
                [
                    "code": S.code, "name": text, "city": S.anyText,
                    "brand": S.text("a brand code (default: the key's)"),
                ],
                required: ["code", "name"]),
            "Staff": S.object(
                [
                    "code": S.code, "name": text,
                    "role": S.oneOf(["guide", "manager", "marketer", "analyst", "admin"], "default guide"),
                    "store": S.text("a store code"),
                ], required: ["code", "name"]),
            "KeyRequest": S.object(
                [
                    "scopes": S.array(S.oneOf(Scope.allCases.map(\.rawValue)), minItems: 1), "name": S.anyText,
                    "brand": S.text("a brand code (default: the key's)"),
                ], required: ["scopes"]),
            "AttributeDefinition": S.object(
                [
                    "name": S.text(maxLength: 64, pattern: "^[a-z0-9_]{1,64}$"),
                    "type": S.oneOf(AttributeDefinition.ValueType.allCases.map(\.rawValue)),
                    "brand": S.text("a brand code (default: the key's)"),
                ], required: ["name", "type"]),
            "IdentityPolicy": S.object(
                [
                    "priority": .object([
                        "type": .string("array"), "items": typeName, "uniqueItems": .bool(true),
                    ]),
                    "limits": .object([
                        "type": .string("object"), "propertyNames": typeName,
                        "additionalProperties": S.integer(minimum: 1),
                    ]),
                    "blocklist": S.array(S.identifier), "defaultLimit": S.integer(minimum: 1),
                ], required: ["priority"], "priority names identifier types, each once; limits map a type to a count"),
            "MergeRequest": S.object(
                ["mergedMemberId": text, "reason": S.anyText], required: ["mergedMemberId"]),
            "LoyaltyProgram": S.object(
                [
                    "timeZone": S.text("an IANA time zone, e.g. Asia/Shanghai"),
                    "pointsExpiry": S.object(
                        [
                            "type": S.oneOf(["never", "days", "end_of_month", "end_of_year"]),
                            "count": S.integer(minimum: Int64.min, maximum: Int64.max),
                        ],
                        required: ["type"]),
                    "earn": S.anyObject, "growth": S.anyObject, "tiers": S.anyObject,
                ], "see docs/loyalty.md; the time zone defaults to Asia/Shanghai"),
            "PointsEarn": S.object(
                [
                    "points": S.integer(minimum: 1, maximum: 1_000_000_000_000), "reason": S.anyText,
                    "source": source, "expiresAt": S.instant,
                ], required: ["points"]),
            "PointsChange": S.object(
                ["points": S.integer(minimum: 1, maximum: 1_000_000_000_000), "reason": S.anyText, "source": source],
                required: ["points"]),
            "PointsAdjust": S.object(
                ["points": points, "reason": text, "source": source], required: ["points", "reason"],
                "points: any non-zero amount, negative to take away"),
            "CouponTemplate": S.object(
                [
                    "name": text,
                    "benefit": S.object(
                        [
                            "type": S.oneOf(["amount_off", "percent_off", "threshold", "gift_item", "free_shipping"]),
                            "amountMinor": amount, "percent": S.integer(minimum: 1, maximum: 100),
                            "capMinor": amount, "spendMinor": amount, "offMinor": amount, "sku": text,
                        ], required: ["type"],
                        "amount_off: amountMinor; percent_off: percent, capMinor; threshold: spendMinor, offMinor; "
                            + "gift_item: sku"),
                    "validity": .object([
                        "description": .string("days from issue, or a window from … until"),
                        "anyOf": .array([
                            S.object(["days": S.integer(minimum: 1, maximum: 3_660)], required: ["days"]),
                            S.object(["from": S.instant, "until": S.instant], required: ["from", "until"]),
                        ]),
                    ]),
                    "stock": S.integer(minimum: 1), "perMemberLimit": S.integer(minimum: 1),
                    "minimumSpendMinor": amount, "channels": S.array(text), "stores": S.array(text),
                    "categories": S.array(text), "restoreOnRefund": S.boolean,
                ], required: ["name", "benefit", "validity"]),
            "CouponIssue": S.object(
                ["template": S.text("template id")], required: ["template"]),
            "BulkIssue": S.object(
                [
                    "template": S.text("template id"), "members": S.array(text, minItems: 1, maxItems: 1_000),

                ], required: ["template", "members"]),
            "CouponCart": S.object(["cart": cart, "memberId": text], required: ["cart"]),
            "CouponRedemption": S.object(
                ["cart": cart, "memberId": text, "orderId": text],
                required: ["cart", "orderId"]),
            "Reason": S.object(["reason": text], required: ["reason"]),
            "ReasonedWrite": S.object(["reason": text], required: ["reason"]),
            "IdempotentWrite": S.object([:]),
            "BenefitGrant": S.object(
                [
                    "benefit": S.object(
                        [
                            "kind": S.oneOf(Benefit.Kind.allCases.map(\.rawValue)), "name": text,
                            "percent": S.integer(minimum: 1, maximum: 10_000),
                            "uses": S.integer(minimum: 1, maximum: 10_000),
                        ], required: ["kind", "name"],
                        "discount_rate: percent off, 1–99; points_multiplier: percent, 100–10000; birthday_gift "
                            + "and free_service: uses, 1–10000"),
                    "validFrom": S.instant, "validUntil": S.instant,
                ], required: ["benefit"]),
            "StoredValueTopUp": S.object(
                [
                    "principalMinor": S.integer(minimum: 1, maximum: 1_000_000_000_000), "bonusMinor": amount,
                    "reason": S.anyText, "orderId": text,
                ], required: ["principalMinor"]),
            "StoredValueSpend": S.object(
                [
                    "amountMinor": S.integer(minimum: 1, maximum: 1_000_000_000_000), "reason": S.anyText,
                    "orderId": text,
                ], required: ["amountMinor"]),
            "StoredValueRefund": S.object(
                [
                    "spendId": text, "amountMinor": S.integer(minimum: 1, maximum: 1_000_000_000_000),
                    "reason": S.anyText, "orderId": text,
                ], required: ["spendId", "amountMinor"]),
            "StoredValueCorrection": S.object(
                [
                    "amountMinor": S.integer(minimum: -1_000_000_000_000, maximum: 1_000_000_000_000),
                    "reason": text,
                ], required: ["amountMinor", "reason"]),
            "SegmentMessage": segmentMessage(type: nil),
            "SegmentBatch": S.object(
                [
                    "batch": S.array(S.ref("SegmentMessage"), minItems: 1), "sentAt": S.instant,
                ], required: ["batch"]),
            "SegmentDeduplicate": S.object(
                ["segments": S.array(text, minItems: 2, maxItems: 50), "suffix": S.anyText], required: ["segments"]),
            "SegmentRuleRequest": S.object(
                ["rule": S.anyObject, "template": text, "parameters": S.anyObject],
                "a rule (docs/segments.md) or a template id with its parameters"),
            "SegmentEstimateRequest": S.object(
                ["rule": S.anyObject, "template": text, "parameters": S.anyObject, "exact": S.boolean],
                "a rule or a template, as for validate"),
            "SegmentCreate": S.object(
                [
                    "name": S.text(maxLength: 200), "kind": S.oneOf(["dynamic", "snapshot"]), "rule": S.anyObject,
                    "template": text, "parameters": S.anyObject, "sample": S.anyObject,
                ], required: ["name"], "with a rule or a template"),
            "TagDefinition": S.object(
                [
                    "name": S.text(maxLength: 64, pattern: "^[^,\\r\\n]{1,64}$"),
                    "category": S.oneOf(TagDefinition.Category.allCases.map(\.rawValue)),
                    "kind": S.oneOf(TagDefinition.Kind.allCases.map(\.rawValue)),
                    "description": S.anyText, "rule": S.anyObject, "behaviour": S.anyObject,
                ], required: ["name"]),
            "TagMembers": S.object(["members": S.array(text, minItems: 1, maxItems: 1_000)], required: ["members"]),
            "RFMCompute": S.object(["endDate": S.day, "startDate": S.day]),
            "RFMSettings": S.object(
                ["windowDays": S.integer(minimum: 1, maximum: 3_660), "scheduled": S.boolean], closed: true),
            "ScoreDefinition": S.object(
                [
                    "preset": text, "description": S.anyText, "rules": S.array(S.anyObject),
                    "minimum": S.integer(), "maximum": S.integer(),
                ], "rules, or a preset"),
            "LifecycleDefinition": S.object(
                ["preset": text, "description": S.anyText, "stages": S.array(S.anyObject)], "stages, or a preset"),
            "DeliveryPolicy": S.object(["caps": S.anyObject, "quietHours": S.anyObject], closed: true),
            "ChannelConfiguration": S.object(
                [
                    "kind": S.oneOf(
                        [
                            "webhook", "smtp", "sms", "wechat-template", "wechat-subscription", "wechat-service",
                            "wecom-group",
                        ]),
                    "url": text, "secret": text, "token": text, "host": text,
                    "port": S.integer(minimum: 1, maximum: 65_535), "from": text, "username": text,
                    "password": text, "baseUrl": text, "appId": text, "templateId": text, "link": text,
                ], required: ["kind"], "the fields its kind needs"),
            "MessageTemplate": S.object(
                [
                    "subject": S.anyText, "body": S.text("Mustache text"), "html": S.boolean,
                    "fields": .object([
                        "type": .string("object"), "propertyNames": S.plainName,
                        "additionalProperties": .object(["type": .string("string")]),
                    ]),
                ], required: ["body"], closed: true),
            "TemplatePreview": S.object(["memberId": text], required: ["memberId"]),
            "PriceList": S.object(
                [
                    "prices": S.array(
                        S.object(["sku": text, "priceMinor": amount], required: ["sku", "priceMinor"]), minItems: 1,
                        maxItems: 1_000)
                ], required: ["prices"]),
            "JourneyDraft": .object([
                "type": .string("object"), "additionalProperties": S.anyValue,
                "description": .string(
                    "any part of a journey definition (JourneyDefinition), stored as given; checked in full when "
                        + "validated or published"),
            ]),
            "JourneyDefinition": S.object(
                [
                    "entry": S.anyObject, "start": text, "nodes": S.anyObject,
                    "maximumEntries": S.integer(minimum: 0), "reentryCooldownDays": S.integer(minimum: 0),
                ], required: ["entry", "start", "nodes"], "see docs/journeys.md"),
            "JourneyTest": S.object(
                ["node": text, "memberIds": S.array(text, minItems: 1, maxItems: 20)], required: ["node", "memberIds"]),
            "BlueprintInstall": S.object(
                ["name": S.plainName, "parameters": S.anyObject, "publish": S.boolean], closed: true),
        ]
    }

    /// The whole document.
    public static var document: JSONValue {
        .object([
            "openapi": .string("3.1.0"),
            "info": .object([
                "title": .string("Tessera API"), "version": .string("1"),
                "description": .string(
                    "Members, OneID, events and orders, loyalty, tags, segments and journeys. Amounts are integer "
                        + "minor units; times are ISO-8601 with an offset. Errors are RFC 9457 problem details naming "
                        + "the field at fault. Strings cannot hold U+0000 (PostgreSQL cannot store it): a body or "
                        + "URL that does is refused with 400, as is a number of 1e127 or more in magnitude."),
            ]),
            "paths": .object(paths.mapValues { .object($0) }),
            "components": components,
        ])
    }

    static func response() throws -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: document.jsonText)))
    }
}
