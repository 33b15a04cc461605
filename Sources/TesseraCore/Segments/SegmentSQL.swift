public import TesseraDomain

/// Compiles a ``SegmentRule`` to one SQL predicate over the member row `m`, for full computations on
/// SQLite and PostgreSQL. Each branch mirrors ``SegmentEvaluator`` (the in-memory path): every leaf is
/// two-valued — a missing value makes it false, never NULL — so `NOT` means the same in both.
///
/// Relative windows are resolved to instants before compiling, from the same ``EvaluationContext``
/// the evaluator uses, so the two paths agree to the microsecond.
///
/// Conditions on behaviour and derived state are set-based: `m.id IN (SELECT member_id … GROUP BY
/// member_id HAVING …)` over an index range (the purchase projection, events by name and time,
/// lots by expiry, tags by name), computed once per statement rather than once per member — which
/// is what keeps a full computation over a million members within a second. The exceptions are on
/// SQLite: event conditions its per-member event summaries answer are one key probe per member
/// (``summarises(_:)``), cheaper there than the set of every member with such an event; and beside
/// a set that drives the statement, conditions on tables keyed by member are probed for the members
/// it yields (``drivingList(_:)``). PostgreSQL writes each set as `EXISTS`, which its planner
/// turns into the same semi-join — and, negated, into an anti-join (``among(_:_:negated:probe:)``) —
/// except a top `and`'s first "did E at all", which it joins and groups by member
/// (``joinedEventDriver(_:)``).
///
/// A sampled estimate (``sample(_:group:brand:context:dialect:buckets:)``) examines a few thousand
/// members instead: there the same conditions are compiled **per member** — `EXISTS (… AND
/// member_id = m.id)` and correlated aggregates over the member's own index range — because a set
/// built from the whole brand's rows would cost as much as the exact count.
public struct SegmentSQL: Sendable {
    let dialect: SQLDialect
    let context: EvaluationContext
    let group: SQLValue
    let brand: SQLValue
    /// Conditions probe each member's rows instead of building the set of members that have them.
    let perMember: Bool
    /// Conditions on tables keyed by member (tags, segments, stages, RFM groups, scores, points lots)
    /// probe them per member: set beside the list that drives a rule's top `and` (``drivingList(_:)``).
    private var probesMemberTables = false
    private(set) var arguments: [SQLValue] = []

    init(dialect: SQLDialect, context: EvaluationContext, group: GroupID, brand: BrandID, perMember: Bool = false) {
        self.dialect = dialect
        self.context = context
        self.group = .text(group.rawValue)
        self.brand = .text(brand.rawValue)
        self.perMember = perMember
    }

    /// The members of `brand` matching `rule`, by id, after `cursor`, at most `limit`.
    public static func members(
        _ rule: SegmentRule, group: GroupID, brand: BrandID, context: EvaluationContext, dialect: SQLDialect,
        after cursor: String? = nil, limit: Int? = nil
    ) -> SQLStatement {
        var compiler = SegmentSQL(dialect: dialect, context: context, group: group, brand: brand)
        var sql = compiler.population(rule, group: group, select: "m.id", after: cursor)
        sql += " ORDER BY m.id"
        if let limit {
            sql += " LIMIT ?"
            compiler.arguments.append(.int(Int64(limit)))
        }
        return SQLStatement(sql, compiler.arguments)
    }

    /// How many members of `brand` match `rule` — of those whose ids are at or after `from` and
    /// before `before`, when given (a slice; ``countsInSlices(_:group:brand:context:dialect:)``).
    public static func count(
        _ rule: SegmentRule, group: GroupID, brand: BrandID, context: EvaluationContext, dialect: SQLDialect,
        from: String? = nil, before: String? = nil
    ) -> SQLStatement {
        var compiler = SegmentSQL(dialect: dialect, context: context, group: group, brand: brand)
        let sql = compiler.population(
            rule, group: group, select: "m.id", atOrAfter: from, before: before, counting: true)
        return SQLStatement(sql, compiler.arguments)
    }

    /// Whether a count of `rule` is better made in slices of the members by id, counted at once on
    /// separate connections (``SQLDriver/runSlices(_:)``): on SQLite, which runs a statement on
    /// one processor, when the count reads every member row and tests each by itself — nothing
    /// costlier per member than a key lookup, and no list driving it (``drivingList(_:)``). A
    /// list built from a table's range would be built again by every slice; a statement a list drives
    /// reads few members anyway. Segment (a) of `tessera bench segments` is such a count.
    public static func countsInSlices(
        _ rule: SegmentRule, group: GroupID, brand: BrandID, context: EvaluationContext, dialect: SQLDialect
    ) -> Bool {
        guard dialect == .sqlite, probeCost(rule, dialect) <= 1 else { return false }
        // A rule that is itself a list (a tag) drives the statement as a top `and`'s first list would.
        let conjuncts = if case .and(let rules) = rule { rules } else { [rule] }
        return SegmentSQL(dialect: dialect, context: context, group: group, brand: brand).drivingList(conjuncts) == nil
    }

