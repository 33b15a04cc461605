import Foundation
import Logging
import TesseraDomain

/// One JSON object per line (`{"ts":…,"level":…,"label":…,"message":…,"metadata":{…}}`), for log
/// collectors. Chosen with `--log-format json` or `TESSERA_LOG_FORMAT=json`.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        var object: [String: JSONValue] = [
            "ts": .string(Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))),
            "level": .string(event.level.rawValue), "label": .string(label), "message": .string("\(event.message)"),
            "source": .string(event.source),
        ]
        if !merged.isEmpty { object["metadata"] = Self.json(.dictionary(merged)) }
        FileHandle.standardError.write(Data((JSONValue.object(object).jsonText + "\n").utf8))
    }

    static func json(_ value: Logger.MetadataValue) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .stringConvertible(let convertible): .string(convertible.description)
        case .array(let items): .array(items.map(json))
        case .dictionary(let members): .object(members.mapValues(json))
        }
    }
}
