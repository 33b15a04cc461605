import Crypto
public import Foundation
import Synchronization
public import TesseraDomain

/// Creates API keys and authenticates them.
///
/// A key looks like `tsk_1a2b3c4d_<32 hex>`: the first two parts are a public prefix used to
/// find the record, the whole key is checked against a SHA-256 hash (keys are 128-bit random, so
/// a fast hash is safe, unlike passwords). Verified keys are cached briefly so a busy ingest
/// endpoint does not read the key table on every request.
public final class KeyService: Sendable {
    private let store: any TenancyStore
    private let cache = Mutex<[String: (principal: Principal, expires: Date)]>([:])
    private let cacheLifetime: TimeInterval

    public init(store: any TenancyStore, cacheLifetime: TimeInterval = 30) {
        self.store = store
        self.cacheLifetime = cacheLifetime
    }

    /// A new key and its record. The key is returned once and never stored.
    public static func generate(
        group: GroupID, brand: BrandID, name: String, scopes: Set<Scope>, kind: String = "tsk", at: Date
    ) -> (key: String, record: APIKeyRecord) {
        var random = SystemRandomNumberGenerator()
        let prefix = kind + "_" + Hex.string((0..<4).map { _ in random.next() as UInt8 })
        let key = prefix + "_" + Hex.string((0..<16).map { _ in random.next() as UInt8 })
        let record = APIKeyRecord(
            id: APIKeyID(TimeOrderedIDGenerator().next()), groupID: group, brandID: brand, name: name, prefix: prefix,
            secretHash: hash(key), scopes: scopes, createdAt: at)
        return (key, record)
    }

    /// Creates and stores a key; returns the key text to show once.
    public func create(group: GroupID, brand: BrandID, name: String, scopes: Set<Scope>, kind: String = "tsk")
        async throws -> (key: String, record: APIKeyRecord)
    {
        let made = KeyService.generate(group: group, brand: brand, name: name, scopes: scopes, kind: kind, at: Date())
        try await store.insertAPIKey(made.record)
        return made
    }

    /// The principal for `key`, or `nil` when the key is unknown, malformed or revoked.
    public func authenticate(_ key: String) async throws -> Principal? {
        let now = Date()
        if let cached = cache.withLock({ $0[key] }), cached.expires > now { return cached.principal }
        let parts = key.split(separator: "_")
        guard parts.count == 3, key.utf8.count < 100 else { return nil }
        guard let record = try await store.apiKey(prefix: parts[0] + "_" + parts[1]), record.revokedAt == nil,
            KeyService.constantTimeEquals(record.secretHash, KeyService.hash(key))
        else { return nil }
        let principal = Principal(
            groupID: record.groupID, brandID: record.brandID, keyID: record.id, scopes: record.scopes)
        cache.withLock { entries in
            if entries.count > 10_000 { entries.removeAll() }
            entries[key] = (principal, now.addingTimeInterval(cacheLifetime))
        }
        return principal
    }

    static func hash(_ key: String) -> String {
        Hex.string(SHA256.hash(data: Data(key.utf8)))
    }

    static func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
        let (left, right) = (Array(lhs.utf8), Array(rhs.utf8))
        guard left.count == right.count else { return false }
        return zip(left, right).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
