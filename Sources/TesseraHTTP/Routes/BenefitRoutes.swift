import Foundation
import Hummingbird
import TesseraCore
import TesseraDomain

/// A member's benefits (权益) in the brand of the caller's key: their tier's and those granted to
/// them. Reading needs `read`; using one needs `write`; granting and revoking need `admin`.
struct BenefitRoutes: Sendable {
    let store: any TesseraStore
    var members: LoyaltyRoutes { LoyaltyRoutes(store: store) }

    func list(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        let member = try await members.existingMember(context, principal)
        struct Page: Encodable { var benefits: [MemberBenefit] }
        return try JSONCoding.response(
            Page(
                benefits: try await store.memberBenefits(
                    group: principal.groupID, brand: principal.brandID, member: member, at: Date())))
    }

    /// `{"benefit": {"kind": "free_service", "name": "Alterations", "uses": 3}, "validFrom": "…", "validUntil": "…"}`
    func grant(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.admin)
        let member = MemberID(try context.parameters.require("id"))
        struct Body: Decodable { var benefit: Benefit }
        let (body, reader) = try JSONCoding.decodeWithFields(
            Body.self, from: try await RequestBody.bytes(request, context: context))
        let key = try LoyaltyRoutes.idempotencyKey(request, reader)
        let benefit = body.benefit
        let errors = benefit.validate(path: "$.benefit")
        if !errors.isEmpty { throw Problem.invalid(errors) }
        let from = try reader.date("validFrom") ?? Date()
        let until = try reader.date("validUntil")
        if let until, until <= from { throw FieldError(path: "$.validUntil", reason: "must be after validFrom") }
        return try JSONCoding.response(
            try await store.grantBenefit(
                benefit, group: principal.groupID, brand: principal.brandID, member: member, validFrom: from,
                validUntil: until, idempotencyKey: key, at: Date()), status: .created)
    }

    func use(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.write)
        let member = MemberID(try context.parameters.require("id"))
        let reader = try await RequestBody.fields(request, context: context)
        return try JSONCoding.response(
            try await store.useBenefit(
                id: try context.parameters.require("benefit"), group: principal.groupID, brand: principal.brandID,
                member: member, idempotencyKey: try LoyaltyRoutes.idempotencyKey(request, reader), at: Date()))
    }

    func revoke(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.admin)
        let member = MemberID(try context.parameters.require("id"))
        let id = try context.parameters.require("benefit")
        try await store.revokeBenefit(
            id: id, group: principal.groupID, brand: principal.brandID, member: member, at: Date())
        return try JSONCoding.response(["id": id, "status": "revoked"])
    }
}
