import Foundation
import TesseraCore
import TesseraDomain

/// Maps Segment/RudderStack HTTP API messages onto ``IngestMessage``s.
///
/// - `userId` becomes an `external` identifier and marks the person registered; `anonymousId`
///   an `anonymous` one; `traits.phone` / `traits.email` (top-level or `context.traits`) become
///   phone and e-mail identifiers.
/// - `messageId` is the idempotency key (derived from the message when absent).
/// - `Order Completed` and `Order Refunded` tracks also create or refund an order; `Product Added`
///   and `Product Removed` change the member's cart (``CartChange``).
struct SegmentMapper {
    let brand: BrandID
    let receivedAt: Date

    static let types: Set<String> = ["identify", "track", "page", "screen", "group", "alias"]

    /// The key of a message without `messageId`: from its content, its place in the request and the
    /// arrival time, so that projecting the same ingest log entry again finds it already stored.
    private func derivedKey(_ value: JSONValue, path: String) -> String {
        "auto:" + String((String(Timestamp.micros(receivedAt)) + path + value.jsonText).fnv1a64, radix: 16)
    }

    /// - Parameter impliedType: the type named by a single-message endpoint (`/v1/track`).
    func map(_ value: JSONValue, path: String, impliedType: String? = nil) -> Result<IngestMessage, FieldErrorList> {
        MessageMapping.capture(path: path) { try message(value, path: path, impliedType: impliedType) }
    }

    private func message(_ value: JSONValue, path: String, impliedType: String?) throws -> IngestMessage {
        let reader = try FieldReader(value, path: path)
        guard let type = try reader.string("type") ?? impliedType, SegmentMapper.types.contains(type),
            let kind = MessageKind(rawValue: type)
        else {
            throw FieldError(
                path: reader.at("type"), reason: "must be one of identify, track, page, screen, group, alias")
        }
        let context = try reader.object("context").map { try FieldReader(.object($0), path: reader.at("context")) }
        let traitsReader: FieldReader? =
            if let traits = try reader.object("traits") {
                try FieldReader(.object(traits), path: reader.at("traits"))
            } else if let traits = try context?.object("traits") {
                try FieldReader(.object(traits), path: context?.at("traits") ?? path)
            } else { nil }

        let userID = try reader.id("userId")
        let anonymousID = try reader.id("anonymousId")
        var identifiers: [Identifier] = []
        if let userID, !userID.isEmpty {
            identifiers.append(try MessageMapping.identifier(.external, userID, path: reader.at("userId")))
        }
        if let anonymousID, !anonymousID.isEmpty {
            identifiers.append(try MessageMapping.identifier(.anonymous, anonymousID, path: reader.at("anonymousId")))
        }
        if kind == .alias {
            let previous =
                try reader.id("previousId")
                ?? { throw FieldError(path: reader.at("previousId"), reason: "alias needs a previousId") }()
            identifiers.append(try MessageMapping.identifier(.anonymous, previous, path: reader.at("previousId")))
            guard let userID, !userID.isEmpty else {
                throw FieldError(path: reader.at("userId"), reason: "alias needs a userId")
            }
        }
        guard !identifiers.isEmpty else {
            throw FieldError(path: reader.at("userId"), reason: "a message needs a userId or an anonymousId")
        }
        if let traits = traitsReader {
            if let phone = try traits.string("phone"), !phone.isEmpty {
                identifiers.append(try MessageMapping.identifier(.phone, phone, path: traits.at("phone")))
            }
            if let email = try traits.string("email"), !email.isEmpty {
                identifiers.append(try MessageMapping.identifier(.email, email, path: traits.at("email")))
            }
        }

        let occurredAt = try reader.date("timestamp") ?? reader.date("originalTimestamp") ?? receivedAt
        let channel = try reader.string("channel") ?? context?.string("channel") ?? "server"
        var name: String?
        var properties = try reader.object("properties") ?? [:]
        var profile: ProfilePatch?
        var order: OrderInput?
        var cart: CartChange?
        switch kind {
        case .identify:
            profile = try traitsReader.map { try MessageMapping.profile($0, known: MessageMapping.profileKeys) }
        case .track:
            let event = try reader.requiredKey("event")
            name = event
            if event == "Order Completed" || event == "Order Refunded" {
                let propertiesReader = try FieldReader(.object(properties), path: reader.at("properties"))
                order = try self.order(
                    propertiesReader, refund: event == "Order Refunded", channel: channel, at: occurredAt)
            }
            cart = try MessageMapping.cartChange(
                event: event, properties: properties, path: reader.at("properties"), segment: true)
        case .page, .screen:
            name = try reader.string("name")
            if let category = try reader.string("category") { properties["category"] = .string(category) }
        case .group:
            properties["groupId"] = .string(
                try reader.id("groupId") ?? { throw FieldError(path: reader.at("groupId"), reason: "is required") }())
            if let traits = try reader.object("traits") { properties["traits"] = .object(traits) }
        case .alias, .member, .order:
            break
        }
        return IngestMessage(
            idempotencyKey: try reader.id("messageId") ?? derivedKey(value, path: path), kind: kind,
            identifiers: identifiers, registers: userID != nil, name: name, channel: channel, brandID: brand,
            occurredAt: occurredAt, properties: .object(properties), profile: profile, order: order, cart: cart)
    }

    /// `Order Completed` (paid) or `Order Refunded` (a full refund unless `total` gives the amount refunded).
    private func order(_ reader: FieldReader, refund: Bool, channel: String, at: Date) throws -> OrderInput {
        let orderID =
            try reader.id("order_id") ?? { throw FieldError(path: reader.at("order_id"), reason: "is required") }()
        let currency = (try reader.string("currency") ?? "CNY").uppercased()
        guard Money.isCurrencyCode(currency) else {
            throw FieldError(path: reader.at("currency"), reason: "must be an ISO 4217 code such as CNY")
        }
        func minor(_ key: String) throws -> Int64? {
            guard let amount = try reader.decimal(key) else { return nil }
            guard let value = Money.minorUnits(amount, currency: currency), value >= 0 else {
                throw FieldError(
                    path: reader.at(key),
                    reason: "must be a non-negative amount with at most \(Money.exponent(of: currency)) decimals")
            }
            return value
        }
        let total = try minor("total") ?? minor("revenue") ?? 0
        let items = try MessageMapping.items(
            reader.array("products") ?? [], path: reader.at("products"), currency: currency, segment: true)
        let input: OrderInput
        if refund {
            // Without the paid amount a refund message is applied against the stored order: a full refund.
            input = OrderInput(
                externalID: orderID, channel: channel, status: .refunded, currency: currency, totalMinor: 0,
                paidMinor: 0, refundedMinor: 0, occurredAt: at)
        } else {
            input = OrderInput(
                externalID: orderID, channel: channel, storeCode: try reader.string("store"), status: .paid,
                currency: currency, totalMinor: total + (try minor("discount") ?? 0),
                discountMinor: try minor("discount") ?? 0,
                paidMinor: total, couponCode: try reader.string("coupon"), items: items, occurredAt: at)
        }
        if let first = input.validate().first { throw first.nested(under: reader.path) }
        return input
    }
}