    /// The select list (SQLite's) that gathers the selected members' ids into one JSON array text
    /// (`[]` for none): how a slice hands its members to a write (``SegmentRefreshProgram``) — a few
    /// bytes an id, where a row each would cost the process ~150.
    public static let idArray = "json_group_array(m.id)"

    /// Up to `limit` of the group's members from the lowest sample buckets, by bucket: `id, sample`.
    /// A member's bucket is a hash of its id, so they are a uniform sample of the group's ids (where
    /// to cut it into slices) and tell its size (``SegmentEstimate/buckets`` over the buckets read).
    public static func bucketSample(group: GroupID, limit: Int) -> SQLStatement {
        SQLStatement(
            """
            SELECT m.id, m.sample FROM members m WHERE m.group_id = ? AND m.sample < \(SegmentEstimate.indexedBuckets) \
            ORDER BY m.sample LIMIT ?
            """, [.text(group.rawValue), .int(Int64(limit))])
    }

    /// `SELECT sampled, matching`: how many of the brand's live members in sample `buckets` there
    /// are, and how many of them match `rule` (see ``SegmentEstimate``).
    public static func sample(
        _ rule: SegmentRule, group: GroupID, brand: BrandID, context: EvaluationContext, dialect: SQLDialect,
        buckets: Range<Int64>
    ) -> SQLStatement {
        var compiler = SegmentSQL(dialect: dialect, context: context, group: group, brand: brand, perMember: true)
        let matches = compiler.predicate(rule)
        let sql = """
            SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN \(matches) THEN 1 ELSE 0 END), 0) AS BIGINT) \
            FROM members m WHERE m.group_id = ? AND \(sampleBuckets(buckets)) AND m.merged_into IS NULL \
            AND \(inBrand)
            """
        return SQLStatement(
            sql,
            compiler.arguments + [compiler.group, .int(buckets.lowerBound), .int(buckets.upperBound), compiler.brand])
    }

    /// `m.sample >= ? AND m.sample < ?` (binding the range's bounds), and when the range is within
    /// the indexed buckets also `m.sample < <their bound>`, a literal, so that both databases see they
    /// may read the partial index.
    public static func sampleBuckets(_ buckets: Range<Int64>) -> String {
        let range = "m.sample >= ? AND m.sample < ?"
        return buckets.upperBound <= SegmentEstimate.indexedBuckets
            ? "m.sample < \(SegmentEstimate.indexedBuckets) AND " + range : range
    }

    /// The member `m` belongs to the brand bound to its one `?`.
    private static let inBrand = """
        EXISTS (SELECT 1 FROM member_brands mb WHERE mb.group_id = m.group_id AND mb.member_id = m.id \
        AND mb.brand_id = ?)
        """

    /// `SELECT columns FROM members m WHERE <the brand's live members matching rule>`, unordered:
    /// the source of an `INSERT … SELECT` or a `NOT IN`. `columns` may bind `columnArguments`.
    public static func select(
        _ columns: String, _ columnArguments: [SQLValue] = [], matching rule: SegmentRule, group: GroupID,
        brand: BrandID, context: EvaluationContext, dialect: SQLDialect, from: String? = nil, before: String? = nil
    ) -> SQLStatement {
        var compiler = SegmentSQL(dialect: dialect, context: context, group: group, brand: brand)
        let sql = compiler.population(
            rule, group: group, select: columns, selectArguments: columnArguments, atOrAfter: from, before: before)
        return SQLStatement(sql, compiler.arguments)
    }

    /// The brand's live members (not merged away) matching the rule, with an id after `cursor`;
    /// `counting`: how many there are.
    private mutating func population(
        _ rule: SegmentRule, group: GroupID, select: String, selectArguments: [SQLValue] = [],
        after cursor: String? = nil, atOrAfter: String? = nil, before: String? = nil, counting: Bool = false
    ) -> String {
        arguments = selectArguments
        var (from, joined, grouping, rule) = ("members m", "", "", rule)
        if case .and(let rules) = rule, dialect == .postgres, !perMember, let driver = joinedEventDriver(rules) {
            arguments += driver.arguments
            from += " JOIN events e ON e.member_id = m.id"
            joined = driver.condition + " AND "
            grouping = " GROUP BY m.group_id, m.id"
            rule = .and(rules.enumerated().filter { $0.offset != driver.index }.map(\.element))
        }
        arguments.append(.text(group.rawValue))
        let matches =
            if case .and(let rules) = rule, dialect == .sqlite, !perMember, let driver = drivingList(rules) {
                conjunction(rules, probingBeside: driver)
            } else {
                predicate(rule)
            }
        var condition = joined + "m.group_id = ? AND m.merged_into IS NULL AND " + matches
        arguments.append(brand)
        // The rule first: its cheap row tests and set lookups discard most members before the
        // per-member brand lookup runs.
        condition += " AND " + Self.inBrand
        for (bound, test) in [(cursor, " AND m.id > ?"), (atOrAfter, " AND m.id >= ?"), (before, " AND m.id < ?")] {
            guard let bound else { continue }
            condition += test
            arguments.append(.text(bound))
        }
        let members = "FROM \(from) WHERE \(condition)\(grouping)"
        if counting {
            return grouping.isEmpty
                ? "SELECT COUNT(*) \(members)" : "SELECT COUNT(*) FROM (SELECT m.id \(members)) AS x"
        }
        return "SELECT \(select) \(members)"
    }

