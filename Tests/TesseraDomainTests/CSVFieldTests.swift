import Testing
import TesseraDomain

@Suite("CSV fields")
struct CSVFieldTests {
    @Test func plainTextStaysAsItIs() {
        #expect(CSVField.escaped("+8613800000000") == "+8613800000000")
        #expect(CSVField.escaped("") == "")
        #expect(CSVField.escaped("张三 o'neil") == "张三 o'neil")
    }

    @Test func separatorsQuotesAndLineBreaksAreQuoted() {
        #expect(CSVField.escaped("A,B") == #""A,B""#)
        #expect(CSVField.escaped(#"say "hi""#) == #""say ""hi""""#)
        #expect(CSVField.escaped("two\nlines") == "\"two\nlines\"")
        #expect(CSVField.escaped("cr\rhere") == "\"cr\rhere\"")
    }
}
