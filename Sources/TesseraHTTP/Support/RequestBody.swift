import CompressNIO
import Foundation
import Hummingbird
import NIOCore
import TesseraDomain

/// Reads a JSON request body: size-limited, gzip-decoded when `Content-Encoding: gzip`.
enum RequestBody {
    /// Largest body after decompression.
    static let maximumDecodedSize = 16 * 1024 * 1024

    static func json(_ request: Request, context: TesseraContext) async throws -> JSONValue {
        try parse(try await bytes(request, context: context))
    }

    /// The body as a JSON object read field by field, errors naming paths from `$`.
    static func fields(_ request: Request, context: TesseraContext) async throws -> FieldReader {
        try FieldReader(try await json(request, context: context), path: "$")
    }

    /// The body as sent, after gzip decoding.
    static func bytes(_ request: Request, context: TesseraContext) async throws -> ByteBuffer {
        var buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: context.maxUploadSize)
        } catch {
            throw Problem(
                .contentTooLarge, title: "Body too large", detail: "the body exceeds \(context.maxUploadSize) bytes")
        }
        if request.headers[.contentEncoding]?.lowercased() == "gzip" {
            do {
                buffer = try buffer.decompress(with: .gzip(), maxSize: maximumDecodedSize)
            } catch {
                throw Problem.invalid(
                    path: "$", reason: "the gzip body could not be decoded (or exceeds 16 MiB decoded)")
            }
        }
        return buffer
    }

    static func parse(_ buffer: ByteBuffer) throws -> JSONValue {
        do {
            return try buffer.withUnsafeReadableBytes { raw in try JSONParser.parse(raw) }
        } catch let error as JSONParser.Error {
            throw Problem.invalid(path: "$", reason: error.description)
        }
    }
}
