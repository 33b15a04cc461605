public import TesseraCore
import TesseraDomain

/// The channel every configured kind goes through: a message is handed to the adapter of its channel's
/// configuration (webhook, SMTP, SMS, WeChat). The built-in `log` channel never reaches it (its messages
/// are delivered when written).
public struct ChannelRouter: MessageChannel {
    let webhook: any MessageChannel
    let smtp: any MessageChannel
    let sms: any MessageChannel
    let wechat: any MessageChannel

    /// One router per process, so every delivery shares its WeChat access tokens.
    public static let shared = ChannelRouter()

    public init(
        webhook: any MessageChannel = WebhookChannel(), smtp: any MessageChannel = SMTPChannel(),
        sms: any MessageChannel = SMSChannel(), wechat: any MessageChannel = WeChatChannel()
    ) {
        self.webhook = webhook
        self.smtp = smtp
        self.sms = sms
        self.wechat = wechat
    }

    public func deliver(_ message: OutboundMessage) async -> DeliveryOutcome {
        switch message.configuration {
        case .webhook?: await webhook.deliver(message)
        case .smtp?: await smtp.deliver(message)
        case .sms?: await sms.deliver(message)
        case .wechat?: await wechat.deliver(message)
        case nil: .reject(.providerError, detail: "channel \(message.channel) is not configured")
        }
    }
}
