/// Whether a member follows the brand's official account, from the latest of its `follow` and
/// `unfollow` events (the WeChat `subscribe`/`unsubscribe` callbacks map onto these names). A
/// member without either event has no status. When both happen in the same microsecond,
/// `unfollow` wins: a brand must not message someone who may have just left.
public enum FollowStatus: String, Sendable, Hashable, CaseIterable {
    case following
    case unfollowed

    public static let followEvent = "follow"
    public static let unfollowEvent = "unfollow"
}