    /// The first condition of a rule's top `and` asking whether the member had any event of a kind
    /// (in a window), which PostgreSQL joins rather than tests: `FROM members m JOIN events e …
    /// GROUP BY m.group_id, m.id`. Its `WHERE` and their arguments, which precede the rest.
    ///
    /// As a semi-join (`EXISTS`) the planner may first de-duplicate the members among the events,
    /// which each parallel worker then does in full by itself — and it chooses so when it
    /// underestimates how many distinct members the events hold, as `ANALYZE`'s sample makes it do.
    /// Segment (a) of `tessera bench segments` took 1.55 s that way on one generated data set, and
    /// 0.6 s on another whose estimate tipped the other way. Joined, then grouped, every step is
    /// parallel whatever the estimate (a shared hash of the members, each worker grouping its share
    /// of the events): 0.60 s on the first.
    private func joinedEventDriver(_ rules: [SegmentRule]) -> (index: Int, condition: String, arguments: [SQLValue])? {
        for (index, rule) in rules.enumerated() {
            guard case .event(let condition) = rule, condition.count.asksAny else { continue }
            var trial = self
            trial.arguments = []
            let filter = trial.eventFilter(condition)
            return (index, filter, trial.arguments)
        }
        return nil
    }

    // MARK: Rules

    mutating func predicate(_ rule: SegmentRule) -> String {
        switch rule {
        case .and(let rules):
            guard !rules.isEmpty else { return "(1 = 1)" }
            // Per member the conjuncts are evaluated in order and stop at the first false one: cheap
            // tests first, so that few members reach the range scans.
            let ordered =
                perMember
                ? rules.enumerated().sorted {
                    (Self.probeCost($0.1, dialect), $0.0) < (Self.probeCost($1.1, dialect), $1.0)
                }.map(\.1)
                : rules
            return conjunction(ordered)
        case .or(let rules):
            guard !rules.isEmpty else { return "(1 = 0)" }
            return "(" + rules.map { predicate($0) }.joined(separator: " OR ") + ")"
        case .not(let rule): return "(NOT " + predicate(rule) + ")"
        case .compare(let comparison): return compare(comparison)
        case .event(let condition): return event(condition)
        case .purchase(let condition): return purchase(condition)
        case .sequence(let condition): return sequence(condition)
        case .tag(let tag):
            arguments += [group, brand, .text(tag)]
            return among(
                "t.member_id", "FROM member_tags t WHERE t.group_id = ? AND t.brand_id = ? AND t.tag = ?",
                probe: probesMemberTables)
        case .segment(let id):
            arguments += [group, .text(id)]
            return among(
                "sm.member_id", "FROM segment_members sm WHERE sm.group_id = ? AND sm.segment_id = ?",
                probe: probesMemberTables)
        case .birthday(let days):
            let keys = context.birthdayKeys(days: days)
            arguments += keys.map(SQLValue.text)
            return "(m.birthday IS NOT NULL AND substr(m.birthday, 6, 5) IN (\(SQLBuilder.markers(keys.count))))"
        case .pointsExpiring(let days, let test):
            arguments += [group, brand, .int(context.now), .int(context.now + Int64(days) * 86_400_000_000)]
            return grouped(
                """
                FROM points_lots p WHERE p.group_id = ? AND p.brand_id = ? AND p.remaining > 0 \
                AND p.expires_at IS NOT NULL AND p.expires_at >= ? AND p.expires_at < ?
                """, member: "p.member_id", aggregate: "CAST(SUM(p.remaining) AS BIGINT)", test, positiveRows: true,
                probe: probesMemberTables)
        case .score(let name, let test):
            // One row per member and score: the "aggregate" is the value itself.
            arguments += [group, brand, .text(name)]
            return grouped(
                "FROM member_scores s WHERE s.group_id = ? AND s.brand_id = ? AND s.score = ?",
                member: "s.member_id", aggregate: "MAX(s.value)", test, probe: probesMemberTables)
        case .lifecycle(let model, let stage):
            arguments += [group, brand, .text(model), .text(stage)]
            return among(
                "s.member_id",
                "FROM member_stages s WHERE s.group_id = ? AND s.brand_id = ? AND s.model = ? AND s.stage = ?",
                probe: probesMemberTables)
        case .rfm(let group):
            arguments += [self.group, brand, .text(group.rawValue)]
            return among(
                "r.member_id", "FROM rfm_scores r WHERE r.group_id = ? AND r.brand_id = ? AND r.rfm_group = ?",
                probe: probesMemberTables)
        }
    }

