import Foundation
public import TesseraDomain

/// Stored value (储值, SPEC §4): top-up with bonus, spend, refund, cash-out, as a ledger.
public protocol StoredValueStore: Sendable {
    /// Applies one operation atomically (the account row is the lock); a used idempotency key
    /// returns the stored entry. Throws `rejected` with `insufficient_balance`, `invalid_amount`,
    /// `refund_exceeds_spend`, `spend_not_found`, `not_a_spend` or `idempotency_key_reused`.
    func applyStoredValue(_ request: StoredValueRequest) async throws -> StoredValueOutcome
    /// The member's balances in the brand (zero when they have no account).
    func storedValue(group: GroupID, brand: BrandID, member: MemberID) async throws -> StoredValueAccount
    /// The member's entries, newest first, strictly before the entry `before` when given.
    func storedValueEntries(group: GroupID, brand: BrandID, member: MemberID, before: String?, limit: Int)
        async throws -> [StoredValueEntry]
}
