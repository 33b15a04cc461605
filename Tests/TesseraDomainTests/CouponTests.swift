import Foundation
import PropertyBased
import Testing
import TesseraDomain

@Suite("Coupons")
struct CouponTests {
    /// Every code made reads back; any single mistyped symbol is caught by the check symbol.
    @Test func codesCheckThemselves() async {
        await propertyCheck(input: zip(Gen.int(in: 0...Int.max), Gen.int(in: 0...12), Gen.int(in: 1...31))) {
            seed, position, shift in
            var random = SeededRandom(seed: UInt64(seed))
            let shown = CouponCode.make(using: &random)
            #expect(shown.count == 16 && shown.split(separator: "-").count == 4)
            guard let canonical = CouponCode.canonical(shown) else {
                Issue.record("\(shown) does not read back")
                return
            }
            #expect(CouponCode.canonical(canonical.lowercased()) == canonical)
            let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
            var symbols = Array(canonical)
            let index = alphabet.firstIndex(of: symbols[position]) ?? 0
            symbols[position] = alphabet[(index + shift) % alphabet.count]
            #expect(CouponCode.canonical(String(symbols)) == nil, "typo at \(position) not caught in \(canonical)")
        }
        #expect(CouponCode.canonical("not a code") == nil)
    }

    static let cart = CouponCart(
        channel: "pos",
        items: [
            OrderItem(sku: "serum", category: "skincare", quantity: 2, unitPriceMinor: 9_000),
            OrderItem(sku: "tote", category: "bags", quantity: 1, unitPriceMinor: 7_000),
        ], shippingMinor: 1_200)

    static func template(_ benefit: CouponBenefit, categories: [String]? = nil, channels: [String]? = nil)
        -> CouponTemplate
    {
        CouponTemplate(
            name: "t", benefit: benefit, validity: .daysFromIssue(30), channels: channels, categories: categories)
    }

    @Test func quotesFollowTheBenefitAndTheEligibleLines() {
        func discount(_ template: CouponTemplate) -> String {
            switch template.quote(Self.cart) {
            case .success(let quote): "\(quote.discountMinor)"
            case .failure(let error): error.code
            }
        }
        #expect(discount(Self.template(.amountOff(2_000))) == "2000")
        #expect(discount(Self.template(.percentOff(15, capMinor: 3_000))) == "3000")  // 15% of 250 = 37.50 → cap 30
        #expect(discount(Self.template(.percentOff(15, capMinor: nil), categories: ["bags"])) == "1050")
        // Spend ¥199 get ¥100 off: all lines ¥250 qualify; skincare alone (¥180) does not.
        #expect(discount(Self.template(.threshold(spendMinor: 19_900, offMinor: 10_000))) == "10000")
        #expect(
            discount(Self.template(.threshold(spendMinor: 19_900, offMinor: 10_000), categories: ["skincare"]))
                == "minimum_spend_not_met")
        #expect(discount(Self.template(.freeShipping)) == "1200")
        #expect(discount(Self.template(.amountOff(500), channels: ["tmall"])) == "coupon_not_applicable")
        #expect(discount(Self.template(.amountOff(500), categories: ["shoes"])) == "coupon_not_applicable")
        if case .success(let gift) = Self.template(.giftItem(sku: "SAMPLE")).quote(Self.cart) {
            #expect(gift.giftSKU == "SAMPLE" && gift.discountMinor == 0)
        } else {
            Issue.record("a gift coupon should apply")
        }
    }

    @Test func templatesAreValidatedAtTheirPaths() throws {
        let text =
            #"{"name": "", "benefit": {"type": "percent_off", "percent": 150}, "validity": {"days": -1}, "stock": 0}"#
        let template = try JSONDecoder().decode(CouponTemplate.self, from: Data(text.utf8))
        #expect(Set(template.validate().map(\.path)) == ["$.name", "$.benefit.percent", "$.validity.days", "$.stock"])
    }
}
