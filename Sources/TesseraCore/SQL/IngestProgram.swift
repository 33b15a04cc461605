import Foundation
import TesseraDomain

/// Batch ingest as a ``SQLProgram``: read the identity snapshot, plan, write — in one transaction.
///
/// Reads are set-based (one query each for known keys, identifier owners, owner states and
/// existing orders) and writes are multi-row, so a batch of 100 messages costs about a dozen
/// round trips on PostgreSQL however many members it touches.
struct IngestProgram: SQLProgram {
    let dialect: SQLDialect
    let group: GroupID
    let identifiers: [Identifier]
    /// Each message's identifiers: which owners' states the planner can need (``IdentitySnapshot``).
    let identifiersByMessage: [[Identifier]]
    let keys: [String]
    let orderKeys: [OrderKey]
    let receivedAt: Date
    let ids: any IDGenerator
    let plan: @Sendable (IdentitySnapshot, Set<String>) throws -> IngestPlan
    /// The event names of the batch: the journeys they may enter members into are read up front.
    let eventNames: [String]

    private var phase = Phase.setup
    private var knownKeys: Set<String> = []
    private var snapshot = IdentitySnapshot()
    private var existingOrders: [OrderKey: StoredOrder] = [:]
    /// Event names that earn points or growth in some brand: such events join the loyalty queue.
    private var earningEvents: Set<EarningEvent> = []
    /// Published journeys entered by the batch's event names.
    private var triggers: [JourneyTrigger] = []
    private var journeysLive = false

    struct EarningEvent: Hashable, Sendable {
        var brand: String
        var name: String
    }
    private var result: IngestPlan?

    struct OrderKey: Hashable, Sendable {
        var brand: String
        var externalID: String
    }

    struct StoredOrder: Sendable {
        var id: String
        var status: OrderStatus
        var refundedMinor: Int64
    }

    private enum Phase { case setup, keys, owners, states, orders, earning, journeys, written }

    init(
        dialect: SQLDialect, group: GroupID, identifiersByMessage: [[Identifier]], keys: [String],
        orderKeys: [OrderKey],
        receivedAt: Date, ids: any IDGenerator, eventNames: Set<String> = [],
        plan: @escaping @Sendable (IdentitySnapshot, Set<String>) throws -> IngestPlan
    ) {
        self.eventNames = eventNames.sorted()
        self.dialect = dialect
        self.group = group
        self.identifiers = Set(identifiersByMessage.joined()).sorted()
        self.identifiersByMessage = identifiersByMessage
        self.keys = keys
        self.orderKeys = Array(Set(orderKeys))
        self.receivedAt = receivedAt
        self.ids = ids
        self.plan = plan
    }

    private var g: SQLValue { .text(group.rawValue) }

    mutating func start() throws -> SQLStep<IngestPlan> {
        if dialect == .postgres {
            // Every statement here is a key lookup or a keyed write. On a young table (no statistics
            // yet) the planner picks sequential scans and hash joins that grow with the table; forbid
            // them for this transaction only, leaving index nested loops — in one statement, one
            // round trip (`set_config(…, true)` is `SET LOCAL`).
            phase = .setup
            var statements = [
                SQLStatement(
                    """
                    SELECT set_config('enable_seqscan', 'off', true), set_config('enable_hashjoin', 'off', true), \
                    set_config('enable_mergejoin', 'off', true)
                    """, [])
            ]
            if !identifiers.isEmpty {
                // Batches that name the same identifier take turns (transaction advisory locks, taken
                // in one sorted order so they cannot deadlock); unrelated batches run in parallel.
                // Without this, two batches creating the same new person both insert it and one
                // must be retried from the start.
                let names = SQLBuilder.unnest(
                    types: ["TEXT"], rows: identifiers.map { [.text(group.rawValue + "\u{1}" + $0.description)] })
                statements.append(
                    SQLStatement(
                        "SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtextextended(name, 0) AS k FROM "
                            + "\(names.sql) AS w(name) ORDER BY k) AS s", names.arguments))
            }
            return .execute(statements)
        }
        return try keysQuery()
    }