    /// `(a AND b AND …)`. With `driver`, the index of the conjunct that drives the statement, every
    /// other conjunct probes tables keyed by member (``probesMemberTables``, ``drivingList(_:)``).
    private mutating func conjunction(_ rules: [SegmentRule], probingBeside driver: Int? = nil) -> String {
        let sql = rules.enumerated().map { index, rule in
            if let driver { probesMemberTables = index != driver }
            return predicate(rule)
        }
        if driver != nil { probesMemberTables = false }
        return "(" + sql.joined(separator: " AND ") + ")"
    }

    /// How every list of members begins (``among(_:_:negated:probe:)``, ``grouped(_:member:aggregate:_:positiveRows:probe:)``),
    /// and so how ``drivingList(_:)`` recognises one.
    private static let listOpening = "m.id IN ("

    /// The first of `rules` that compiles to a list of members (`m.id IN (SELECT …)`): the list SQLite
    /// drives the statement from (it takes the first such term), looking each member up by id.
    ///
    /// Beside it, every other condition on a table keyed by member is cheaper as a probe of the
    /// members the driver yields than as a list of its own, which SQLite builds in full from the
    /// table's range before it can test anyone: segment (b) of `tessera bench segments` — two
    /// purchase lists, then "points expiring" (185,000 lots) — 0.40–0.42 s with three lists,
    /// 0.13–0.14 s with the lots probed. The driver itself stays a list, whatever its table, so an
    /// operator who puts the most selective condition first keeps it driving: "points expiring within
    /// 2 days" (12,531 lots) first and "any purchase this year" (841,379 members) second took 2.1–2.2 s
    /// as two lists, and 2.6 s the other way round — 3.1 s with the lots probed. Without a list there
    /// is no driver: every member is read, and every condition stays a list ("points expiring" probed
    /// for each of 1M members took 1.4–1.9 s, against 0.5 s as a list). Only the rule's own top `and`
    /// is decided so: an `and` under `or` or `not` drives nothing.
    ///
    /// Found by compiling each rule on a copy of the compiler, so it cannot disagree with the SQL.
    private func drivingList(_ rules: [SegmentRule]) -> Int? {
        rules.firstIndex { rule in
            var trial = self
            return trial.predicate(rule).hasPrefix(Self.listOpening)
        }
    }

    /// How much testing `rule` costs one member, in classes: 0 the member row, 1 one key lookup,
    /// 2 the member's open lots, 3 their events in a window, 4 their orders with lines, 5 pairs of events.
    static func probeCost(_ rule: SegmentRule, _ dialect: SQLDialect) -> Int {
        switch rule {
        case .and(let rules), .or(let rules): rules.map { probeCost($0, dialect) }.max() ?? 0
        case .not(let rule): probeCost(rule, dialect)
        case .compare(let comparison):
            switch comparison.subject {
            case .attribute: 0
            case .field(let field):
                switch field {
                case .tier, .points, .growth, .storedValue, .followStatus, .followChangedAt: 1
                case .cartQuantity, .cartValue, .cartUpdatedAt, .couponsHeld: 2
                default: 0
                }
            }
        case .birthday: 0
        case .tag, .segment, .score, .lifecycle, .rfm: 1
        case .pointsExpiring: 2
        case .event(let condition): dialect.keepsEventSummaries && summarises(condition) ? 1 : 3
        case .purchase: 4
        case .sequence: 5
        }
    }

    /// The member has (or, `negated`, has not) a row `from` (`FROM … WHERE …`, its arguments already
    /// appended) whose `member` column is its id: on SQLite `m.id [NOT] IN (SELECT member …)`, or per
    /// member (``perMember``, or `probe` for a table keyed by member) `[NOT] EXISTS (… AND member = m.id)`.
    ///
    /// PostgreSQL always gets the `EXISTS` form. Its planner makes `EXISTS` the same semi-join as
    /// `IN`, but only `NOT EXISTS` — negated here or by a `not` rule around it — becomes an anti-join:
    /// `NOT IN`, which must answer NULL when the set holds one, stays a filter for which every
    /// parallel worker hashes the whole set (segment (b) of `tessera bench segments` at 1M members:
    /// 0.29–0.34 s → 0.21–0.22 s). `member` is never NULL, so the two forms agree.
    private func among(_ member: String, _ from: String, negated: Bool = false, probe: Bool = false) -> String {
        let not = negated ? "NOT " : ""
        if perMember || probe || dialect == .postgres { return "\(not)EXISTS (SELECT 1 \(from) AND \(member) = m.id)" }
        return negated ? "m.id NOT IN (SELECT \(member) \(from))" : Self.listOpening + "SELECT \(member) \(from))"
    }

