/// One field of a CSV line as RFC 4180 writes it: as it is, unless it holds a comma, a quote or a
/// line break, in which case it is quoted and its quotes doubled. Exports write every text that
/// is not Tessera's own (identifier values, names) through this, so an external id such as
/// `A,B` stays one field and reads back as itself.
/// ```swift
/// CSVField.escaped(#"A,"B""#)   // "\"A,\"\"B\"\"\""
/// ```
public enum CSVField {
    public static func escaped(_ text: String) -> String {
        guard
            text.utf8.contains(where: {
                $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n")
                    || $0 == UInt8(ascii: "\r")
            })
        else { return text }
        var quoted = "\""
        for character in text.unicodeScalars {
            if character == "\"" { quoted += "\"" }
            quoted.unicodeScalars.append(character)
        }
        return quoted + "\""
    }
}
