import Foundation
import IKETestSupport
import Testing

/// The `ikedump` program as a user runs it (the README's first command).
@Suite("ikedump command line")
struct CommandLineTests {
    static func run(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        let result = try ProductRunner.run("ikedump", arguments)
        return (result.status, result.standardOutput, result.standardError)
    }

    static func fixture(_ name: String) throws -> String { try #require(Fixture.resource(name)).path }

    @Test("decodes and decrypts a bundled capture, exit 0 under --strict")
    func decrypts() throws {
        let result = try Self.run([try Self.fixture("ss-ls-psk-aes128.pcap"), "--keys", try Self.fixture("ss-ls-psk-aes128.keys"), "--strict"])
        #expect(result.status == 0)
        #expect(result.out.contains("Quick Mode (32)"))
        #expect(result.out.contains("decrypted: yes"))
        #expect(result.err.contains("13 messages, 0 malformed, 9 of 9 encrypted decrypted"))
    }

    @Test("--json prints one object per line")
    func json() throws {
        let result = try Self.run([try Self.fixture("ls-ss-psk-3des.pcap"), "--json"])
        #expect(result.status == 0)
        let lines = result.out.split(separator: "\n")
        #expect(lines.count == 11)
        #expect(lines.allSatisfy { $0.hasPrefix("{") && $0.hasSuffix("}") })
    }

    @Test("a missing file, a bad key table and a damaged capture fail with a message")
    func failures() throws {
        let missing = try Self.run(["/nonexistent.pcap"])
        #expect(missing.status != 0 && missing.err.contains("cannot read /nonexistent.pcap"))
        let keys = FileManager.default.temporaryDirectory.appendingPathComponent("ikedump-bad-keys-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: keys) }
        try Data("nonsense\n".utf8).write(to: keys)
        let badKeys = try Self.run([try Self.fixture("ls-ss-psk-3des.pcap"), "--keys", keys.path])
        #expect(badKeys.status != 0 && badKeys.err.contains(":1: expected"))
        let damaged = FileManager.default.temporaryDirectory.appendingPathComponent("ikedump-damaged-\(UUID().uuidString).pcap")
        defer { try? FileManager.default.removeItem(at: damaged) }
        try Data(try Fixture.bytes("ls-ss-psk-3des.pcap").dropLast(20)).write(to: damaged)
        let truncated = try Self.run([damaged.path])
        #expect(truncated.status == 1)
        #expect(truncated.err.contains("capture damaged: truncated frame"))
        #expect(truncated.out.contains("frame 10"))
    }
}
