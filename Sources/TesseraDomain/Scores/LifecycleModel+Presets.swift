extension LifecycleModel {
    /// Ready-made lifecycle models a brand installs by name (`{"preset": "aipl"}`).
    public static let presets: [String: LifecycleModel] = [
        "aipl": LifecycleModel(
            name: "aipl",
            description:
                "AIPL: loyal (2+ purchases in a year), purchase (1 in a year), interest (engagement score 20+), "
                + "aware (any behaviour in 90 days); reads the engagement score preset",
            stages: [
                Stage(name: "loyal", rule: purchases(atLeast: 2, days: 365)),
                Stage(name: "purchase", rule: purchases(atLeast: 1, days: 365)),
                Stage(name: "interest", rule: .score("engagement", NumberTest(.greaterOrEqual, 20))),
                Stage(
                    name: "aware",
                    rule: .compare(FieldComparison(.field(.lastSeenAt), .within(.lastDays(90))))),
            ]),
        "customer": LifecycleModel(
            name: "customer",
            description:
                "prospect (not registered) → new (joined in 30 days) → active (bought in 90 days) → dormant "
                + "(bought or joined in 180 days) → churned",
            stages: [
                Stage(name: "prospect", rule: .compare(FieldComparison(.field(.registered), .bool(false)))),
                Stage(name: "new", rule: .compare(FieldComparison(.field(.joinedAt), .within(.lastDays(30))))),
                Stage(name: "active", rule: .compare(FieldComparison(.field(.lastOrderAt), .within(.lastDays(90))))),
                Stage(
                    name: "dormant",
                    rule: .or([
                        .compare(FieldComparison(.field(.lastOrderAt), .within(.lastDays(180)))),
                        .compare(FieldComparison(.field(.joinedAt), .within(.lastDays(180)))),
                    ])),
                Stage(name: "churned", rule: .and([])),
            ]),
    ]

    private static func purchases(atLeast count: Int64, days: Int) -> SegmentRule {
        .purchase(
            PurchaseCondition(window: .lastDays(days), measure: .count(NumberTest(.greaterOrEqual, count))))
    }
}
