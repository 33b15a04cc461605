import Foundation
import TesseraDomain

/// Replaces a brand's RFM scores in one transaction, writing them a chunk at a time: the rows of
/// one chunk are built only when the chunk is written, so a computation holds its scores and one
/// chunk's statements, not a bound value per column of every score at once.
///
/// Over 841,635 members on PostgreSQL (the 1M-member benchmark data set), building every row first
/// peaked at 1.08 GB and took 6.8–9.5 s to write (BENCHMARKS.md, session 37).
struct ReplaceRFMProgram: SQLProgram {
    let scores: [RFMScore]
    let group: GroupID
    let brand: BrandID
    let at: Date
    /// Scores written so far in this run of the program.
    private var written = 0

    init(scores: [RFMScore], group: GroupID, brand: BrandID, at: Date) {
        self.scores = scores
        self.group = group
        self.brand = brand
        self.at = at
    }

    /// Scores per chunk: a power of two, so ``SQLBuilder/insert(into:columns:markers:rows:suffix:)``
    /// splits it into equal statements (and PostgreSQL joins those into one `unnest`). Sizes from
    /// 2,048 to 32,768 wrote 841,635 scores alike; larger ones only held more (session 37).
    static let chunkSize = 8_192

    private static let columns = [
        "group_id", "brand_id", "member_id", "frequency", "recency_days", "age_days", "repeat_sum_minor",
        "total_minor", "r", "f", "m", "rfm_group", "computed_at",
    ]

    mutating func start() -> SQLStep<Void> {
        written = 0
        return .execute(
            [
                SQLStatement(
                    "DELETE FROM rfm_scores WHERE group_id = ? AND brand_id = ?",
                    [.text(group.rawValue), .text(brand.rawValue)])
            ] + nextChunk())
    }

    mutating func resume(_ rows: [SQLRow]) -> SQLStep<Void> {
        written < scores.count ? .execute(nextChunk()) : .done(())
    }

    private mutating func nextChunk() -> [SQLStatement] {
        let chunk = scores[written..<min(written + Self.chunkSize, scores.count)]
        written = chunk.endIndex
        guard !chunk.isEmpty else { return [] }
        let (g, b, now) = (
            SQLValue.text(group.rawValue), SQLValue.text(brand.rawValue), SQLValue.int(Timestamp.micros(at))
        )
        return SQLBuilder.insert(
            into: "rfm_scores", columns: Self.columns,
            rows: chunk.map { score in
                let summary = score.summary
                return [
                    g, b, .text(summary.member), .int(summary.frequency), .int(summary.recency), .int(summary.age),
                    .int(summary.repeatSumMinor), .int(summary.totalMinor), .int(Int64(score.r)),
                    .int(Int64(score.f)), .int(Int64(score.m)), .text(score.group.rawValue), now,
                ]
            })
    }
}
