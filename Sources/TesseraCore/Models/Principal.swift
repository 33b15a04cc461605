public import TesseraDomain

/// Who is calling: the group and brand an API key belongs to, and what it may do.
/// Every store call takes the group from here, so a key can never reach another group's rows.
public struct Principal: Sendable, Hashable {
    public var groupID: GroupID
    public var brandID: BrandID
    public var keyID: APIKeyID
    public var scopes: Set<Scope>

    public init(groupID: GroupID, brandID: BrandID, keyID: APIKeyID, scopes: Set<Scope>) {
        self.groupID = groupID
        self.brandID = brandID
        self.keyID = keyID
        self.scopes = scopes
    }

    /// `admin` implies every other scope.
    public func allows(_ scope: Scope) -> Bool { scopes.contains(scope) || scopes.contains(.admin) }
}
