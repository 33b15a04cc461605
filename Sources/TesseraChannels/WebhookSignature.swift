import Crypto
public import Foundation
import TesseraCore

/// The `Tessera-Signature` header of webhook requests: `t=<unix seconds>,v1=<hex HMAC-SHA256 of
/// "<t>.<body>" under the shared secret>`. Receivers recompute it and reject stale timestamps, which
/// stops both forged and replayed requests.
public enum WebhookSignature {
    public static let header = "Tessera-Signature"

    public static func sign(secret: String, timestamp: Int, body: Data) -> String {
        "t=\(timestamp),v1=\(digest(secret: secret, timestamp: timestamp, body: body))"
    }

    /// Whether `header` signs `body` under `secret`, made at most `tolerance` seconds from `now`.
    public static func verify(
        _ header: String, secret: String, body: Data, now: Date, tolerance: TimeInterval = 300
    ) -> Bool {
        var parts: [String: String] = [:]
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
            if pair.count == 2 { parts[pair[0]] = pair[1] }
        }
        guard let timestamp = parts["t"].flatMap(Int.init), let given = parts["v1"],
            abs(now.timeIntervalSince1970 - Double(timestamp)) <= tolerance
        else { return false }
        let expected = digest(secret: secret, timestamp: timestamp, body: body)
        // Constant time: the comparison must not tell an attacker how many characters matched.
        guard expected.utf8.count == given.utf8.count else { return false }
        return zip(expected.utf8, given.utf8).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    private static func digest(secret: String, timestamp: Int, body: Data) -> String {
        var signed = Data("\(timestamp).".utf8)
        signed.append(body)
        let code = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: Data(secret.utf8)))
        return Hex.string(code)
    }
}
