/// A ready segment (SPEC §6, the Youzan groups): a rule with named parameters and defaults, so an
/// operator picks "bought milk powder, not diapers" and fills in the categories.
///
/// ```swift
/// let rule = try SegmentTemplate.named("cross-sell")?.rule(["bought": .string("milk"), "notBought": .string("diapers")])
/// ```
public struct SegmentTemplate: Sendable {
    /// Youzan's groups of conditions.
    public enum Group: String, Sendable, Hashable, CaseIterable {
        case basic, consumption, relationship, interaction, assets
    }

    /// One parameter: its name, what it holds and its default (`nil`: required).
    public struct Parameter: Sendable, Hashable {
        public enum Kind: String, Sendable, Hashable {
            /// Whole days, 1…3,660.
            case days
            /// A whole number ≥ 0 (a count, points).
            case count
            /// Money in minor units ≥ 0.
            case amount
            case text
        }

        public var name: String
        public var kind: Kind
        public var defaultValue: JSONValue?
        public var description: String
    }

    public var id: String
    public var group: Group
    public var title: String
    public var description: String
    public var parameters: [Parameter]
    let build: @Sendable (Values) -> SegmentRule

    /// The rule for `given` parameters (defaults fill the rest); errors name `$.parameters.<name>`.
    public func rule(_ given: [String: JSONValue]) throws(FieldError) -> SegmentRule {
        for key in given.keys.sorted() where !parameters.contains(where: { $0.name == key }) {
            throw FieldError(
                path: "$.parameters.\(key)",
                reason: "unknown parameter; \(id) takes " + parameters.map(\.name).joined(separator: ", "))
        }
        var values = Values()
        for parameter in parameters {
            let path = "$.parameters.\(parameter.name)"
            guard let value = given[parameter.name] ?? parameter.defaultValue else {
                throw FieldError(path: path, reason: "required: \(parameter.description)")
            }
            switch parameter.kind {
            case .text:
                guard case .string(let text) = value, !text.isEmpty, text.count <= 200 else {
                    throw FieldError(path: path, reason: "expected a non-empty string")
                }
                values.texts[parameter.name] = text
            case .days, .count, .amount:
                let number = try SegmentRuleParser.integer(value, path: path)
                let range: ClosedRange<Int64> = parameter.kind == .days ? 1...3_660 : 0...Int64.max
                guard range.contains(number) else {
                    throw FieldError(path: path, reason: "expected \(range.lowerBound) to \(range.upperBound)")
                }
                values.numbers[parameter.name] = number
            }
        }
        return build(values)
    }

    /// Checked parameter values, read by the template's builder.
    struct Values {
        var texts: [String: String] = [:]
        var numbers: [String: Int64] = [:]
        func text(_ name: String) -> String { texts[name] ?? "" }
        func number(_ name: String) -> Int64 { numbers[name] ?? 0 }
        func days(_ name: String) -> Int { Int(numbers[name] ?? 1) }
    }

    public static func named(_ id: String) -> SegmentTemplate? { all.first { $0.id == id } }
}
