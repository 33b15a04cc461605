/// Where and as whom an `smtp` channel sends: a relay on `host:port` (plain SMTP with `EHLO`; `AUTH
/// PLAIN` when a username is set), messages from `from`.
public struct SMTPSettings: Sendable, Hashable {
    public var host: String
    public var port: Int
    public var from: String
    public var username: String?
    public var password: String?

    public init(host: String, port: Int, from: String, username: String? = nil, password: String? = nil) {
        self.host = host
        self.port = port
        self.from = from
        self.username = username
        self.password = password
    }
}
