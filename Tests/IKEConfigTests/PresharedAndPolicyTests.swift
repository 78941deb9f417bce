import Foundation
@testable import IKEConfig
import IKECrypto
import IKETestSupport
import IPsecTypes
import Testing

@Suite("ike.preshared")
struct PresharedTests {
    static func entry(_ body: String) -> String { "{\n localidtype IP\n localid 10.0.0.1\n remoteidtype IP\n remoteid 10.0.0.2\n \(body)\n}\n" }

    @Test("key forms", arguments: [
        ("key 0123456789abcdef", "0123456789abcdef"), ("key 0XABCDEF", "abcdef"), ("key 123", "1230"),
        ("key ffff/12", "fff0"), ("key ffff/9", "ff80"), ("key \"a\\\\b\\\"c\\d\"", "615c6222635c64"),
    ])
    func keys(_ line: String, _ expected: String) throws {
        let keys = try PresharedParser.load(Self.entry(line), file: "p")
        #expect(keys.entries.first?.key.revealed().hex == expected)
    }

    @Test("errors", arguments: [
        ("key xyz", "6:6: the key is neither hex digits nor a quoted string"),
        ("key ff/20", "6:6: key length /20 is longer than the 8 bits of hex given"),
        ("key \"\"", "6:6: the key is empty"),
        ("key 00 colour red", "6:9: unknown field 'colour'"),
        ("ike_mode quick key 00", "6:11: ike_mode 'quick' is not main, aggressive or both"),
        ("", "1:1: entry has no key"),
    ])
    func errors(_ line: String, _ expected: String) {
        let found = PresharedParser.parse(Self.entry(line), file: "p").diagnostics.map { "\($0.location.lineAndColumn): \($0.message)" }
        #expect(found.first?.hasPrefix(expected) == true, "\(found)")
        #expect(found.count == 1, "\(found)")
    }

    @Test("other identity types, comments only in the first column, unclosed entries")
    func identities() throws {
        let keys = try PresharedParser.load("""
            # comment
            { localidtype fqdn localid gw.example.com remoteidtype MAILBOX remoteid alice@example.com key "k#not a comment" }
            { localidtype ipv4-range localid 10.0.0.1-10.0.0.9 remoteidtype subnetv6 remoteid 2001:db8::/32 key 01 }
            """, file: "p")
        #expect(keys.entries[0].localID == .name(.fqdn, "gw.example.com"))
        #expect(keys.entries[0].remoteIDType == .userFQDN)
        #expect(String(decoding: keys.entries[0].key.revealed(), as: UTF8.self) == "k#not a comment")
        #expect(keys.entries[1].localID == .address(.range(IPAddress("10.0.0.1")!, IPAddress("10.0.0.9")!)))
        let unclosed = PresharedParser.parse("{ localid 1.1.1.1 remoteid 2.2.2.2 key 00", file: "p").diagnostics
        #expect(unclosed.first?.message.hasPrefix("expected '}' to close the entry opened at 1:1") == true)
        #expect(PresharedParser.parse("{ localidtype bogus localid x remoteid 1.1.1.1 key 00 }", file: "p").diagnostics.first?.message == "unknown identity type 'bogus'")
    }

    @Test("keys are found by address: narrowest remote, then local, then first")
    func lookup() throws {
        let keys = try PresharedParser.load("""
            { localid 0.0.0.0/0 remoteid 10.0.0.0/8 key 01 }
            { localid 0.0.0.0/0 remoteid 10.1.0.0/16 key 02 }
            { localid 192.168.0.1 remoteid 10.1.0.0/16 key 03 }
            { localid 192.168.0.1 remoteid 10.1.2.3 ike_mode aggressive key 04 }
            """, file: "p")
        func key(_ local: String, _ remote: String) -> [UInt8]? { keys.entry(local: IPAddress(local)!, remote: IPAddress(remote)!)?.key.revealed() }
        #expect(key("192.168.0.2", "10.9.9.9") == [1])
        #expect(key("192.168.0.2", "10.1.9.9") == [2])
        #expect(key("192.168.0.1", "10.1.9.9") == [3])
        #expect(key("192.168.0.1", "10.1.2.3") == [3]) // the aggressive-only entry is not for Main Mode
        #expect(key("192.168.0.1", "11.0.0.1") == nil)
    }

    @Test("the file must not be readable by others", arguments: [(0o600, true), (0o400, true), (0o640, false), (0o644, false), (0o606, false)])
    func mode(_ mode: Int, _ accepted: Bool) throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("ike.preshared", Self.entry("key 00"), mode: mode)
        let problem = ConfigFileReader.checkSecretMode(path)
        #expect((problem == nil) == accepted)
        if let problem { #expect(problem.message.contains("chmod 600 \(path)")) }
    }

