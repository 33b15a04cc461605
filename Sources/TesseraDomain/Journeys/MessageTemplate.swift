import Foundation
import Mustache

/// A message a journey's send node names: Mustache text over the member's fields, rendered when the
/// message is handed to its channel.
///
/// The context is `member` — `id`, `name`, `city`, `gender`, `tier`, `points`, `growth`,
/// `storedValue`, `orderCount`, `totalSpend` and `cart` (`quantity`, `valueMinor`, `items` with `sku`,
/// `name`, `quantity`, `unitPriceMinor`) — and `brand`. A fallback is an inverted section:
/// `Hi {{#member.name}}{{member.name}}{{/member.name}}{{^member.name}}there{{/member.name}}`. Text is not
/// HTML-escaped (messages go to SMS, WeChat and plain mail); `html: true` escapes it.
///
/// `fields` are the named values of a WeChat template or subscription message (`{"thing1": "{{member.name}}"}`
/// becomes `"data": {"thing1": {"value": "Ann"}}`); other channels ignore them.
public struct MessageTemplate: Sendable, Hashable {
    public var name: String
    public var subject: String?
    public var body: String
    /// Escape values for HTML (an HTML e-mail body).
    public var html: Bool
    /// Named Mustache values for channels that take key/value data (WeChat template messages).
    public var fields: [String: String]

    public init(name: String, subject: String? = nil, body: String, html: Bool = false, fields: [String: String] = [:])
    {
        self.name = name
        self.subject = subject
        self.body = body
        self.html = html
        self.fields = fields
    }

    /// Checks the Mustache syntax of subject and body; the first fault names its field.
    public func validate() throws(FieldError) {
        let texts =
            [("subject", subject), ("body", body as String?)]
            + fields.sorted { $0.key < $1.key }.map {
                ("fields.\($0.key)", $0.value as String?)
            }
        for (field, text) in texts {
            guard let text else { continue }
            do { _ = try MustacheTemplate(string: text) } catch {
                throw FieldError(path: "$.\(field)", reason: "not a valid Mustache template: \(error)")
            }
        }
    }

    /// What rendering reads beyond the member row: the cart when a text names `cart`, the brand
    /// account when one names an account field (``MemberField/accountFields``: `tier`, `points`,
    /// `growth`, `storedValue`…). A name anywhere counts — Mustache has no other way to reach a value
    /// — so at worst a read is made that was not needed.
    public var needs: SegmentRule.Needs {
        let texts = [subject ?? "", body] + fields.values
        var needs = SegmentRule.Needs()
        needs.cart = texts.contains { $0.contains("cart") }
        needs.account = texts.contains { text in
            MemberField.accountFields.contains { text.contains($0.rawValue) }
        }
        return needs
    }

    /// The subject and body for `member` of `brand`.
    public func render(_ member: MemberFacts, brand: String) -> Rendered {
        compiled().render(member, brand: brand)
    }

    /// A message's text for one member.
    public struct Rendered: Sendable, Hashable {
        public var subject: String?
        public var body: String
        public var fields: [String: String]

        public init(subject: String? = nil, body: String, fields: [String: String] = [:]) {
            self.subject = subject
            self.body = body
            self.fields = fields
        }
    }

    /// The template parsed once, for rendering many members (a blast renders thousands a second).
    public func compiled() -> Compiled {
        let pragma = html ? "" : "{{% CONTENT_TYPE: TEXT}}"
        func parse(_ text: String) -> (MustacheTemplate?, String) {
            (try? MustacheTemplate(string: pragma + text), text)
        }
        return Compiled(subject: subject.map(parse), body: parse(body), fields: fields.mapValues(parse))
    }

    /// A parsed ``MessageTemplate`` (text that failed to parse renders as written).
    public struct Compiled: Sendable {
        let subject: (template: MustacheTemplate?, text: String)?
        let body: (template: MustacheTemplate?, text: String)
        let fields: [String: (template: MustacheTemplate?, text: String)]

        public func render(_ member: MemberFacts, brand: String) -> Rendered {
            let context: [String: Any] = ["member": MessageTemplate.context(member), "brand": brand]
            func render(_ part: (template: MustacheTemplate?, text: String)) -> String {
                part.template?.render(context) ?? part.text
            }
            return Rendered(subject: subject.map(render), body: render(body), fields: fields.mapValues(render))
        }
    }

    static func context(_ member: MemberFacts) -> [String: Any] {
        var context: [String: Any] = [
            "id": member.id, "points": member.points, "growth": member.growth, "storedValue": member.storedValue,
            "orderCount": member.orderCount, "totalSpend": member.totalSpend,
            "cart": [
                "quantity": member.cartQuantity, "valueMinor": member.cartValueMinor,
                "items": member.cart.map { line -> [String: Any] in
                    [
                        "sku": line.sku, "name": line.name ?? line.sku, "quantity": line.quantity,
                        "unitPriceMinor": line.unitPriceMinor,
                    ]
                },
            ] as [String: Any],
        ]
        if let name = member.name { context["name"] = name }
        for field in [MemberField.city, .gender, .tier, .region, .homeStore, .guide] {
            if let value = member.texts[field] { context[field.rawValue] = value }
        }
        return context
    }
}
