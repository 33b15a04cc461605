import Foundation
import TesseraDomain

/// JSON Schema fragments (the 2020-12 dialect of OpenAPI 3.1) for ``OpenAPIDocument``'s bodies and
/// parameters. Each schema states what the server accepts — no looser, so a client generated from the
/// document sends nothing the server refuses for its shape, and no stricter, so nothing the server
/// takes is declared invalid. The contract test (`Tests/e2e/test_openapi_contract.py`) fuzzes the
/// running server from the document to keep both true.
///
///     OpenAPISchema.object(["code": OpenAPISchema.code, "name": OpenAPISchema.text()], required: ["code", "name"])
enum OpenAPISchema {
    /// A string of `minLength…maxLength` characters, optionally matching `pattern`.
    static func text(
        _ description: String? = nil, minLength: Int? = 1, maxLength: Int? = nil, pattern: String? = nil,
        format: String? = nil
    ) -> JSONValue {
        var schema: [String: JSONValue] = ["type": .string("string")]
        if let minLength { schema["minLength"] = .number(Decimal(minLength)) }
        if let maxLength { schema["maxLength"] = .number(Decimal(maxLength)) }
        if let pattern { schema["pattern"] = .string(pattern) }
        if let format { schema["format"] = .string(format) }
        if let description { schema["description"] = .string(description) }
        return .object(schema)
    }

    /// Any string, the empty one included (free text the server stores as given).
    static let anyText = text(minLength: nil)

    /// An id the server reads as text: a string with a visible character, or a number (user and
    /// order ids often arrive as numbers); at most 256 characters.
    static let id = id(pattern: "\\S")

    /// An id that may also be empty, which counts as absent (a Segment `userId` of `""`).
    static let optionalID = id(pattern: "^$|\\S")

    private static func id(pattern: String) -> JSONValue {
        .object([
            "type": .array([.string("string"), .string("number")]), "pattern": .string(pattern),
            "maxLength": .number(Decimal(Identifier.maximumLength)),
            "exclusiveMinimum": .number(-JSONParser.largestMagnitude),
            "exclusiveMaximum": .number(JSONParser.largestMagnitude),
        ])
    }

    /// One of `values`.
    static func oneOf(_ values: [String], _ description: String? = nil) -> JSONValue {
        var schema: [String: JSONValue] = [
            "type": .string("string"), "enum": .array(values.map(JSONValue.string)),
        ]
        if let description { schema["description"] = .string(description) }
        return .object(schema)
    }

    /// A whole number in `minimum…maximum`; without bounds any in ``Money/integerRange``, the range of
    /// the server's amounts and counts.
    static func integer(
        minimum: Int64 = Money.integerRange.lowerBound, maximum: Int64 = Money.integerRange.upperBound,
        _ description: String? = nil
    )
        -> JSONValue
    {
        var schema: [String: JSONValue] = [
            "type": .string("integer"), "format": .string("int64"), "minimum": .number(Decimal(minimum)),
            "maximum": .number(Decimal(maximum)),
        ]
        if let description { schema["description"] = .string(description) }
        return .object(schema)
    }

    static let boolean: JSONValue = .object(["type": .string("boolean")])

    /// An array of `items`, with at least `minItems` and at most `maxItems` of them.
    static func array(_ items: JSONValue, minItems: Int? = nil, maxItems: Int? = nil) -> JSONValue {
        var schema: [String: JSONValue] = ["type": .string("array"), "items": items]
        if let minItems { schema["minItems"] = .number(Decimal(minItems)) }
        if let maxItems { schema["maxItems"] = .number(Decimal(maxItems)) }
        return .object(schema)
    }

    /// An object with these properties. A property that is not `required` may also be `null`, which
    /// the server reads as absent. Other properties are allowed and ignored, as the server ignores
    /// unknown fields — unless `closed`, for the few bodies that refuse unknown keys (a typo there
    /// would silently change a template or an installation).
    static func object(
        _ properties: [String: JSONValue], required: [String] = [], closed: Bool = false, _ description: String? = nil
    ) -> JSONValue {
        var schema: [String: JSONValue] = [
            "type": .string("object"),
            "properties": .object(
                Dictionary(
                    uniqueKeysWithValues: properties.map { name, property in
                        (name, required.contains(name) ? property : nullable(property))
                    })),
            "additionalProperties": closed ? .bool(false) : anyValue,
        ]
        if !required.isEmpty { schema["required"] = .array(required.map(JSONValue.string)) }
        if let description { schema["description"] = .string(description) }
        return .object(schema)
    }

