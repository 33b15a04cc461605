public import Foundation
public import TesseraDomain

extension JourneyService {
    /// What installing a blueprint did.
    public struct Installation: Sendable {
        public var journey: JourneyRecord
        /// Message templates, segments and coupon templates created for it (`message:welcome_bind`,
        /// `segment:<id>`, `coupon:<id>`); what the brand already had is reused.
        public var created: [String]
    }

    /// Installs a ready-made journey (``JourneyBlueprint``) as the draft `name` — creating the message
    /// templates, segments and coupon templates it needs unless the brand has them or the operator
    /// names their own (`segment_<key>`, `coupon_<key>`) — checked like any draft, and published when
    /// asked. Installing again under the same name replaces the draft.
    public func install(
        blueprint: JourneyBlueprint, name: String, parameters: [String: JSONValue], publish: Bool, group: GroupID,
        brand: BrandID, at: Date
    ) async throws -> Installation {
        var created: [String] = []
        let existing = Set(try await store.messageTemplates(group: group, brand: brand).map(\.name))
        var segments: [String: String] = [:]
        let known = try await store.segments(group: group, brand: brand)
        for need in blueprint.segments {
            if let given = parameters["segment_\(need.key)"] {
                guard let id = given.stringValue, known.contains(where: { $0.id == id }) else {
                    throw FieldError(path: "$.parameters.segment_\(need.key)", reason: "no such segment in this brand")
                }
                segments[need.key] = id
            } else if let same = known.first(where: { $0.name == need.name }) {
                segments[need.key] = same.id
            } else {
                guard let template = SegmentTemplate.named(need.template) else {
                    throw TesseraError.unavailable("segment template \(need.template) is missing")
                }
                let segment = try await self.segments.create(
                    name: need.name, kind: .dynamic, rule: try template.rule(need.parameters), group: group,
                    brand: brand, at: at)
                segments[need.key] = segment.id
                created.append("segment:\(segment.id)")
            }
        }
        var coupons: [String: String] = [:]
        let templates = try await store.couponTemplates(group: group, brand: brand)
        for need in blueprint.coupons {
            if let given = parameters["coupon_\(need.key)"] {
                guard let id = given.stringValue, templates.contains(where: { $0.id == id && $0.active }) else {
                    throw FieldError(
                        path: "$.parameters.coupon_\(need.key)", reason: "no active coupon template of that id")
                }
                coupons[need.key] = id
            } else if let same = templates.first(where: { $0.template.name == need.template.name && $0.active }) {
                coupons[need.key] = same.id
            } else {
                let id = try await store.createCouponTemplate(need.template, group: group, brand: brand, at: at)
                coupons[need.key] = id
                created.append("coupon:\(id)")
            }
        }
        // Render (and so check the parameters) before writing anything more.
        let definition = try blueprint.render(parameters, segments: segments, coupons: coupons)
        for message in blueprint.messages where !existing.contains(message.name) {
            try await store.saveMessageTemplate(
                MessageTemplate(name: message.name, subject: message.subject, body: message.body), group: group,
                brand: brand, at: at)
            created.append("message:\(message.name)")
        }
        _ = try await validate(definition, group: group, brand: brand)
        var record = try await save(name: name, draft: definition, group: group, brand: brand, at: at).record
        if publish { record = try await self.publish(id: record.id, group: group, brand: brand, at: at) }
        return Installation(journey: record, created: created)
    }
}
