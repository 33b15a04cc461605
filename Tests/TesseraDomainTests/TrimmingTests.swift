import Foundation
import PropertyBased
import Testing
import TesseraDomain

@Suite("Trimming white space")
struct TrimmingTests {
    /// Differential: the hand-written trim (used on the ingest hot path) answers what Foundation does,
    /// on strings built from printable ASCII, ASCII and Unicode white space, CJK and emoji.
    @Test func agreesWithFoundation() async {
        let alphabet: [Character] = [
            "a", "Z", "1", "-", ":", " ", "\t", "\n", "\r\n", "\u{00A0}", "\u{3000}", "\u{2028}", "会", "员", "😀", "é",
        ]
        await propertyCheck(input: Gen.int(in: 0...(alphabet.count - 1)).array(of: 0...12)) { picks in
            let text = String(picks.map { alphabet[$0] })
            #expect(text.trimmingWhitespace() == text.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    @Test func examples() {
        #expect(" 138 0000 0000\n".trimmingWhitespace() == "138 0000 0000")
        #expect("\u{3000}会员\u{3000}".trimmingWhitespace() == "会员")
        #expect(" \t ".trimmingWhitespace() == "")
        #expect("ok".trimmingWhitespace() == "ok")
    }
}
