import Foundation
import Hummingbird
import TesseraCore
import TesseraDomain

/// RFM of the caller's brand: recompute on demand (`write`), read the scores (`read`).
struct RFMRoutes: Sendable {
    let rfm: RFMService

    /// `{"endDate": "1998-06-30", "startDate": "1997-01-01"}` (both optional; local dates in the brand's
    /// time zone; the end defaults to today) → `{"members": 23570, "elapsedMs": 812}`.
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
        struct Answer: Encodable {
            var members: Int
            var elapsedMs: Int64
        }
        return try JSONCoding.response(
            Answer(
                members: members,
                elapsedMs: elapsed.wholeMilliseconds))
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
