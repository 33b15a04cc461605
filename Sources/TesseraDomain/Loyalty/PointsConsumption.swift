/// Points taken from one lot by one ledger entry.
public struct PointsConsumption: Sendable, Hashable, Codable {
    public var lotID: String
    public var points: Int64

    public init(lotID: String, points: Int64) {
        self.lotID = lotID
        self.points = points
    }
}
