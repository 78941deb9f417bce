@testable import IKEConfig
import Testing

struct ErrorCase: Sendable, CustomTestStringConvertible {
    let name: String
    let text: String
    /// "line:column: message" of the first diagnostic (a prefix of the message is enough).
    let expected: String
    var testDescription: String { name }
}

@Suite("ike.config errors name file, line and column")
struct ConfigErrorTests {
    static let xform = "p1_xform { auth_method preshared oakley_group 14 auth_alg sha1 encr_alg aes }"
    static let cases: [ErrorCase] = [
        ErrorCase(name: "missing closing brace before the next rule", text: "\(xform)\n{\n label \"office\"\n local_addr 10.0.0.1\n remote_addr 10.0.0.2\n\n{ label \"b\" local_addr 1.1.1.1 remote_addr 1.1.1.2 }",
                  expected: "7:1: expected '}' to close rule \"office\" opened at 2:1"),
        ErrorCase(name: "missing closing brace at the end", text: "\(xform)\n{ label \"a\" local_addr 10.0.0.1 remote_addr 10.0.0.2",
                  expected: "2:53: expected '}' to close rule \"a\" opened at 2:1"),
        ErrorCase(name: "global keyword inside a rule closes it", text: "\(xform)\n{ label \"a\" local_addr 10.0.0.1 remote_addr 10.0.0.2\nretry_limit 3",
                  expected: "3:1: expected '}' to close rule \"a\" opened at 2:1"),
        ErrorCase(name: "unknown keyword", text: "frobnicate 3", expected: "1:1: unknown keyword 'frobnicate'"),
        ErrorCase(name: "rule keyword at top level", text: "label \"x\"", expected: "1:1: 'label' is only valid inside a rule"),
        ErrorCase(name: "stray closing brace", text: "}", expected: "1:1: '}' without a rule to close"),
        ErrorCase(name: "bad number", text: "retry_limit 12abc", expected: "1:13: expected a number after 'retry_limit', found '12abc'"),
        ErrorCase(name: "number too large", text: "expire_timer 99999999999", expected: "1:14: expected a number after 'expire_timer'"),
        ErrorCase(name: "bad octal", text: "expire_timer 09", expected: "1:14: expected a number after 'expire_timer', found '09'"),
        ErrorCase(name: "missing value at end", text: "p1_nonce_len", expected: "1:13: expected a value after 'p1_nonce_len', found end of file"),
        ErrorCase(name: "value is a keyword", text: "p1_nonce_len retry_limit 3", expected: "1:14: expected a value after 'p1_nonce_len', found 'retry_limit'"),
        ErrorCase(name: "bad float", text: "retry_timer_init 0.5.5", expected: "1:18: expected a number of seconds after 'retry_timer_init'"),
        ErrorCase(name: "given twice", text: "retry_limit 3\nretry_limit 4", expected: "2:1: 'retry_limit' is given more than once"),
        ErrorCase(name: "unterminated string", text: "proxy \"http://x", expected: "1:7: unterminated quoted string"),
        ErrorCase(name: "unknown auth method", text: "p1_xform { auth_method password oakley_group 14 auth_alg sha1 encr_alg aes }", expected: "1:24: unknown auth_method 'password'"),
        ErrorCase(name: "unknown cipher", text: "p1_xform { auth_method preshared oakley_group 14 auth_alg sha1 encr_alg rc4 }", expected: "1:73: unknown encr_alg 'rc4'"),
        ErrorCase(name: "unknown hash", text: "p1_xform { auth_method preshared oakley_group 14 auth_alg sha3 encr_alg aes }", expected: "1:59: unknown auth_alg 'sha3'"),
        ErrorCase(name: "group out of range", text: "p1_xform { auth_method preshared oakley_group 12 auth_alg sha1 encr_alg aes }", expected: "1:34: oakley_group 12 is not an Oakley group"),
        ErrorCase(name: "EC2N group", text: "p1_xform { auth_method preshared oakley_group 3 auth_alg sha1 encr_alg aes }", expected: "1:34: oakley_group 3 (EC2N-155) is an EC2N group"),
        ErrorCase(name: "missing transform fields", text: "p1_xform { auth_method preshared encr_alg aes }", expected: "1:1: p1_xform is missing oakley_group, auth_alg"),
        ErrorCase(name: "field twice in a transform", text: "p1_xform { auth_method preshared auth_method rsa_sig oakley_group 14 auth_alg sha1 encr_alg aes }", expected: "1:34: 'auth_method' is given more than once in p1_xform"),
        ErrorCase(name: "unknown transform field", text: "p1_xform { auth_method preshared oakley_group 14 auth_alg sha1 encr_alg aes colour blue }", expected: "1:77: unknown p1_xform field 'colour'"),
        ErrorCase(name: "transform without brace", text: "p1_xform auth_method preshared", expected: "1:10: expected '{' after p1_xform"),
        ErrorCase(name: "unclosed transform", text: "{ label \"a\" local_addr 1.1.1.1 remote_addr 1.1.1.2 p1_xform { auth_method preshared oakley_group 14 auth_alg sha1 encr_alg aes\nlocal_id_type ip }", expected: "2:1: expected '}' to close p1_xform opened at 1:61"),
        ErrorCase(name: "key size on a non-AES cipher", text: "p1_xform { auth_method preshared oakley_group 14 auth_alg sha1 encr_alg 3des(128) }", expected: "1:77: only aes takes a key size"),
        ErrorCase(name: "bad AES key size", text: "p1_xform { auth_method preshared oakley_group 14 auth_alg sha1 encr_alg aes(256..128) }", expected: "1:76: AES key sizes are 128, 192 and 256 bits"),
        ErrorCase(name: "unclosed key size", text: "p1_xform { auth_method preshared oakley_group 14 auth_alg sha1 encr_alg aes(128 }", expected: "1:81: expected ')' to close the key size"),
        ErrorCase(name: "bad address", text: "\(xform)\n{ label \"a\" local_addr 10.0.0.256 remote_addr 10.0.0.2 }", expected: "2:24: '10.0.0.256' is not an IPv4 or IPv6 address"),
        ErrorCase(name: "host name for an address", text: "\(xform)\n{ label \"a\" local_addr gateway.example.com remote_addr 10.0.0.2 }", expected: "2:24: 'gateway.example.com' is not an IPv4 or IPv6 address (host names are not allowed here)"),
        ErrorCase(name: "prefix too long", text: "\(xform)\n{ label \"a\" local_addr 10.0.0.0/33 remote_addr 10.0.0.2 }", expected: "2:24: prefix length 33 is longer than the 32 bits of 10.0.0.0"),
        ErrorCase(name: "non-contiguous netmask", text: "\(xform)\n{ label \"a\" local_addr 10.0.0.0/255.0.255.0 remote_addr 10.0.0.2 }", expected: "2:24: netmask 255.0.255.0 is not contiguous"),
        ErrorCase(name: "reversed range", text: "\(xform)\n{ label \"a\" local_addr 10.0.0.9-10.0.0.1 remote_addr 10.0.0.2 }", expected: "2:24: range 10.0.0.9-10.0.0.1 ends before it starts"),
        ErrorCase(name: "mixed-family range", text: "\(xform)\n{ label \"a\" local_addr 10.0.0.1 - ::1 remote_addr 10.0.0.2 }", expected: "2:24: range 10.0.0.1-::1 mixes IPv4 and IPv6"),
        ErrorCase(name: "unknown identity type", text: "local_id_type passport", expected: "1:15: unknown identity type 'passport'"),
        ErrorCase(name: "bad p2_pfs", text: "p2_pfs 13", expected: "1:1: p2_pfs 13 is not 0 or an Oakley group"),
        ErrorCase(name: "bad slot selector", text: "cert_root \"SLOT=x\"", expected: "1:11: SLOT=x is not a slot number"),
        ErrorCase(name: "unknown keyword in a rule", text: "\(xform)\n{ label \"a\" local_addr 10.0.0.1 remote_addr 10.0.0.2 colour blue }", expected: "2:54: unknown keyword 'colour' in rule \"a\""),
        ErrorCase(name: "phase 1 global inside a rule", text: "\(xform)\n{ label \"a\" local_addr 10.0.0.1 remote_addr 10.0.0.2 p1_nonce_len 16 }", expected: "2:54: 'p1_nonce_len' is a global parameter, not valid inside rule \"a\""),
        ErrorCase(name: "control character", text: "retry_limit 3\u{1}", expected: "1:13: control character in '3?'"),
        // Validation (ike.config(5) rules, spec §2.9).
        ErrorCase(name: "rule without label", text: "\(xform)\n{ local_addr 10.0.0.1 remote_addr 10.0.0.2 }", expected: "2:1: rule has no label"),
        ErrorCase(name: "rule without local address", text: "\(xform)\n{ label \"a\" remote_addr 10.0.0.2 }", expected: "2:1: rule \"a\" has no local_addr"),
        ErrorCase(name: "rule without remote address", text: "\(xform)\n{ label \"a\" local_addr 10.0.0.2 }", expected: "2:1: rule \"a\" has no remote_addr"),
        ErrorCase(name: "duplicate label", text: "\(xform)\n{ label \"a\" local_addr 10.0.0.1 remote_addr 10.0.0.2 }\n{ label \"a\" local_addr 10.0.0.1 remote_addr 10.0.0.3 }", expected: "3:3: duplicate label \"a\" (first used at 2:3)"),
        ErrorCase(name: "no transforms anywhere", text: "{ label \"a\" local_addr 10.0.0.1 remote_addr 10.0.0.2 }", expected: "1:1: rule \"a\" has no p1_xform and there is no global p1_xform list"),
        ErrorCase(name: "mixed auth methods", text: "{ label \"a\" local_addr 10.0.0.1 remote_addr 10.0.0.2 local_id_type ip local_id \"x\" remote_id \"\" \(xform)\np1_xform { auth_method rsa_sig oakley_group 14 auth_alg sha1 encr_alg aes } }", expected: "1:97: rule \"a\" mixes preshared and certificate auth_methods"),
        ErrorCase(name: "preshared with remote_id", text: "\(xform)\n{ label \"a\" local_addr 10.0.0.1 remote_addr 10.0.0.2 remote_id \"x\" }", expected: "2:54: rule \"a\" uses preshared keys, which take no remote_id"),
        ErrorCase(name: "certificates without local_id", text: "{ label \"a\" local_addr 10.0.0.1 remote_addr 10.0.0.2 local_id_type dn remote_id \"\" p1_xform { auth_method rsa_sig oakley_group 14 auth_alg sha1 encr_alg aes } }", expected: "1:1: rule \"a\" authenticates with certificates and needs local_id"),
        ErrorCase(name: "IPv4 only against IPv6 only", text: "\(xform)\n{ label \"a\" local_addr 10.0.0.1 remote_addr ::1 }", expected: "2:1: rule \"a\" pairs only IPv4 with only IPv6 addresses"),
        ErrorCase(name: "soft above hard in a rule", text: "\(xform)\n{ label \"a\" local_addr 10.0.0.1 remote_addr 10.0.0.2 p2_lifetime_secs 600 p2_softlife_secs 900 }", expected: "2:75: p2_softlife_secs 900 is above p2_lifetime_secs 600 in rule \"a\""),
        ErrorCase(name: "soft above hard globally (KB)", text: "p2_lifetime_kb 2000\np2_softlife_kb 3000", expected: "2:1: p2_softlife_kb 3000 is above p2_lifetime_kb 2000 in the global defaults"),
        ErrorCase(name: "lifetime below minimum", text: "p2_lifetime_secs 10", expected: "1:1: p2_lifetime_secs 10 is outside 60-604800"),
        ErrorCase(name: "nonce length", text: "p1_nonce_len 300", expected: "1:1: p1_nonce_len 300 is outside 8-256 bytes"),
        ErrorCase(name: "retry timers reversed", text: "retry_timer_init 40", expected: "1:1: retry_timer_init (40.0 s) is larger than retry_timer_max (30.0 s)"),
        ErrorCase(name: "retry limit zero", text: "retry_limit 0", expected: "1:1: retry_limit 0 is outside 1-100"),
        ErrorCase(name: "DPD interval too long", text: "dpd_interval 90000", expected: "1:1: dpd_interval 90000 is outside 0-86400 seconds (0 turns DPD off)"),
        ErrorCase(name: "DPD retries zero", text: "dpd_retries 0", expected: "1:1: dpd_retries 0 is outside 1-100"),
        ErrorCase(name: "NAT keepalive too long", text: "nat_keepalive 3601", expected: "1:1: nat_keepalive 3601 is outside 0-3600 seconds (0 turns NAT keepalives off)"),
        ErrorCase(name: "DPD interval inside a rule closes it", text: "\(xform)\n{ label \"a\" local_addr 10.0.0.1 remote_addr 10.0.0.2\ndpd_interval 3",
                  expected: "3:1: expected '}' to close rule \"a\" opened at 2:1"),
        ErrorCase(name: "transform lifetime below minimum", text: "p1_xform { auth_method preshared oakley_group 14 auth_alg sha1 encr_alg aes p1_lifetime_secs 5 }", expected: "1:1: p1_lifetime_secs 5 is below the minimum of 60"),
    ]

