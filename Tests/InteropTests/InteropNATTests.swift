import Foundation
import IKETestSupport
import Testing

/// One NAT traversal interop case: who sits behind the NAPT, and who starts.
struct NATCase: Sendable, CustomTestStringConvertible {
    let peer: String
    /// nat-us (our daemon behind the NAT) or nat-peer.
    let topology: String
    let weInitiate: Bool
    var testDescription: String {
        "\(peer), \(topology == "nat-us" ? "we are behind the NAT" : "the peer is behind the NAT"), \(weInitiate ? "we initiate" : "they initiate")"
    }
}

/// NAT traversal (RFC 3947/3948) against strongSwan and Libreswan through a real NAPT: a namespace
/// between the two runs nftables masquerade with random ports and forwards UDP 500/4500 to the
/// inside host (scripts/interop/peers.sh `up ID nat-us|nat-peer`).
@Suite("Interop: NAT traversal", .serialized, .enabled(if: InteropHarness.prerequisite.runs, "needs root, strongSwan and Libreswan (scripts/interop/peers.sh install)"))
struct InteropNATTests {
    static let cases: [NATCase] = ["strongswan", "libreswan"].flatMap { peer in
        ["nat-us", "nat-peer"].flatMap { topology in [true, false].map { NATCase(peer: peer, topology: topology, weInitiate: $0) } }
    }

    static let suite = InteropTests.suites[0]

    /// The peer and our daemon through the NAT, tunnel mode between the two hosts' own addresses;
    /// both send NAT keepalives every second.
    static func start(_ test: NATCase, peerDPD: Int? = nil, globals: String = "") throws -> InteropHarness {
        let harness = try InteropHarness(topology: test.topology)
        var environment = ["PEER_KEEPALIVE=1"]
        if let peerDPD { environment.append("PEER_DPD=\(peerDPD)") }
        let esp = test.peer == "strongswan" ? suite.strongSwanESP : suite.libreswanESP
        let started = try harness.run([test.peer, harness.id, suite.ike, esp, "tunnel", "none", "nat key", "\(harness.peer)/32", "\(harness.us)/32"],
                                      environment: environment)
        #expect(started.status == 0, "\(started.standardError)")
        let policy = "{tunnel tun0 negotiate tunnel laddr \(harness.us) raddr \(harness.peer)} ipsec {encr_algs aes(128) encr_auth_algs sha1}"
        try harness.startDaemon(phase1: suite.phase1, pfs: 0, policy: policy, key: "nat key", globals: "nat_keepalive 1\n" + globals)
        return harness
    }

    static func negotiate(_ harness: InteropHarness, _ test: NATCase) throws -> String {
        if test.weInitiate {
            #expect(try harness.adm(["initiate", harness.us, harness.peer]).status == 0)
        } else {
            let initiated = try harness.run(["initiate", harness.id])
            #expect(initiated.status == 0, "\(initiated.standardOutput)\(initiated.standardError)")
        }
        let dump = try harness.wait({ try harness.adm(["dump", "sa"]).standardOutput }, until: { $0.contains("IPsec SAs (1)") })
        #expect(dump.contains("IPsec SAs (1)"), "\(harness.log("in.iked.log").suffix(3000))\n\(harness.log(test.peer == "strongswan" ? "charon.log" : "pluto.log").suffix(3000))")
        return dump
    }

    @Test("NAT-D finds the NAT, Main Mode floats to 4500, Quick Mode negotiates UDP encapsulation on both sides, keepalives cross the NAT", arguments: cases)
    func traverse(_ test: NATCase) throws {
        try InteropHarness.prerequisite.require()
        let harness = try Self.start(test)
        let dump = try Self.negotiate(harness, test)
        // Our ESP is UDP-encapsulated between our 4500 and the peer's 4500 as we see it.
        #expect(dump.contains("ENCAP: ESP in UDP (RFC 3948), ports 4500 -> "), "\(dump)")
        let p1 = try harness.adm(["dump", "p1"]).standardOutput
        let who = test.topology == "nat-us" ? "(we) behind NAT" : "(peer) behind NAT"
        #expect(p1.contains("NAT:   NAT traversal (RFC 3947): ") && p1.contains(who), "\(p1)")
        #expect(p1.contains("ports 4500 <-> "), "\(p1)")
        // The peer installed UDP-encapsulated SAs too (its kernel calls pass the shim).
        let installed = harness.wait({ harness.log("peer-sas.log") }, until: { $0.components(separatedBy: " encap=").count > 2 })
        #expect(installed.components(separatedBy: " encap=").count > 2, "\(installed)")
        // Whoever is inside keeps the mapping open: the NAT counts 1-byte keepalives leaving it.
        let keepalives = try harness.wait(timeout: 10, { try harness.run(["keepalives", harness.id]).standardOutput }, until: { (Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) >= 2 })
        #expect((Int(keepalives.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) >= 2, "keepalives: \(keepalives)")
        if test.topology == "nat-us" {
            let stats = try harness.adm(["get", "stats"]).standardOutput
            #expect(!stats.contains("keepalives sent:          0"), "\(stats)")
        }
    }

    @Test("after the NAT forgets its mappings, the peer's next authenticated message comes from a new port and we follow it", arguments: ["strongswan", "libreswan"])
    func mappingChange(_ peer: String) throws {
        try InteropHarness.prerequisite.require()
        let test = NATCase(peer: peer, topology: "nat-peer", weInitiate: true)
        // The peer probes with R-U-THERE every 2 s of quiet; ours stays off so that it is the peer's.
        let harness = try Self.start(test, peerDPD: 2, globals: "dpd_interval 0")
        _ = try Self.negotiate(harness, test)
        let before = try harness.adm(["dump", "p1"]).standardOutput
        #expect(try harness.run(["flush-nat", harness.id]).status == 0)
        let stats = try harness.wait(timeout: 20, { try harness.adm(["get", "stats"]).standardOutput }, until: { !$0.contains("mappings followed:          0") })
        #expect(!stats.contains("mappings followed:          0"), "\(stats)\n\(harness.log("in.iked.log").suffix(2000))")
        let after = try harness.adm(["dump", "p1"]).standardOutput
        let remote = { (text: String) in text.split(separator: "\n").last { $0.hasPrefix("REMIP: AF_INET") }.map(String.init) ?? "" }
        #expect(remote(before) != remote(after), "\(before)\n\(after)")
        let sa = try harness.adm(["dump", "sa"]).standardOutput
        #expect(sa.contains("IPsec SAs (1)"), "\(sa)")
    }
}
