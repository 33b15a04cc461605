/// Phone-number normalisation to E.164 without a full numbering-plan database.
///
/// Numbers written with `+` or `00` keep their country code; national numbers get the
/// default country code (86, mainland China) after dropping a trunk `0`. Mainland mobile numbers
/// (`1` followed by ten digits) are checked exactly, since they are the common member key.
public enum PhoneNumber {
    /// `"138-0000-0000"` → `"+8613800000000"`; `"+1 (415) 555-0100"` → `"+14155550100"`.
    public static func e164(_ text: String, defaultCountryCode: String = "86") throws(IdentifierError) -> String {
        var digits = ""
        var international = false
        for (offset, character) in text.enumerated() {
            if character == "+" && offset == 0 {
                international = true
            } else if let ascii = character.asciiValue, (0x30...0x39).contains(ascii) {
                digits.append(character)
            } else if !" -().".contains(character) {
                throw .invalidPhone(text)
            }
        }
        if !international && digits.hasPrefix("00") {
            international = true
            digits.removeFirst(2)
        }
        if !international {
            if defaultCountryCode == "86" && digits.count == 13 && digits.hasPrefix("861") {
                // Written with the country code but without '+', as many CRMs export it.
                international = true
            } else {
                if digits.hasPrefix("0") { digits.removeFirst() }
                digits = defaultCountryCode + digits
            }
        }
        guard (8...15).contains(digits.count), !digits.hasPrefix("0") else { throw .invalidPhone(text) }
        // Mainland mobiles are +86 1[3-9]x xxxx xxxx; landlines (+86 10…, +86 2x…) vary in length.
        let utf8 = Array(digits.utf8)
        if digits.hasPrefix("861"), utf8.count > 3, (0x33...0x39).contains(utf8[3]), utf8.count != 13 {
            throw .invalidPhone(text)
        }
        return "+" + digits
    }
}
