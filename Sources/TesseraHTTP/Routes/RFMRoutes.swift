import Foundation
import Hummingbird
import TesseraCore
import TesseraDomain

/// RFM of the caller's brand: recompute on demand (`write`), read the scores (`read`), set the
/// window and schedule (`admin`).
struct RFMRoutes: Sendable {
    let rfm: RFMService
    /// Lifecycle stages and dynamic segments that read RFM groups follow each recomputation.
    let derived: DerivedStateService

    /// `{"endDate": "1998-06-30", "startDate": "1997-01-01"}` (both optional; local dates in the brand's
    /// time zone; the end defaults to today, the start to the brand's window) →
    /// `{"members": 23570, "elapsedMs": 812}`; then stages and segments on RFM groups are refreshed.
    func compute(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.write)
        let reader = try await RequestBody.fields(request, context: context)
        func day(_ key: String) throws -> Int64? {
            guard let text = try reader.string(key) else { return nil }
            guard let day = CivilDate.day(of: text) else {
                throw FieldError(path: "$.\(key)", reason: "expected a date YYYY-MM-DD")
            }
            return day
        }
        let (end, start) = (try day("endDate"), try day("startDate"))
        if let end, let start, start > end {
            throw FieldError(path: "$.startDate", reason: "must not be after endDate")
        }
        let started = ContinuousClock.now
        let members = try await rfm.compute(
            group: principal.groupID, brand: principal.brandID, endDay: end, startDay: start
        ).members
        let elapsed = ContinuousClock.now - started
        try await derived.recompute(group: principal.groupID, brand: principal.brandID)
        struct Answer: Encodable {
            var members: Int
            var elapsedMs: Int64
        }
        return try JSONCoding.response(
            Answer(
                members: members,
                elapsedMs: elapsed.wholeMilliseconds))
    }

    /// `GET /api/v1/rfm/settings` → `{"windowDays": 730, "scheduled": true}` (`windowDays` absent: all
    /// history).
    func settings(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        return try JSONCoding.response(
            try await rfm.store.rfmSettings(group: principal.groupID, brand: principal.brandID))
    }

    /// `PUT /api/v1/rfm/settings {"windowDays": 730, "scheduled": true}`: the window (1 to 3,660 local
    /// days; omit or null for all history) and whether the refresh job recomputes RFM daily.
    func saveSettings(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.admin)
        let json = try await RequestBody.json(request, context: context)
        guard case .object(let object) = json else { throw FieldError(path: "$", reason: "expected an object") }
        for key in object.keys.sorted() where key != "windowDays" && key != "scheduled" {
            throw FieldError(path: "$.\(key)", reason: "unknown key; expected windowDays or scheduled")
        }
        var settings = RFMSettings()
        switch object["windowDays"] {
        case nil, .null?: break
        case .number(let days)?:
            guard let whole = Int(exactly: NSDecimalNumber(decimal: days).doubleValue), (1...3_660).contains(whole)
            else { throw FieldError(path: "$.windowDays", reason: "expected a whole number of days, 1 to 3,660") }
            settings.windowDays = whole
        default: throw FieldError(path: "$.windowDays", reason: "expected a whole number of days, 1 to 3,660")
        }
        switch object["scheduled"] {
        case nil, .null?: break
        case .bool(let flag)?: settings.scheduled = flag
        default: throw FieldError(path: "$.scheduled", reason: "expected true or false")
        }
        try await rfm.store.saveRFMSettings(settings, group: principal.groupID, brand: principal.brandID, at: Date())
        return try JSONCoding.response(settings)
    }

    /// `?limit=&cursor=&identifierType=external` → scores in member id order.
    func list(_ request: Request, _ context: TesseraContext) async throws -> Response {
        let principal = try context.require(.read)
        let limit = try TesseraServer.limit(request)
        let identifierType = request.uri.queryParameters["identifierType"].map(String.init)
        let rows = try await rfm.store.rfmScores(
            group: principal.groupID, brand: principal.brandID,
            after: request.uri.queryParameters["cursor"].map(String.init), limit: limit, identifierType: identifierType)
        struct Entry: Encodable {
            var member: String
            var identifier: String?
            var frequency: Int64
            var recency: Int64
            var T: Int64
            /// `lifetimes`' monetary value in minor units; `repeatSumMinor / frequency` exactly.
            var monetaryValue: Double
            var repeatSumMinor: Int64
            var totalMinor: Int64
            var r: Int
            var f: Int
            var m: Int
            var group: RFMGroup
        }
        struct Page: Encodable {
            var scores: [Entry]
            var nextCursor: String?
        }
        let entries = rows.map { row in
            let summary = row.score.summary
            return Entry(
                member: summary.member, identifier: row.identifier, frequency: summary.frequency,
                recency: summary.recency, T: summary.age, monetaryValue: summary.monetaryValueMinor,
                repeatSumMinor: summary.repeatSumMinor, totalMinor: summary.totalMinor, r: row.score.r, f: row.score.f,
                m: row.score.m, group: row.score.group)
        }
        return try JSONCoding.response(
            Page(scores: entries, nextCursor: entries.count == limit ? entries.last?.member : nil))
    }
}
