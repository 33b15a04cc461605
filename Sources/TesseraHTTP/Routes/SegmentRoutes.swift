import Foundation
import Hummingbird
import TesseraCore
import TesseraDomain

/// Segments of the caller's brand (SPEC §6): validate and estimate a rule while editing, store
/// dynamic segments and snapshots, page through members, check one member. Reading, validating and
/// estimating need `read`; creating, refreshing and deleting need `write`.
struct SegmentRoutes: Sendable {
    let segments: SegmentService

    /// The stored form of a segment in responses.
    struct SegmentBody: Encodable {
        var id: String
        var name: String
        var kind: SegmentRecord.Kind
        var rule: JSONValue
        var memberCount: Int64
        var computedAt: Date?
        var createdAt: Date

        init(_ record: SegmentRecord) {
            (id, name, kind, rule) = (record.id, record.name, record.kind, record.rule.json)
            (memberCount, computedAt, createdAt) = (record.memberCount, record.computedAt, record.createdAt)
        }
    }

    /// The rule of a request body: `"rule"`, parsed strictly (errors name `$.rule…`), or a ready
    /// `"template"` with its `"parameters"` (errors name `$.parameters…`).
    static func rule(_ reader: FieldReader) throws -> SegmentRule {
        if let id = try reader.string("template") {
            guard reader.object["rule"] == nil else {
                throw FieldError(path: "$.rule", reason: "give a rule or a template, not both")
            }
            guard let template = SegmentTemplate.named(id) else {
                throw FieldError(
                    path: "$.template",
                    reason: "unknown template; GET /api/v1/segment-templates lists them")
            }
            return try template.rule(try reader.object("parameters") ?? [:])
        }
        guard let json = reader.object["rule"] else {
            throw FieldError(path: "$.rule", reason: "required (or a template with its parameters)")
        }
        do {
            return try SegmentRuleParser.parse(json)
        } catch {
            throw error.nested(under: "$.rule")
        }
    }

    /// The ready templates with their parameters and defaults.
    func templates(_ request: Request, _ context: TesseraContext) async throws -> Response {
        _ = try context.require(.read)
        struct Parameter: Encodable {
            var name: String
            var kind: String
            var defaultValue: JSONValue?
            var description: String
        }
        struct Entry: Encodable {
            var id: String
            var group: String
            var title: String
            var description: String
            var parameters: [Parameter]
        }
        struct Page: Encodable { var templates: [Entry] }
        return try JSONCoding.response(
            Page(
                templates: SegmentTemplate.all.map { template in
                    Entry(
                        id: template.id, group: template.group.rawValue, title: template.title,
                        description: template.description,
                        parameters: template.parameters.map {
                            Parameter(
                                name: $0.name, kind: $0.kind.rawValue, defaultValue: $0.defaultValue,
                                description: $0.description)
                        })
                }))
    }

    /// `{"rule": {...}}` → `{"valid": true, "rule": <canonical form>}`, or a problem naming the field.
    func validate(_ request: Request, _ context: TesseraContext) async throws -> Response {
        _ = try context.require(.read)
        let rule = try Self.rule(try await RequestBody.fields(request, context: context))
        struct Answer: Encodable {
            var valid: Bool
            var rule: JSONValue
        }
        return try JSONCoding.response(Answer(valid: true, rule: rule.json))
    }

    /// `{"rule": {...}, "exact"?: false}` → `{"count": 13100, "low": 12400, "high": 13850,
    /// "exact": false, "sampled": 10021, "elapsedMs": 96}`: the live size while editing — over a
    /// fixed sample of members for large member bases unless `exact` is asked for.
    func estimate(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        let fields = try await RequestBody.fields(request, context: context)
        let rule = try Self.rule(fields)
        let exact = try fields.bool("exact") ?? false
        let started = ContinuousClock.now
        let estimate = try await segments.estimate(
            rule, group: principal.groupID, brand: principal.brandID, exact: exact)
        let elapsed = ContinuousClock.now - started
        struct Answer: Encodable {
            var count: Int64
            var low: Int64
            var high: Int64
            var exact: Bool
            var sampled: Int64?
            var elapsedMs: Int64
        }
        return try JSONCoding.response(
            Answer(
                count: estimate.count, low: estimate.low, high: estimate.high, exact: estimate.exact,
                sampled: estimate.sampled, elapsedMs: elapsed.wholeMilliseconds))
    }