    /// `schema` or `null`.
    static func nullable(_ schema: JSONValue) -> JSONValue {
        guard var object = schema.objectValue else { return schema }
        if case .string(let type)? = object["type"] {
            object["type"] = .array([.string(type), .string("null")])
            if let values = object["enum"]?.arrayValue { object["enum"] = .array(values + [.null]) }
            return .object(object)
        }
        if case .array(let types)? = object["type"] {
            object["type"] = .array(types + [.string("null")])
            return .object(object)
        }
        return .object(["anyOf": .array([schema, .object(["type": .string("null")])])])
    }

    /// Any JSON value the server can read: numbers below 1e127 in magnitude (smaller than 1e-128
    /// reads as 0), nested at most 64 deep.
    static let anyValue = ref("JSONValue")

    /// The `JSONValue` component: any JSON, numbers within the server's range, nested as deep as
    /// wanted.
    static let anyValueDefinition: JSONValue = .object([
        "anyOf": .array([
            .object(["type": .array([.string("string"), .string("boolean"), .string("null")])]),
            .object([
                "type": .string("number"), "exclusiveMinimum": .number(-JSONParser.largestMagnitude),
                "exclusiveMaximum": .number(JSONParser.largestMagnitude),
            ]),
            .object(["type": .string("array"), "items": anyValue]),
            .object(["type": .string("object"), "additionalProperties": anyValue]),
        ])
    ])

    /// Any JSON object (a free-form map such as traits or event properties).
    static let anyObject: JSONValue = .object(["type": .string("object"), "additionalProperties": anyValue])

    static func ref(_ name: String) -> JSONValue { .object(["$ref": .string("#/components/schemas/\(name)")]) }

    /// An ISO-8601 instant with an explicit offset (at most ±18:00), as ``FieldReader`` reads it. The
    /// pattern keeps to days 1–28, which every month has.
    static let instant = text(
        "ISO-8601 time with a UTC offset, e.g. 2026-11-23T08:00:00Z",
        pattern: "^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
            + "(\\.[0-9]{1,9})?(Z|[+-](0[0-9]|1[0-7]):[0-5][0-9])$")

    /// A local calendar day, `YYYY-MM-DD`.
    static let day = text("a calendar day, YYYY-MM-DD", format: "date")

    /// A group-unique code: 1–64 letters, digits, `-` or `_`.
    static let code = text(maxLength: 64, pattern: "^[A-Za-z0-9_-]{1,64}$")

    /// A name of letters, digits and `_` (journeys, channels, message templates, scores, lifecycles).
    static let plainName = text(maxLength: 64, pattern: "^[A-Za-z0-9_]{1,64}$")

    /// A Chinese mobile number, the phones the schemas show (the server takes any number it can write
    /// in E.164, with +86 assumed).
    private static let mobilePattern = "(\\+86)?1[3-9][0-9]{9}"
    /// A plain e-mail address, the addresses the schemas show.
    private static let emailPattern = "[a-z0-9._-]{1,30}@[a-z0-9-]{1,30}\\.[a-z]{2,8}"

    /// A phone trait: a mobile number, or empty for none.
    static let phoneOrEmpty = text(minLength: 0, pattern: "^(\(mobilePattern))?$")
    /// An e-mail trait: an address, or empty for none.
    static let emailOrEmpty = text(minLength: 0, pattern: "^(\(emailPattern))?$")

    /// An identifier written `type:value`, e.g. `phone:+8613800000000`. Phones must be numbers, e-mail
    /// addresses, and openid / card / buyer / wecom values are scoped (`appid:value`); any
    /// other type of letters, digits and `_` takes any value up to 256 characters.
    static let identifier = text(
        "type:value, e.g. phone:+8613800000000, email:ann@example.com, external:u-1",
        pattern: "^(phone:\(mobilePattern)|email:\(emailPattern)"
            + "|(external|anonymous|device|unionid):[A-Za-z0-9_.-]{1,64})$")

    /// The idempotency key of a write: 1–200 characters.
    static let idempotencyKey = text(maxLength: 200)
}
