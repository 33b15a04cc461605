/// Coupons: templates (configuration, issued count under a stock) and issued coupons with their
/// code, owner, validity window and redemption.
extension Migration {
    static let coupons = Migration(
        id: "0006_coupons",
        sqlite: statements(integer: "INTEGER", json: "TEXT"),
        postgres: statements(integer: "BIGINT", json: "JSONB"))

    private static func statements(integer int: String, json: String) -> [String] {
        [
            """
            CREATE TABLE coupon_templates (group_id TEXT NOT NULL, id TEXT NOT NULL, brand_id TEXT NOT NULL, \
            config \(json) NOT NULL, issued \(int) NOT NULL DEFAULT 0, stock \(int), status TEXT NOT NULL, \
            created_at \(int) NOT NULL, updated_at \(int) NOT NULL, PRIMARY KEY (group_id, id), \
            CHECK (stock IS NULL OR issued <= stock))
            """,
            "CREATE INDEX coupon_templates_brand ON coupon_templates (group_id, brand_id)",
            """
            CREATE TABLE coupons (group_id TEXT NOT NULL, id TEXT NOT NULL, brand_id TEXT NOT NULL, \
            template_id TEXT NOT NULL, member_id TEXT NOT NULL, code TEXT NOT NULL, status TEXT NOT NULL, \
            issued_at \(int) NOT NULL, valid_from \(int) NOT NULL, valid_until \(int) NOT NULL, \
            restore_on_refund \(int) NOT NULL, redeemed_at \(int), order_ref TEXT, discount_minor \(int), \
            redeem_key TEXT, issue_key TEXT NOT NULL, updated_at \(int) NOT NULL, PRIMARY KEY (group_id, id), \
            UNIQUE (group_id, code), UNIQUE (group_id, brand_id, issue_key))
            """,
            "CREATE INDEX coupons_member ON coupons (group_id, brand_id, member_id, status)",
            "CREATE INDEX coupons_template_member ON coupons (group_id, template_id, member_id)",
            "CREATE INDEX coupons_order ON coupons (group_id, brand_id, order_ref) WHERE order_ref IS NOT NULL",
            "CREATE INDEX coupons_due ON coupons (valid_until) WHERE status = 'issued'",
        ]
    }
}