    private mutating func keysQuery() throws -> SQLStep<IngestPlan> {
        phase = .keys
        guard !keys.isEmpty else { return try resume([]) }
        // Lookups join a list of rows (``lookup(_:_:)``) that carries the group in every row: each
        // row becomes one probe of the key index on both databases, whatever the planner believes
        // about the group.
        return lookup(keys.map { [g, .text($0)] }) {
            "SELECT e.idempotency_key FROM \($0) JOIN events e ON e.group_id = w.column1 AND e.idempotency_key = w.column2"
        }
    }

    mutating func resume(_ rows: [SQLRow]) throws -> SQLStep<IngestPlan> {
        switch phase {
        case .setup:
            return try keysQuery()
        case .keys:
            knownKeys = Set(rows.compactMap { $0.text(0) })
            phase = .owners
            guard !identifiers.isEmpty else { return try resume([]) }
            // A join, not `(type, value) IN (VALUES …)`: SQLite answers the IN form by scanning the
            // group's identifiers instead of probing the key.
            return lookup(identifiers.map { [g, .text($0.type.rawValue), .text($0.value)] }) {
                "SELECT i.type, i.value, i.member_id FROM \($0) JOIN member_identifiers i "
                    + "ON i.group_id = w.column1 AND i.type = w.column2 AND i.value = w.column3"
            }
        case .owners:
            for row in rows {
                guard let type = row.text(0), let value = row.text(1), let member = row.text(2) else { continue }
                snapshot.owners[Identifier(storedType: IdentifierType(rawValue: type), storedValue: value)] = MemberID(
                    member)
            }
            phase = .states
            // Only owners whose state resolution can read are loaded; the rest get an unread state.
            let needed = IdentitySnapshot.ownersNeedingState(owners: snapshot.owners, messages: identifiersByMessage)
            for owner in Set(snapshot.owners.values) where !needed.contains(owner) {
                snapshot.members[owner] = IdentitySnapshot.unreadState(for: owner)
            }
            let members = needed.sorted()
            guard !members.isEmpty else { return try resume([]) }
            return lookup(members.map { [g, .text($0.rawValue)] }) {
                """
                SELECT m.id, m.registered, i.type, count(i.type) FROM \($0) JOIN members m \
                ON m.group_id = w.column1 AND m.id = w.column2 LEFT JOIN member_identifiers i \
                ON i.group_id = m.group_id AND i.member_id = m.id GROUP BY m.id, m.registered, i.type
                """
            }
        case .states:
            for row in rows {
                guard let id = row.text(0).map({ MemberID($0) }) else { continue }
                var state =
                    snapshot.members[id] ?? MemberIdentityState(id: id, registered: row.bool(1), identifierCounts: [:])
                if let type = row.text(2) {
                    state.identifierCounts[IdentifierType(rawValue: type)] = Int(row.int(3) ?? 0)
                }
                snapshot.members[id] = state
            }
            phase = .orders
            guard !orderKeys.isEmpty else { return try resume([]) }
            return lookup(orderKeys.map { [g, .text($0.brand), .text($0.externalID)] }) {
                "SELECT o.brand_id, o.external_id, o.id, o.status, o.refunded_minor FROM \($0) "
                    + "JOIN orders o ON o.group_id = w.column1 AND o.brand_id = w.column2 AND o.external_id = w.column3"
            }
        case .orders:
            for row in rows {
                guard let brand = row.text(0), let external = row.text(1), let id = row.text(2),
                    let status = row.text(3).flatMap(OrderStatus.init(rawValue:))
                else { continue }
                existingOrders[OrderKey(brand: brand, externalID: external)] = StoredOrder(
                    id: id, status: status, refundedMinor: row.int(4) ?? 0)
            }
            phase = .earning
            return .query(
                SQLStatement("SELECT brand_id, name FROM loyalty_event_names WHERE group_id = ?", [g]))
        case .earning:
            earningEvents = Set(rows.map { EarningEvent(brand: $0.text(0) ?? "", name: $0.text(1) ?? "") })
            phase = .journeys
            guard !eventNames.isEmpty else { return try resume([]) }
            let select = JourneyTrigger.select(group: group, names: eventNames)
            return .query(
                SQLStatement(
                    select.sql + """
                         UNION ALL SELECT NULL, NULL, NULL, NULL, NULL, NULL WHERE EXISTS \
                        (SELECT 1 FROM journeys WHERE group_id = ? AND status = 'published')
                        """, select.arguments + [g]))
        case .journeys:
            // The row of NULLs says some journey is live, so runs may wait for the batch's events.
            journeysLive = !rows.isEmpty
            triggers = rows.compactMap { JourneyTrigger.parse($0)?.trigger }
            let planned = try plan(snapshot, knownKeys)
            result = planned
            phase = .written
            return .execute(writes(for: planned))
        case .written:
            guard let result else { preconditionFailure("ingest program resumed before planning") }
            return .done(result)
        }
    }

