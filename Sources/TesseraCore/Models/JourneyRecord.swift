public import Foundation
public import TesseraDomain

/// A journey of a brand: its draft definition (JSON as the operator saved it) and, once published,
/// its current version. Lifecycle: draft → published → paused ⇄ published → stopped; members in
/// flight keep the version they entered with.
public struct JourneyRecord: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable, CaseIterable {
        case draft, published, paused, stopped
    }

    public var id: String
    public var brandID: BrandID
    public var name: String
    public var status: Status
    /// The latest published version; 0 before the first publication.
    public var version: Int64
    public var draft: JSONValue
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: String, brandID: BrandID, name: String, status: Status, version: Int64, draft: JSONValue, createdAt: Date,
        updatedAt: Date
    ) {
        self.id = id
        self.brandID = brandID
        self.name = name
        self.status = status
        self.version = version
        self.draft = draft
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
