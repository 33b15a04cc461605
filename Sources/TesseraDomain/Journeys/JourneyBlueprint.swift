import Foundation

/// A ready-made journey (SPEC §7: welcome series, abandoned cart, replenishment, festival pre-heat,
/// birthday care, dormant win-back): a definition with `${…}` slots to fill, the message templates, segments
/// and coupon templates it needs (created with sensible defaults when the brand has none), and the
/// parameters an operator may set.
///
/// Slots in ``definition``: `${name}` for a parameter (numbers as written, text quoted by the
/// JSON around it; `${name-14}` is a number less 14), `${segment:key}` and `${coupon:key}` for the ids
/// of what it needs.
public struct JourneyBlueprint: Sendable {
    /// A setting with its default; `nil` default means the operator must give it.
    public struct Parameter: Sendable {
        public var name: String
        public var description: String
        public var defaultValue: JSONValue?
        /// Allowed whole numbers, for numeric parameters.
        public var range: ClosedRange<Int64>?
    }

    /// A message template the journey sends, created with this text when the brand has none of the name.
    public struct Message: Sendable {
        public var name: String
        public var subject: String?
        public var body: String
    }

    /// A segment the journey reads, made from a segment template unless the operator names one
    /// (parameter `segment_<key>`) or the brand already has one called `name`.
    public struct SegmentNeed: Sendable {
        public var key: String
        public var name: String
        public var template: String
        public var parameters: [String: JSONValue]
    }

    /// A coupon template the journey grants, created unless the operator names one (`coupon_<key>`) or
    /// the brand has an active one called `template.name`.
    public struct CouponNeed: Sendable {
        public var key: String
        public var template: CouponTemplate
    }

    public var id: String
    public var title: String
    public var description: String
    public var parameters: [Parameter]
    public var messages: [Message]
    public var segments: [SegmentNeed]
    public var coupons: [CouponNeed]
    public var definition: String

    /// The definition for `given` parameters (defaults for the rest) and the resolved segment and
    /// coupon ids; faults name `$.parameters.<name>`.
    public func render(_ given: [String: JSONValue], segments: [String: String], coupons: [String: String])
        throws(FieldError) -> JSONValue
    {
        let known = Set(parameters.map(\.name)).union(self.segments.map { "segment_\($0.key)" })
            .union(self.coupons.map { "coupon_\($0.key)" })
        for key in given.keys.sorted() where !known.contains(key) {
            throw FieldError(
                path: "$.parameters.\(key)",
                reason: "unknown parameter; expected \(known.sorted().joined(separator: ", "))")
        }
        var text = definition
        for parameter in parameters {
            guard let value = given[parameter.name] ?? parameter.defaultValue else {
                throw FieldError(path: "$.parameters.\(parameter.name)", reason: "required: \(parameter.description)")
            }
            let replacement: String
            if let range = parameter.range {
                guard case .number(let number) = value,
                    let whole = Int64(exactly: NSDecimalNumber(decimal: number).doubleValue),
                    range.contains(whole)
                else {
                    throw FieldError(
                        path: "$.parameters.\(parameter.name)",
                        reason: "a whole number from \(range.lowerBound) to \(range.upperBound)")
                }
                replacement = String(whole)
                // `${name-N}`: the value less N days (a reminder N days before a cycle ends).
                while let start = text.range(of: "${\(parameter.name)-"),
                    let end = text[start.upperBound...].firstIndex(of: "}"),
                    let offset = Int64(text[start.upperBound..<end])
                {
                    text.replaceSubrange(start.lowerBound...end, with: String(whole - offset))
                }
            } else {
                guard case .string(let string) = value, !string.isEmpty else {
                    throw FieldError(path: "$.parameters.\(parameter.name)", reason: "expected text")
                }
                // Quoted by the definition; escape what would end the string.
                replacement = String(JSONValue.string(string).jsonText.dropFirst().dropLast())
            }
            text = text.replacingOccurrences(of: "${\(parameter.name)}", with: replacement)
        }
        for (key, id) in segments { text = text.replacingOccurrences(of: "${segment:\(key)}", with: id) }
        for (key, id) in coupons { text = text.replacingOccurrences(of: "${coupon:\(key)}", with: id) }
        do {
            return try JSONParser.parse(Array(text.utf8))
        } catch {
            throw FieldError(path: "$", reason: "the blueprint \(id) did not render to JSON: \(error)")
        }
    }

    public static func named(_ id: String) -> JourneyBlueprint? { all.first { $0.id == id } }
}