    /// A lookup of text `rows`, joined as `w` (columns `column1`, `column2`…) by the query `select`
    /// makes of that table's SQL. Either way its statements' texts do not vary with the batch, so
    /// each is prepared once: on PostgreSQL one statement over an `unnest` of one array per column
    /// (a `VALUES` list of a thousand rows was parsed and planned again for each batch); on SQLite
    /// `VALUES` lists of the few sizes of ``SQLBuilder/chunks(_:largest:)`` (compiling a list of
    /// each batch's own length took two thirds of the lookups' time).
    private func lookup(_ rows: [[SQLValue]], _ select: (String) -> String) -> SQLStep<IngestPlan> {
        let width = rows.first?.count ?? 0
        guard dialect == .postgres else {
            return .queries(
                SQLBuilder.chunks(rows).map { chunk in
                    SQLStatement(
                        select("(VALUES \(SQLBuilder.tuples(count: chunk.count, width: width))) AS w"),
                        chunk.flatMap { $0 })
                })
        }
        let table = SQLBuilder.unnest(types: Array(repeating: "TEXT", count: width), rows: rows)
        let names = (1...max(1, width)).map { "column\($0)" }.joined(separator: ", ")
        return .query(SQLStatement(select(table.sql + " AS w(\(names))"), table.arguments))
    }

    // MARK: - Writes