    /// Members whose rows `from` (`FROM … WHERE …`, binding its arguments, already appended)
    /// aggregate to a number passing `test`, where a member without rows counts as 0:
    /// `m.id IN (SELECT member … HAVING test)`, or — when 0 passes — `m.id NOT IN (… HAVING NOT test)`.
    /// `member` must never be NULL. Per member: `COALESCE((SELECT aggregate … AND member = m.id), 0) test`.
    ///
    /// When every row adds at least 1 (`positiveRows`: a count, or a sum of positive amounts) and the
    /// test only asks "any?" (`>= 1`, `> 0`, `!= 0`) or "none?" (`= 0`, `< 1`, `<= 0`), no grouping is
    /// needed: `m.id IN (select)` / `m.id NOT IN (select)`, a plain index range (per member
    /// `EXISTS` / `NOT EXISTS`).
    private mutating func grouped(
        _ from: String, member: String, aggregate: String, _ test: NumberTest, positiveRows: Bool = false,
        probe: Bool = false
    ) -> String {
        if positiveRows && test.asksAny { return among(member, from, probe: probe) }
        if positiveRows && test.asksNone { return among(member, from, negated: true, probe: probe) }
        let none = test.holds(0)
        let op = test.op == .notEqual ? "<>" : test.op.rawValue
        arguments.append(.int(test.value))
        if perMember || probe {
            return "(COALESCE((SELECT \(aggregate) \(from) AND \(member) = m.id), 0) \(op) ?)"
        }
        let select = "SELECT \(member) \(from)"
        // SQLite would otherwise group along an index ordered by member (every row of the group)
        // rather than scan the condition's range and sort what it finds; `+` hides that order.
        let key = dialect == .sqlite ? "+\(member)" : member
        let groupBy = "\(select) GROUP BY \(key) HAVING"
        return none
            ? "m.id NOT IN (\(groupBy) NOT (\(aggregate) \(op) ?))"
            : Self.listOpening + "\(groupBy) \(aggregate) \(op) ?)"
    }

    // MARK: Comparisons

    /// A value expression and the arguments its text binds (appended once per use).
    struct Expression {
        var sql: String
        var arguments: [SQLValue] = []
    }

    private mutating func compare(_ comparison: FieldComparison) -> String {
        let expression: Expression
        switch comparison.subject {
        case .field(let field): expression = self.expression(field)
        case .attribute(let name): expression = attribute(name, for: comparison.test)
        }
        if case .attribute(let name) = comparison.subject, case .exists = comparison.test {
            return attributePresent(name)
        }
        if case .attribute(let name) = comparison.subject, case .missing = comparison.test {
            return "(NOT " + attributePresent(name) + ")"
        }
        func use(_ expression: Expression) -> String {
            arguments += expression.arguments
            return expression.sql
        }
        switch comparison.test {
        case .exists: return "(\(use(expression)) IS NOT NULL)"
        case .missing: return "(\(use(expression)) IS NULL)"
        case .textIn(let texts), .textNotIn(let texts):
            let guardText = use(expression)
            let valueText = use(expression)
            arguments += texts.map(SQLValue.text)
            let negation = if case .textNotIn = comparison.test { "NOT " } else { "" }
            return "(\(guardText) IS NOT NULL AND \(valueText) \(negation)IN (\(SQLBuilder.markers(texts.count))))"
        case .number(let test):
            return numberTest(use(expression), test, nullable: true, reuse: expression)
        case .numberBetween(let low, let high):
            let guardText = use(expression)
            let valueText = use(expression)
            arguments += [.int(low), .int(high)]
            return "(\(guardText) IS NOT NULL AND \(valueText) BETWEEN ? AND ?)"
        case .bool(let flag):
            let guardText = use(expression)
            let valueText = use(expression)
            arguments.append(.bool(flag))
            return "(\(guardText) IS NOT NULL AND \(valueText) = ?)"
        case .within(let window):
            return "(\(use(expression)) IS NOT NULL" + self.window(window, expression) + ")"
        case .before(let window):
            guard let start = window.bounds(in: context).from else { return "(1 = 0)" }
            let guardText = use(expression)
            let valueText = use(expression)
            arguments.append(.int(start))
            return "(\(guardText) IS NOT NULL AND \(valueText) < ?)"
        }
    }

    /// `expression op ?`; `nullable` guards a value that may be missing with `IS NOT NULL` first.
    private mutating func numberTest(
        _ sql: String, _ test: NumberTest, nullable: Bool = false, reuse: Expression? = nil
    ) -> String {
        let op = test.op == .notEqual ? "<>" : test.op.rawValue
        if nullable, let reuse {
            arguments += reuse.arguments
            arguments.append(.int(test.value))
            return "(\(sql) IS NOT NULL AND \(reuse.sql) \(op) ?)"
        }
        arguments.append(.int(test.value))
        return "(\(sql) \(op) ?)"
    }

