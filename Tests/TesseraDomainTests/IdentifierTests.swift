import Foundation
import Testing
import TesseraDomain

@Suite("Identifiers")
struct IdentifierTests {
    @Test(arguments: [
        ("13800000000", "+8613800000000"), ("138-0000-0000", "+8613800000000"), ("+86 138 0000 0000", "+8613800000000"),
        ("8613800000000", "+8613800000000"), ("0086 13800000000", "+8613800000000"),
        ("+1 (415) 555-0100", "+14155550100"),
        ("010 1234 5678", "+861012345678"),
    ])
    func phonesNormaliseToE164(raw: String, expected: String) throws {
        #expect(try Identifier(type: .phone, rawValue: raw).value == expected)
    }

    @Test(arguments: ["12345", "138000000001", "phone", "+86 238", "++8613800000000"])
    func badPhonesAreRejected(raw: String) {
        #expect(throws: IdentifierError.self) { try Identifier(type: .phone, rawValue: raw) }
    }

    @Test func emailsAreLowerCasedAndChecked() throws {
        #expect(try Identifier.parse("email: Ann@Example.COM ").value == "ann@example.com")
        #expect(throws: IdentifierError.self) { try Identifier.parse("email:not-an-address") }
    }

    /// The limit counts characters, as JSON Schema's `maxLength` in the OpenAPI document does.
    @Test func valuesAreLimitedInCharacters() throws {
        let longest = String(repeating: "界", count: Identifier.maximumLength)
        #expect(try Identifier(type: .external, rawValue: longest).value == longest)
        #expect(throws: IdentifierError.self) { try Identifier(type: .external, rawValue: longest + "x") }
    }

    @Test func scopedTypesNeedAScope() throws {
        #expect(try Identifier.parse("openid:wxapp1:oABC").value == "wxapp1:oABC")
        #expect(throws: IdentifierError.self) { try Identifier.parse("openid:oABC") }
        #expect(throws: IdentifierError.self) { try Identifier.parse("Bad Type:x") }
    }

    @Test func moneyConvertsExactlyOrNotAtAll() {
        #expect(Money.minorUnits(Decimal(string: "19.99")!, currency: "CNY") == 1999)
        #expect(Money.minorUnits(100, currency: "JPY") == 100)
        #expect(Money.minorUnits(Decimal(string: "1.005")!, currency: "CNY") == nil)
    }
}
