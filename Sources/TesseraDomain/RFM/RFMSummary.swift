/// One member's purchase history reduced the way the `lifetimes` package's
/// `summary_data_from_transaction_data` (daily periods) reduces it, plus the total for the M score.
///
/// Purchases are grouped by local calendar day in the brand's time zone: several purchases on one day
/// are one purchase day whose amount is their sum.
public struct RFMSummary: Sendable, Hashable {
    public var member: String
    /// Purchase days after the first.
    public var frequency: Int64
    /// Days between the first and the last purchase day.
    public var recency: Int64
    /// Days between the first purchase day and the end of the observation (`T`).
    public var age: Int64
    /// The sum of the repeat purchase days' amounts (all but the first day), minor units.
    public var repeatSumMinor: Int64
    /// Everything bought in the window, minor units.
    public var totalMinor: Int64

    public init(member: String, frequency: Int64, recency: Int64, age: Int64, repeatSumMinor: Int64, totalMinor: Int64)
    {
        self.member = member
        self.frequency = frequency
        self.recency = recency
        self.age = age
        self.repeatSumMinor = repeatSumMinor
        self.totalMinor = totalMinor
    }

    /// `lifetimes`' `monetary_value`: the mean amount of the repeat purchase days, 0 without repeats,
    /// in minor units (exact as a fraction `repeatSumMinor / frequency`; this is its nearest `Double`).
    public var monetaryValueMinor: Double { frequency == 0 ? 0 : Double(repeatSumMinor) / Double(frequency) }

    /// Days since the last purchase day, as of the end of the observation: what the R score ranks.
    public var daysSinceLastPurchase: Int64 { age - recency }
}

/// A member's R, F and M quintile scores (1–5, 5 best) and the classic named group.
public struct RFMScore: Sendable, Hashable {
    public var summary: RFMSummary
    public var r: Int
    public var f: Int
    public var m: Int
    public var group: RFMGroup

    public init(summary: RFMSummary, r: Int, f: Int, m: Int, group: RFMGroup) {
        self.summary = summary
        self.r = r
        self.f = f
        self.m = m
        self.group = group
    }
}

/// The classic RFM segment map over the R and F scores.
public enum RFMGroup: String, Sendable, Hashable, CaseIterable, Codable {
    case champions, loyal, potentialLoyalists = "potential_loyalists", newCustomers = "new_customers", promising
    case needAttention = "need_attention", aboutToSleep = "about_to_sleep", atRisk = "at_risk"
    case cannotLose = "cannot_lose", hibernating

    /// R and F scores 1–5 → group (the widely used RFM map).
    public static func of(r: Int, f: Int) -> RFMGroup {
        switch (r, f) {
        case (5, 4...5): .champions
        case (3...4, 4...5): .loyal
        case (4...5, 2...3): .potentialLoyalists
        case (5, 1): .newCustomers
        case (4, 1): .promising
        case (3, 3): .needAttention
        case (3, 1...2): .aboutToSleep
        case (1...2, 5): .cannotLose
        case (1...2, 3...4): .atRisk
        default: .hibernating
        }
    }
}