    private func expression(_ field: MemberField) -> Expression {
        let owned = "group_id = m.group_id AND x.brand_id = ? AND x.member_id = m.id"
        switch field {
        case .gender: return Expression(sql: "m.gender")
        case .city: return Expression(sql: "m.city")
        case .region: return Expression(sql: "m.region")
        case .sourceChannel: return Expression(sql: "m.source_channel")
        case .homeStore: return Expression(sql: "m.home_store")
        case .guide: return Expression(sql: "m.guide")
        case .kind: return Expression(sql: "m.kind")
        case .registered: return Expression(sql: "m.registered")
        case .joinedAt: return Expression(sql: "m.joined_at")
        case .orderCount: return Expression(sql: "m.order_count")
        case .totalSpend: return Expression(sql: "m.total_spend_minor")
        case .averageOrderValue:
            return Expression(sql: "(CASE WHEN m.order_count > 0 THEN m.total_spend_minor / m.order_count END)")
        case .repurchaseCycleDays:
            return Expression(
                sql: """
                    (CASE WHEN m.order_count >= 2 AND m.first_order_at IS NOT NULL AND m.last_order_at IS NOT NULL \
                    THEN (m.last_order_at - m.first_order_at) / (m.order_count - 1) / 86400000000 END)
                    """)
        case .firstOrderAt: return Expression(sql: "m.first_order_at")
        case .lastOrderAt: return Expression(sql: "m.last_order_at")
        case .eventCount: return Expression(sql: "m.event_count")
        case .firstSeenAt: return Expression(sql: "m.first_seen_at")
        case .lastSeenAt: return Expression(sql: "m.last_seen_at")
        case .tier:
            return Expression(sql: "(SELECT x.tier FROM loyalty_members x WHERE x.\(owned))", arguments: [brand])
        case .points:
            return Expression(
                sql: "COALESCE((SELECT x.balance FROM points_accounts x WHERE x.\(owned)), 0)", arguments: [brand])
        case .growth:
            return Expression(
                sql: "COALESCE((SELECT x.growth FROM loyalty_members x WHERE x.\(owned)), 0)", arguments: [brand])
        case .storedValue:
            return Expression(
                sql: "COALESCE((SELECT x.principal + x.bonus FROM stored_value_accounts x WHERE x.\(owned)), 0)",
                arguments: [brand])
        case .followStatus:
            return Expression(sql: "(SELECT x.status FROM member_follows x WHERE x.\(owned))", arguments: [brand])
        case .followChangedAt:
            return Expression(sql: "(SELECT x.changed_at FROM member_follows x WHERE x.\(owned))", arguments: [brand])
        case .cartQuantity:
            return Expression(
                sql: "COALESCE((SELECT CAST(SUM(x.quantity) AS BIGINT) FROM cart_items x WHERE x.\(owned)), 0)",
                arguments: [brand])
        case .cartValue:
            return Expression(
                sql: """
                    COALESCE((SELECT CAST(SUM(x.quantity * x.unit_price_minor) AS BIGINT) FROM cart_items x \
                    WHERE x.\(owned)), 0)
                    """, arguments: [brand])
        case .cartUpdatedAt:
            return Expression(sql: "(SELECT MAX(x.updated_at) FROM cart_items x WHERE x.\(owned))", arguments: [brand])
        case .couponsHeld:
            return Expression(
                sql: """
                    (SELECT COUNT(*) FROM coupons x WHERE x.\(owned) AND x.status = 'issued' \
                    AND x.valid_from <= ? AND x.valid_until > ?)
                    """, arguments: [brand, .int(context.now), .int(context.now)])
        }
    }

    /// A custom attribute as the type the test expects: a text, a number or a boolean, else NULL.
    private func attribute(_ name: String, for test: FieldTest) -> Expression {
        // `name` is letters, digits and `_` only (the parser checks), so it can be inlined.
        switch (dialect, test) {
        case (.sqlite, .textIn), (.sqlite, .textNotIn):
            return Expression(
                sql: "(CASE WHEN json_type(m.attributes, '$.\"\(name)\"') = 'text' "
                    + "THEN json_extract(m.attributes, '$.\"\(name)\"') END)")
        case (.sqlite, .bool):
            return Expression(
                sql: "(CASE json_type(m.attributes, '$.\"\(name)\"') WHEN 'true' THEN 1 WHEN 'false' THEN 0 END)")
        case (.sqlite, _):
            return Expression(
                sql: "(CASE WHEN json_type(m.attributes, '$.\"\(name)\"') IN ('integer', 'real') "
                    + "THEN json_extract(m.attributes, '$.\"\(name)\"') END)")
        case (.postgres, .textIn), (.postgres, .textNotIn):
            return Expression(
                sql:
                    "(CASE WHEN jsonb_typeof(m.attributes -> '\(name)') = 'string' THEN m.attributes ->> '\(name)' END)"
            )
        case (.postgres, .bool):
            return Expression(
                sql: """
                    (CASE WHEN jsonb_typeof(m.attributes -> '\(name)') = 'boolean' \
                    THEN (m.attributes ->> '\(name)')::boolean END)
                    """)
        case (.postgres, _):
            return Expression(
                sql: """
                    (CASE WHEN jsonb_typeof(m.attributes -> '\(name)') = 'number' \
                    THEN (m.attributes ->> '\(name)')::numeric END)
                    """)
        }
    }

