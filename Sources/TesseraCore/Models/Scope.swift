import Foundation

/// What an API key may do.
public enum Scope: String, Sendable, Hashable, Codable, CaseIterable {
    /// Send events, identifies and orders (the Segment-compatible endpoints need only this).
    case ingest
    /// Read members, timelines and candidates.
    case read
    /// Change members and orders, merge members.
    case write
    /// Everything, including key management.
    case admin

    /// Parses `"ingest,read"`; throws on an unknown scope name.
    public static func parseList(_ text: String) throws(TesseraError) -> Set<Scope> {
        var scopes: Set<Scope> = []
        for part in text.split(separator: ",") {
            let name = part.trimmingCharacters(in: .whitespaces)
            guard let scope = Scope(rawValue: name) else {
                throw .invalid(field: "scopes", reason: "unknown scope '\(name)'; use ingest, read, write or admin")
            }
            scopes.insert(scope)
        }
        guard !scopes.isEmpty else { throw .invalid(field: "scopes", reason: "name at least one scope") }
        return scopes
    }
}
