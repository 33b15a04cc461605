public import Foundation
public import TesseraDomain

/// One operation on a member's points in one brand, with everything the ledger records about it.
public struct PointsRequest: Sendable, Hashable {
    public var group: GroupID
    public var brand: BrandID
    public var member: MemberID
    public var operation: PointsOperation
    public var reason: String
    public var source: PointsSource
    /// A retry with the same key returns the first outcome and changes nothing.
    public var idempotencyKey: String
    public var at: Date

    public init(
        group: GroupID, brand: BrandID, member: MemberID, operation: PointsOperation, reason: String,
        source: PointsSource, idempotencyKey: String, at: Date
    ) {
        self.group = group
        self.brand = brand
        self.member = member
        self.operation = operation
        self.reason = reason
        self.source = source
        self.idempotencyKey = idempotencyKey
        self.at = at
    }
}
