import Foundation
import Hummingbird
import TesseraCore
import TesseraDomain

/// The brand's tag catalogue, manual tagging (one request or a CSV list) and computed (rule and
/// behaviour) tags. Reading needs `read`; tagging needs `write`; changing the catalogue needs `admin`.
struct TagRoutes: Sendable {
    let tags: TagService

    /// A catalogue entry as the API shows it.
    struct Entry: Encodable {
        var name: String
        var category: TagDefinition.Category
        var kind: TagDefinition.Kind
        var description: String?
        /// A rule tag's rule or a behaviour tag's definition.
        var definition: JSONValue?
        var memberCount: Int64

        init(_ tag: TagDefinition, members: Int64) {
            (name, category, kind, description) = (tag.name, tag.category, tag.kind, tag.description)
            definition = tag.derivation?.json
            memberCount = members
        }
    }

    func list(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        struct Page: Encodable { var tags: [Entry] }
        let entries = try await tags.store.tags(group: principal.groupID, brand: principal.brandID).map {
            Entry($0.definition, members: $0.members)
        }
        return try JSONCoding.response(Page(tags: entries))
    }

    /// `{"name": "vip", "category": "membership", "kind": "manual", "description": "…"}`; a rule tag
    /// adds `"rule": rule`, a behaviour tag `"behaviour": {"event": …, "property": …, "prefix": …}`.
    /// Computed tags are derived for every member before the answer (`memberCount`).
    func create(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.admin)
        let json = try await RequestBody.json(request, context: context)
        let reader = try FieldReader(json, path: "$")
        let name = try reader.requiredString("name")
        guard TagDefinition.validName(name) else {
            throw FieldError(path: "$.name", reason: "1 to 64 characters, no commas or line breaks")
        }
        let categoryText = try reader.string("category") ?? "basic"
        guard let category = TagDefinition.Category(rawValue: categoryText) else {
            throw FieldError(
                path: "$.category",
                reason: "one of " + TagDefinition.Category.allCases.map(\.rawValue).joined(separator: ", "))
        }
        let kindText = try reader.string("kind") ?? "manual"
        guard let kind = TagDefinition.Kind(rawValue: kindText) else {
            throw FieldError(
                path: "$.kind", reason: "one of " + TagDefinition.Kind.allCases.map(\.rawValue).joined(separator: ", "))
        }
        for key in ["rule", "behaviour"] where json[key] != nil && kind.rawValue != key {
            throw FieldError(path: "$.\(key)", reason: "only a \(key) tag has a \(key)")
        }
        let derivation: TagDerivation? =
            kind == .rule || kind == .behaviour ? try TagDerivation.parse(kind: kind, json[kind.rawValue]) : nil
        let definition = TagDefinition(
            name: name, category: category, kind: kind, description: try reader.string("description"),
            derivation: derivation)
        let (group, brand) = (principal.groupID, principal.brandID)
        if derivation == nil {
            try await tags.store.defineTag(definition, group: group, brand: brand, at: Date())
        } else {
            _ = try await tags.derived.define(definition, group: group, brand: brand)
        }
        let count = try await tags.store.tags(group: group, brand: brand).first { $0.definition.name == name }?.members
        return try JSONCoding.response(Entry(definition, members: count ?? 0), status: .created)
    }

    /// Removes the tag from the catalogue and from every member (history kept).
    func delete(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.admin)
        try await tags.derived.deleteTag(
            try context.parameters.require("name"), group: principal.groupID, brand: principal.brandID,
            actor: "key:\(principal.keyID)")
        return Response(status: .noContent)
    }

    /// `POST /api/v1/tags/{name}/import` with a CSV whose first column is `member_id` or an identifier
    /// type → `{"rows": n, "tagged": n, "notFound": n}`.
    func importList(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.write)
        let list = try await MemberListCSV.read(request, context: context)
        let imported = try await tags.importList(
            try context.parameters.require("name"), column: list.column, values: list.values,
            group: principal.groupID, brand: principal.brandID, actor: "key:\(principal.keyID)")
        struct Answer: Encodable {
            var rows: Int
            var tagged: Int
            var notFound: Int
        }
        return try JSONCoding.response(
            Answer(rows: list.values.count, tagged: imported.tagged, notFound: imported.unknown))
    }

    /// `{"members": ["<member id>", …]}` (at most 1,000) → `{"changed": [...], "unchanged": n}`.
    func change(adding: Bool) -> @Sendable (Request, TesseraContext) async throws -> Response {
        { request, context in
            let principal = try context.require(.write)
            let reader = try await RequestBody.fields(request, context: context)
            guard let items = try reader.array("members") else {
                throw FieldError(path: "$.members", reason: "required: an array of member ids")
            }
            var members: [MemberID] = []
            for (index, item) in items.enumerated() {
                guard let id = item.stringValue, !id.isEmpty else {
                    throw FieldError(path: "$.members[\(index)]", reason: "expected a member id")
                }
                members.append(MemberID(id))
            }
            let changed = try await tags.change(
                try context.parameters.require("name"), adding: adding, members: members, group: principal.groupID,
                brand: principal.brandID, actor: "key:\(principal.keyID)")
            struct Answer: Encodable {
                var changed: [MemberID]
                var unchanged: Int
            }
            return try JSONCoding.response(Answer(changed: changed, unchanged: Set(members).count - changed.count))
        }
    }

    /// The member's tags and their history, newest first.
    func memberTags(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        let member = MemberID(try context.parameters.require("id"))
        struct Change: Encodable {
            var tag: String
            var action: String
            var source: String
            var actor: String
            var at: Date
        }
        struct Entry: Encodable {
            var tag: String
            var source: String
            var actor: String
            var taggedAt: Date
        }
        struct Answer: Encodable {
            var tags: [Entry]
            var history: [Change]
        }
        let current = try await tags.store.memberTags(
            group: principal.groupID, brand: principal.brandID, member: member)
        let history = try await tags.store.tagHistory(
            group: principal.groupID, brand: principal.brandID, member: member, limit: try TesseraServer.limit(request))
        return try JSONCoding.response(
            Answer(
                tags: current.map {
                    Entry(tag: $0.tag, source: $0.source, actor: $0.actor, taggedAt: Timestamp.date($0.taggedAt))
                },
                history: history.map {
                    Change(tag: $0.tag, action: $0.action, source: $0.source, actor: $0.actor, at: $0.at)
                }
            ))
    }
}
