import Foundation
public import TesseraDomain

/// First-run set-up: the default group and brand, an admin key and a Segment write key.
public struct Bootstrap: Sendable {
    /// What `tessera init` prints once.
    public struct Credentials: Sendable {
        public var groupID: GroupID
        public var brandID: BrandID
        public var adminKey: String
        public var writeKey: String
    }

    public let store: any TesseraStore

    public init(store: any TesseraStore) { self.store = store }

    /// Whether any group exists yet.
    public func isInitialized() async throws -> Bool { try await !store.groupIDs().isEmpty }

    /// Creates a group with one brand and returns fresh keys for it.
    public func initialize(
        groupName: String = "Default group", brandCode: String = "default", brandName: String = "Default brand"
    )
        async throws -> Credentials
    {
        let ids = TenantIDGenerator()
        let now = Date()
        let group = GroupID(ids.next())
        let brand = Brand(id: BrandID(ids.next()), groupID: group, code: brandCode, name: brandName)
        try await store.createGroup(group, name: groupName, policy: .default, at: now)
        try await store.createBrand(brand, at: now)
        let keys = KeyService(store: store)
        let admin = try await keys.create(group: group, brand: brand.id, name: "admin", scopes: [.admin])
        let write = try await keys.create(
            group: group, brand: brand.id, name: "segment write key", scopes: [.ingest], kind: "twk")
        return Credentials(groupID: group, brandID: brand.id, adminKey: admin.key, writeKey: write.key)
    }
}
