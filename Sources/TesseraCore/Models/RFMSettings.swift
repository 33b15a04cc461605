/// How a brand's RFM is computed: over the last `windowDays` local days (all history when nil),
/// and whether the refresh job recomputes it daily.
public struct RFMSettings: Sendable, Hashable, Codable {
    public var windowDays: Int?
    public var scheduled: Bool

    public init(windowDays: Int? = nil, scheduled: Bool = false) {
        self.windowDays = windowDays
        self.scheduled = scheduled
    }
}
