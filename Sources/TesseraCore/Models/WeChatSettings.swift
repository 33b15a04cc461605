/// An official account, mini-program or WeCom corp a WeChat channel sends through.
///
/// `appID`/`secret` are the account's AppID and AppSecret (for WeCom: the corp id and the customer-contact
/// secret); the member's address is their `openid:<appID>:…` identifier (`wecom:<appID>:…` for WeCom).
/// `baseURL` defaults to WeChat's API host and exists so tests and proxies can stand in for it.
public struct WeChatSettings: Sendable, Hashable {
    /// Which WeChat message API a channel calls.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// Official-account template message (`/cgi-bin/message/template/send`); the member must follow.
        case template = "wechat-template"
        /// Mini-program subscription message (`/cgi-bin/message/subscribe/send`); the member must have accepted.
        case subscription = "wechat-subscription"
        /// Customer-service message (`/cgi-bin/message/custom/send`), within 48 hours of the member's last
        /// interaction with the official account.
        case service = "wechat-service"
        /// WeCom customer-contact group message (`/cgi-bin/externalcontact/add_msg_template`), sent by the
        /// member's store guide, who confirms it in WeCom.
        case wecomGroup = "wecom-group"

        /// Template and subscription messages name a template configured in WeChat.
        public var usesTemplate: Bool { self == .template || self == .subscription }

        public var defaultBaseURL: String {
            self == .wecomGroup ? "https://qyapi.weixin.qq.com" : "https://api.weixin.qq.com"
        }
    }

    public var kind: Kind
    public var baseURL: String
    public var appID: String
    public var secret: String
    /// The WeChat template id (template and subscription messages).
    public var templateID: String?
    /// Where tapping the message leads: a URL (template messages) or a mini-program page (subscription).
    public var link: String?

    public init(
        kind: Kind, baseURL: String, appID: String, secret: String, templateID: String? = nil, link: String? = nil
    ) {
        self.kind = kind
        self.baseURL = baseURL
        self.appID = appID
        self.secret = secret
        self.templateID = templateID
        self.link = link
    }
}
