public import Foundation
public import TesseraDomain

/// A stored API key. Only a SHA-256 hash of the secret is kept; the key itself is shown once.
public struct APIKeyRecord: Sendable, Hashable {
    public var id: APIKeyID
    public var groupID: GroupID
    public var brandID: BrandID
    public var name: String
    /// Public, unique part of the key used to find the record (`tsk_ab12cd34`).
    public var prefix: String
    public var secretHash: String
    public var scopes: Set<Scope>
    public var createdAt: Date
    public var revokedAt: Date?

    public init(
        id: APIKeyID, groupID: GroupID, brandID: BrandID, name: String, prefix: String, secretHash: String,
        scopes: Set<Scope>, createdAt: Date, revokedAt: Date? = nil
    ) {
        self.id = id
        self.groupID = groupID
        self.brandID = brandID
        self.name = name
        self.prefix = prefix
        self.secretHash = secretHash
        self.scopes = scopes
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

/// A brand of a group (品牌).
public struct Brand: Sendable, Hashable, Codable {
    public var id: BrandID
    public var groupID: GroupID
    public var code: String
    public var name: String
    public init(id: BrandID, groupID: GroupID, code: String, name: String) {
        self.id = id
        self.groupID = groupID
        self.code = code
        self.name = name
    }
}

/// A store (门店) of a brand.
public struct StoreRecord: Sendable, Hashable, Codable {
    public var id: StoreID
    public var brandID: BrandID
    public var code: String
    public var name: String
    public var city: String?
    public init(id: StoreID, brandID: BrandID, code: String, name: String, city: String?) {
        self.id = id
        self.brandID = brandID
        self.code = code
        self.name = name
        self.city = city
    }
}

/// A member of staff, typically a store guide (导购).
public struct StaffRecord: Sendable, Hashable, Codable {
    public var id: StaffID
    public var storeID: StoreID?
    public var code: String
    public var name: String
    public var role: String
    public init(id: StaffID, storeID: StoreID?, code: String, name: String, role: String) {
        self.id = id
        self.storeID = storeID
        self.code = code
        self.name = name
        self.role = role
    }
}