    @Test("each error is reported where it is", arguments: cases)
    func reported(_ sample: ErrorCase) {
        let found = problems(sample.text)
        #expect(found.first?.hasPrefix(sample.expected) == true, "got \(found)")
    }

    @Test("independent errors of one file are all reported in one pass, in file order")
    func allErrorsAtOnce() {
        let found = problems("""
            retry_limit many
            p1_xform { auth_method preshared oakley_group 99 auth_alg sha1 encr_alg aes }
            { label "a" local_addr 10.0.0.1 remote_addr 10.0.0.999 p1_xform { auth_method preshared oakley_group 14 auth_alg sha1 encr_alg rot13 } }
            { label "a" local_addr 10.0.0.1 remote_addr 10.0.0.3 bogus 1 }
            """)
        #expect(found.count == 6, "\(found)")
        #expect(found.map { $0.split(separator: ":").first ?? "" } == ["1", "2", "3", "3", "4", "4"])
    }

    @Test("the file name is in every diagnostic")
    func fileName() {
        let diagnostics = IKEConfigParser.parse("retry_limit x", file: "/etc/inet/ike/config").diagnostics
        #expect(diagnostics.first?.description == "/etc/inet/ike/config:1:13: expected a number after 'retry_limit', found 'x'")
    }
}

