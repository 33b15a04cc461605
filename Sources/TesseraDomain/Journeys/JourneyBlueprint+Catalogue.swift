import Foundation

extension JourneyBlueprint {
    private static let channel = Parameter(
        name: "channel", description: "the channel messages go to (log, or a configured one)",
        defaultValue: .string("log"), range: nil)

    private static func days(_ name: String, _ value: Int64, _ description: String, _ range: ClosedRange<Int64>)
        -> Parameter
    {
        Parameter(name: name, description: description, defaultValue: .number(Decimal(value)), range: range)
    }

    /// The journeys SPEC §7 ships, ready to install.
    public static let all: [JourneyBlueprint] = [
        JourneyBlueprint(
            id: "welcome-series", title: "Welcome series",
            description:
                "A new follower gets a prompt to bind their phone; an hour later the unbound get a reminder; then three weekly nurture messages",
            parameters: [channel],
            messages: [
                Message(
                    name: "welcome_bind", subject: "Welcome to {{brand}}",
                    body: "Welcome! Bind your phone number to become a member and collect points."),
                Message(
                    name: "welcome_bind_reminder", subject: nil,
                    body: "Your member benefits are waiting: bind your phone in one tap."),
                Message(name: "welcome_week1", subject: nil, body: "Week 1: our bestsellers, picked for you."),
                Message(name: "welcome_week2", subject: nil, body: "Week 2: how our members get the most out of us."),
                Message(
                    name: "welcome_week3", subject: nil,
                    body: "Week 3: you have {{member.points}} points. See what they buy."),
            ], segments: [], coupons: [],
            definition: """
                {"entry": {"event": {"name": "follow"}}, "start": "bind_prompt", "maximumEntries": 1,
                 "nodes": {
                   "bind_prompt": {"send": {"channel": "${channel}", "template": "welcome_bind", "next": "hour"}},
                   "hour": {"wait": {"minutes": 60, "next": "bound"}},
                   "bound": {"condition": {"rule": {"compare": {"field": "registered", "op": "=", "value": true}},
                                           "yes": "week1", "no": "bind_reminder"}},
                   "bind_reminder": {"send": {"channel": "${channel}", "template": "welcome_bind_reminder", "next": "week1"}},
                   "week1": {"send": {"channel": "${channel}", "template": "welcome_week1", "next": "wait1"}},
                   "wait1": {"wait": {"days": 7, "next": "week2"}},
                   "week2": {"send": {"channel": "${channel}", "template": "welcome_week2", "next": "wait2"}},
                   "wait2": {"wait": {"days": 7, "next": "week3"}},
                   "week3": {"send": {"channel": "${channel}", "template": "welcome_week3", "next": "end"}},
                   "end": {"exit": {}}}}
                """),
        JourneyBlueprint(
            id: "abandoned-cart", title: "Abandoned cart",
            description:
                "A member who adds to the cart and does not order within the hours given is reminded of what is in it; ordering within three days is the goal",
            parameters: [channel, days("hours", 24, "hours to wait for the order", 1...168)],
            messages: [
                Message(
                    name: "cart_reminder", subject: "Still thinking it over?",
                    body:
                        "{{#member.name}}{{member.name}}, y{{/member.name}}{{^member.name}}Y{{/member.name}}our cart holds {{member.cart.quantity}} items: {{#member.cart.items}}{{name}} {{/member.cart.items}}"
                )
            ], segments: [], coupons: [],
            definition: """
                {"entry": {"event": {"name": "Product Added", "unless": {"name": "Order Completed"}, "unlessHours": ${hours}}},
                 "start": "still_carted", "maximumEntries": 20, "reentryCooldownDays": 1,
                 "nodes": {
                   "still_carted": {"condition": {"rule": {"compare": {"field": "cartQuantity", "op": ">", "value": 0}},
                                                  "yes": "remind", "no": "end"}},
                   "remind": {"send": {"channel": "${channel}", "template": "cart_reminder", "next": "bought"}},
                   "bought": {"waitForEvent": {"event": {"name": "Order Completed"}, "timeoutDays": 3, "next": "won", "timeout": "end"}},
                   "won": {"exit": {"goal": true}},
                   "end": {"exit": {}}}}
                """),
        JourneyBlueprint(
            id: "replenishment", title: "Replenishment",
            description:
                "After a purchase, reminders 14 days before the consumable runs out, when it does, and 14 days after — each only if the member has not bought again",
            parameters: [channel, days("cycleDays", 60, "days a purchase lasts", 28...365)],
            messages: [
                Message(name: "replenish_soon", subject: nil, body: "Running low soon? Restock before you run out."),
                Message(name: "replenish_due", subject: nil, body: "It's about time to restock."),
                Message(name: "replenish_overdue", subject: nil, body: "We miss you: restock today."),
            ], segments: [], coupons: [],
            definition: """
                {"entry": {"event": {"name": "Order Completed"}}, "start": "until_soon", "maximumEntries": 100,
                 "nodes": {
                   "until_soon": {"wait": {"days": ${cycleDays-14}, "next": "soon"}},
                   "soon": {"send": {"channel": "${channel}", "template": "replenish_soon", "next": "until_due"}},
                   "until_due": {"wait": {"days": 14, "next": "bought_before_due"}},
                   "bought_before_due": {"condition": {"rule": {"purchase": {"window": {"lastDays": 14}}}, "yes": "won", "no": "due"}},
                   "due": {"send": {"channel": "${channel}", "template": "replenish_due", "next": "until_overdue"}},
                   "until_overdue": {"wait": {"days": 14, "next": "bought_before_overdue"}},
                   "bought_before_overdue": {"condition": {"rule": {"purchase": {"window": {"lastDays": 14}}}, "yes": "won", "no": "overdue"}},
                   "overdue": {"send": {"channel": "${channel}", "template": "replenish_overdue", "next": "end"}},
                   "won": {"exit": {"goal": true}},
                   "end": {"exit": {}}}}
                """),
        JourneyBlueprint(
            id: "festival-preheat", title: "Festival pre-heat",
            description:
                "Followers active in the last 48 hours get a pre-heat message at the time given and a festival-day message the days after",
            parameters: [
                channel,
                Parameter(
                    name: "preheatAt", description: "when the pre-heat goes out (ISO 8601 with offset)",
                    defaultValue: nil, range: nil),
                days("festivalInDays", 3, "days from the pre-heat to the festival", 1...30),
            ],
            messages: [
                Message(name: "festival_preheat", subject: nil, body: "Something big is coming: save the date."),
                Message(name: "festival_day", subject: nil, body: "It's today! Our festival offers are live."),
            ],
            segments: [
                SegmentNeed(
                    key: "audience", name: "Followers active in 48 hours", template: "active-followers",
                    parameters: ["days": .number(2)])
            ], coupons: [],
            definition: """
                {"entry": {"scheduled": {"segment": "${segment:audience}", "at": "${preheatAt}"}}, "start": "preheat",
                 "nodes": {
                   "preheat": {"send": {"channel": "${channel}", "template": "festival_preheat", "next": "until_festival"}},
                   "until_festival": {"wait": {"days": ${festivalInDays}, "next": "festival"}},
                   "festival": {"send": {"channel": "${channel}", "template": "festival_day", "next": "end"}},
                   "end": {"exit": {}}}}
                """),
        JourneyBlueprint(
            id: "birthday-care", title: "Birthday care",
            description:
                "A week before their birthday members get a birthday coupon; on the day, a greeting. Once a year",
            parameters: [channel],
            messages: [
                Message(
                    name: "birthday_soon", subject: nil,
                    body:
                        "Your birthday is coming{{#member.name}}, {{member.name}}{{/member.name}}: a gift coupon is in your account."
                ),
                Message(name: "birthday_today", subject: nil, body: "Happy birthday from all of us at {{brand}}!"),
            ], segments: [],
            coupons: [
                CouponNeed(
                    key: "gift",
                    template: CouponTemplate(
                        name: "Birthday gift ¥20", benefit: .amountOff(2_000), validity: .daysFromIssue(30),
                        perMemberLimit: 1))
            ],
            definition: """
                {"entry": {"birthday": {"daysBefore": 7}}, "start": "gift", "maximumEntries": 100, "reentryCooldownDays": 300,
                 "nodes": {
                   "gift": {"grant": {"coupon": "${coupon:gift}", "next": "soon"}},
                   "soon": {"send": {"channel": "${channel}", "template": "birthday_soon", "next": "until_day"}},
                   "until_day": {"wait": {"days": 7, "next": "today"}},
                   "today": {"send": {"channel": "${channel}", "template": "birthday_today", "next": "end"}},
                   "end": {"exit": {}}}}
                """),
        JourneyBlueprint(
            id: "dormant-winback", title: "Dormant win-back",
            description:
                "Buyers who have not bought for the days given get up to three waves of richer coupons, a week apart, until they order",
            parameters: [channel, days("dormantDays", 90, "days without a purchase", 30...730)],
            messages: [
                Message(name: "winback_wave1", subject: nil, body: "We miss you: ¥10 off your next order."),
                Message(name: "winback_wave2", subject: nil, body: "Come back for ¥20 off."),
                Message(name: "winback_wave3", subject: nil, body: "Our best offer: ¥50 off, this week only."),
            ],
            segments: [
                SegmentNeed(
                    key: "dormant", name: "Dormant buyers", template: "lapsed-high-value",
                    parameters: ["amount": .number(1), "days": .number(90)])
            ],
            coupons: [
                CouponNeed(
                    key: "wave1",
                    template: CouponTemplate(
                        name: "Win-back ¥10", benefit: .amountOff(1_000), validity: .daysFromIssue(14),
                        perMemberLimit: 1)),
                CouponNeed(
                    key: "wave2",
                    template: CouponTemplate(
                        name: "Win-back ¥20", benefit: .amountOff(2_000), validity: .daysFromIssue(14),
                        perMemberLimit: 1)),
                CouponNeed(
                    key: "wave3",
                    template: CouponTemplate(
                        name: "Win-back ¥50", benefit: .threshold(spendMinor: 20_000, offMinor: 5_000),
                        validity: .daysFromIssue(14), perMemberLimit: 1)),
            ],
            definition: """
                {"entry": {"recurring": {"segment": "${segment:dormant}", "every": "week", "weekday": 2, "time": "10:00"}},
                 "start": "wave1", "maximumEntries": 4, "reentryCooldownDays": ${dormantDays},
                 "nodes": {
                   "wave1": {"grant": {"coupon": "${coupon:wave1}", "next": "send1"}},
                   "send1": {"send": {"channel": "${channel}", "template": "winback_wave1", "next": "wait1"}},
                   "wait1": {"waitForEvent": {"event": {"name": "Order Completed"}, "timeoutDays": 7, "next": "won", "timeout": "wave2"}},
                   "wave2": {"grant": {"coupon": "${coupon:wave2}", "next": "send2"}},
                   "send2": {"send": {"channel": "${channel}", "template": "winback_wave2", "next": "wait2"}},
                   "wait2": {"waitForEvent": {"event": {"name": "Order Completed"}, "timeoutDays": 7, "next": "won", "timeout": "wave3"}},
                   "wave3": {"grant": {"coupon": "${coupon:wave3}", "next": "send3"}},
                   "send3": {"send": {"channel": "${channel}", "template": "winback_wave3", "next": "wait3"}},
                   "wait3": {"waitForEvent": {"event": {"name": "Order Completed"}, "timeoutDays": 7, "next": "won", "timeout": "end"}},
                   "won": {"exit": {"goal": true}},
                   "end": {"exit": {}}}}
                """),
    ]
}
