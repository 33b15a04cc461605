/// Lower-case hexadecimal text of bytes, for key material, hashes and UUIDs.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// `[0x0a, 0xff]` → `"0aff"`.
    public static func string(_ bytes: some Sequence<UInt8>) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
