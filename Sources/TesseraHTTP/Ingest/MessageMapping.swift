import Foundation
import TesseraCore
import TesseraDomain

/// Shared pieces of turning request JSON into ``IngestMessage``s, for the native and the
/// Segment-compatible endpoints.
enum MessageMapping {
    /// Runs a mapping and turns its field errors into a rejected message.
    static func capture(path: String, _ body: () throws -> IngestMessage) -> Result<IngestMessage, FieldErrorList> {
        do { return .success(try body()) } catch let error as FieldError {
            return .failure(FieldErrorList([error]))
        } catch let error as FieldErrorList {
            return .failure(error)
        } catch {
            return .failure(FieldErrorList([FieldError(path: path, reason: "\(error)")]))
        }
    }

    /// Parses a list of `type:value` identifiers at `path`.
    static func identifiers(_ values: [JSONValue], path: String) throws -> [Identifier] {
        var result: [Identifier] = []
        for (index, value) in values.enumerated() {
            guard let text = value.stringValue else {
                throw FieldError(path: "\(path)[\(index)]", reason: "must be a string such as phone:+8613800000000")
            }
            do { result.append(try Identifier.parse(text)) } catch {
                throw FieldError(path: "\(path)[\(index)]", reason: error.description)
            }
        }
        return result
    }

    static func identifier(_ type: IdentifierType, _ raw: String, path: String) throws -> Identifier {
        do { return try Identifier(type: type, rawValue: raw) } catch {
            throw FieldError(path: path, reason: error.description)
        }
    }

    /// Gender as stored: `male`, `female`, `other`, `unknown`; accepts common abbreviations.
    static func gender(_ text: String?, path: String) throws -> String? {
        guard let text else { return nil }
        switch text.lowercased() {
        case "m", "male", "man", "男": return "male"
        case "f", "female", "woman", "女": return "female"
        case "other": return "other"
        case "", "unknown", "u": return "unknown"
        default: throw FieldError(path: path, reason: "must be male, female, other or unknown")
        }
    }

    /// A birthday `YYYY-MM-DD` (an ISO time is cut to its date).
    static func birthday(_ text: String?, path: String) throws -> String? {
        guard let text else { return nil }
        let day = String(text.prefix(10))
        guard ProfilePatch.isValidBirthday(day) else {
            throw FieldError(path: path, reason: "must be a date YYYY-MM-DD")
        }
        return day
    }

    /// Profile fields from a native member object or Segment traits.
    static func profile(_ reader: FieldReader, known: Set<String>) throws -> ProfilePatch {
        var name = try reader.string("name")
        if name == nil {
            let parts = [try reader.string("lastName"), try reader.string("firstName")].compactMap { $0 }
            if !parts.isEmpty { name = parts.joined(separator: " ") }
        }
        let address = try reader.object("address").map { try FieldReader(.object($0), path: reader.at("address")) }
        var consent: [String: Bool] = [:]
        if let given = try reader.object("consent") {
            for (channel, value) in given {
                guard let flag = value.boolValue else {
                    throw FieldError(path: reader.at("consent") + "." + channel, reason: "must be true or false")
                }
                consent[channel] = flag
            }
        }
        let traits = reader.object.filter { !known.contains($0.key) }
        return ProfilePatch(
            name: name, gender: try gender(try reader.string("gender"), path: reader.at("gender")),
            birthday: try birthday(try reader.string("birthday"), path: reader.at("birthday")),
            region: try reader.string("region") ?? address?.string("state"),
            city: try reader.string("city") ?? address?.string("city"),
            sourceChannel: try reader.string("sourceChannel"), homeStoreCode: try reader.string("homeStore"),
            guideCode: try reader.string("guide"), joinedAt: try reader.date("joinedAt"), consent: consent,
            attributes: try reader.object("attributes") ?? [:], traits: traits)
    }

    /// Profile keys that are stored in columns rather than in `traits`.
    static let profileKeys: Set<String> = [
        "name", "firstName", "lastName", "gender", "birthday", "region", "city", "address", "sourceChannel",
        "homeStore", "guide", "joinedAt", "consent", "attributes", "phone", "email",
    ]

    /// Order items from a native order (`unitPriceMinor`) or a Segment `products` array (`price`).
    static func items(_ values: [JSONValue], path: String, currency: String, segment: Bool) throws
        -> [OrderItem]
    {
        try values.enumerated().map { index, value in
            try item(FieldReader(value, path: "\(path)[\(index)]"), currency: currency, segment: segment)
        }
    }

    /// One product line: `sku` (or the product id), name, category, brand, quantity (default 1) and
    /// the unit price as native minor units (`unitPriceMinor`) or a Segment decimal `price`.
    static func item(_ item: FieldReader, currency: String, segment: Bool) throws -> OrderItem {
        let productID = try item.id(segment ? "product_id" : "productId")
        guard let sku = try item.id("sku") ?? productID else {
            throw FieldError(path: item.at("sku"), reason: "is required (or give a product id)")
        }
        let price: Int64
        if segment {
            let amount = try item.decimal("price") ?? 0
            guard let minor = Money.minorUnits(amount, currency: currency), minor >= 0 else {
                throw FieldError(
                    path: item.at("price"),
                    reason: "must be a non-negative amount with at most \(Money.exponent(of: currency)) decimals")
            }
            price = minor
        } else {
            price = try item.integer("unitPriceMinor") ?? 0
        }
        return OrderItem(
            sku: sku, productID: productID, name: try item.string("name"), category: try item.string("category"),
            brand: try item.string("brand"), quantity: Int(try item.integer("quantity") ?? 1), unitPriceMinor: price)
    }

    /// The cart line of a `Product Added` / `Product Removed` event (``CartChange``), from the event's
    /// properties; nil for any other event, and for one that names no product (it still counts as
    /// behaviour, but cannot change a cart). A named product with a malformed quantity, price or
    /// currency rejects the event.
    static func cartChange(event name: String, properties: [String: JSONValue], path: String, segment: Bool) throws
        -> CartChange?
    {
        guard CartChange.eventNames.contains(name) else { return nil }
        let reader = try FieldReader(.object(properties), path: path)
        guard try reader.id("sku") ?? reader.id(segment ? "product_id" : "productId") != nil else { return nil }
        let currency = (try reader.string("currency") ?? "CNY").uppercased()
        guard Money.isCurrencyCode(currency) else {
            throw FieldError(path: reader.at("currency"), reason: "must be an ISO 4217 code such as CNY")
        }
        let line = try item(reader, currency: currency, segment: segment)
        guard line.quantity >= 1, line.unitPriceMinor >= 0 else {
            throw FieldError(
                path: reader.at(line.quantity >= 1 ? "unitPriceMinor" : "quantity"),
                reason: line.quantity >= 1 ? "must not be negative" : "must be at least 1")
        }
        let quantity = Int64(line.quantity)
        return CartChange(
            item: line, quantityDelta: name == CartChange.addedEvent ? quantity : -quantity, currency: currency)
    }
}