    private func writes(for plan: IngestPlan) -> [SQLStatement] {
        let now = SQLValue.int(Timestamp.micros(receivedAt))
        var statements = newMembers(plan.newMembers, deltas: plan.memberDeltas)
        statements += SQLBuilder.insert(
            into: "member_identifiers", columns: ["group_id", "type", "value", "member_id", "created_at"],
            rows: plan.identifiers.map {
                [g, .text($0.identifier.type.rawValue), .text($0.identifier.value), .text($0.member.rawValue), now]
            })
        statements += SQLBuilder.insert(
            into: "merge_candidates",
            columns: ["group_id", "id", "member_id", "other_member_id", "identifier", "reason", "created_at"],
            rows: plan.candidates.map {
                [
                    g, .text(ids.next()), .text($0.member.rawValue), .text($0.other.rawValue), .text($0.identifier),
                    .text($0.reason), now,
                ]
            }, suffix: "ON CONFLICT (group_id, member_id, other_member_id) DO NOTHING")
        statements += SQLBuilder.insert(
            into: "events", columns: DomainEventSQL.columns,
            markers: Array(repeating: "?", count: 11) + [dialect == .postgres ? "?::jsonb" : "?"],
            rows: plan.events.map { event in
                let member = SQLValue.optional(event.member?.rawValue)
                return [
                    g, .text(event.id.rawValue), .text(event.idempotencyKey), member, member,
                    .optional(event.brandID?.rawValue), .text(event.kind.rawValue), .optional(event.name),
                    .text(event.channel), .int(Timestamp.micros(event.occurredAt)), now,
                    .text(event.properties.jsonText),
                ]
            })
        statements += CartsAndFollowsSQL.recordChanges(group: group, events: plan.events)
        let created = Set(plan.newMembers)
        let deltas = plan.memberDeltas.sorted { $0.key < $1.key }
        statements += memberUpdates(deltas.filter { !created.contains($0.key) })
        statements += activity(deltas)
        statements += orderWrites(plan.orders)
        statements += SQLBuilder.insert(
            into: "loyalty_queue", columns: ["group_id", "kind", "ref", "due_at"],
            rows: plan.events.compactMap { event in
                guard event.member != nil, let brand = event.brandID?.rawValue, let name = event.name,
                    earningEvents.contains(EarningEvent(brand: brand, name: name))
                else { return nil }
                return [g, .text(LoyaltyQueueItem.Kind.event.rawValue), .text(event.id.rawValue), now]
            }, suffix: "ON CONFLICT (group_id, kind, ref) DO NOTHING")
        for merge in plan.merges {
            statements += StoreSQL.merge(
                dialect: dialect, group: group, survivor: merge.survivor, merged: merge.merged, actor: "oneid",
                reason: "prospect absorbed when an incoming record linked it to this member", id: ids.next(),
                at: receivedAt)
        }
        let survivors = Set(plan.merges.map(\.survivor))
        let buyers = Set(plan.orders.compactMap(\.member)).subtracting(survivors).sorted()
        for member in buyers {
            statements += StoreSQL.recompute(
                group: group, member: member, events: false, at: receivedAt, projectPurchases: false)
        }
        statements += PurchaseFactsSQL.refresh(group: group, members: buyers)
        statements += journeyEntries(plan.events)
        // Survivors were re-projected by their merge; anyone else whose cart or follow status may
        // have changed is re-projected here, after their events and orders are written.
        let shoppers = Set(plan.events.filter(CartsAndFollowsSQL.concerns).compactMap(\.member)).union(buyers)
        statements += CartsAndFollowsSQL.refresh(group: group, members: shoppers.subtracting(survivors).sorted())
        return statements
    }

    /// Enters the members of matching events into published journeys (the guardrails decide in
    /// SQL), and wakes runs waiting for one of the batch's events — in the ingest transaction, so an
    /// accepted event never misses its journey.
    private func journeyEntries(_ events: [PlannedEvent]) -> [SQLStatement] {
        let now = Timestamp.micros(receivedAt)
        let candidates = events.compactMap { event -> JourneyTrigger.Event? in
            guard let member = event.member, let brand = event.brandID, let name = event.name else { return nil }
            return JourneyTrigger.Event(
                id: event.id.rawValue, member: member, brand: brand,
                fact: EventFact(
                    name: name, channel: event.channel, occurredAt: Timestamp.micros(event.occurredAt),
                    properties: event.properties.objectValue ?? [:]))
        }
        let statements = JourneyTrigger.entries(candidates, triggers: triggers, group: group, ids: ids, now: now)
        guard journeysLive else { return statements }
        return statements
            + JourneyTrigger.wake(
                group: group, members: events.compactMap(\.member),
                names: Array(Set(events.compactMap(\.name))).sorted(), now: now)
    }

