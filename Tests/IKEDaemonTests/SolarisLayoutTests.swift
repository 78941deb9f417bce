import Foundation
import IKETestSupport
import Testing

/// Golden outputs of the Solaris layouts (spec §4.5), whole blocks line for line from live daemons:
/// `…` in a template line stands for a value that changes between runs (cookies, times, ports).
/// This implementation's additions come after the Solaris lines, never between them.
@Suite("ikeadm output in the Solaris layouts", .serialized)
struct SolarisLayoutTests {
    /// Whether `line` is `template` with each `…` standing for any text.
    static func matches(_ line: Substring, _ template: String) -> Bool {
        let parts = template.components(separatedBy: "…")
        guard line.hasPrefix(parts[0]) else { return false }
        var rest = line.dropFirst(parts[0].count)
        for (index, part) in parts.enumerated().dropFirst() {
            if index == parts.count - 1 { return part.isEmpty || rest.hasSuffix(part) }
            guard let found = rest.range(of: part) else { return false }
            rest = rest[found.upperBound...]
        }
        return rest.isEmpty
    }

    /// The text's first lines are the template's, one for one.
    static func expect(_ text: String, startsWith template: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, expected) in template.enumerated() {
            guard index < lines.count else {
                Issue.record("output ends before line \(index + 1) (\(expected))\n\(text)", sourceLocation: sourceLocation)
                return
            }
            #expect(matches(lines[index], expected), "line \(index + 1): \"\(lines[index])\" is not \"\(expected)\"\n\(text)", sourceLocation: sourceLocation)
        }
    }

    @Test("dump p1: IKESA, XFORM, LOCIP/REMIP, LIFTM, STATS, ERRS, LOCID/REMID as Solaris prints them, then ours")
    func phase1() throws {
        let (a, b) = try LoopbackDaemonTests.establishedPair("127.0.0.71", "127.0.0.72")
        defer { _ = b }
        // The responder is ACTIVE first; the initiator once MM6 and the Quick Mode are through.
        let dump = try a.wait(for: ["dump", "p1"]) { $0.contains("Quick Mode SAs created") && $0.contains("1 Quick Mode SAs created") }
        Self.expect(dump, startsWith: [
            "IKESA: Cookies: Initiator 0x…  Responder 0x…",
            "IKESA: The local host is the initiator.",
            "IKESA: ISAKMP version 1.0; main mode (identity protect) exchange",
            "IKESA: Current state is ACTIVE",
            "IKESA: Dead Peer Detection (RFC 3706) enabled",
            "XFORM: Authentication method: pre-shared key",
            "XFORM: Encryption alg: aes-cbc(128); Authentication alg: hmac-sha256",
            "XFORM: Oakley Group: 2048-bit MODP (group 14)",
            "XFORM: Phase 2 PFS is required (Oakley Group: 2048-bit MODP (group 14))",
            "LOCIP: Address (Initiator):",
            "LOCIP: AF_INET: port …, 127.0.0.71.",
            "REMIP: Address (Responder):",
            "REMIP: AF_INET: port …, 127.0.0.72.",
            "LIFTM: Lifetime limits:",
            "LIFTM: 3600 seconds (1.00 hour); 0 kbytes protected",
            "LIFTM: keying material for IPsec SAs can be provided 0 times (no limit)",
            "LIFTM: Current usage:",
            "LIFTM: SA was created at … 20…",
            "LIFTM: 0 kbytes protected",
            "LIFTM: keying material for IPsec SAs provided 1 times",
            "LIFTM: Expiration info:",
            "LIFTM: SA expires in … seconds (…)",
            "LIFTM: Time of expiration: … 20…",
            "STATS: 1 Quick Mode SAs created; 0 Quick Mode SAs deleted",
            "ERRS:  0 RX errors: 0 decryption, 0 hash, 0 other",
            "ERRS:  0 TX errors",
            "LOCID: Initiator identity, uid=0, type prefix",
            "LOCID: 127.0.0.71",
            "REMID: Responder identity, uid=0, type prefix",
            "REMID: 127.0.0.72",
            "RULE:  \"to 127.0.0.72\"",
            "VID:   peer announced …",
            "NAT:   NAT traversal (RFC 3947): no NAT, ports … <-> …",
            "",
            "Completed dump of phase 1 SAs (1)",
        ])
    }

    @Test("dump rule: GLOBL lines, address ranges, transforms with their lifetime limits")
    func rule() throws {
        let daemon = try LoopbackDaemonTests.Daemon(address: "127.0.0.73", peer: "127.0.0.74", port: LoopbackDaemonTests.freePort())
        Self.expect(try daemon.adm(["dump", "rule"]).standardOutput, startsWith: [
            "GLOBL: Label 'to 127.0.0.74', key manager cookie 1",
            "GLOBL: local_idtype=prefix, ike_mode=main mode (identity protect)",
            "GLOBL: p1_nonce_len=20, p2_nonce_len=20, p2_pfs=true (group 14)",
            "GLOBL: p2_lifetime=3600 seconds (1.00 hour)",
            "GLOBL: p2_softlife=3240 seconds (54.00 minutes)",
            "GLOBL: p2_idletime=0 seconds",
            "GLOBL: p2_lifetime_kb=0 kilobytes",
            "GLOBL: p2_softlife_kb=0 kilobytes",
            "LOCIP: IP address range(s):",
            "LOCIP: 127.0.0.73",
            "REMIP: IP address range(s):",
            "REMIP: 127.0.0.74",
            "XFRMS: Available Transforms:",
            "XF  0: Authentication method: pre-shared key",
            "XF  0: Encryption alg: aes-cbc(128); Authentication alg: hmac-sha256",
            "XF  0: Oakley Group: 2048-bit MODP (group 14)",
            "XF  0: Phase 2 PFS is required (Oakley Group: 2048-bit MODP (group 14))",
            "XF  0: Lifetime limits:",
            "XF  0: 3600 seconds (1.00 hour); 0 kbytes protected",
            "XF  0: keying material for IPsec SAs can be provided 0 times (no limit)",
            "",
            "Completed dump of rules (1)",
        ])
    }

    @Test("dump preshared: PSKEY lines, then addresses as socket addresses; the key (hex/bits) only at keymat")
    func preshared() throws {
        let daemon = try LoopbackDaemonTests.Daemon(address: "127.0.0.75", peer: "127.0.0.76", port: LoopbackDaemonTests.freePort(), key: "k4",
                                                    extra: ["-p", "keymat"])
        Self.expect(try daemon.adm(["dump", "preshared"]).standardOutput, startsWith: [
            "PSKEY: For main mode (identity protect) exchanges",
            "PSKEY: Pre-shared key (2 bytes): 6b34/16",
            "LOCIP: Address:",
            "LOCIP: AF_INET: port 0, 127.0.0.75.",
            "REMIP: Address:",
            "REMIP: AF_INET: port 0, 127.0.0.76.",
            "",
            "Completed dump of preshared keys (1)",
        ])
        // ikeadm -p: the hex becomes X, the length stays.
        #expect(try daemon.adm(["-p", "dump", "preshared"]).standardOutput.contains("PSKEY: Pre-shared key (2 bytes): XXXX/16"))
    }

    @Test("get defaults: the Solaris heading and rows in its order, then this implementation's tunables")
    func defaults() throws {
        let daemon = try LoopbackDaemonTests.Daemon(address: "127.0.0.77", peer: "127.0.0.78", port: LoopbackDaemonTests.freePort())
        let text = try daemon.adm(["get", "defaults"]).standardOutput
        Self.expect(text, startsWith: [
            "",
            "Global defaults. Some values can be over-ridden on a per rule basis.",
            "",
            "System defaults are time delayed.",
            "",
            "Token:            Source:   Value:      Unit:     Description:              ",
            "",
            "p1_lifetime_secs  default          3600 seconds   phase 1 lifetime          ",
            "-                 default            60 seconds   minimum phase 1 lifetime  ",
            "p1_nonce_len      default            20 bytes     phase 1 nonce length      ",
        ])
        // Every Solaris row, in Solaris's order, before any of ours.
        let descriptions = text.split(separator: "\n").dropFirst(3).map { $0.dropFirst(50).trimmingCharacters(in: .whitespaces) }
        let solaris = ["phase 1 lifetime", "minimum phase 1 lifetime", "phase 1 nonce length", "phase 2 lifetime", "phase 2 soft lifetime", "phase 2 idle time",
                       "phase 2 lifetime", "phase 2 soft lifetime", "system phase 2 lifetime", "system phase 2 soft lifetime", "system phase 2 idle time",
                       "system phase 2 lifetime", "system phase 2 soft lifetime", "minimum phase 2 hard lifetime", "minimum phase 2 soft lifetime",
                       "minimum phase 2 idle lifetime", "minimum phase 2 hard lifetime", "minimum phase 2 soft lifetime", "minimum phase 2 delta",
                       "minimum phase 2 delta", "maximum phase 2 lifetime", "conversion factor", "maximum phase 2 lifetime", "phase 2 nonce length",
                       "phase 2 PFS", "max certificates", "IKE port number", "NAT-T port number"]
        #expect(Array(descriptions.prefix(solaris.count)) == solaris, "\(text)")
        #expect(text.contains("-                 default          4500           NAT-T port number         "), "\(text)")
    }

    @Test("dump groups, encralgs, authalgs: the Solaris tables")
    func algorithms() throws {
        let daemon = try LoopbackDaemonTests.Daemon(address: "127.0.0.79", peer: "127.0.0.80", port: LoopbackDaemonTests.freePort())
        Self.expect(try daemon.adm(["dump", "groups"]).standardOutput, startsWith: [
            "",
            "List of Diffie-Hellman groups for setting up IKE SAs",
            "The values match the IPsec attribute assigned numbers published by IANA",
            "",
            "Value Strength Description                                       ",
            "1     …",
        ])
        Self.expect(try daemon.adm(["dump", "encralgs"]).standardOutput, startsWith: [
            "", "List of encryption algorithms for IKE", "The values match the IPsec attribute assigned numbers published by IANA", "",
            "Value Name                Keylen range   ",
            "1     des-cbc             64-64          ",
        ])
        Self.expect(try daemon.adm(["dump", "authalgs"]).standardOutput, startsWith: [
            "", "List of authentication algorithms for IKE", "The values match the IPsec attribute assigned numbers published by IANA", "",
            "Value Name                ",
            "1     hmac-md5            ",
            "2     hmac-sha1           ",
        ])
    }
}
