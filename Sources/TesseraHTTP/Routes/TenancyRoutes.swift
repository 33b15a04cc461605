import Foundation
import Hummingbird
import TesseraCore
import TesseraDomain

/// Brands, stores, staff and API keys of the caller's group (SPEC §1). Reads need `read`,
/// changes need `admin`. Codes are unique per group; a duplicate is a 409, a code naming no brand
/// or store a 422 (`brand_not_found`, `store_not_found`).
struct TenancyRoutes: Sendable {
    let store: any TesseraStore
    let keys: KeyService
    let ingest: IngestService

    /// The group's OneID policy: priority, per-type limits, blocklist.
    func getPolicy(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        return try JSONCoding.response(try await store.identityPolicy(group: principal.groupID))
    }

    /// Replaces the group's OneID policy (`{"priority": ["unionid", …], "limits": {"phone": 2}, "blocklist":
    /// ["device:store-ipad-1"], "defaultLimit": 10}`). It governs new records; existing links stay.
    func putPolicy(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.admin)
        let reader = try await RequestBody.fields(request, context: context)
        guard let priority = try reader.array("priority") else {
            throw FieldError(path: "$.priority", reason: "is required")
        }
        var limits: [IdentifierType: Int] = [:]
        for (type, value) in try reader.object("limits") ?? [:] {
            guard let limit = value.decimalValue.flatMap(Money.exactInteger) else {
                throw FieldError(path: "$.limits.\(type)", reason: "must be a whole number")
            }
            limits[IdentifierType(rawValue: type)] = Int(limit)
        }
        let blocklist = Set(try MessageMapping.identifiers(reader.array("blocklist") ?? [], path: "$.blocklist"))
        let policy = IdentityPolicy(
            priority: try priority.enumerated().map { index, value in
                guard case .string(let name) = value else {
                    throw FieldError(path: "$.priority[\(index)]", reason: "must be a string")
                }
                return IdentifierType(rawValue: name)
            },
            limits: limits, blocklist: blocklist, defaultLimit: Int(try reader.integer("defaultLimit") ?? 10))
        if let problem = policy.problems().first { throw problem }
        try await store.setIdentityPolicy(policy, group: principal.groupID)
        ingest.invalidatePolicies()
        return try JSONCoding.response(policy)
    }

    func listBrands(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        struct Page: Encodable { var brands: [Brand] }
        return try JSONCoding.response(Page(brands: try await store.brands(group: principal.groupID)))
    }

    func createBrand(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.admin)
        let reader = try await RequestBody.fields(request, context: context)
        let brand = Brand(
            id: BrandID(TenantIDGenerator().next()), groupID: principal.groupID, code: try Self.code(reader),
            name: try reader.requiredString("name"))
        try await store.createBrand(brand, at: Date())
        return try JSONCoding.response(brand, status: .created)
    }

    func listStores(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        struct Page: Encodable { var stores: [StoreRecord] }
        return try JSONCoding.response(Page(stores: try await store.stores(group: principal.groupID)))
    }

    func createStore(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.admin)
        let reader = try await RequestBody.fields(request, context: context)
        let brand = try await brandID(reader, principal: principal)
        let record = StoreRecord(
            id: StoreID(TenantIDGenerator().next()), brandID: brand, code: try Self.code(reader),
            name: try reader.requiredString("name"), city: try reader.string("city"))
        try await store.createStore(
            group: principal.groupID, id: record.id, brand: brand, code: record.code, name: record.name,
            city: record.city,
            at: Date())
        return try JSONCoding.response(record, status: .created)
    }

    func listStaff(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        struct Page: Encodable { var staff: [StaffRecord] }
        return try JSONCoding.response(Page(staff: try await store.staff(group: principal.groupID)))
    }

    func createStaff(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.admin)
        let reader = try await RequestBody.fields(request, context: context)
        var storeID: StoreID?
        if let storeCode = try reader.string("store") {
            guard let found = try await store.store(group: principal.groupID, code: storeCode) else {
                throw TesseraError.rejected(
                    code: "store_not_found", field: "store", reason: "no store with code '\(storeCode)' in this group")
            }
            storeID = found.id
        }
        let role = try reader.string("role") ?? "guide"
        guard ["guide", "manager", "marketer", "analyst", "admin"].contains(role) else {
            throw Problem.invalid(path: "$.role", reason: "must be guide, manager, marketer, analyst or admin")
        }
        let record = StaffRecord(
            id: StaffID(TenantIDGenerator().next()), storeID: storeID, code: try Self.code(reader),
            name: try reader.requiredString("name"), role: role)
        try await store.createStaff(
            group: principal.groupID, id: record.id, store: storeID, code: record.code, name: record.name, role: role,
            at: Date())
        return try JSONCoding.response(record, status: .created)
    }

    /// Creates a key for a brand of the caller's group; the key is in this response only.
    func createKey(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.admin)
        let reader = try await RequestBody.fields(request, context: context)
        let brand = try await brandID(reader, principal: principal)
        let scopes: Set<Scope>
        do {
            scopes = try Scope.parseList(
                (try reader.array("scopes") ?? []).compactMap(\.stringValue).joined(separator: ","))
        } catch {
            throw Problem.invalid(path: "$.scopes", reason: "list one or more of ingest, read, write, admin")
        }
        let made = try await keys.create(
            group: principal.groupID, brand: brand, name: try reader.string("name") ?? "api key", scopes: scopes,
            kind: scopes == [.ingest] ? "twk" : "tsk")
        struct Created: Encodable {
            var id: APIKeyID
            var key: String
            var brandId: BrandID
            var scopes: [String]
        }
        return try JSONCoding.response(
            Created(id: made.record.id, key: made.key, brandId: brand, scopes: scopes.map(\.rawValue).sorted()),
            status: .created)
    }

    func listAttributes(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        struct Page: Encodable { var attributes: [AttributeDefinition] }
        return try JSONCoding.response(
            Page(attributes: try await store.attributeDefinitions(group: principal.groupID, brand: principal.brandID)))
    }

    /// Declares a custom attribute for a brand (`{"name": "skin_type", "type": "string", "brand": "code"}`).
    func defineAttribute(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.admin)
        let reader = try await RequestBody.fields(request, context: context)
        let name = try reader.requiredString("name")
        guard AttributeDefinition.isValidName(name) else {
            throw Problem.invalid(path: "$.name", reason: "use 1-64 lower-case letters, digits or _")
        }
        guard let type = AttributeDefinition.ValueType(rawValue: try reader.requiredString("type")) else {
            throw Problem.invalid(path: "$.type", reason: "must be string, number, boolean or date")
        }
        let definition = AttributeDefinition(name: name, type: type)
        try await store.defineAttribute(
            definition, group: principal.groupID, brand: try await brandID(reader, principal: principal), at: Date())
        return try JSONCoding.response(definition, status: .created)
    }

    /// `brand` (a code) or the caller's own brand.
    private func brandID(_ reader: FieldReader, principal: Principal) async throws -> BrandID {
        guard let code = try reader.string("brand") else { return principal.brandID }
        guard let brand = try await store.brand(group: principal.groupID, code: code) else {
            throw TesseraError.rejected(
                code: "brand_not_found", field: "brand", reason: "no brand with code '\(code)' in this group")
        }
        return brand.id
    }

    /// A code: 1–64 letters, digits, `-` or `_`.
    private static func code(_ reader: FieldReader) throws -> String {
        let code = try reader.requiredString("code")
        guard code.count <= 64,
            code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        else { throw FieldError(path: reader.at("code"), reason: "use 1-64 letters, digits, - or _") }
        return code
    }
}
