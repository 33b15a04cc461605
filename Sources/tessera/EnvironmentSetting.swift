import ArgumentParser
import Logging
import TesseraDomain

/// Settings read from `TESSERA_*` and `LOG_LEVEL` environment variables. A value that does not
/// parse stops the start with an error naming the variable: running on the default instead would
/// hide the typo (`TESSERA_INGEST_MAX_LAG=10m`, `LOG_LEVEL=verbose`) until it mattered.
enum EnvironmentSetting {
    /// The number `name` holds, `fallback` when it is unset.
    static func number<Value: LosslessStringConvertible>(
        _ name: String, in environment: [String: String], default fallback: Value
    ) throws -> Value {
        guard let text = environment[name] else { return fallback }
        guard let value = Value(text.trimmingWhitespace()) else {
            throw ValidationError("\(name) must be a number, not '\(text)'")
        }
        return value
    }

    /// `LOG_LEVEL` (`trace`, `debug`, `info`, `notice`, `warning`, `error`, `critical`; any case),
    /// `info` when it is unset.
    static func logLevel(in environment: [String: String]) throws -> Logger.Level {
        guard let text = environment["LOG_LEVEL"] else { return .info }
        guard let level = Logger.Level(rawValue: text.trimmingWhitespace().lowercased()) else {
            let levels = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("LOG_LEVEL must be one of \(levels), not '\(text)'")
        }
        return level
    }
}
