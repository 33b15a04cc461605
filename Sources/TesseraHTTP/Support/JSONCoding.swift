import Foundation
import TesseraDomain
import Hummingbird
import NIOCore

/// The API's JSON conventions: camelCase keys, ISO-8601 times in UTC, sorted keys.
enum JSONCoding {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}

extension JSONCoding {
    /// Decodes a whole typed document (configuration such as the loyalty programme), turning the
    /// decoder's complaint into a field error at the JSON path it concerns. The body is first read
    /// by ``JSONParser``, so it meets the same rules as every other body (nesting, number range),
    /// unknown keys included, which `JSONDecoder` would skip unread.
    static func decode<Value: Decodable>(_ type: Value.Type, from buffer: ByteBuffer) throws -> Value {
        try decodeWithFields(type, from: buffer).value
    }

    /// ``decode(_:from:)``, also answering the body's fields (an idempotency key beside a typed
    /// document) from the same one parse.
    static func decodeWithFields<Value: Decodable>(_ type: Value.Type, from buffer: ByteBuffer) throws -> (
        value: Value, fields: FieldReader
    ) {
        let fields = try FieldReader(RequestBody.parse(buffer), path: "$")
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return (try decoder.decode(type, from: Data(buffer.readableBytesView)), fields)
        } catch let error as DecodingError {
            throw fieldError(error)
        }
    }

    static func fieldError(_ error: DecodingError) -> FieldError {
        func path(_ keys: [any CodingKey]) -> String {
            "$" + keys.map { key in key.intValue.map { "[\($0)]" } ?? "." + key.stringValue }.joined()
        }
        switch error {
        case .keyNotFound(let key, let context):
            return FieldError(path: path(context.codingPath + [key]), reason: "is required")
        case .valueNotFound(_, let context):
            return FieldError(path: path(context.codingPath), reason: "is required")
        case .typeMismatch(let type, let context):
            let expected =
                type == String.self ? "a string" : type is any Numeric.Type ? "a whole number" : "\(type)"
            return FieldError(path: path(context.codingPath), reason: "must be \(expected)")
        case .dataCorrupted(let context):
            if let field = context.underlyingError as? FieldError {
                return field.nested(under: path(context.codingPath))
            }
            if context.codingPath.isEmpty {
                return FieldError(path: "$", reason: "must be a JSON object")
            }
            return FieldError(path: path(context.codingPath), reason: context.debugDescription)
        @unknown default:
            return FieldError(path: "$", reason: "\(error)")
        }
    }
}
