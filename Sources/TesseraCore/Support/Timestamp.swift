public import Foundation

/// Stored times are UTC microseconds since 1970: exact, sortable and identical in both databases.
public enum Timestamp {
    public static func micros(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }

    public static func date(_ micros: Int64) -> Date {
        Date(timeIntervalSince1970: Double(micros) / 1_000_000)
    }
}