    /// The batch's new members, inserted with what the batch knows of them — the values the
    /// update of an existing member (``memberUpdates(_:)``) would give a row holding the defaults
    /// — so that each is written once rather than inserted and then updated.
    private func newMembers(_ members: [MemberID], deltas: [MemberID: MemberDelta]) -> [SQLStatement] {
        let now = SQLValue.int(Timestamp.micros(receivedAt))
        // Patched into the empty object, as the update patches the column's default.
        let json = dialect == .sqlite ? "json_patch('{}', ?)" : "?::jsonb"
        return SQLBuilder.insert(
            into: "members",
            columns: [
                "group_id", "id", "sample", "created_at", "updated_at", "kind", "event_count", "first_seen_at",
                "last_seen_at", "registered", "has_contact",
            ] + Self.profileColumns + Self.patchedColumns,
            markers: Array(repeating: "?", count: 11 + Self.profileColumns.count) + [json, json, json],
            rows: members.map { member in
                let delta = deltas[member] ?? MemberDelta()
                let kind = CustomerKind.derive(registered: delta.registers, orderCount: 0, hasContact: delta.hasContact)
                return [
                    g, .text(member.rawValue), .int(SegmentEstimate.bucket(of: member)), now, now, .text(kind.rawValue),
                ]
                    + Self.values(of: delta)
            })
    }

    /// The profile columns a delta sets when it has a value (`coalesce` on update).
    private static let profileColumns = [
        "name", "gender", "birthday", "region", "city", "source_channel", "home_store", "guide", "joined_at",
    ]
    /// The JSON columns a delta patches.
    private static let patchedColumns = ["consent", "attributes", "traits"]

    /// A delta as column values: event count, first and last seen, registers, has a contact, then
    /// ``profileColumns`` and ``patchedColumns`` — shared by the insert of a new member and the
    /// update of an existing one, so that the two cannot drift apart.
    private static func values(of delta: MemberDelta) -> [SQLValue] {
        let profile = delta.profile
        return [
            .int(Int64(delta.eventCount)), .optional(delta.firstSeenAt.map(Timestamp.micros)),
            .optional(delta.lastSeenAt.map(Timestamp.micros)), .bool(delta.registers), .bool(delta.hasContact),
            .optional(profile.name), .optional(profile.gender), .optional(profile.birthday), .optional(profile.region),
            .optional(profile.city), .optional(profile.sourceChannel), .optional(profile.homeStoreCode),
            .optional(profile.guideCode), .optional(profile.joinedAt.map(Timestamp.micros)),
            .text(JSONValue.object(profile.consent.mapValues(JSONValue.bool)).jsonText),
            .text(JSONValue.object(profile.attributes).jsonText), .text(JSONValue.object(profile.traits).jsonText),
        ]
    }

    /// Folds the batch's deltas into members that existed before it.
    private func memberUpdates(_ deltas: [(key: MemberID, value: MemberDelta)]) -> [SQLStatement] {
        guard !deltas.isEmpty else { return [] }
        let least = dialect == .sqlite ? "min" : "LEAST"
        let greatest = dialect == .sqlite ? "max" : "GREATEST"
        let patch = { (column: String) in
            self.dialect == .sqlite
                ? "\(column) = json_patch(members.\(column), u.\(column))"
                : "\(column) = members.\(column) || u.\(column)::jsonb"
        }
        // The group travels in every row and the join uses it, rather than `members.group_id = ?`:
        // a constant makes PostgreSQL's planner scan the whole group when its statistics are young.
        let columns: [(name: String, type: String)] = [
            ("g", "TEXT"), ("id", "TEXT"), ("n", "BIGINT"), ("first_seen", "BIGINT"), ("last_seen", "BIGINT"),
            ("reg", "BOOLEAN"),
            ("contact", "BOOLEAN"), ("name", "TEXT"), ("gender", "TEXT"), ("birthday", "TEXT"), ("region", "TEXT"),
            ("city", "TEXT"), ("source_channel", "TEXT"), ("home_store", "TEXT"), ("guide", "TEXT"),
            ("joined_at", "BIGINT"), ("consent", "TEXT"), ("attributes", "TEXT"), ("traits", "TEXT"), ("at", "BIGINT"),
        ]
        let now = SQLValue.int(Timestamp.micros(receivedAt))
        var statements: [SQLStatement] = []
        // PostgreSQL takes the whole batch as one `unnest`; SQLite's compound SELECT stays bounded.
        for chunk in dialect == .postgres ? [deltas[...]] : SQLBuilder.chunks(deltas, largest: 128) {
            let rows: [[SQLValue]] = chunk.map { member, delta in
                [g, .text(member.rawValue)] + Self.values(of: delta) + [now]
            }
            let table = SQLBuilder.derivedTable(columns: columns, rows: rows, dialect: dialect)
            let assignments =
                [
                    "event_count = members.event_count + u.n",
                    "first_seen_at = \(least)(coalesce(members.first_seen_at, u.first_seen), coalesce(u.first_seen, members.first_seen_at))",
                    "last_seen_at = \(greatest)(coalesce(members.last_seen_at, u.last_seen), coalesce(u.last_seen, members.last_seen_at))",
                    "registered = (members.registered OR u.reg)",
                    "has_contact = (members.has_contact OR u.contact)",
                    "kind = "
                        + StoreSQL.kindExpression(
                            registered: "members.registered OR u.reg", orderCount: "members.order_count",
                            hasContact: "members.has_contact OR u.contact"),
                ] + Self.profileColumns.map { "\($0) = coalesce(u.\($0), members.\($0))" }
                + Self.patchedColumns.map(patch) + ["updated_at = u.at"]
            statements.append(
                SQLStatement(
                    "UPDATE members SET \(assignments.joined(separator: ", ")) FROM (\(table.sql)) AS "
                        + SQLBuilder.derivedAlias(columns, dialect: dialect) + " "
                        + "WHERE members.group_id = u.g AND members.id = u.id",
                    table.arguments))
        }
        return statements
    }

