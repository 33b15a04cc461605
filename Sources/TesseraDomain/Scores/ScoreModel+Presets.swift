extension ScoreModel {
    /// Ready-made scores a brand installs by name (`{"preset": "engagement"}`).
    public static let presets: [String: ScoreModel] = [
        "engagement": ScoreModel(
            name: "engagement",
            description:
                "AIPL engagement (after Webpower's): recent browsing, reading, carting, sharing and buying, "
                + "halved for every 30 days of age, 0 to 100",
            rules: [
                rule("Product Viewed", points: 2, cap: 30),
                rule("Article Read", points: 3, cap: 30),
                rule("Product Added", points: 5, cap: 30),
                rule("share", points: 5, cap: 20),
                rule("Order Completed", points: 15, cap: 60),
                ScoreRule(event: EventMatcher(name: "unfollow"), points: -30, cap: 30, window: .lastDays(90)),
            ],
            minimum: 0, maximum: 100)
    ]

    private static func rule(_ event: String, points: Int64, cap: Int64) -> ScoreRule {
        ScoreRule(
            event: EventMatcher(name: event), points: points, cap: cap, window: .lastDays(180),
            decay: ScoreRule.Decay(everyDays: 30, percent: 50))
    }
}
