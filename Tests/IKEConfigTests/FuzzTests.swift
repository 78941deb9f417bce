@testable import IKEConfig
import IKETestSupport
import Testing

/// No byte sequence may crash the parsers, hang them or make them use unbounded memory: random files
/// and mutations of the examples are parsed, and every run must end with a model or diagnostics.
@Suite("Parser robustness")
struct FuzzTests {
    static let alphabet = Array("{}()\"\\#/ -.:0123456789abcdefx_\n\tlabel local_addr p1_xform aes(128..256) 10.0.0.1 ::1 key 0x".utf8)

    @Test("random token soup and random bytes", arguments: 0..<4)
    func random(_ seed: Int) {
        var generator = SeededGenerator(seed: UInt64(seed) &* 7919)
        for _ in 0..<500 {
            let length = Int.random(in: 0..<400, using: &generator)
            let soup = (0..<length).map { _ in Self.alphabet[Int.random(in: 0..<Self.alphabet.count, using: &generator)] }
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            for text in [String(decoding: soup, as: UTF8.self), String(decoding: bytes, as: UTF8.self)] {
                _ = IKEConfigParser.parse(text, file: "fuzz")
                _ = PresharedParser.parse(text, file: "fuzz")
                _ = IPsecPolicyParser.parse(text, file: "fuzz")
            }
        }
    }

    @Test("mutations of the example files", arguments: ["manual-example.config", "site-to-site.config", "ike.preshared", "ipsecinit.conf"])
    func mutations(_ name: String) throws {
        var generator = SeededGenerator(seed: UInt64(name.utf8.count))
        let original = Array(try Examples.text(name).utf8)
        var reportedSomething = 0
        for _ in 0..<400 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...6, using: &generator) {
                let position = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: bytes[position] = Self.alphabet[Int.random(in: 0..<Self.alphabet.count, using: &generator)]
                case 1: bytes.remove(at: position)
                default: bytes.insert(Self.alphabet[Int.random(in: 0..<Self.alphabet.count, using: &generator)], at: position)
                }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            let counts = [
                IKEConfigParser.parse(text, file: "m").diagnostics.count,
                PresharedParser.parse(text, file: "m").diagnostics.count,
                IPsecPolicyParser.parse(text, file: "m").diagnostics.count,
            ]
            if counts.contains(where: { $0 > 0 }) { reportedSomething += 1 }
        }
        #expect(reportedSomething > 0)
    }

    @Test("deep and long inputs stay linear: 20,000 unclosed braces and a 1 MB word")
    func pathological() {
        let braces = String(repeating: "{ ", count: 20_000)
        #expect(!IKEConfigParser.parse(braces, file: "b").diagnostics.isEmpty)
        #expect(!IPsecPolicyParser.parse(braces, file: "b").diagnostics.isEmpty)
        #expect(!PresharedParser.parse(braces, file: "b").diagnostics.isEmpty)
        let word = String(repeating: "a", count: 1 << 20)
        #expect(IKEConfigParser.parse(word, file: "w").diagnostics.count == 1)
    }
}
