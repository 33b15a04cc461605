import Foundation

/// A time window of a rule, relative to the evaluation's `now` in the brand's time zone, or absolute.
///
/// `lastDays(N)` is today and the N − 1 calendar days before it, local to the brand: at 09:00 on
/// 24 November in Shanghai, `lastDays(7)` starts at 00:00 on 18 November, Shanghai time. Windows have
/// no end unless absolute: a purchase stamped a little in the future still counts as recent.
public enum TimeWindow: Sendable, Hashable {
    case lastDays(Int)
    /// Half-open `[from, to)` in microseconds since 1970; either end may be open.
    case between(from: Int64?, to: Int64?)

    /// The window as microsecond bounds, `[from, to)`.
    public func bounds(in context: EvaluationContext) -> TimeBounds {
        switch self {
        case .lastDays(let days):
            return TimeBounds(from: context.startOfLocalDay(daysAgo: days - 1), to: nil)
        case .between(let from, let to):
            return TimeBounds(from: from, to: to)
        }
    }
}

/// Resolved `[from, to)` bounds in microseconds; `nil` is open.
public struct TimeBounds: Sendable, Hashable {
    public var from: Int64?
    public var to: Int64?

    public init(from: Int64?, to: Int64?) {
        self.from = from
        self.to = to
    }

    public static let always = TimeBounds(from: nil, to: nil)

    public func contains(_ time: Int64) -> Bool {
        if let from, time < from { return false }
        if let to, time >= to { return false }
        return true
    }
}
