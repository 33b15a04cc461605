import Foundation
import PropertyBased
import Testing
import TesseraDomain

@Suite("JSON numbers")
struct JSONNumberTests {
    /// Differential: the integer fast path of `jsonText` writes what `Decimal`'s description does,
    /// for integers across the whole `Int64` range, fractions and numbers beyond `Int64`.
    @Test func writesWhatDecimalDescribes() async {
        await propertyCheck(input: Gen.int64(in: Int64.min...Int64.max), Gen.int(in: 0...6)) { value, scale in
            for number in [Decimal(value), Decimal(value) / pow(Decimal(10), scale), Decimal(value) * 1_000_000] {
                #expect(JSONValue.number(number).jsonText == "\(number)")
            }
        }
    }

    @Test func examples() {
        #expect(JSONValue.number(Decimal(-42)).jsonText == "-42")
        #expect(JSONValue.number(Decimal(string: "19.99") ?? 0).jsonText == "19.99")
        #expect(JSONValue.number(Decimal(Int64.min)).jsonText == "-9223372036854775808")
        #expect(JSONValue.number(Decimal(string: "98765432109876543210") ?? 0).jsonText == "98765432109876543210")
    }
}