    @Test("its directory must not be writable by others (it should be 0700 like /etc/inet/secret)", arguments: [(0o700, true), (0o755, true), (0o775, false), (0o777, false), (0o1777, false)])
    func directoryMode(_ mode: Int, _ accepted: Bool) throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("secret/ike.preshared", Self.entry("key 00"), mode: 0o600)
        let folder = (path as NSString).deletingLastPathComponent
        chmod(folder, mode_t(mode))
        defer { chmod(folder, 0o700) }
        let problem = ConfigFileReader.checkSecretMode(path)
        #expect((problem == nil) == accepted, "\(problem?.message ?? "")")
        if let problem { #expect(problem.message.contains("chmod 700 \(folder)")) }
    }

    @Test("a key file of another user is refused", .enabled(if: geteuid() == 0, "needs root to give the file away"))
    func owner() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("ike.preshared", Self.entry("key 00"), mode: 0o600)
        #expect(chown(path, 65534, 65534) == 0)
        let problem = ConfigFileReader.checkSecretMode(path)
        #expect(problem?.message.contains("owned by uid 65534") == true, "\(problem?.message ?? "none")")
    }
}

@Suite("ipsecinit.conf errors")
struct PolicyErrorTests {
    @Test("each is reported where it is", arguments: [
        ("{laddr 10.0.0.1} ipsec {}", "1:18: 'ipsec' needs auth_algs, encr_algs or encr_auth_algs"),
        ("{laddr 10.0.0.1} drop {encr_algs aes}", "1:24: 'drop' takes no algorithms"),
        ("{laddr 10.0.0.1} encrypt {encr_algs aes}", "1:18: expected an action"),
        ("{laddr 10.0.0.1 laddr 10.0.0.2} drop {}", "1:17: 'laddr' repeats a pattern key given at 1:2"),
        ("{saddr 10.0.0.1 local 10.0.0.2} drop {}", "1:17: 'local' repeats a pattern key given at 1:2"),
        ("{colour red} drop {}", "1:2: unknown pattern key 'colour'"),
        ("{rport 70000} drop {}", "1:8: '70000' is not a port number"),
        ("{ulp icmp rport 80} drop {}", "1:11: ports need ulp tcp, udp or sctp"),
        ("{type 3} drop {}", "1:2: type and code need ulp icmp"),
        ("{ulp icmp type 9-3} drop {}", "1:16: '9-3' is not an ICMP type"),
        ("{laddr 10.0.0.1 raddr ::1} drop {}", "1:17: local and remote addresses are of different families"),
        ("{ulp bogus} drop {}", "1:6: unknown protocol 'bogus'"),
        ("{} ipsec {encr_algs rot13}", "1:21: unknown algorithm 'rot13'"),
        ("{} ipsec {encr_algs aes(256..128)}", "1:21: key length range '256..128' ends before it starts"),
        ("{} ipsec {encr_algs aes(x)}", "1:21: key length 'x' is not n, n.., ..n or n..m"),
        ("{} ipsec {encr_algs aes sa maybe}", "1:28: sa takes shared or unique"),
        ("{} drop {} or drop {}", "1:1: 'or' alternatives are only for apply, permit and ipsec"),
        ("{negotiate tunnel} ipsec {encr_algs aes}", "1:1: 'negotiate' needs 'tunnel <interface>'"),
        ("{laddr 10.0.0.1} ipsec", "1:23: expected '{' with the properties of 'ipsec'"),
        ("{laddr 10.0.0.1 ipsec {encr_algs aes}", "1:23: expected '}' to close the pattern opened at 1:1"),
        ("{smask 255.255.0.0} drop {}", "1:2: smask needs a single address to mask"),
        ("laddr 10.0.0.1", "1:1: expected '{' to start a policy entry"),
    ])
    func reported(_ text: String, _ expected: String) {
        let found = IPsecPolicyParser.parse(text, file: "p").diagnostics.map { "\($0.location.lineAndColumn): \($0.message)" }
        #expect(found.first?.hasPrefix(expected) == true, "\(found)")
    }

    @Test("algorithm numbers, key-length forms, and encr_auth_algs alone")
    func forms() throws {
        let entries = try IPsecPolicyParser.load("{} ipsec {encr_algs 12(..192) encr_auth_algs hmac-sha384} {} ipsec {encr_auth_algs md5}", file: "p")
        #expect(entries[0].actions[0].encryptionAlgorithms.first?.description == "12(..192)")
        #expect(entries[0].actions[0].encryptionAuthAlgorithms.first?.name == "sha384")
        #expect(entries[1].actions[0].encryptionAlgorithms == [AlgorithmChoice(name: "any")])
    }
}
