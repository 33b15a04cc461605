import Foundation
import PropertyBased
import Testing
import TesseraDomain

@Suite("JSON numbers")
struct JSONNumberTests {
    /// Differential: the fast path of `jsonText` (numbers whose significand's digits fit 64 bits)
    /// writes what `Decimal`'s description does, for integers across the whole `Int64` range,
    /// fractions — also ones built with trailing zeros — and numbers beyond `Int64`.
    @Test func writesWhatDecimalDescribes() async {
        await propertyCheck(input: Gen.int64(in: Int64.min...Int64.max), Gen.int(in: 0...24)) { value, scale in
            let padded = Decimal(
                sign: value < 0 ? .minus : .plus, exponent: -scale - 2, significand: Decimal(value.magnitude) * 100)
            for number in [
                Decimal(value), Decimal(value) / pow(Decimal(10), scale), Decimal(value) * 1_000_000, padded,
            ] {
                #expect(JSONValue.number(number).jsonText == "\(number)")
            }
        }
    }

    /// Texts with and without characters to escape come back as they were written.
    @Test func textsRoundTrip() async {
        await propertyCheck(input: Gen.character(in: "\u{1}"..."\u{FF}").string(of: 0...24)) { text in
            let written = JSONValue.string(text).jsonText
            #expect((try? JSONParser.parse(Array(written.utf8))) == .string(text), "\(written)")
        }
        #expect(JSONValue.string(#"a"b\c"#).jsonText == #""a\"b\\c""#)
        #expect(JSONValue.string("tab\there\u{1}").jsonText == #""tab\there\u0001""#)
        #expect(JSONValue.string("plain 中文").jsonText == #""plain 中文""#)
    }

    @Test func examples() {
        #expect(JSONValue.number(Decimal(-42)).jsonText == "-42")
        #expect(JSONValue.number(Decimal(string: "19.99") ?? 0).jsonText == "19.99")
        #expect(JSONValue.number(Decimal(string: "-0.05") ?? 0).jsonText == "-0.05")
        #expect(JSONValue.number(Decimal(sign: .plus, exponent: -3, significand: 99_500)).jsonText == "99.5")
        #expect(JSONValue.number(Decimal(string: "1e-30") ?? 0).jsonText == "0.000000000000000000000000000001")
        #expect(JSONValue.number(Decimal(string: "1e30") ?? 0).jsonText == "1" + String(repeating: "0", count: 30))
        #expect(JSONValue.number(Decimal(string: "-0.00") ?? 0).jsonText == "0")
        #expect(JSONValue.number(Decimal(Int64.min)).jsonText == "-9223372036854775808")
        #expect(JSONValue.number(Decimal(string: "98765432109876543210") ?? 0).jsonText == "98765432109876543210")
    }
}

@Suite("JSON parser limits")
struct JSONParserLimitTests {
    static func parse(_ text: String) throws -> JSONValue { try JSONParser.parse(Array(text.utf8)) }

    /// One stated range for numbers, whatever Decimal happens to read: below 1e127 in magnitude,
    /// and too small to hold reads as 0, as parsers that read doubles do.
    @Test func numbersHaveOneStatedRange() throws {
        #expect(try Self.parse("9.99e126") == .number(Decimal(string: "9.99e126") ?? 0))
        #expect(try Self.parse("-9.99e126") == .number(Decimal(string: "-9.99e126") ?? 0))
        for refused in ["1e127", "-1e127", "9e127", "1e128", "1.7976931348623157e308"] {
            #expect(throws: JSONParser.Error.self, "\(refused)") { try Self.parse(refused) }
        }
        #expect(try Self.parse("5e-324") == .number(0))
        #expect(try Self.parse("[1e-400, 2]") == .array([.number(0), .number(2)]))
    }

    /// PostgreSQL stores U+0000 in neither text nor JSONB, so no store is given one.
    @Test func refusesTheNulCharacter() throws {
        #expect(throws: JSONParser.Error.self) { try Self.parse(#"{"name": "a\u0000b"}"#) }
        #expect(try Self.parse(#""a\u0001b""#) == .string("a\u{1}b"))
    }
}