    /// `{"name": "Lapsed VIPs", "kind": "dynamic" | "snapshot", "rule": {...}}`
    func create(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.write)
        let reader = try await RequestBody.fields(request, context: context)
        let name = try reader.requiredString("name")
        guard !name.isEmpty, name.count <= 200 else {
            throw FieldError(path: "$.name", reason: "must be 1 to 200 characters")
        }
        let kindText = try reader.string("kind") ?? "dynamic"
        guard let kind = SegmentRecord.Kind(rawValue: kindText) else {
            throw FieldError(path: "$.kind", reason: "must be dynamic or snapshot")
        }
        let rule = try Self.rule(reader)
        if let sample = try reader.object("sample") {
            guard kind == .snapshot || reader.object["kind"] == nil else {
                throw FieldError(path: "$.kind", reason: "a sample is a snapshot")
            }
            let sampler = try FieldReader(.object(sample), path: "$.sample")
            let size: SegmentSample.Size
            switch (try sampler.integer("count"), try sampler.integer("percent")) {
            case (let count?, nil) where count >= 0 && count <= 10_000_000: size = .count(Int(count))
            case (nil, let percent?) where (0...100).contains(percent): size = .percent(Int(percent))
            default:
                throw FieldError(path: "$.sample", reason: "give count (0 to 10,000,000) or percent (0 to 100)")
            }
            let seed = try sampler.integer("seed") ?? 0
            let segment = try await segments.createSample(
                name: name, rule: rule, size: size, seed: UInt64(bitPattern: seed), group: principal.groupID,
                brand: principal.brandID)
            return try JSONCoding.response(SegmentBody(segment), status: .created)
        }
        let segment = try await segments.create(
            name: name, kind: kind, rule: rule, group: principal.groupID, brand: principal.brandID)
        return try JSONCoding.response(SegmentBody(segment), status: .created)
    }

    /// `{"segments": [id, …] (priority order), "suffix": " (deduplicated)"}` → one snapshot per segment
    /// holding its members not in an earlier one.
    func deduplicate(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.write)
        let reader = try await RequestBody.fields(request, context: context)
        guard let items = try reader.array("segments"), (2...50).contains(items.count) else {
            throw FieldError(path: "$.segments", reason: "required: 2 to 50 segment ids in priority order")
        }
        let ids = try items.enumerated().map { index, item in
            guard let id = item.stringValue else {
                throw FieldError(path: "$.segments[\(index)]", reason: "expected a segment id")
            }
            return id
        }
        let created = try await segments.deduplicate(
            ids, suffix: try reader.string("suffix") ?? " (deduplicated)", group: principal.groupID,
            brand: principal.brandID)
        struct Page: Encodable { var segments: [SegmentBody] }
        return try JSONCoding.response(Page(segments: created.map(SegmentBody.init)), status: .created)
    }

    /// `POST /api/v1/segments/import?name=…` with a CSV body whose first column is `member_id` or an
    /// identifier type (`phone`, `email`, …): a snapshot of the listed members.
    func importList(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.write)
        guard let name = request.uri.queryParameters["name"].map(String.init), !name.isEmpty, name.count <= 200 else {
            throw Problem.invalid(path: "name", reason: "the query parameter name (1 to 200 characters) is required")
        }
        let list = try await MemberListCSV.read(request, context: context)
        let imported = try await segments.importList(
            name: name, column: list.column, values: list.values, group: principal.groupID, brand: principal.brandID)
        struct Answer: Encodable {
            var segment: SegmentBody
            var rows: Int
            var notFound: Int
        }
        return try JSONCoding.response(
            Answer(segment: SegmentBody(imported.segment), rows: list.values.count, notFound: imported.unknown),
            status: .created)
    }

    /// The members as CSV, `member_id` and, with `?identifierType=phone`, that identifier, in
    /// member id order.
    ///
    /// Streamed a page of ``exportPage`` members at a time, so a segment of a million members is
    /// never held as one text (nor copied into one buffer) and its first lines leave at once. The
    /// first page is read before the answer starts, so a failure then is still a problem document;
    /// a later one ends the chunked body early, which a client sees as an incomplete download.
    func export(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        let segment = try await existing(context, principal)
        let type = request.uri.queryParameters["identifierType"].map(String.init)
        let (segments, group, size) = (self.segments, principal.groupID, Self.exportPage)
        @Sendable func page(after cursor: MemberID?) async throws -> (lines: ByteBuffer, next: MemberID?) {
            let members = try await segments.store.segmentMembers(
                group: group, segment: segment.id, after: cursor, limit: size)
            let values = try await segments.identifiers(of: members, type: type, group: group)
            var lines = ByteBuffer()
            lines.reserveCapacity(members.count * 48)
            for member in members {
                lines.writeString(member.rawValue)
                if type != nil { lines.writeString("," + CSVField.escaped(values[member] ?? "")) }
                lines.writeString("\n")
            }
            return (lines, members.count == size ? members.last : nil)
        }
        var first = ByteBuffer(string: type.map { "member_id,\($0)\n" } ?? "member_id\n")
        var (lines, next) = try await page(after: nil)
        first.writeBuffer(&lines)
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8",
                .contentDisposition: "attachment; filename=\"segment-\(segment.id).csv\"",
            ],
            body: ResponseBody { [first, next] writer in
                try await writer.write(first)
                var cursor = next
                while let after = cursor {
                    let (lines, following) = try await page(after: after)
                    try await writer.write(lines)
                    cursor = following
                }
                try await writer.finish(nil)
            })
    }

    /// Members per page of an export: one statement and one identifier lookup each.
    static let exportPage = 5_000

    func list(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        struct Page: Encodable { var segments: [SegmentBody] }
        return try JSONCoding.response(
            Page(
                segments: try await segments.store.segments(group: principal.groupID, brand: principal.brandID).map(
                    SegmentBody.init)))
    }

    func get(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        return try JSONCoding.response(SegmentBody(try await existing(context, principal)))
    }

    func delete(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.write)
        let id = try context.parameters.require("id")
        try await segments.delete(id: id, group: principal.groupID, brand: principal.brandID)
        return try JSONCoding.response(["id": id, "status": "deleted"])
    }

    /// Recomputes a dynamic segment now: `{"entered": 3, "exited": 1, "memberCount": 120}`.
    func refresh(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.write)
        let changes = try await segments.refresh(
            id: try context.parameters.require("id"), group: principal.groupID, brand: principal.brandID)
        struct Answer: Encodable {
            var entered: Int
            var exited: Int
            var memberCount: Int64
        }
        return try JSONCoding.response(
            Answer(entered: changes.entered.count, exited: changes.exited.count, memberCount: changes.memberCount))
    }

    /// `?limit=100&cursor=<last member id>` → `{"members": [...], "nextCursor": "…" | null}`.
    func members(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        let segment = try await existing(context, principal)
        let limit = try TesseraServer.limit(request)
        let cursor = request.uri.queryParameters["cursor"].map { MemberID(String($0)) }
        let page = try await segments.store.segmentMembers(
            group: principal.groupID, segment: segment.id, after: cursor, limit: limit)
        struct Page: Encodable {
            var members: [MemberID]
            var nextCursor: MemberID?
        }
        return try JSONCoding.response(Page(members: page, nextCursor: page.count == limit ? page.last : nil))
    }

    /// `{"member": "…", "inSegment": true, "matchesNow": true}`: the stored membership and the rule
    /// evaluated in memory right now (they differ only until the real-time path or a refresh runs).
    func check(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        let member = MemberID(try context.parameters.require("member"))
        let answer = try await segments.check(
            segment: try context.parameters.require("id"), member: member, group: principal.groupID,
            brand: principal.brandID)
        struct Answer: Encodable {
            var member: MemberID
            var inSegment: Bool
            var matchesNow: Bool
        }
        return try JSONCoding.response(Answer(member: member, inSegment: answer.stored, matchesNow: answer.matches))
    }

    private func existing(_ context: TesseraContext, _ principal: Principal) async throws -> SegmentRecord {
        let id = try context.parameters.require("id")
        guard let segment = try await segments.store.segment(group: principal.groupID, brand: principal.brandID, id: id)
        else { throw TesseraError.notFound("segment \(id) not found") }
        return segment
    }
}