    /// Every touched member's latest activity per channel, and the brands they joined.
    private func activity(_ deltas: [(key: MemberID, value: MemberDelta)]) -> [SQLStatement] {
        let greatest = dialect == .sqlite ? "max" : "GREATEST"
        var channelRows: [[SQLValue]] = []
        var brandRows: [[SQLValue]] = []
        for (member, delta) in deltas {
            for (channel, seen) in delta.channelLastSeen.sorted(by: { $0.key < $1.key }) {
                channelRows.append([g, .text(member.rawValue), .text(channel), .int(Timestamp.micros(seen))])
            }
            for brand in delta.brands.sorted() {
                brandRows.append([
                    g, .text(member.rawValue), .text(brand.rawValue),
                    .int(Timestamp.micros(delta.firstSeenAt ?? receivedAt)),
                ])
            }
        }
        return SQLBuilder.insert(
            into: "member_channels", columns: ["group_id", "member_id", "channel", "last_seen_at"], rows: channelRows,
            suffix: "ON CONFLICT (group_id, member_id, channel) DO UPDATE SET last_seen_at = "
                + "\(greatest)(member_channels.last_seen_at, excluded.last_seen_at)")
            + SQLBuilder.insert(
                into: "member_brands", columns: ["group_id", "member_id", "brand_id", "joined_at"], rows: brandRows,
                suffix: "ON CONFLICT (group_id, member_id, brand_id) DO NOTHING")
    }

