import Foundation
import Hummingbird
import TesseraCore
import TesseraDomain

/// The brand's tag catalogue and manual tagging. Reading needs `read`; tagging needs `write`;
/// changing the catalogue needs `admin`.
struct TagRoutes: Sendable {
    let tags: TagService

    func list(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        struct Entry: Encodable {
            var name: String
            var category: TagDefinition.Category
            var kind: TagDefinition.Kind
            var description: String?
            var memberCount: Int64
        }
        struct Page: Encodable { var tags: [Entry] }
        let entries = try await tags.store.tags(group: principal.groupID, brand: principal.brandID).map {
            Entry(
                name: $0.definition.name, category: $0.definition.category, kind: $0.definition.kind,
                description: $0.definition.description, memberCount: $0.members)
        }
        return try JSONCoding.response(Page(tags: entries))
    }

    /// `{"name": "vip", "category": "membership", "kind": "manual", "description": "…"}`
    func create(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.admin)
        let reader = try await RequestBody.fields(request, context: context)
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
        guard let kind = TagDefinition.Kind(rawValue: kindText), kind == .manual || kind == .process else {
            throw FieldError(
                path: "$.kind",
                reason: "manual or process (rule and behaviour tags are defined as segments and event mappings)")
        }
        let definition = TagDefinition(
            name: name, category: category, kind: kind, description: try reader.string("description"))
        try await tags.store.defineTag(definition, group: principal.groupID, brand: principal.brandID, at: Date())
        return try JSONCoding.response(definition, status: .created)
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
