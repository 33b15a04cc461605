import Foundation
import Hummingbird
import TesseraCore
import TesseraDomain

/// A member's stored value (储值) in the brand of the caller's key. Reads need `read`; top-up,
/// spend and refund need `write`; cash-out and adjustments need `admin`. Every write needs an
/// idempotency key; refusals are `422` with a precise `code` and change nothing.
struct StoredValueRoutes: Sendable {
    let store: any TesseraStore
    var members: LoyaltyRoutes { LoyaltyRoutes(store: store) }

    func balance(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        let member = try await members.existingMember(context, principal)
        return try JSONCoding.response(
            try await store.storedValue(group: principal.groupID, brand: principal.brandID, member: member))
    }

    func entries(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        let member = try await members.existingMember(context, principal)
        let limit = try LoyaltyRoutes.queryInteger(request, "limit", default: 50, range: 1...500)
        let entries = try await store.storedValueEntries(
            group: principal.groupID, brand: principal.brandID, member: member,
            before: request.uri.queryParameters["before"].map(String.init), limit: limit)
        struct Page: Encodable {
            var entries: [StoredValueEntry]
            var next: String?
        }
        return try JSONCoding.response(Page(entries: entries, next: entries.count == limit ? entries.last?.id : nil))
    }

    /// A write route: `scope` to call it, `action` reads the body into what is asked.
    func write(
        _ scope: Scope, reason defaultReason: String?,
        _ action: @escaping @Sendable (FieldReader) throws -> StoredValueRequest.Action
    ) -> @Sendable (Request, TesseraContext) async throws -> Response {
        { request, context in
            let principal = try context.require(scope)
            let member = MemberID(try context.parameters.require("id"))
            let reader = try await RequestBody.fields(request, context: context)
            let key = try LoyaltyRoutes.idempotencyKey(request, reader)
            let reason = try defaultReason.map { try reader.string("reason") ?? $0 } ?? reader.requiredString("reason")
            let source: PointsSource =
                scope == .admin
                ? PointsSource(type: "operator", id: principal.keyID.rawValue)
                : PointsSource(
                    type: try reader.string("orderId") == nil ? "operator" : "order", id: try reader.string("orderId"))
            return try JSONCoding.response(
                try await store.applyStoredValue(
                    StoredValueRequest(
                        group: principal.groupID, brand: principal.brandID, member: member, action: try action(reader),
                        reason: reason, source: source, idempotencyKey: key, at: Date())))
        }
    }

    static func amount(_ reader: FieldReader, _ key: String) throws -> Int64 {
        guard let amount = try reader.integer(key) else {
            throw FieldError(path: reader.at(key), reason: "is required")
        }
        return amount
    }
}
