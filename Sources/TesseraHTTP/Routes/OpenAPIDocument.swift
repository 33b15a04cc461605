import Foundation
import Hummingbird
import NIOCore
public import TesseraDomain

/// The OpenAPI 3.1 description of the native and Segment-compatible APIs, served at
/// `GET /api/v1/openapi.json`. A test checks that every ``APIRoute`` appears here.
public enum OpenAPIDocument {
    static func operation(
        _ summary: String, scope: String?, body: String? = nil, parameters: [JSONValue] = [],
        responses: [String: String]
    ) -> JSONValue {
        var object: [String: JSONValue] = [
            "summary": .string(summary),
            "responses": .object(
                responses.mapValues { description in
                    .object([
                        "description": .string(description),
                        "content": .object([
                            "application/json": .object(["schema": .object(["type": .string("object")])])
                        ]),
                    ])
                }.merging([
                    "default": .object([
                        "description": .string("RFC 9457 problem details"),
                        "content": .object([
                            "application/problem+json": .object([
                                "schema": .object(["$ref": .string("#/components/schemas/Problem")])
                            ])
                        ]),
                    ])
                ]) { $1 }),
        ]
        if let scope {
            object["security"] = .array([.object(["bearer": .array([]), "basic": .array([])])]);
            object["x-scope"] = .string(scope)
        }
        if let body {
            object["requestBody"] = .object([
                "required": .bool(true),
                "content": .object([
                    "application/json": .object(["schema": .object(["$ref": .string("#/components/schemas/\(body)")])])
                ]),
            ])
        }
        if !parameters.isEmpty { object["parameters"] = .array(parameters) }
        return .object(object)
    }

    static func parameter(_ name: String, in location: String, _ description: String, required: Bool = false)
        -> JSONValue
    {
        .object([
            "name": .string(name), "in": .string(location), "required": .bool(location == "path" || required),
            "description": .string(description), "schema": .object(["type": .string("string")]),
        ])
    }

    static let memberID = parameter("id", in: "path", "Member id")
    static let journeyName = parameter("name", in: "path", "Journey name")
    static let couponCode = parameter("code", in: "path", "Coupon code, any case, hyphens optional")
    static let idempotencyHeader = parameter(
        "Idempotency-Key", in: "header", "Makes a retry safe (or idempotencyKey in the body); one is required")