    /// The attribute is present and not JSON `null`.
    private func attributePresent(_ name: String) -> String {
        switch dialect {
        case .sqlite: "(COALESCE(json_type(m.attributes, '$.\"\(name)\"'), 'null') <> 'null')"
        case .postgres: "(COALESCE(jsonb_typeof(m.attributes -> '\(name)'), 'null') <> 'null')"
        }
    }

    // MARK: Behaviour

    private mutating func event(_ condition: EventCondition) -> String {
        if let summarised = summarisedEvent(condition) { return summarised }
        let sql = "FROM events e WHERE " + eventFilter(condition)
        return grouped(sql, member: "e.member_id", aggregate: "COUNT(*)", condition.count, positiveRows: true)
    }

    /// The events `e` that `condition` counts, binding its arguments: the `WHERE` of its set, or of
    /// the join ``joinedEventDriver(_:)`` makes of it.
    private mutating func eventFilter(_ condition: EventCondition) -> String {
        arguments += [group, brand]
        return "e.group_id = ? AND e.brand_id = ? AND e.member_id IS NOT NULL"
            + matcher(condition.matcher, alias: "e") + window(condition.window, Expression(sql: "e.occurred_at"))
    }

    /// Whether the member's summary of the event answers `condition` exactly (`member_event_stats`:
    /// first and last time and count per brand and name, kept by a trigger): not when it needs the
    /// events themselves — a channel or property filter, or a window with a count other than
    /// "any"/"none", or one closed at both ends. Which ends are open never depends on the context.
    static func summarises(_ condition: EventCondition) -> Bool {
        guard condition.matcher.channel == nil, condition.matcher.properties.isEmpty else { return false }
        let anyOrNone = condition.count.asksAny || condition.count.asksNone
        switch condition.window {
        case nil, .between(from: nil, to: nil): return true
        case .lastDays: return anyOrNone
        case .between(let from, let to): return anyOrNone && (from == nil || to == nil)
        }
    }

    /// A condition ``summarises(_:)`` accepts, read from the member's summary of the event:
    /// - no window: the count itself passes the test;
    /// - a window open at its end (`lastDays`, `from`): "any" is a last time at or after its start;
    /// - a window open at its start (`to`): "any" is a first time before its end;
    /// "none" is the negation. Each is one primary-key probe per member that reaches it — the table
    /// is keyed by member, and the rule's row tests run first — instead of the set of every member
    /// with such an event in the window, which SQLite builds row by row from the brand's events in
    /// the window (segment (a) of `tessera bench segments`: 1.23 s → 0.60 s at 1M members).
    /// SQLite only: PostgreSQL keeps no summaries (``Migration/memberEventStats`` says why).
    private mutating func summarisedEvent(_ condition: EventCondition) -> String? {
        guard dialect.keepsEventSummaries, Self.summarises(condition) else { return nil }
        let bounds = condition.window?.bounds(in: context) ?? .always
        let from = "FROM member_event_stats s WHERE s.group_id = ? AND s.brand_id = ? AND s.name = ?"
        arguments += [group, brand, .text(condition.matcher.name)]
        let never = condition.count.asksNone
        if let start = bounds.from {
            arguments.append(.int(start))
            return among("s.member_id", from + " AND s.last_at >= ?", negated: never, probe: true)
        }
        if let end = bounds.to {
            arguments.append(.int(end))
            return among("s.member_id", from + " AND s.first_at < ?", negated: never, probe: true)
        }
        return grouped(
            from, member: "s.member_id", aggregate: "MAX(s.times)", condition.count, positiveRows: true, probe: true)
    }

    /// ` AND …` conditions of an event matcher on the events row `alias`.
    private mutating func matcher(_ matcher: EventMatcher, alias: String) -> String {
        var sql = " AND \(alias).name = ?"
        arguments.append(.text(matcher.name))
        if let channel = matcher.channel {
            sql += " AND \(alias).channel = ?"
            arguments.append(.text(channel))
        }
        for key in matcher.properties.keys.sorted() {
            // Keys are letters, digits and `_` only (the parser checks).
            switch dialect {
            case .sqlite:
                sql += " AND json_type(\(alias).properties, '$.\"\(key)\"') = 'text'"
                sql += " AND json_extract(\(alias).properties, '$.\"\(key)\"') = ?"
            case .postgres:
                sql += " AND jsonb_typeof(\(alias).properties -> '\(key)') = 'string'"
                sql += " AND \(alias).properties ->> '\(key)' = ?"
            }
            arguments.append(.text(matcher.properties[key] ?? ""))
        }
        return sql
    }

    /// ` AND value >= from AND value < to` for the window's bounds (the value's own arguments bound
    /// again at each use).
    private mutating func window(_ window: TimeWindow?, _ value: Expression) -> String {
        guard let bounds = window?.bounds(in: context) else { return "" }
        var sql = ""
        for (bound, op) in [(bounds.from, ">="), (bounds.to, "<")] {
            guard let bound else { continue }
            sql += " AND \(value.sql) \(op) ?"
            arguments += value.arguments + [.int(bound)]
        }
        return sql
    }