/// Hostile files cost bounded memory: tokens are made as the parser asks, at most 100 errors are
/// kept per file (then a note), no entry collects more keys than a real one has, and files above
/// 16 MiB are refused whole. (Measured peak memory: docs/PERFORMANCE.md.)
@Suite("Configuration files: bounded work for hostile input")
struct BoundedParsingTests {
    static let dense = String(repeating: "x ", count: 200_000)

    @Test("a token-dense file stops at 100 errors with a note", arguments: ["ike.config", "ike.preshared", "ipsecinit.conf"])
    func errorLimit(_ kind: String) {
        let diagnostics: [ConfigDiagnostic] = switch kind {
        case "ike.config": IKEConfigParser.parse(Self.dense, file: kind).diagnostics
        case "ike.preshared": PresharedParser.parse("{ " + Self.dense + "}", file: kind).diagnostics
        default: IPsecPolicyParser.parse(Self.dense, file: kind).diagnostics
        }
        #expect(diagnostics.count == ConfigDiagnostic.limit + 1)
        #expect(diagnostics.last?.message == "too many errors (100); the rest of the file was not checked")
    }

    @Test("a pattern with more keys than any real one is refused without collecting them")
    func patternKeys() {
        let pattern = "{ " + String(repeating: "laddr 10.0.0.1 ", count: 10_000) + "} ipsec { encr_algs aes }"
        let result = IPsecPolicyParser.parse(pattern, file: "ipsecinit.conf")
        #expect(result.entries.isEmpty)
        #expect(result.diagnostics.contains { $0.message.contains("more than 64 keys in the pattern") })
    }

    @Test("a file above 16 MiB is refused with a clear error")
    func sizeLimit() {
        let huge = String(repeating: "#", count: (16 << 20) + 1)
        let diagnostics = IKEConfigParser.parse(huge, file: "big.config").diagnostics
        #expect(diagnostics.map(\.description) == ["big.config:1:1: file is larger than 16 MiB"])
    }
}