    private func orderWrites(_ orders: [(member: MemberID?, order: OrderInput, brandID: BrandID?)]) -> [SQLStatement] {
        var stored = existingOrders
        var statements: [SQLStatement] = []
        // One queue row per order even when a batch changes it twice (PostgreSQL refuses an
        // upsert that touches a row twice).
        var queued: [String] = []
        for (member, order, brandID) in orders {
            let key = OrderKey(brand: brandID?.rawValue ?? "", externalID: order.externalID)
            let status = order.effectiveStatus
            let at = SQLValue.int(Timestamp.micros(order.occurredAt))
            let paidAt: SQLValue = status == .placed || status == .cancelled ? .null : at
            let refundedAt: SQLValue = order.refundedMinor > 0 ? at : .null
            let id: String
            if let existing = stored[key] {
                guard order.supersedes((existing.status, existing.refundedMinor)) else { continue }
                id = existing.id
                if order.isFullRefundOfStoredOrder {
                    statements.append(
                        SQLStatement(
                            """
                            UPDATE orders SET status = 'refunded', refunded_minor = paid_minor, refunded_at = ?, \
                            updated_at = ? WHERE group_id = ? AND id = ?
                            """, [at, at, g, .text(id)]))
                    // The paid amount is only in the database here; a full refund is final, so record it
                    // as refunding everything and no later message in this batch can supersede it.
                    stored[key] = StoredOrder(id: id, status: .refunded, refundedMinor: Int64.max)
                    queued.append(id)
                    continue
                }
                statements.append(
                    SQLStatement(
                        """
                        UPDATE orders SET status = ?, total_minor = ?, discount_minor = ?, paid_minor = ?, refunded_minor = ?, \
                        coupon_code = coalesce(?, coupon_code), paid_at = coalesce(paid_at, ?), \
                        refunded_at = coalesce(?, refunded_at), member_id = coalesce(member_id, ?), \
                        origin_member_id = coalesce(origin_member_id, ?), updated_at = ? WHERE group_id = ? AND id = ?
                        """,
                        [
                            .text(status.rawValue), .int(order.totalMinor), .int(order.discountMinor),
                            .int(order.paidMinor),
                            .int(order.refundedMinor), .optional(order.couponCode), paidAt, refundedAt,
                            .optional(member?.rawValue), .optional(member?.rawValue), at, g, .text(id),
                        ]))
                if !order.items.isEmpty {
                    statements.append(
                        SQLStatement("DELETE FROM order_items WHERE group_id = ? AND order_id = ?", [g, .text(id)]))
                }
            } else {
                id = ids.next()
                statements.append(
                    SQLStatement(
                        """
                        INSERT INTO orders (group_id, id, brand_id, external_id, member_id, origin_member_id, channel, \
                        store_code, guide_code, status, currency, total_minor, discount_minor, paid_minor, refunded_minor, \
                        coupon_code, placed_at, paid_at, refunded_at, updated_at) VALUES \
                        (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                        [
                            g, .text(id), .text(key.brand), .text(order.externalID), .optional(member?.rawValue),
                            .optional(member?.rawValue), .text(order.channel), .optional(order.storeCode),
                            .optional(order.guideCode), .text(status.rawValue), .text(order.currency),
                            .int(order.totalMinor),
                            .int(order.discountMinor), .int(order.paidMinor), .int(order.refundedMinor),
                            .optional(order.couponCode), at, paidAt, refundedAt, at,
                        ]))
            }
            stored[key] = StoredOrder(id: id, status: status, refundedMinor: order.refundedMinor)
            if !key.brand.isEmpty { queued.append(id) }
            statements += SQLBuilder.insert(
                into: "order_items",
                columns: [
                    "group_id", "order_id", "line", "sku", "product_id", "name", "category", "brand", "quantity",
                    "unit_price_minor",
                ],
                rows: order.items.enumerated().map { line, item in
                    [
                        g, .text(id), .int(Int64(line + 1)), .text(item.sku), .optional(item.productID),
                        .optional(item.name),
                        .optional(item.category), .optional(item.brand), .int(Int64(item.quantity)),
                        .int(item.unitPriceMinor),
                    ]
                })
        }
        // Every paid, refunded or otherwise changed order is reconciled by the loyalty worker; a
        // change while it waits (a refund in the holding period) makes it due again now.
        statements += SQLBuilder.insert(
            into: "loyalty_queue", columns: ["group_id", "kind", "ref", "due_at"],
            rows: Array(Set(queued)).sorted().map {
                [g, .text(LoyaltyQueueItem.Kind.order.rawValue), .text($0), .int(Timestamp.micros(receivedAt))]
            },
            suffix: "ON CONFLICT (group_id, kind, ref) DO UPDATE SET due_at = excluded.due_at")
        return statements
    }
}