    /// A purchase condition on at most one of category, product brand, channel and store (and no SKU
    /// or product) reads the purchase projection; others read orders and lines.
    private mutating func purchase(_ condition: PurchaseCondition) -> String {
        let filters: [(String, String?)] = [
            ("category", condition.category), ("productBrand", condition.productBrand), ("channel", condition.channel),
            ("store", condition.store),
        ]
        let given = filters.compactMap { name, value in value.map { (name, $0) } }
        // The projection is ordered by dimension and time, not by member: per member, orders are the index.
        guard given.count <= 1, condition.sku == nil, condition.product == nil, !perMember else {
            return purchaseFromOrders(condition)
        }
        // Every purchase has exactly one `channel` row, so without a filter those rows count them all.
        let (dimension, value) = given.first ?? ("channel", nil)
        arguments += [group, brand, .text(dimension)]
        var sql = "FROM purchase_facts f WHERE f.group_id = ? AND f.brand_id = ? AND f.dimension = ?"
        if let value {
            sql += " AND f.value = ?"
            arguments.append(.text(value))
        }
        sql += window(condition.window, Expression(sql: "f.at"))
        switch condition.measure {
        case .count(let test):
            return grouped(sql, member: "f.member_id", aggregate: "COUNT(*)", test, positiveRows: true)
        case .amount(let test):
            return grouped(sql, member: "f.member_id", aggregate: "CAST(SUM(f.amount_minor) AS BIGINT)", test)
        }
    }

    private mutating func purchaseFromOrders(_ condition: PurchaseCondition) -> String {
        let amountOnly: Bool = if case .amount = condition.measure { true } else { false }
        let value: String
        if amountOnly && condition.filtersItems {
            value = "CAST(COALESCE(SUM(i.quantity * i.unit_price_minor), 0) AS BIGINT)"
        } else if amountOnly {
            value = "CAST(COALESCE(SUM(o.paid_minor - o.refunded_minor), 0) AS BIGINT)"
        } else {
            value = "COUNT(*)"
        }
        let join =
            amountOnly && condition.filtersItems
            ? " JOIN order_items i ON i.group_id = o.group_id AND i.order_id = o.id" : ""
        arguments.append(brand)
        var sql = """
            (SELECT \(value) FROM orders o\(join) WHERE o.group_id = m.group_id AND o.member_id = m.id AND o.brand_id = ? \
            AND o.status IN \(StoreSQL.purchaseStatuses)
            """
        sql += equalities([("o.channel", condition.channel), ("o.store_code", condition.store)])
        sql += window(condition.window, Expression(sql: "COALESCE(o.paid_at, o.placed_at)"))
        if condition.filtersItems {
            let items = itemConditions(condition)
            if amountOnly {
                sql += items
            } else {
                sql += " AND EXISTS (SELECT 1 FROM order_items i WHERE i.group_id = o.group_id AND i.order_id = o.id"
                sql += items + ")"
            }
        }
        switch condition.measure {
        case .count(let test), .amount(let test): return numberTest(sql + ")", test)
        }
    }

    private mutating func itemConditions(_ condition: PurchaseCondition) -> String {
        equalities([
            ("i.category", condition.category), ("i.sku", condition.sku), ("i.product_id", condition.product),
            ("i.brand", condition.productBrand),
        ])
    }

    /// ` AND column = ?` for each pair with a value.
    private mutating func equalities(_ pairs: [(column: String, value: String?)]) -> String {
        var sql = ""
        for (column, value) in pairs {
            guard let value else { continue }
            sql += " AND \(column) = ?"
            arguments.append(.text(value))
        }
        return sql
    }

    private mutating func sequence(_ condition: SequenceCondition) -> String {
        let span = condition.seconds * 1_000_000
        arguments.append(brand)
        var sql =
            "EXISTS (SELECT 1 FROM events a WHERE a.group_id = m.group_id AND a.member_id = m.id AND a.brand_id = ?"
        sql += matcher(condition.first, alias: "a")
        sql += window(condition.window, Expression(sql: "a.occurred_at"))
        sql += " AND a.occurred_at <= ?"
        arguments.append(.int(context.now - span))
        sql += condition.thenHappened ? " AND EXISTS" : " AND NOT EXISTS"
        arguments.append(brand)
        sql += " (SELECT 1 FROM events b WHERE b.group_id = a.group_id AND b.member_id = a.member_id AND b.brand_id = ?"
        sql += matcher(condition.then, alias: "b")
        sql += " AND b.occurred_at >= a.occurred_at AND b.occurred_at <= a.occurred_at + ?))"
        arguments.append(.int(span))
        return sql
    }

}

extension NumberTest {
    /// Of a count: asks only whether there is anything (`>= 1`, `> 0`, `!= 0`).
    fileprivate var asksAny: Bool { !holds(0) && holds(1) && [.greaterOrEqual, .greater, .notEqual].contains(op) }
    /// Of a count: asks only whether there is nothing (`= 0`, `< 1`, `<= 0`).
    fileprivate var asksNone: Bool { holds(0) && !holds(1) && [.equal, .less, .lessOrEqual].contains(op) }
}
