/// The PwC customer kinds: how far a person has come towards membership.
public enum CustomerKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// Only anonymous or device identifiers: a visitor we cannot reach.
    case prospect
    /// Not registered, but reachable (phone, e-mail, WeChat).
    case prospectWithContact = "prospect_contact"
    /// Bought something without registering.
    case customer
    /// Registered member.
    case member

    /// The kind implied by what we know of a person.
    public static func derive(registered: Bool, orderCount: Int, hasContact: Bool) -> CustomerKind {
        if registered { return .member }
        if orderCount > 0 { return .customer }
        return hasContact ? .prospectWithContact : .prospect
    }
}
