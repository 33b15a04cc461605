import Foundation
import Hummingbird
import TesseraCore
import TesseraDomain

/// Coupon templates and coupons (SPEC §4) in the brand of the caller's key.
///
/// Templates need `admin`; issuing, redeeming, voiding and restoring need `write` and an
/// idempotency key where a retry could act twice; reading and quoting need `read`. Codes are
/// accepted in any case, with or without hyphens; a code whose check symbol does not match is
/// refused before any lookup. Refusals are `422` problems with a precise `code` and change nothing.
struct CouponRoutes: Sendable {
    let store: any TesseraStore
    var loyalty: LoyaltyService { LoyaltyService(store: store) }
    var members: LoyaltyRoutes { LoyaltyRoutes(store: store) }

    /// `POST /api/v1/loyalty/coupon-templates` with a ``CouponTemplate``.
    func createTemplate(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.admin)
        let template = try JSONCoding.decode(
            CouponTemplate.self, from: try await RequestBody.bytes(request, context: context))
        let errors = template.validate()
        if !errors.isEmpty { throw Problem.invalid(errors) }
        let id = try await store.createCouponTemplate(
            template, group: principal.groupID, brand: principal.brandID, at: Date())
        return try JSONCoding.response(
            CouponTemplateRecord(id: id, template: template, issued: 0, active: true), status: .created)
    }

    func listTemplates(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        struct Page: Encodable { var templates: [CouponTemplateRecord] }
        return try JSONCoding.response(
            Page(templates: try await store.couponTemplates(group: principal.groupID, brand: principal.brandID)))
    }

    /// `POST /api/v1/loyalty/coupon-templates/{id}/disable` (or `/enable`): stops or resumes issuing.
    func setTemplateActive(_ active: Bool) -> @Sendable (Request, TesseraContext) async throws -> Response {
        { request, context in
            let principal = try context.require(.admin)
            let id = try context.parameters.require("id")
            try await store.setCouponTemplate(
                active: active, id: id, group: principal.groupID, brand: principal.brandID, at: Date())
            return try JSONCoding.response(["id": id, "status": active ? "active" : "disabled"])
        }
    }

    /// `POST /api/v1/members/{id}/coupons` `{"template": "…"}` with an idempotency key.
    func issue(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.write)
        let member = try await members.existingMember(context, principal)
        let reader = try await RequestBody.fields(request, context: context)
        let issued = try await loyalty.issueCoupon(
            template: try reader.requiredString("template"), group: principal.groupID, brand: principal.brandID,
            member: member, idempotencyKey: try LoyaltyRoutes.idempotencyKey(request, reader), at: Date())
        struct Answer: Encodable {
            var coupon: CouponRecord
            var replayed: Bool
        }
        return try JSONCoding.response(Answer(coupon: issued.coupon, replayed: issued.replayed), status: .created)
    }

    /// `POST /api/v1/loyalty/coupons/issue` `{"template": "…", "members": ["…", …]}` (up to 1,000)
    /// with an idempotency key: one coupon per member, each answered on its own (`issued`, or the
    /// refusal's `code`), so a partly failed batch can be retried as a whole.
    func issueBulk(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.write)
        let reader = try await RequestBody.fields(request, context: context)
        let key = try LoyaltyRoutes.idempotencyKey(request, reader)
        let template = try reader.requiredString("template")
        guard let list = try reader.array("members"), (1...1_000).contains(list.count) else {
            throw FieldError(path: reader.at("members"), reason: "must list 1 to 1000 member ids")
        }
        struct Result: Encodable {
            var member: String
            var status: String
            var coupon: CouponRecord?
            var code: String?
            var reason: String?
        }
        var results: [Result] = []
        for (index, value) in list.enumerated() {
            guard case .string(let member) = value else {
                throw FieldError(path: reader.at("members") + "[\(index)]", reason: "must be a member id")
            }
            do {
                let issued = try await loyalty.issueCoupon(
                    template: template, group: principal.groupID, brand: principal.brandID, member: MemberID(member),
                    idempotencyKey: key + ":" + member, at: Date())
                results.append(
                    Result(member: member, status: issued.replayed ? "replayed" : "issued", coupon: issued.coupon))
            } catch TesseraError.rejected(let code, _, let reason) {
                results.append(Result(member: member, status: "refused", code: code, reason: reason))
                if code == "out_of_stock" || code == "template_not_found" || code == "template_disabled" { break }
            } catch TesseraError.notFound(let reason) {
                results.append(Result(member: member, status: "refused", code: "member_not_found", reason: reason))
            } catch TesseraError.conflict(let reason) {
                results.append(Result(member: member, status: "refused", code: "member_merged", reason: reason))
            }
        }
        struct Answer: Encodable { var results: [Result] }
        return try JSONCoding.response(Answer(results: results))
    }

    func memberCoupons(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        let member = try await members.existingMember(context, principal)
        struct Page: Encodable { var coupons: [CouponRecord] }
        return try JSONCoding.response(
            Page(
                coupons: try await store.memberCoupons(
                    group: principal.groupID, brand: principal.brandID, member: member)))
    }

    func get(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        guard
            let coupon = try await store.coupon(
                code: try code(context), group: principal.groupID, brand: principal.brandID)
        else { throw Problem(.notFound, title: "Not found", detail: "no coupon with this code in this brand") }
        return try JSONCoding.response(coupon)
    }

    /// `POST /api/v1/loyalty/coupons/{code}/quote` `{"cart": {…}, "memberId": "…"}`: is it valid
    /// for this cart, and what is the discount? Uses nothing.
    func quote(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        let body = try JSONCoding.decode(CartBody.self, from: try await RequestBody.bytes(request, context: context))
        return try JSONCoding.response(
            try await store.changeCoupon(
                .quote(body.cart, member: body.memberId.map { MemberID($0) }), code: try code(context),
                group: principal.groupID, brand: principal.brandID, at: Date()))
    }

    /// `POST /api/v1/loyalty/coupons/{code}/redeem` `{"cart": {…}, "orderId": "…", "memberId": "…"}`
    /// with an idempotency key (核销): exactly once.
    func redeem(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.write)
        let (body, fields) = try JSONCoding.decodeWithFields(
            CartBody.self, from: try await RequestBody.bytes(request, context: context))
        let key = try LoyaltyRoutes.idempotencyKey(request, fields)
        guard let order = body.orderId, !order.isEmpty else {
            throw FieldError(path: "$.orderId", reason: "is required: the order the coupon is used on")
        }
        return try JSONCoding.response(
            try await store.changeCoupon(
                .redeem(body.cart, member: body.memberId.map { MemberID($0) }, orderID: order, key: key),
                code: try code(context), group: principal.groupID, brand: principal.brandID, at: Date()))
    }

    /// `POST /api/v1/loyalty/coupons/{code}/void` or `/restore` `{"reason": "…"}`.
    func change(_ make: @escaping @Sendable (String) -> CouponAction)
        -> @Sendable (Request, TesseraContext) async throws
        -> Response
    {
        { request, context in
            let principal = try context.require(.write)
            let reader = try await RequestBody.fields(request, context: context)
            return try JSONCoding.response(
                try await store.changeCoupon(
                    make(try reader.requiredString("reason")), code: try code(context), group: principal.groupID,
                    brand: principal.brandID, at: Date()))
        }
    }

    private struct CartBody: Decodable {
        var cart: CouponCart
        var memberId: String?
        var orderId: String?
    }

    /// The canonical code of the path, or a refusal naming the typo.
    private func code(_ context: TesseraContext) throws -> String {
        let text = try context.parameters.require("code")
        guard let code = CouponCode.canonical(text) else {
            throw TesseraError.rejected(
                code: "invalid_coupon_code", field: "code",
                reason: "\(text) is not a coupon code (13 symbols whose last one checks the others); check for a typo")
        }
        return code
    }
}
