public import Foundation
import NIOCore
import NIOExtras
import NIOPosix
public import TesseraCore
import TesseraDomain

/// Sends e-mail through an SMTP relay (``SMTPSettings``) to the member's first `email` identifier:
/// one real SMTP conversation per message (`EHLO`, `AUTH PLAIN` when configured, `MAIL FROM`, `RCPT TO`,
/// `DATA`, `QUIT`). The message is UTF-8, base64-encoded, HTML when the template is, with a
/// `Message-ID` derived from the idempotency key (so a repeat after a lost reply is recognisable).
///
/// A 4xx reply or a broken connection is retried; a 5xx reply is a rejection (`provider_error`); a
/// member without an address fails with `no_contact`. The relay is reached without TLS: run a local
/// relay (Postfix…) for TLS to the outside world.
public struct SMTPChannel: MessageChannel {
    let timeout: Duration
    let clock: @Sendable () -> Date

    public init(timeout: Duration = .seconds(30), clock: @escaping @Sendable () -> Date = Date.init) {
        self.timeout = timeout
        self.clock = clock
    }

    /// An SMTP reply that ends the conversation.
    struct Refusal: Error {
        var code: Int
        var text: String
    }

    public func deliver(_ message: OutboundMessage) async -> DeliveryOutcome {
        guard case .smtp(let settings)? = message.configuration else {
            return .reject(.providerError, detail: "channel \(message.channel) is not an SMTP channel")
        }
        guard let address = message.recipient.address(.email) else {
            return .reject(.noContact, detail: "the member has no e-mail address")
        }
        let content = Self.content(message, from: settings.from, to: address, date: clock())
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await Self.converse(settings, to: address, content: content) }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    throw Refusal(code: 421, text: "no answer within \(timeout)")
                }
                try await group.next()
                group.cancelAll()
            }
            return .delivered
        } catch let refusal as Refusal {
            let detail = "SMTP \(refusal.code) \(refusal.text)"
            return refusal.code >= 500 ? .reject(.providerError, detail: detail) : .retry(detail: detail)
        } catch {
            return .retry(detail: "SMTP: \(error)")
        }
    }

    private static func converse(_ settings: SMTPSettings, to address: String, content: String) async throws {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .connect(host: settings.host, port: settings.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineBasedFrameDecoder()))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        try await channel.executeThenClose { inbound, outbound in
            var lines = inbound.makeAsyncIterator()
            /// Reads one (possibly multi-line) reply and checks its code is one of `expected`.
            func expect(_ expected: Set<Int>) async throws {
                var text: [String] = []
                while let line = try await lines.next() {
                    let string = String(buffer: line)
                    text.append(String(string.dropFirst(4)))
                    // `250-…` continues a reply; `250 …` ends it.
                    guard
                        string.utf8.count < 4
                            || string.utf8[string.utf8.index(string.utf8.startIndex, offsetBy: 3)] != UInt8(ascii: "-")
                    else { continue }
                    let code = Int(string.prefix(3)) ?? 0
                    guard expected.contains(code) else { throw Refusal(code: code, text: text.joined(separator: " ")) }
                    return
                }
                throw Refusal(code: 421, text: "the server closed the connection")
            }
            func send(_ command: String, expecting expected: Set<Int>) async throws {
                try await outbound.write(ByteBuffer(string: command + "\r\n"))
                try await expect(expected)
            }
            try await expect([220])
            try await send("EHLO tessera", expecting: [250])
            if let username = settings.username, let password = settings.password {
                let credentials = Data("\0\(username)\0\(password)".utf8).base64EncodedString()
                try await send("AUTH PLAIN \(credentials)", expecting: [235])
            }
            try await send("MAIL FROM:<\(settings.from)>", expecting: [250])
            try await send("RCPT TO:<\(address)>", expecting: [250, 251])
            try await send("DATA", expecting: [354])
            try await send(content + "\r\n.", expecting: [250])
            try? await send("QUIT", expecting: [221])
        }
    }

    /// The RFC 5322 message: headers, then the body in base64 (lines of 76, which never start with a
    /// dot, so no dot-stuffing is needed).
    static func content(_ message: OutboundMessage, from: String, to address: String, date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        let subject = message.subject ?? ""
        let encodedSubject =
            subject.allSatisfy { $0.isASCII && !$0.isNewline }
            ? subject : "=?UTF-8?B?\(Data(subject.utf8).base64EncodedString())?="
        let body = Data((message.body ?? "").utf8).base64EncodedString(options: [
            .lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed,
        ])
        let headers = [
            "From: \(from)", "To: \(address)", "Subject: \(encodedSubject)", "Date: \(formatter.string(from: date))",
            "Message-ID: <\(Self.messageID(message.key))@tessera>", "MIME-Version: 1.0",
            "Content-Type: text/\(message.html ? "html" : "plain"); charset=UTF-8", "Content-Transfer-Encoding: base64",
        ]
        return headers.joined(separator: "\r\n") + "\r\n\r\n" + body
    }

    /// The key made safe for a `Message-ID` (which allows no spaces or brackets).
    static func messageID(_ key: String) -> String {
        String(key.map { $0.isLetter || $0.isNumber || "-._".contains($0) ? $0 : "." })
    }
}
