import Foundation
import TesseraDomain

/// The loyalty benchmark's redemption load driven by `wrk` (the C load generator, `apt-get install
/// wrk`) instead of the in-process HTTP client: the same requests — four in five a points
/// redemption of 10, one in five the member's coupon, random members, a fresh idempotency key each —
/// from `clients` connections for a fixed time.
///
/// Why: the in-process clients (AsyncHTTPClient, 64 connections) share the server's 2 cores and
/// cost about as much CPU per request as the server does, so that figure is a floor. `wrk` spends
/// a small fraction of that, which leaves the cores to the server and the database, as a real
/// deployment's remote clients would.
struct WrkLoad {
    let executable: String
    let port: Int
    let key: String
    let members: [MemberID]
    let codes: [String]
    let clients: Int
    let seconds: Int

    /// Runs `wrk` and returns what it measured, the answers counted by kind from the response bodies.
    func run() throws -> Bench.Loyalty.RedemptionRun {
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-wrk-\(UUID()).lua")
        try Data(lua.utf8).write(to: script)
        defer { try? FileManager.default.removeItem(at: script) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [
            "-t", "2", "-c", String(clients), "-d", "\(seconds)s", "--timeout", "60s", "-s", script.path,
            "http://127.0.0.1:\(port)",
        ]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0,
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("tessera-wrk ") })
        else { throw WrkError(output: text) }
        let numbers = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard numbers.count == 9, numbers[5] == 0 else { throw WrkError(output: text) }
        return Bench.Loyalty.RedemptionRun(
            seconds: numbers[6] / 1_000_000, p50: numbers[7] / 1_000_000, p99: numbers[8] / 1_000_000,
            pointsOK: Int(numbers[1]), pointsRefused: Int(numbers[2]), couponsOK: Int(numbers[3]),
            couponsRefused: Int(numbers[4]), requests: Int(numbers[0]))
    }

    struct WrkError: Error, CustomStringConvertible {
        let output: String
        var description: String { "wrk failed or answered something unexpected:\n\(output)" }
    }

    /// Lua for `wrk`: the targets, the request mix, answers counted per thread and summed in `done`
    /// as one `tessera-wrk` line (requests, the four kinds of answers, others, duration µs, p50 and
    /// p99 latency µs).
    private var lua: String {
        func list(_ values: [String]) -> String { "{" + values.map { "\"\($0)\"" }.joined(separator: ",") + "}" }
        return """
            local members = \(list(members.map(\.rawValue)))
            local codes = \(list(codes))
            local threads = {}
            function setup(thread)
              thread:set("id", #threads)
              table.insert(threads, thread)
            end
            function init(args)
              counter, pointsOK, pointsRefused, couponsOK, couponsRefused, other = 0, 0, 0, 0, 0, 0
              math.randomseed(id * 7919 + 17)
            end
            function request()
              counter = counter + 1
              local pick = math.random(#members)
              local key = "wrk-" .. id .. "-" .. counter
              local headers = { ["Authorization"] = "Bearer \(key)", ["Idempotency-Key"] = key,
                ["Content-Type"] = "application/json" }
              if math.random(5) == 1 then
                return wrk.format("POST", "/api/v1/loyalty/coupons/" .. codes[pick] .. "/redeem", headers,
                  '{"orderId":"' .. key .. '","cart":{"channel":"pos","items":[{"sku":"x","quantity":1,"unitPriceMinor":5000}]}}')
              end
              return wrk.format("POST", "/api/v1/members/" .. members[pick] .. "/points/redeem", headers,
                '{"points":10,"reason":"bench"}')
            end
            function response(status, headers, body)
              local coupon = string.find(body, "coupon", 1, true) ~= nil
              if status == 200 and coupon then couponsOK = couponsOK + 1
              elseif status == 200 then pointsOK = pointsOK + 1
              elseif status == 422 and coupon then couponsRefused = couponsRefused + 1
              elseif status == 422 then pointsRefused = pointsRefused + 1
              else other = other + 1 end
            end
            function done(summary, latency, requests)
              local sums = { 0, 0, 0, 0, 0 }
              local names = { "pointsOK", "pointsRefused", "couponsOK", "couponsRefused", "other" }
              for _, thread in ipairs(threads) do
                for index, name in ipairs(names) do sums[index] = sums[index] + thread:get(name) end
              end
              io.write(string.format("tessera-wrk %d %d %d %d %d %d %d %d %d\\n", summary.requests, sums[1], sums[2],
                sums[3], sums[4], sums[5], summary.duration, latency:percentile(50), latency:percentile(99)))
            end
            """
    }
}
