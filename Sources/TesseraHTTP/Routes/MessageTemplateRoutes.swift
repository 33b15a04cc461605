import Foundation
import Hummingbird
import TesseraCore
import TesseraDomain

/// Message templates of the caller's brand (`/api/v1/message-templates`): Mustache text journeys'
/// send nodes name, saved by name and previewed for a member.
struct MessageTemplateRoutes: Sendable {
    let journeys: JourneyService

    struct TemplateBody: Encodable {
        var name: String
        var subject: String?
        var body: String
        var html: Bool
        var fields: [String: String]

        init(_ template: MessageTemplate) {
            (name, subject, body, html) = (template.name, template.subject, template.body, template.html)
            fields = template.fields
        }
    }

    func list(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        struct Answer: Encodable { var templates: [TemplateBody] }
        let templates = try await journeys.store.messageTemplates(group: principal.groupID, brand: principal.brandID)
        return try JSONCoding.response(Answer(templates: templates.map(TemplateBody.init)))
    }

    /// `PUT /api/v1/message-templates/{name} {"subject": "…", "body": "Hi {{member.name}}", "html": false,
    /// "fields": {"thing1": "{{member.name}}"}}`.
    func save(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.admin)
        let name = try context.parameters.require("name")
        guard SegmentRuleParser.isPlainName(name) else {
            throw FieldError(path: "name", reason: "names use letters, digits and _ only (at most 64)")
        }
        let reader = try FieldReader(try await RequestBody.json(request, context: context), path: "$")
        for key in reader.object.keys.sorted() where !["subject", "body", "html", "fields"].contains(key) {
            throw FieldError(path: "$.\(key)", reason: "unknown key; expected subject, body, html or fields")
        }
        var fields: [String: String] = [:]
        if let given = reader.object["fields"], !given.isNull {
            guard case .object(let object) = given else {
                throw FieldError(path: "$.fields", reason: "expected an object of field name: Mustache text")
            }
            for (key, value) in object.sorted(by: { $0.key < $1.key }) {
                guard SegmentRuleParser.isPlainName(key), let text = value.stringValue, case .string = value else {
                    throw FieldError(
                        path: "$.fields.\(key)", reason: "expected a field name of letters, digits and _ with a text")
                }
                fields[key] = text
            }
        }
        guard let body = try reader.string("body"), !body.isEmpty else {
            throw FieldError(path: "$.body", reason: "required: the message text")
        }
        let template = MessageTemplate(
            name: name, subject: try reader.string("subject"), body: body, html: try reader.bool("html") ?? false,
            fields: fields)
        try template.validate()
        try await journeys.store.saveMessageTemplate(
            template, group: principal.groupID, brand: principal.brandID, at: Date())
        return try JSONCoding.response(TemplateBody(template))
    }

    /// `POST /api/v1/message-templates/{name}/preview {"memberId": "…"}`: the text that member would get.
    func preview(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        let name = try context.parameters.require("name")
        let reader = try FieldReader(try await RequestBody.json(request, context: context), path: "$")
        guard let member = try reader.string("memberId") else {
            throw FieldError(path: "$.memberId", reason: "required")
        }
        let templates = try await journeys.store.messageTemplates(group: principal.groupID, brand: principal.brandID)
        guard let template = templates.first(where: { $0.name == name }) else {
            throw TesseraError.notFound("no message template \(name) in this brand")
        }
        let needs = template.needs
        guard
            let facts = try await journeys.store.memberFacts(
                group: principal.groupID, brand: principal.brandID, member: MemberID(member), needs: needs)
        else { throw TesseraError.notFound("member \(member) not found") }
        let rendered = template.render(facts, brand: principal.brandID.rawValue)
        struct Answer: Encodable {
            var subject: String?
            var body: String
            var fields: [String: String]
        }
        return try JSONCoding.response(Answer(subject: rendered.subject, body: rendered.body, fields: rendered.fields))
    }
}