    /// Path → method → operation.
    static var paths: [String: [String: JSONValue]] {
        let segment = { (type: String) in
            operation(
                "Segment-compatible \(type) (write key as HTTP Basic user name)", scope: "ingest",
                body: "SegmentMessage", responses: ["200": "Queued in the ingest log"])
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
                        parameter("identifier", in: "query", "type:value, e.g. phone:+8613800000000", required: true)
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
                        memberID, parameter("cursor", in: "query", "nextCursor of the previous page"),
                        parameter("limit", in: "query", "1-200, default 50"),
                    ], responses: ["200": "A timeline page"])
            ],
            "/api/v1/members/{id}/merge": [
                "post": operation(
                    "Merge another member into this one", scope: "write", body: "MergeRequest", parameters: [memberID],
                    responses: ["200": "The merge audit record"])
            ],
            "/api/v1/merge-candidates": [
                "get": operation(
                    "Members that share an identifier and await review", scope: "read",
                    parameters: [
                        parameter("status", in: "query", "open (default), merged or dismissed"),
                        parameter("limit", in: "query", "1-200"),
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
                    responses: ["200": "All valid messages queued"])
            ],
            "/api/v1/ingest/status": [
                "get": operation(
                    "What of the group's accepted Segment traffic is not yet projected into members", scope: "read",
                    responses: ["200": "pendingEntries, pendingMessages, failedEntries, oldestPendingAt, lastError"])
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
                        memberID, parameter("expiringWithinDays", in: "query", "Window for `expiring` (default 30)"),
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
                    scope: "write", body: "BulkIssue", responses: ["200": "one result per member"])
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
                    body: "CouponRedemption", parameters: [couponCode],
                    responses: ["200": "coupon and quote", "422": "why it cannot be used (code)"])
            ],
            "/api/v1/loyalty/coupons/{code}/void": [
                "post": operation(
                    "Cancel an unused coupon (reason required)", scope: "write", parameters: [couponCode],
                    responses: ["200": "the coupon", "422": "coupon_used"])
            ],
            "/api/v1/loyalty/coupons/{code}/restore": [
                "post": operation(
                    "Give back a redeemed coupon (its order was returned; reason required)", scope: "write",
                    parameters: [couponCode], responses: ["200": "the coupon", "422": "coupon_not_redeemed"])
            ],
            "/api/v1/members/{id}/coupons": [
                "get": operation(
                    "A member's coupons in the key's brand, newest first", scope: "read", parameters: [memberID],
                    responses: ["200": "coupons"]),
                "post": operation(
                    "Issue a coupon of a template to the member; Idempotency-Key required", scope: "write",
                    body: "CouponIssue", parameters: [memberID],
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
                        + "Idempotency-Key required", scope: "admin", body: "BenefitGrant", parameters: [memberID],
                    responses: ["201": "the granted benefit", "400": "the faults, each at its path"]),
            ],
            "/api/v1/members/{id}/benefits/{benefit}/use": [
                "post": operation(
                    "Use one of a benefit with uses (birthday gift, free service); Idempotency-Key required",
                    scope: "write", parameters: [memberID, parameter("benefit", in: "path", "Benefit id")],
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
                    parameters: [parameter("name", in: "path", "Tag name")],
                    responses: ["204": "deleted", "404": "no such tag"])
            ],
            "/api/v1/tags/{name}/import": [
                "post": operation(
                    "Tag the members a CSV lists (header member_id or an identifier type such as phone; at most "
                        + "100,000 rows); an invalid value refuses the list naming its line", scope: "write",
                    parameters: [parameter("name", in: "path", "Tag name")],
                    responses: [
                        "200": "rows, tagged and notFound", "400": "the line at fault",
                        "422": "tag_not_found, tag_is_computed",
                    ])
            ],
            "/api/v1/tags/{name}/members": [
                "post": operation(
                    "Tag up to 1,000 members; unknown and merged members are skipped", scope: "write",
                    body: "TagMembers", parameters: [parameter("name", in: "path", "Tag name")],
                    responses: ["200": "changed and unchanged", "422": "tag_not_found"])
            ],
            "/api/v1/tags/{name}/members/remove": [
                "post": operation(
                    "Untag up to 1,000 members", scope: "write", body: "TagMembers",
                    parameters: [parameter("name", in: "path", "Tag name")],
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
                    scope: "admin", body: "ScoreDefinition", parameters: [parameter("name", in: "path", "Score name")],
                    responses: ["200": "replaced", "201": "created", "400": "the field at fault"]),
                "delete": operation(
                    "Delete a score and every member's value of it", scope: "admin",
                    parameters: [parameter("name", in: "path", "Score name")],
                    responses: ["204": "deleted", "404": "no such score"]),
            ],
            "/api/v1/lifecycles/{name}": [
                "put": operation(
                    "Define or replace a lifecycle model (ordered stages, each a segment rule; first match wins) or "
                        + "install a preset (aipl, customer); every member is placed, moves emit lifecycle.changed",
                    scope: "admin", body: "LifecycleDefinition",
                    parameters: [parameter("name", in: "path", "Model name")],
                    responses: ["200": "replaced", "201": "created", "400": "the field at fault"]),
                "delete": operation(
                    "Delete a lifecycle model and every member's stage in it", scope: "admin",
                    parameters: [parameter("name", in: "path", "Model name")],
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
                    parameters: [parameter("name", in: "path", "Channel name")],
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
                    scope: "admin", body: "MessageTemplate",
                    parameters: [parameter("name", in: "path", "Template name")],
                    responses: ["200": "saved", "400": "the field at fault"])
            ],
            "/api/v1/message-templates/{name}/preview": [
                "post": operation(
                    "Render the template for one member (body: memberId)", scope: "read",
                    parameters: [parameter("name", in: "path", "Template name")],
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
                    "Save a journey's draft by name (created as a draft when new)", scope: "admin",
                    body: "JourneyDefinition", parameters: [journeyName],
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
                        parameter("limit", in: "query", "at most 1,000 (default 100)"),
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
                        journeyName, parameter("windowDays", in: "query", "attribution window, 1 to 90 (7)"),
                        parameter("model", in: "query", "touch (default) or click"),
                    ],
                    responses: ["200": "the report"])
            ],
            "/api/v1/products/prices": [
                "post": operation(
                    "New catalogue prices ({\"prices\": [{\"sku\", \"priceMinor\"}]}, 1 to 1000): members whose cart "
                        + "holds the SKU at a higher price get a cart.price_dropped event (once per member, SKU and "
                        + "price), which priceDrop journeys start on",
                    scope: "write", responses: ["200": "how many events", "400": "the field at fault"])
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
                    scope: "admin", parameters: [parameter("id", in: "path", "Blueprint id")],
                    responses: ["201": "the journey and what was created", "400": "the parameter at fault"])
            ],
            "/api/v1/guide-tasks": [
                "get": operation(
                    "Tasks journeys' task nodes created for store guides (the member's guide when created), soonest "
                        + "due first",
                    scope: "read",
                    parameters: [
                        parameter("guide", in: "query", "a guide's staff code"),
                        parameter("status", in: "query", "open or done"),
                        parameter("limit", in: "query", "1 to 1000 (100)"),
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
                        parameter("names", in: "query", "journey names, comma-separated"),
                        parameter("windowDays", in: "query", "attribution window, 1 to 90 (7)"),
                        parameter("model", in: "query", "touch (default) or click"),
                    ],
                    responses: ["200": "the reports", "400": "an unknown journey"])
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
                    scope: "admin", parameters: [journeyName],
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
                        parameter("limit", in: "query", "1–200, default 50"),
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
                    scope: "write", parameters: [parameter("name", in: "query", "Segment name", required: true)],
                    responses: ["201": "the snapshot, rows and notFound", "400": "a value that is not an identifier"])
            ],
            "/api/v1/segments/{id}/export": [
                "get": operation(
                    "The segment's members as CSV (member_id, and with identifierType that identifier)", scope: "read",
                    parameters: [
                        parameter("id", in: "path", "Segment id"),
                        parameter("identifierType", in: "query", "e.g. phone, external, openid"),
                    ], responses: ["200": "text/csv"])
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
                        parameter("id", in: "path", "Segment id"), parameter("limit", in: "query", "1–200, default 50"),
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
                        parameter("limit", in: "query", "At most this many (default 50)"),
                    ],
                    responses: ["200": "entries and next"])
            ],
            "/api/v1/members/{id}/stored-value/top-up": [
                "post": operation(
                    "Pay in principalMinor, with an optional bonusMinor; Idempotency-Key required", scope: "write",
                    body: "StoredValueTopUp", parameters: [memberID], responses: ["200": "entry and balances"])
            ],
            "/api/v1/members/{id}/stored-value/spend": [
                "post": operation(
                    "Spend amountMinor (principal and bonus in proportion); Idempotency-Key required", scope: "write",
                    body: "StoredValueSpend", parameters: [memberID],
                    responses: ["200": "entry and balances", "422": "insufficient_balance"])
            ],
            "/api/v1/members/{id}/stored-value/refund": [
                "post": operation(
                    "Give back amountMinor of the spend spendId; Idempotency-Key required", scope: "write",
                    body: "StoredValueRefund", parameters: [memberID],
                    responses: ["200": "entry and balances", "422": "refund_exceeds_spend, spend_not_found"])
            ],
            "/api/v1/members/{id}/stored-value/cash-out": [
                "post": operation(
                    "Pay out the remaining principal, forfeiting the bonus (reason required)", scope: "admin",
                    parameters: [memberID], responses: ["200": "entry and balances"])
            ],
            "/api/v1/members/{id}/stored-value/adjust": [
                "post": operation(
                    "An operator's correction of the principal (reason required)", scope: "admin",
                    parameters: [memberID], responses: ["200": "entry and balances"])
            ],
            "/api/v1/members/{id}/tier-history": [
                "get": operation(
                    "A member's tier changes in the key's brand, newest first", scope: "read",
                    parameters: [memberID, parameter("limit", in: "query", "At most this many (default 50)")],
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
                        memberID, parameter("expiringWithinDays", in: "query", "Window for `expiring` (default 30)"),
                    ], responses: ["200": "The points summary"])
            ],
            "/api/v1/members/{id}/points/entries": [
                "get": operation(
                    "A member's points ledger, newest first", scope: "read",
                    parameters: [
                        memberID, parameter("before", in: "query", "Entry id to continue after (`next`)"),
                        parameter("limit", in: "query", "At most this many (1–500, default 50)"),
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
                    body: "PointsChange", parameters: [memberID, idempotencyHeader],
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
            "/metrics": ["get": operation("Prometheus metrics", scope: nil, responses: ["200": "Metrics text"])],
        ]
    }

    static func schema(_ required: [String], _ properties: [String: String]) -> JSONValue {
        .object([
            "type": .string("object"),
            "required": .array(required.map(JSONValue.string)),
            "properties": .object(
                properties.mapValues { type in
                    type.hasPrefix("#")
                        ? .object(["$ref": .string(type)])
                        : type.hasSuffix("[]")
                            ? .object([
                                "type": .string("array"), "items": .object(["type": .string(String(type.dropLast(2)))]),
                            ])
                            : .object(["type": .string(type)])
                }),
        ])
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
            "schemas": .object([
                "Problem": schema(
                    ["title", "status"],
                    [
                        "type": "string", "title": "string", "status": "integer", "detail": "string",
                        "instance": "string", "errors": "object[]", "results": "object",
                    ]),
                "EventBatch": schema(["events"], ["events": "object[]"]),
                "MemberUpsert": schema(
                    ["identifiers"],
                    [
                        "identifiers": "string[]", "idempotencyKey": "string", "registered": "boolean",
                        "name": "string", "gender": "string", "birthday": "string", "region": "string",
                        "city": "string", "sourceChannel": "string", "homeStore": "string", "guide": "string",
                        "joinedAt": "string", "consent": "object", "attributes": "object", "traits": "object",
                        "channel": "string",
                    ]),
                "Order": schema(
                    ["orderId", "status"],
                    [
                        "orderId": "string", "identifiers": "string[]", "status": "string", "currency": "string",
                        "totalMinor": "integer", "discountMinor": "integer", "paidMinor": "integer",
                        "refundedMinor": "integer", "couponCode": "string", "channel": "string", "store": "string",
                        "guide": "string", "occurredAt": "string", "items": "object[]",
                    ]),
                "Brand": schema(["code", "name"], ["code": "string", "name": "string"]),
                "LoyaltyProgram": schema(["timeZone"], ["timeZone": "string", "pointsExpiry": "object"]),
                "PointsEarn": schema(
                    ["points"],
                    [
                        "points": "integer", "reason": "string", "source": "object", "expiresAt": "string",
                        "idempotencyKey": "string",
                    ]),
                "PointsChange": schema(
                    ["points"],
                    ["points": "integer", "reason": "string", "source": "object", "idempotencyKey": "string"]),
                "Store": schema(
                    ["code", "name"], ["code": "string", "name": "string", "city": "string", "brand": "string"]),
                "Staff": schema(
                    ["code", "name"], ["code": "string", "name": "string", "role": "string", "store": "string"]),
                "KeyRequest": schema(["scopes"], ["scopes": "string[]", "name": "string", "brand": "string"]),
                "AttributeDefinition": schema(
                    ["name", "type"], ["name": "string", "type": "string", "brand": "string"]),
                "IdentityPolicy": schema(
                    ["priority"],
                    ["priority": "string[]", "limits": "object", "blocklist": "string[]", "defaultLimit": "integer"]),
                "MergeRequest": schema(["mergedMemberId"], ["mergedMemberId": "string", "reason": "string"]),
                "SegmentMessage": schema(
                    [],
                    [
                        "type": "string", "messageId": "string", "userId": "string", "anonymousId": "string",
                        "timestamp": "string", "event": "string", "name": "string", "properties": "object",
                        "traits": "object", "context": "object", "previousId": "string", "groupId": "string",
                    ]),
                "SegmentBatch": schema(["batch"], ["batch": "object[]", "sentAt": "string", "writeKey": "string"]),
                "SegmentDeduplicate": schema(["segments"], ["segments": "string[]", "suffix": "string"]),
                "SegmentRuleRequest": schema([], ["rule": "object", "template": "string", "parameters": "object"]),
                "SegmentEstimateRequest": schema(
                    [], ["rule": "object", "template": "string", "parameters": "object", "exact": "boolean"]),
                "TagDefinition": schema(
                    ["name"],
                    [
                        "name": "string", "category": "string", "kind": "string", "description": "string",
                        "rule": "object", "behaviour": "object",
                    ]),
                "TagMembers": schema(["members"], ["members": "string[]"]),
                "RFMCompute": schema([], ["endDate": "string", "startDate": "string"]),
                "RFMSettings": schema([], ["windowDays": "integer", "scheduled": "boolean"]),
                "ScoreDefinition": schema(
                    [],
                    [
                        "preset": "string", "description": "string", "rules": "object[]", "minimum": "integer",
                        "maximum": "integer",
                    ]),
                "LifecycleDefinition": schema([], ["preset": "string", "description": "string", "stages": "object[]"]),
                "DeliveryPolicy": schema([], ["caps": "object", "quietHours": "object"]),
                "ChannelConfiguration": schema(
                    ["kind"],
                    [
                        "kind": "string", "url": "string", "secret": "string", "token": "string", "host": "string",
                        "port": "integer", "from": "string", "username": "string", "password": "string",
                        "baseUrl": "string", "appId": "string", "templateId": "string", "link": "string",
                    ]),
                "MessageTemplate": schema(
                    ["body"], ["subject": "string", "body": "string", "html": "boolean", "fields": "object"]),
                "JourneyDefinition": schema(
                    ["entry", "start", "nodes"],
                    [
                        "entry": "object", "start": "string", "nodes": "object", "maximumEntries": "integer",
                        "reentryCooldownDays": "integer",
                    ]),
                "SegmentCreate": schema(
                    ["name"],
                    [
                        "name": "string", "kind": "string", "rule": "object", "template": "string",
                        "parameters": "object", "sample": "object",
                    ]),
            ]),
        ])
    }

    /// The whole document.
    public static var document: JSONValue {
        .object([
            "openapi": .string("3.1.0"),
            "info": .object([
                "title": .string("Tessera API"), "version": .string("1"),
                "description": .string(
                    "Members, OneID, events and orders. Amounts are integer minor units; times are ISO-8601 UTC."),
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
