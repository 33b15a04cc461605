import Foundation
public import TesseraDomain

/// Identifiers for groups, brands, stores and staff: 10 characters of ``CrockfordBase32`` (50
/// random bits).
///
/// The group's identifier leads every key of every table (each row carries `group_id`), and the
/// brand's leads most of the rest, so their width is paid in every index entry and every key
/// comparison: with 10 characters instead of 36, projecting ingested events was about 15% faster
/// on SQLite and points redemptions as store calls about 10% faster on PostgreSQL
/// (`BENCHMARKS.md`, session 28). Tenants are few, so 50 random bits make a collision all but
/// impossible, and the primary keys would refuse one rather than mix two tenants.
///
///     TenantIDGenerator().next() // "k3v9q2m8xa"
public struct TenantIDGenerator: IDGenerator {
    public init() {}

    public func next() -> String {
        var random = SystemRandomNumberGenerator()
        return CrockfordBase32.encode(UInt128(random.next() as UInt64), digits: 10)
    }
}
