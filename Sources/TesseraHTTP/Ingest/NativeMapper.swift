public import Foundation
public import TesseraCore
public import TesseraDomain

/// Maps the native API's JSON (`/api/v1/events`, `/members`, `/orders`) onto ``IngestMessage``s.
/// Amounts in the native API are integer minor units (`paidMinor: 19900` is ¥199.00).
public struct NativeMapper: Sendable {
    public let brand: BrandID
    public let receivedAt: Date

    public init(brand: BrandID, receivedAt: Date) {
        self.brand = brand
        self.receivedAt = receivedAt
    }

    public func event(_ value: JSONValue, path: String) -> Result<IngestMessage, FieldErrorList> {
        MessageMapping.capture(path: "$") {
            let reader = try FieldReader(value, path: path)
            let identifiers = try MessageMapping.identifiers(
                reader.array("identifiers") ?? [], path: reader.at("identifiers"))
            guard !identifiers.isEmpty else {
                throw FieldError(
                    path: reader.at("identifiers"), reason: "name at least one identifier, e.g. phone:+8613800000000")
            }
            let name = try reader.requiredKey("name")
            let properties = try reader.object("properties") ?? [:]
            return IngestMessage(
                idempotencyKey: try reader.requiredKey("idempotencyKey"), kind: .track, identifiers: identifiers,
                registers: try reader.bool("registered") ?? false, name: name,
                channel: try reader.string("channel") ?? "api", brandID: brand,
                occurredAt: try reader.date("occurredAt") ?? receivedAt, properties: .object(properties),
                cart: try MessageMapping.cartChange(
                    event: name, properties: properties, path: reader.at("properties"), segment: false))
        }
    }

    public func member(_ value: JSONValue, idempotencyKey: String?) -> Result<IngestMessage, FieldErrorList> {
        MessageMapping.capture(path: "$") {
            let reader = try FieldReader(value, path: "$")
            let identifiers = try MessageMapping.identifiers(
                reader.array("identifiers") ?? [], path: reader.at("identifiers"))
            guard !identifiers.isEmpty else {
                throw FieldError(
                    path: reader.at("identifiers"), reason: "name at least one identifier, e.g. phone:+8613800000000")
            }
            var known = MessageMapping.profileKeys
            known.formUnion(["identifiers", "idempotencyKey", "channel", "registered", "traits", "occurredAt"])
            var profile = try MessageMapping.profile(reader, known: known)
            profile.traits = try reader.object("traits") ?? [:]
            return IngestMessage(
                idempotencyKey: try reader.string("idempotencyKey").flatMap { $0.isEmpty ? nil : $0 } ?? idempotencyKey
                    ?? TimeOrderedIDGenerator().next(),
                kind: .member, identifiers: identifiers, registers: try reader.bool("registered") ?? true,
                channel: try reader.string("channel") ?? "api", brandID: brand,
                occurredAt: try reader.date("occurredAt") ?? receivedAt, profile: profile)
        }
    }

    public func order(_ value: JSONValue, idempotencyKey: String?) -> Result<IngestMessage, FieldErrorList> {
        MessageMapping.capture(path: "$") {
            let reader = try FieldReader(value, path: "$")
            let identifiers = try MessageMapping.identifiers(
                reader.array("identifiers") ?? [], path: reader.at("identifiers"))
            let statusText = try reader.requiredString("status")
            guard let status = OrderStatus(rawValue: statusText) else {
                throw FieldError(
                    path: reader.at("status"),
                    reason: "must be one of " + OrderStatus.allCases.map(\.rawValue).joined(separator: ", "))
            }
            let currency = (try reader.string("currency") ?? "CNY").uppercased()
            let total = try reader.integer("totalMinor") ?? 0
            let order = OrderInput(
                externalID: try reader.id("orderId")
                    ?? { throw FieldError(path: reader.at("orderId"), reason: "is required") }(),
                channel: try reader.string("channel") ?? "api",
                storeCode: try reader.string("store"), guideCode: try reader.string("guide"), status: status,
                currency: currency, totalMinor: total, discountMinor: try reader.integer("discountMinor") ?? 0,
                paidMinor: try reader.integer("paidMinor") ?? (status == .placed || status == .cancelled ? 0 : total),
                refundedMinor: try reader.integer("refundedMinor") ?? 0, couponCode: try reader.string("couponCode"),
                items: try MessageMapping.items(
                    reader.array("items") ?? [], path: reader.at("items"), currency: currency, segment: false),
                occurredAt: try reader.date("occurredAt") ?? receivedAt)
            if !order.validate().isEmpty {
                throw FieldErrorList(order.validate().map { $0.nested(under: "$") })
            }
            let key =
                idempotencyKey ?? "order:\(order.externalID):\(order.effectiveStatus.rawValue):\(order.refundedMinor)"
            return IngestMessage(
                idempotencyKey: key, kind: .order, identifiers: identifiers, registers: false,
                name: "order \(status.rawValue)",
                channel: order.channel, brandID: brand, occurredAt: order.occurredAt,
                properties: .object(["orderId": .string(order.externalID)]), order: order)
        }
    }
}
