import Foundation
import IKEDump
import IKETestSupport
#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Testing

/// Real in.iked processes on 127.0.0.x, in-memory kernel, driven through ikeadm (testing layer 3).
@Suite("Daemons on loopback", .serialized)
struct LoopbackDaemonTests {
    /// A running in.iked with its files in a scratch directory; stopped and removed on deinit.
    final class Daemon {
        let root: String
        let address: String
        let process = Process()
        /// The UDP port it listens on (and sends to).
        let port: Int?

        init(address: String, peer: String, port: Int, key: String = "loopback-key", transform: String = "aes(128)", policy: String? = nil, extra: [String] = []) throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("iked-\(UUID().uuidString)").path
            self.address = address
            self.port = port
            try Self.write(root + "/etc/inet/ike/config", """
                retry_timer_init 0.2
                p1_xform { auth_method preshared oakley_group 14 auth_alg sha256 encr_alg \(transform) }
                p2_pfs 14
                { label "to \(peer)" local_addr \(address) remote_addr \(peer) }
                """)
            try Self.write(root + "/etc/inet/secret/ike.preshared", "{ localid \(address) remoteid \(peer) key \"\(key)\" }\n", mode: 0o600)
            try Self.write(root + "/etc/inet/ipsecinit.conf", policy ?? "{laddr \(address) raddr \(peer)} ipsec {encr_algs aes encr_auth_algs sha256}\n")
            guard let binary = ProductRunner.path(of: "in.iked") else { throw ProductRunner.NotBuilt(product: "in.iked") }
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["--root", root, "--kernel", "memory", "--listen", address, "--port", String(port), "-d"] + extra
            // Logs go to a file: an undrained pipe would block the daemon once it filled.
            FileManager.default.createFile(atPath: root + "/in.iked.log", contents: nil)
            let log = FileHandle(forWritingAtPath: root + "/in.iked.log")
            process.standardError = log
            process.standardOutput = log
            try process.run()
            // Ready when the control socket answers.
            for _ in 0..<200 {
                if (try? adm(["get", "stats"]).status) == 0 { return }
                usleep(20_000)
            }
            throw ProductRunner.NotBuilt(product: "in.iked (did not start)")
        }

        deinit {
            if process.isRunning {
                process.terminate()
                process.waitUntilExit()
            }
            try? FileManager.default.removeItem(atPath: root)
        }

        func adm(_ arguments: [String]) throws -> ProductRunner.Result {
            try ProductRunner.run("ikeadm", ["--root", root] + arguments)
        }

        static func write(_ path: String, _ text: String, mode: Int = 0o644) throws {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: false, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        }

        /// A raw connection to the control socket, as a client that speaks the protocol itself.
        func connectControl() -> Int32 {
            let control = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let path = Array((root + "/var/run/ike_door").utf8)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in for (index, byte) in path.enumerated() { raw[index] = byte } }
            _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(control, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
            return control
        }

        /// The text of the answer frame on a raw connection (its first 4 KiB).
        static func readAnswer(_ control: Int32) -> String {
            var answer = [UInt8](repeating: 0, count: 4096)
            let count = read(control, &answer, answer.count)
            return count > 4 ? String(decoding: answer[4..<count], as: UTF8.self) : ""
        }

        /// Waits until `condition` holds for the output of `ikeadm arguments`.
        func wait(for arguments: [String], timeout: Double = 10, _ condition: (String) -> Bool) throws -> String {
            let end = Date().addingTimeInterval(timeout)
            var last = ""
            while Date() < end {
                last = try adm(arguments).standardOutput
                if condition(last) { return last }
                usleep(20_000)
            }
            return last
        }
    }

    static func freePort() -> Int { Int.random(in: 20000...60000) }

    /// Two daemons with a Phase 1 SA between them, `a` the initiator.
    static func establishedPair(_ first: String, _ second: String, extra: [String] = []) throws -> (Daemon, Daemon) {
        let port = freePort()
        let a = try Daemon(address: first, peer: second, port: port, extra: extra)
        let b = try Daemon(address: second, peer: first, port: port, extra: extra)
        _ = try a.adm(["initiate", first, second])
        #expect(try b.wait(for: ["dump", "p1"]) { $0.contains("ACTIVE") }.contains("ACTIVE"))
        return (a, b)
    }

    @Test("two daemons negotiate through ikeadm initiate; both report the same SPIs")
    func negotiate() throws {
        let port = Self.freePort()
        let a = try Daemon(address: "127.0.0.1", peer: "127.0.0.2", port: port)
        let b = try Daemon(address: "127.0.0.2", peer: "127.0.0.1", port: port)
        #expect(try a.adm(["initiate", "127.0.0.1", "127.0.0.2"]).standardOutput.contains("Initiated"))
        let dumpA = try a.wait(for: ["dump", "sa"]) { $0.contains("IPsec SAs (1)") }
        let dumpB = try b.wait(for: ["dump", "sa"]) { $0.contains("IPsec SAs (1)") }
        func spis(_ text: String) -> [String] {
            text.split(separator: "\n").first { $0.hasPrefix("SPI:") }.map { $0.split(separator: " ").filter { $0.hasPrefix("0x") }.map(String.init) } ?? []
        }
        #expect(spis(dumpA).count == 2 && spis(dumpA) == spis(dumpB).reversed())
        #expect(dumpA.contains("ESP AES-CBC-256/HMAC-SHA2-256"))
        let p1 = try a.adm(["dump", "p1"]).standardOutput
        #expect(p1.contains("IKESA: The local host is the initiator.") && p1.contains("IKESA: Current state is ACTIVE"))
        #expect(p1.contains("XFORM: Encryption alg: aes-cbc(128); Authentication alg: hmac-sha256") && p1.contains("XFORM: Oakley Group: 2048-bit MODP (group 14)"))
        // Both announce RFC 3706, so each runs DPD on the SA.
        #expect(p1.contains("VID:   peer announced RFC 3706 DPD"), "\(p1)")
        #expect(p1.contains("IKESA: Dead Peer Detection (RFC 3706) enabled"), "\(p1)")
        // Both announce NAT-T (each daemon has its NAT-T socket on 4500); NAT-D finds no NAT on loopback.
        #expect(p1.contains("NAT:   NAT traversal (RFC 3947): no NAT, ports \(port) <-> \(port)"), "\(p1)")
        #expect(!dumpA.contains("ENCAP:"))
        let stats = try b.adm(["get", "stats"]).standardOutput
        #expect(stats.contains("Dead Peer Detection: R-U-THERE sent:"))
        #expect(stats.contains("Current:   initiator:          0   responder:          1"))
        // A delete from b removes the SAs on a.
        #expect(try b.adm(["del", "sa", "127.0.0.1"]).status == 0)
        #expect(try a.wait(for: ["dump", "sa"]) { $0.contains("IPsec SAs (0)") }.contains("IPsec SAs (0)"))
    }

    @Test("a wrong key fails on both sides and the responder keeps serving others")
    func wrongKeyAndOthers() throws {
        let port = Self.freePort()
        let server = try Daemon(address: "127.0.0.3", peer: "127.0.0.0/24", port: port, key: "right key")
        let good = try Daemon(address: "127.0.0.4", peer: "127.0.0.3", port: port, key: "right key")
        let bad = try Daemon(address: "127.0.0.5", peer: "127.0.0.3", port: port, key: "wrong key")
        _ = try bad.adm(["initiate", "127.0.0.5", "127.0.0.3"])
        _ = try good.adm(["initiate", "127.0.0.4", "127.0.0.3"])
        #expect(try good.wait(for: ["dump", "sa"]) { $0.contains("IPsec SAs (1)") }.contains("IPsec SAs (1)"))
        let serverStats = try server.wait(for: ["get", "stats"]) { $0.contains("Failed:    initiator:          0   responder:          1") }
        #expect(serverStats.contains("responder:          1") && serverStats.contains("Failure reasons: authentication failed 1"))
        let badStats = try bad.wait(for: ["get", "stats"]) { $0.contains("Failed:    initiator:          1") }
        #expect(badStats.contains("Failed:    initiator:          1") && badStats.contains("Failure reasons: refused by the peer 1"), "\(badStats)")
        #expect(try good.adm(["get", "stats"]).standardOutput.contains("Failure reasons: none"))
        #expect(try bad.adm(["dump", "sa"]).standardOutput.contains("IPsec SAs (0)"))
    }

    @Test("ikeadm errors: unknown command, no daemon")
    func admErrors() throws {
        let daemon = try Daemon(address: "127.0.0.6", peer: "127.0.0.7", port: Self.freePort())
        let unknown = try daemon.adm(["frobnicate"])
        #expect(unknown.status == 1 && unknown.standardOutput.contains("unknown command 'frobnicate'"))
        let none = try ProductRunner.run("ikeadm", ["--door", "/nonexistent/door", "get", "stats"])
        #expect(none.status == 1 && none.standardOutput.contains("Unable to communicate with in.iked"))
    }

    @Test("garbage datagrams and malformed control requests leave the daemon working")
    func hostileInput() throws {
        let port = Self.freePort()
        let a = try Daemon(address: "127.0.0.8", peer: "127.0.0.9", port: port)
        let b = try Daemon(address: "127.0.0.9", peer: "127.0.0.8", port: port)
        // Random datagrams, and truncated ISAKMP headers, at the IKE port.
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var target = sockaddr_in()
        target.sin_family = sa_family_t(AF_INET)
        target.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, "127.0.0.8", &target.sin_addr)
        var generator = SeededGenerator(seed: 11)
        for index in 0..<300 {
            var bytes = (0..<Int.random(in: 0...600, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            // Every third one looks like an IKEv1 Main Mode header, so it reaches the ISAKMP decoder.
            if index % 3 == 0, bytes.count > 28 { bytes[17] = 0x10; bytes[18] = 2 }
            _ = withUnsafePointer(to: &target) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, bytes, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        // A control frame announcing 16 MiB, and one in an unknown protocol version.
        for frame in [[UInt8(1), 0, 0, 0] + Array("junk".utf8), [0, 0, 0, 9] + Array("HELLO/9 x".utf8)] {
            let control = a.connectControl()
            _ = frame.withUnsafeBytes { write(control, $0.baseAddress, $0.count) }
            #expect(Daemon.readAnswer(control).hasPrefix("ERROR"))
            close(control)
        }
        let stats = try a.wait(for: ["get", "stats"]) { $0.contains("malformed:") }
        #expect(stats.contains("Phase 1 SA counts"))
        // Still negotiates.
        _ = try a.adm(["initiate", "127.0.0.8", "127.0.0.9"])
        #expect(try a.wait(for: ["dump", "sa"]) { $0.contains("IPsec SAs (1)") }.contains("IPsec SAs (1)"))
        #expect(try b.wait(for: ["dump", "sa"]) { $0.contains("IPsec SAs (1)") }.contains("IPsec SAs (1)"))
    }

    @Test("silent and slow control clients do not stall the daemon; clients are served at once and side by side")
    func controlClients() throws {
        let daemon = try Daemon(address: "127.0.0.32", peer: "127.0.0.33", port: Self.freePort())
        // Twenty clients that connect and say nothing: served one after another with a wait each, they
        // would hold ikeadm past its 10-second timeout.
        let silent = (0..<20).map { _ in daemon.connectControl() }
        defer { silent.forEach { close($0) } }
        // A slow client: half a frame now, the rest later.
        let request = Array("IKEADM/1 get priv".utf8)
        let frame = [0, 0, 0, UInt8(request.count)] + request
        let slow = daemon.connectControl()
        defer { close(slow) }
        _ = frame.withUnsafeBytes { write(slow, $0.baseAddress, 6) }
        // Two ikeadm processes at the same time.
        let answers = Mutex<[Int32]>([])
        let root = daemon.root
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            let status = (try? ProductRunner.run("ikeadm", ["--root", root, "get", "stats"]).status) ?? -1
            answers.withLock { $0.append(status) }
        }
        #expect(answers.withLock { $0 } == [0, 0])
        _ = frame.withUnsafeBytes { write(slow, $0.baseAddress! + 6, frame.count - 6) }
        #expect(Daemon.readAnswer(slow).hasPrefix("OK\nCurrent privilege level is 0x0"))
    }

    @Test("get/set priv (lower only), get/set debug applied live, get defaults")
    func adminState() throws {
        let daemon = try Daemon(address: "127.0.0.10", peer: "127.0.0.11", port: Self.freePort(), extra: ["-p", "keymat"])
        #expect(try daemon.adm(["get", "priv"]).standardOutput.contains("Current privilege level is 0x2, access to keying material enabled"))
        let lowered = try daemon.adm(["set", "priv", "modkeys"])
        #expect(lowered.status == 0 && lowered.standardOutput.contains("Successfully changed privilege level from 0x2 to 0x1"))
        let raised = try daemon.adm(["set", "priv", "keymat"])
        #expect(raised.status == 1 && raised.standardOutput.contains("can only be lowered"))
        #expect(try daemon.adm(["get", "priv"]).standardOutput.contains("0x1, access to preshared key information"))
        let debug = try daemon.adm(["get", "debug"]).standardOutput
        #expect(debug.contains("Current debug level is 0x7ff") && debug.contains("Phase 1 SA creation") && debug.contains("Proposal construction"))
        let changed = try daemon.adm(["set", "debug", "phase1+phase2"]).standardOutput
        #expect(changed.contains("Successfully changed debug level from 0x7ff to 0x18"))
        #expect(!changed.contains("Operational") && changed.contains("Phase 2 SA creation"))
        #expect(try daemon.adm(["set", "debug", "loud"]).standardOutput.contains("Bad debug level: loud"))
        let defaults = try daemon.adm(["get", "defaults"]).standardOutput
        // The Solaris layout: %-18s%-10s%11u %-10s%-26s.
        #expect(defaults.contains("p1_lifetime_secs  default          3600 seconds   phase 1 lifetime"))
        #expect(defaults.contains("retry_timer_init  config            200 ms        first retransmit interval"))
        #expect(defaults.contains("p2_softlife_secs  default          3240 seconds   phase 2 soft lifetime"))
        #expect(defaults.contains("dpd_interval      default            30 seconds   DPD idle interval (0: off)"), "\(defaults)")
        #expect(defaults.contains("nat_keepalive     default            20 seconds   NAT keepalive interval (0: off)"), "\(defaults)")
        #expect(defaults.contains("-                 default          4500           NAT-T port number"), "\(defaults)")
        #expect(try daemon.adm(["dump", "groups"]).standardOutput.contains("\n14    112      2048-bit MODP (group 14)                          \n"))
        #expect(try daemon.adm(["dump", "encralgs"]).standardOutput.contains("\n7     aes-cbc             128-256        \n"))
        #expect(try daemon.adm(["dump", "authalgs"]).standardOutput.contains("Completed dump of authalgs (5)"))
        // --json: the same rows as a table.
        let json = try daemon.adm(["--json", "get", "defaults"]).standardOutput
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let rows = try #require(document["data"] as? [[String: Any]])
        // All but the Solaris heading (two sentences and the column titles).
        #expect(rows.count == defaults.split(separator: "\n").count - 3, "\(defaults)")
        let retry = try #require(rows.first { $0["token"] as? String == "retry_timer_init" })
        #expect(retry["source"] as? String == "config" && retry["value"] as? Int == 200 && retry["unit"] as? String == "ms")
    }

    @Test("rules and preshared keys: dumps in the Solaris layout, keys only at keymat, nothing at base")
    func rulesAndKeys() throws {
        let base = try Daemon(address: "127.0.0.12", peer: "127.0.0.13", port: Self.freePort(), key: "k1")
        let rules = try base.adm(["dump", "rule"]).standardOutput
        #expect(rules.contains("GLOBL: Label 'to 127.0.0.13', key manager cookie 1") && rules.contains("REMIP: IP address range(s):\nREMIP: 127.0.0.13\n"))
        #expect(rules.contains("XF  0: Encryption alg: aes-cbc(128); Authentication alg: hmac-sha256") && rules.contains("Completed dump of rules (1)"))
        #expect(rules.contains("p2_pfs=true (group 14)"))
        #expect(try base.adm(["get", "rule", "to", "127.0.0.13"]).standardOutput.contains("GLOBL: Label 'to 127.0.0.13'"))
        #expect(try base.adm(["get", "rule", "nope"]).standardOutput.contains("Could not find requested rule."))
        let refused = try base.adm(["dump", "preshared"])
        #expect(refused.status == 1 && refused.standardOutput.contains("modkeys or keymat"))
        let modkeys = try Daemon(address: "127.0.0.14", peer: "127.0.0.15", port: Self.freePort(), key: "k2", extra: ["-p", "modkeys"])
        let withheld = try modkeys.adm(["dump", "preshared"]).standardOutput
        #expect(withheld.contains("LOCIP: Address:\nLOCIP: AF_INET: port 0, 127.0.0.14.") && withheld.contains("REMIP: AF_INET: port 0, 127.0.0.15.") && !withheld.contains("Pre-shared key ("))
        let keymat = try Daemon(address: "127.0.0.16", peer: "127.0.0.17", port: Self.freePort(), key: "k3", extra: ["-p", "keymat"])
        #expect(try keymat.adm(["get", "preshared", "127.0.0.16", "127.0.0.17"]).standardOutput.contains("PSKEY: Pre-shared key (2 bytes): 6b33/16"))
        // Lowered to base, keys are gone again.
        _ = try keymat.adm(["set", "priv", "base"])
        #expect(try keymat.adm(["dump", "preshared"]).status == 1)
    }

    @Test("write rule gives a file that reads back to the same rules; del rule and read rule change what negotiates")
    func ruleFiles() throws {
        let port = Self.freePort()
        let a = try Daemon(address: "127.0.0.20", peer: "127.0.0.21", port: port, extra: ["-p", "modkeys"])
        let b = try Daemon(address: "127.0.0.21", peer: "127.0.0.20", port: port)
        let written = a.root + "/written.config"
        #expect(try a.adm(["write", "rule", written]).standardOutput.contains("Completed write"))
        let original = try a.adm(["dump", "rule"]).standardOutput
        #expect(try a.adm(["del", "rule", "to", "127.0.0.21"]).standardOutput.contains("Successfully deleted selected rule."))
        #expect(try a.adm(["dump", "rule"]).standardOutput.contains("rules (0)"))
        // Without a rule nothing is negotiated.
        _ = try a.adm(["initiate", "127.0.0.20", "127.0.0.21"])
        usleep(300_000)
        #expect(try b.adm(["dump", "p1"]).standardOutput.contains("phase 1 SAs (0)"))
        // Reading the written file back restores the same rules, and negotiation works again.
        #expect(try a.adm(["read", "rule", written]).standardOutput.contains("(1 rules)"))
        #expect(try a.adm(["dump", "rule"]).standardOutput == original)
        #expect(try a.adm(["read", "preshared"]).standardOutput.contains("(1 keys)"))
        _ = try a.adm(["initiate", "127.0.0.20", "127.0.0.21"])
        #expect(try b.wait(for: ["dump", "sa"]) { $0.contains("IPsec SAs (1)") }.contains("IPsec SAs (1)"))
        // write never overwrites (the live configuration included) and makes the file 0600.
        let again = try a.adm(["write", "rule", written])
        #expect(again.status == 1 && again.standardOutput.contains("cannot create \(written): File exists"))
        #expect((try FileManager.default.attributesOfItem(atPath: written)[.posixPermissions] as? Int) == 0o600)
        #expect(try a.adm(["write", "rule", a.root + "/etc/inet/ike/config"]).status == 1)
        let keys = a.root + "/written.preshared"
        #expect(try a.adm(["write", "preshared", keys]).standardOutput.contains("Completed write of preshared key information."))
        #expect(try a.adm(["read", "preshared", keys]).standardOutput.contains("(1 keys)"))
        #expect(try b.adm(["write", "preshared", b.root + "/keys"]).standardOutput.contains("need privilege level modkeys"))
        let broken = try a.adm(["read", "rule", "/nonexistent/config"])
        #expect(broken.status == 1 && broken.standardOutput.contains("cannot read /nonexistent/config"))
    }

    @Test("interactive ikeadm: the prompt, an error that does not end the session, -p masking keys, exit")
    func interactive() throws {
        let daemon = try Daemon(address: "127.0.0.22", peer: "127.0.0.23", port: Self.freePort(), key: "secret", extra: ["-p", "keymat"])
        let session = try ProductRunner.run("ikeadm", ["-p", "--root", daemon.root], input: "get priv\nfrobnicate\n\ndump preshared\ntoken login\nquit\nget stats\n")
        #expect(session.status == 0)
        let out = session.standardOutput
        #expect(out.hasPrefix("ikeadm> Current privilege level is 0x2"))
        #expect(out.contains("ikeadm: unknown command 'frobnicate'"))
        #expect(out.contains("PSKEY: Pre-shared key (6 bytes): XXXXXXXXXXXX"))
        #expect(!out.contains("736563726574"))
        #expect(out.contains("token login is not supported"))
        #expect(!out.contains("Phase 1 SA counts"))
        #expect(!out.contains("in.iked is not running"), "a daemon answers")
        #expect(try ProductRunner.run("ikeadm", ["help"]).standardOutput.contains("read rule [file] | preshared [file]"))
        // Without a daemon, interactive ikeadm says so at once.
        let nobody = FileManager.default.temporaryDirectory.appendingPathComponent("iked-\(UUID().uuidString)").path
        let alone = try ProductRunner.run("ikeadm", ["--root", nobody], input: "quit\n")
        #expect(alone.standardOutput.hasPrefix("ikeadm: in.iked is not running (nothing answers on \(nobody)/var/run/ike_door)"), "\(alone.standardOutput)")
    }

    @Test("add and del preshared change which peers authenticate; inline entries in interactive mode")
    func presharedChanges() throws {
        let port = Self.freePort()
        let a = try Daemon(address: "127.0.0.24", peer: "127.0.0.25", port: port, key: "old", extra: ["-p", "keymat"])
        let b = try Daemon(address: "127.0.0.25", peer: "127.0.0.24", port: port, key: "new")
        #expect(try a.adm(["add", "preshared", "{", "localid", "127.0.0.24", "remoteid", "127.0.0.25", "key", "\"x\"", "}"]).standardOutput.contains("Duplicate entry"))
        #expect(try a.adm(["del", "preshared", "127.0.0.24", "127.0.0.25"]).standardOutput.contains("Successfully deleted"))
        let file = a.root + "/more.preshared"
        try Daemon.write(file, "# the new key\n{ localid 127.0.0.24 remoteid 127.0.0.25 key \"new\" }\n", mode: 0o600)
        #expect(try a.adm(["add", "preshared", file]).standardOutput.contains("Successfully created new preshared key."))
        #expect(try a.adm(["get", "preshared", "127.0.0.24", "127.0.0.25"]).standardOutput.contains("(3 bytes): 6e6577"))
        #expect(try a.adm(["get", "preshared", "ip", "127.0.0.24", "ip", "127.0.0.25"]).standardOutput.contains("(3 bytes): 6e6577"))
        #expect(try a.adm(["get", "preshared", "fqdn", "127.0.0.24", "ip", "127.0.0.25"]).standardOutput.contains("Could not find requested preshared key."))
        _ = try a.adm(["initiate", "127.0.0.24", "127.0.0.25"])
        #expect(try b.wait(for: ["dump", "sa"]) { $0.contains("IPsec SAs (1)") }.contains("IPsec SAs (1)"))
        let session = try ProductRunner.run("ikeadm", ["--root", a.root],
                                            input: "add preshared { localid 127.0.0.24 remoteid 127.0.0.99 key 0x0102 }\nget preshared 127.0.0.24 127.0.0.99\nexit\n")
        #expect(session.standardOutput.contains("Successfully created new preshared key.") && session.standardOutput.contains("(2 bytes): 0102"))
        #expect(try b.adm(["add", "preshared", "{", "localid", "1.1.1.1", "remoteid", "2.2.2.2", "key", "00", "}"]).standardOutput.contains("need privilege level modkeys"))
    }

    @Test("add rule from the command line, a file and interactive mode; errors name the client's file, line and column")
    func ruleAdditions() throws {
        let port = Self.freePort()
        let a = try Daemon(address: "127.0.0.26", peer: "127.0.0.27", port: port)
        let b = try Daemon(address: "127.0.0.27", peer: "127.0.0.26", port: port)
        // The shell has removed the quotes around the label; ikeadm puts them back.
        let rule = ["{", "label", "to 127.0.0.27", "local_addr", "127.0.0.26", "remote_addr", "127.0.0.27", "}"]
        #expect(try a.adm(["add", "rule"] + rule).standardOutput.contains("duplicate label \"to 127.0.0.27\""))
        _ = try a.adm(["del", "rule", "to", "127.0.0.27"])
        #expect(try a.adm(["add", "rule"] + ["{", "label", "new peer"] + rule.dropFirst(3)).standardOutput.contains("Successfully created new rule."))
        #expect(try a.adm(["get", "rule", "new", "peer"]).standardOutput.contains("GLOBL: Label 'new peer'"))
        _ = try a.adm(["initiate", "127.0.0.26", "127.0.0.27"])
        #expect(try b.wait(for: ["dump", "sa"]) { $0.contains("IPsec SAs (1)") }.contains("IPsec SAs (1)"))

        let file = a.root + "/more.rules"
        try Daemon.write(file, "# two rules\n{ label \"ok\" local_addr 10.0.0.1 remote_addr 10.0.0.2 }\n{ label \"bad\"\n  local_addr 10.0.0.1\n  remote_addr 10.0.0.999 }\n")
        let refused = try a.adm(["add", "rule", file])
        #expect(refused.status == 1 && refused.standardOutput.contains(file + ":5:"))
        try Daemon.write(file, "retry_limit 3\n")
        #expect(try a.adm(["add", "rule", file]).standardOutput.contains(file + ":1:1: 'retry_limit' is a global parameter"))
        try Daemon.write(file, "{ label \"one\" local_addr 10.0.0.1 remote_addr 10.0.0.2 }\n{ label \"two\" local_addr 10.0.0.1 remote_addr 10.0.0.3 }\n")
        #expect(try a.adm(["add", "rule", file]).standardOutput.contains("Successfully created new rules."))
        // Nothing of a refused file was added.
        #expect(try a.adm(["dump", "rule"]).standardOutput.contains("Completed dump of rules (3)"))
        let session = try ProductRunner.run("ikeadm", ["--root", a.root],
                                            input: "add rule { label \"typed  rule\" local_addr 10.0.0.1 remote_addr 10.0.0.4 }\nget rule typed  rule\nexit\n")
        #expect(session.standardOutput.contains("Successfully created new rule."))
        #expect(try a.adm(["get", "rule", "typed  rule"]).standardOutput.contains("10.0.0.4"))
    }

    @Test("flush p1 deletes every Phase 1 SA, on both sides")
    func flush() throws {
        let (a, b) = try Self.establishedPair("127.0.0.18", "127.0.0.19")
        #expect(try a.adm(["flush", "p1"]).standardOutput.contains("Successfully flushed P1 SAs."))
        #expect(try b.wait(for: ["dump", "p1"]) { $0.contains("phase 1 SAs (0)") }.contains("phase 1 SAs (0)"))
    }

    @Test("get p1 and del p1 take a cookie pair or the local and remote addresses")
    func phase1Selection() throws {
        let (a, b) = try Self.establishedPair("127.0.0.28", "127.0.0.29")
        let byAddress = try b.adm(["get", "p1", "127.0.0.29", "127.0.0.28"]).standardOutput
        #expect(byAddress.hasPrefix("IKESA: Cookies: Initiator 0x") && !byAddress.contains("Completed dump"))
        let words = byAddress.split(separator: "\n")[0].split(separator: " ").map(String.init)
        try #require(words.count > 5)
        // The block names times to the second: compare all but the LIFTM: lines.
        let steady = { (text: String) in text.split(separator: "\n").filter { !$0.hasPrefix("LIFTM:") }.joined(separator: "\n") }
        #expect(steady(try b.adm(["get", "p1", words[3], words[5]]).standardOutput) == steady(byAddress))
        #expect(try b.adm(["get", "p1", "127.0.0.28", "127.0.0.29"]).standardOutput.contains("Could not find requested phase 1 SA."))
        #expect(try b.adm(["get", "p1", "0x1", "nonsense"]).standardOutput.contains("two cookies (0x…) or the local and remote addresses"))
        // Per-SA counters: the pair keyed under it, then deleted.
        #expect(try b.wait(for: ["dump", "sa"]) { $0.contains("IPsec SAs (1)") }.contains("IPsec SAs (1)"))
        _ = try b.adm(["del", "sa", "127.0.0.28"])
        let counted = try b.adm(["get", "p1", "127.0.0.29", "127.0.0.28"]).standardOutput
        #expect(counted.contains("STATS: 1 Quick Mode SAs created; 1 Quick Mode SAs deleted") && counted.contains("ERRS:  0 RX errors: 0 decryption, 0 hash, 0 other\nERRS:  0 TX errors"))
        #expect(try a.adm(["del", "p1", "127.0.0.28", "127.0.0.29"]).standardOutput.contains("Successfully deleted selected phase 1 SA."))
        #expect(try b.wait(for: ["dump", "p1"]) { $0.contains("phase 1 SAs (0)") }.contains("phase 1 SAs (0)"))
    }

    @Test("keymat shows Phase 1 keys: KEY: lines in dump p1 and a key table ikedump reads; both sides derived the same keys")
    func keyMaterial() throws {
        let (a, b) = try Self.establishedPair("127.0.0.30", "127.0.0.31", extra: ["-p", "keymat"])
        let tableA = try a.adm(["dump", "keys"]).standardOutput
        let tableB = try b.adm(["dump", "keys"]).standardOutput
        #expect(tableA == tableB)
        let table = try KeyTable(text: tableA)
        try #require(table.entries.count == 1)
        #expect(table.entries[0].key.count == 16 && table.entries[0].algorithm == .aesCBC)
        let dump = try a.adm(["dump", "p1"]).standardOutput
        for name in ["Pre-shared key (12 bytes): 6c6f6f706261636b2d6b6579", "SKEYID (32 bytes)", "SKEYID_d", "SKEYID_a", "SKEYID_e", "Encryption key (16 bytes)"] {
            #expect(dump.contains("KEY:   " + name), "\(name)")
        }
        let masked = try ProductRunner.run("ikeadm", ["-p", "--root", a.root, "dump", "keys"]).standardOutput
        #expect(masked.contains("  aes  XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX") && !masked.contains(table.entries[0].key.map { String(format: "%02x", $0) }.joined()))
        #expect(!(try ProductRunner.run("ikeadm", ["-p", "--root", a.root, "dump", "p1"]).standardOutput.contains("6c6f6f70")))
        // --json: the same facts as documents.
        func document(_ arguments: [String]) throws -> [String: Any] {
            let output = try a.adm(["--json"] + arguments).standardOutput
            return try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], "\(output)")
        }
        let p1 = try document(["dump", "p1"])
        let first = try #require((p1["data"] as? [[String: Any]])?.first)
        let hexKey = table.entries[0].key.map { String(format: "%02x", $0) }.joined()
        #expect(p1["ok"] as? Bool == true && first["state"] as? String == "ACTIVE")
        #expect((first["keys"] as? [String: Any])?["encryption_key"] as? String == hexKey)
        let stats = try #require(try document(["get", "stats"])["data"] as? [String: Any])
        #expect((stats["phase1_total"] as? [String: Any])?["initiator"] as? Int == 1)
        let rule = try #require((try document(["get", "rule", "to 127.0.0.31"])["data"] as? [[String: Any]])?.first)
        #expect(rule["remote_addresses"] as? [String] == ["127.0.0.31"] && (rule["transforms"] as? [Any])?.count == 1)
        let missing = try a.adm(["--json", "get", "rule", "nothing"])
        #expect(missing.status == 1 && missing.standardOutput.contains("\"ok\":false") && missing.standardOutput.contains("Could not find requested rule."))
        let maskedJSON = try ProductRunner.run("ikeadm", ["--json", "-p", "--root", a.root, "dump", "p1"]).standardOutput
        #expect(!maskedJSON.contains(hexKey) && maskedJSON.contains("\"encryption_key\":\"XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX\""))
        #expect(try document(["set", "debug", "p1"])["data"].map { "\($0)" }?.contains("0x8") == true)
        // Lowered below keymat, the keys are gone.
        _ = try a.adm(["set", "priv", "modkeys"])
        #expect(!(try a.adm(["dump", "p1"]).standardOutput.contains("KEY:")))
        #expect(try a.adm(["dump", "keys"]).standardOutput.contains("needs privilege level keymat"))
    }

    @Test("debug records go to the file set debug names (or --log-file), 0600; --log-file is reopened on SIGHUP after rotation")
    func debugLogFile() throws {
        let port = Self.freePort()
        let a = try Daemon(address: "127.0.0.34", peer: "127.0.0.35", port: port)
        let startupLog = FileManager.default.temporaryDirectory.appendingPathComponent("iked-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: startupLog) }
        let b = try Daemon(address: "127.0.0.35", peer: "127.0.0.34", port: port, extra: ["--log-file", startupLog, "--debug-level", "all"])
        let log = a.root + "/debug.log"
        let set = try a.adm(["set", "debug", "p1+p2", log]).standardOutput
        #expect(set.contains("Successfully changed debug level") && set.contains("Debug log file: \(log)"))
        #expect((try FileManager.default.attributesOfItem(atPath: log)[.posixPermissions] as? Int) == 0o600)
        _ = try a.adm(["initiate", "127.0.0.34", "127.0.0.35"])
        #expect(try b.wait(for: ["dump", "sa"]) { $0.contains("IPsec SAs (1)") }.contains("IPsec SAs (1)"))
        let written = try String(contentsOfFile: log, encoding: .utf8)
        #expect(written.contains("category=p1") && written.contains("category=p2"))
        #expect(try String(contentsOfFile: startupLog, encoding: .utf8).contains("in.iked listening on 127.0.0.35"))
        // Rotation of the daemon's own --log-file: move it away, SIGHUP, and records go to a new file
        // at the same path.
        try FileManager.default.moveItem(atPath: startupLog, toPath: startupLog + ".1")
        defer { try? FileManager.default.removeItem(atPath: startupLog + ".1") }
        // The reloaded files name a setting without effect yet: the warning is given again, as at start.
        let config = b.root + "/etc/inet/ike/config"
        try ("use_http\n" + String(contentsOfFile: config, encoding: .utf8)).write(toFile: config, atomically: true, encoding: .utf8)
        kill(b.process.processIdentifier, SIGHUP)
        let end = Date().addingTimeInterval(10)
        while Date() < end, !((try? String(contentsOfFile: startupLog, encoding: .utf8))?.contains("configuration reloaded") ?? false) { usleep(20_000) }
        let reloaded = (try? String(contentsOfFile: startupLog, encoding: .utf8)) ?? ""
        #expect(reloaded.contains("configuration reloaded"))
        #expect(reloaded.contains("config:1:1: warning: use_http is accepted but has no effect yet"), "\(reloaded)")
        // A file ikeadm passed is held by its descriptor (the daemon opens no path a client names):
        // after a move and SIGHUP the records follow the file.
        try FileManager.default.moveItem(atPath: log, toPath: log + ".1")
        kill(a.process.processIdentifier, SIGHUP)
        let moved = Date().addingTimeInterval(10)
        while Date() < moved, !((try? String(contentsOfFile: log + ".1", encoding: .utf8))?.contains("configuration reloaded") ?? false) { usleep(20_000) }
        #expect((try? String(contentsOfFile: log + ".1", encoding: .utf8))?.contains("configuration reloaded") == true)
        #expect(try a.adm(["set", "debug", "all", "/nonexistent/dir/log"]).standardOutput.contains("cannot open /nonexistent/dir/log"))
        #expect(try a.adm(["get", "debug"]).standardOutput.contains("Debug log file: \(log)"))
    }

    /// Switching users for the control-group tests: root and setpriv.
    static let switchUsers = Prerequisite {
        geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") ? nil : "needs root and setpriv to switch users"
    }

    @Test("--control-group lets the group's members use ikeadm and nobody else", .enabled(if: switchUsers.runs, "needs root and setpriv"))
    func controlGroup() throws {
        try Self.switchUsers.require()
        let daemon = try Daemon(address: "127.0.0.36", peer: "127.0.0.37", port: Self.freePort(), extra: ["--control-group", "nogroup"])
        let door = daemon.root + "/var/run/ike_door"
        let attributes = try FileManager.default.attributesOfItem(atPath: door)
        #expect(attributes[.posixPermissions] as? Int == 0o660 && attributes[.groupOwnerAccountID] as? Int == 65534)
        // The scratch directory must be reachable for the other users.
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: daemon.root)
        let ikeadm = try #require(ProductRunner.path(of: "ikeadm"))
        func run(as user: String, group: String) throws -> ProductRunner.Result {
            try ProductRunner.runExecutable("/usr/bin/setpriv", ["--reuid=\(user)", "--regid=\(group)", "--clear-groups", ikeadm, "--door", door, "get", "priv"])
        }
        let member = try run(as: "nobody", group: "nogroup")
        #expect(member.status == 0 && member.standardOutput.contains("Current privilege level is 0x0"), "\(member.standardOutput)")
        let stranger = try run(as: "daemon", group: "daemon")
        #expect(stranger.status == 1 && !stranger.standardOutput.contains("Current privilege level"))
    }

    @Test("a stopping daemon deletes its SAs and tells the peer, so neither side keeps any")
    func cleanStop() throws {
        let (a, b) = try Self.establishedPair("127.0.0.1", "127.0.0.39")
        #expect(try a.wait(for: ["dump", "sa"]) { $0.contains("IPsec SAs (1)") }.contains("IPsec SAs (1)"))
        #expect(try a.adm(["get", "stats"]).standardOutput.contains("Kernel (memory): 2 SAs installed, 0 malformed or unexpected messages ignored"))
        a.process.terminate()
        a.process.waitUntilExit()
        #expect(try b.wait(for: ["dump", "sa"]) { $0.contains("IPsec SAs (0)") }.contains("IPsec SAs (0)"))
        #expect(try b.wait(for: ["dump", "p1"]) { $0.contains("phase 1 SAs (0)") }.contains("phase 1 SAs (0)"))
        let log = try String(contentsOfFile: a.root + "/in.iked.log", encoding: .utf8)
        #expect(log.contains("0 IPsec SA pairs left in the memory kernel"), "\(log)")
    }

    @Test("get p1 and del p1 take host names; every address pair of one family is tried")
    func phase1ByHostName() throws {
        // The peer must outlive the checks: a stopping in.iked deletes its SAs at the peer too.
        let (a, b) = try Self.establishedPair("127.0.0.1", "127.0.0.38")
        defer { withExtendedLifetime(b) {} }
        // localhost is 127.0.0.1 and often ::1: an IPv6 pair finds nothing, the IPv4 pair the SA.
        #expect(try a.adm(["get", "p1", "localhost", "127.0.0.38"]).standardOutput.hasPrefix("IKESA: Cookies: Initiator 0x"))
        let none = try a.adm(["get", "p1", "localhost", "localhost"])
        #expect(none.status == 1 && none.standardOutput.contains("Could not find requested phase 1 SA."))
        #expect(try a.adm(["get", "p1", "no-such-host.invalid", "127.0.0.38"]).standardOutput.contains("cannot resolve"))
        // -n: no name lookups, addresses only.
        let numeric = try a.adm(["-n", "get", "p1", "localhost", "127.0.0.38"])
        #expect(numeric.status == 1 && numeric.standardOutput.contains("-n: names are not looked up"), "\(numeric.standardOutput)")
        #expect(try a.adm(["-n", "get", "p1", "127.0.0.1", "127.0.0.38"]).standardOutput.hasPrefix("IKESA: Cookies: Initiator 0x"))
        #expect(try a.adm(["del", "p1", "localhost", "127.0.0.38"]).standardOutput.contains("Successfully deleted selected phase 1 SA."))
        #expect(try a.adm(["dump", "p1"]).standardOutput.contains("phase 1 SAs (0)"))
    }

    @Test("dump certcache lists publickeys/ with subject, issuer, trust from cert_root and private-key pairing; flush certcache rescans")
    func certificateCache() throws {
        let daemon = try Daemon(address: "127.0.0.40", peer: "127.0.0.41", port: Self.freePort())
        #expect(try daemon.adm(["dump", "certcache"]).standardOutput == "Completed dump of certcache (0)\n")
        let store = daemon.root + "/etc/inet/ike/publickeys", keys = daemon.root + "/etc/inet/secret/ike.privatekeys"
        try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: keys, withIntermediateDirectories: true)
        // A root CA (PEM, slot 0) and a host certificate it signed (DER, slot 1) whose key is in slot 1.
        for arguments in [
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", daemon.root + "/ca.key", "-out", store + "/0", "-subj", "/C=US/O=Example/CN=Root CA", "-days", "2"],
            ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", keys + "/1", "-out", daemon.root + "/host.csr", "-subj", "/C=US/O=Example/CN=host.example.com"],
            ["x509", "-req", "-in", daemon.root + "/host.csr", "-CA", store + "/0", "-CAkey", daemon.root + "/ca.key", "-set_serial", "2", "-days", "2", "-outform", "DER", "-out", store + "/1"],
        ] {
            let result = try ProductRunner.runExecutable("/usr/bin/openssl", arguments)
            try #require(result.status == 0, "\(result.standardError)")
        }
        try Daemon.write(store + "/2", "not a certificate\n")
        let config = daemon.root + "/etc/inet/ike/config"
        try Daemon.write(config, "cert_root \"C=US, O=Example, CN=Root CA\"\n" + (try String(contentsOfFile: config, encoding: .utf8)))
        #expect(try daemon.adm(["read", "rule"]).status == 0)
        #expect(try daemon.adm(["flush", "certcache"]).standardOutput.contains("(2 certificates read from the store)"))
        let dump = try daemon.adm(["dump", "certcache"]).standardOutput
        let blocks = dump.components(separatedBy: "\n\n")
        try #require(blocks.count == 3, "\(dump)")
        #expect(blocks[0].contains("\tSubject Name: <C=US, O=Example, CN=Root CA>") && blocks[0].contains("\t\t[trusted certificate]"))
        #expect(blocks[0].contains("\t\t[Public certificate only]"))
        #expect(blocks[1].contains("\tSubject Name: <C=US, O=Example, CN=host.example.com>") && blocks[1].contains("\t Issuer Name: <C=US, O=Example, CN=Root CA>"))
        #expect(!blocks[1].contains("[trusted certificate]") && blocks[1].contains("Private key available"))
        #expect(blocks[2].hasPrefix("Completed dump of certcache (2)"))
        let log = try String(contentsOfFile: daemon.root + "/in.iked.log", encoding: .utf8)
        #expect(log.contains("publickeys/2: "))
    }

    @Test("kill -9 and restart one side: the survivor's next Quick Mode finds the stale Phase 1 dead and negotiates afresh", arguments: [true, false])
    func restartedPeer(killResponder: Bool) throws {
        let first = "127.0.0.\(killResponder ? 40 : 42)", second = "127.0.0.\(killResponder ? 41 : 43)"
        let (a, b) = try Self.establishedPair(first, second, extra: ["--debug-level", "all"])
        let (victim, survivor) = killResponder ? (b, a) : (a, b)
        kill(victim.process.processIdentifier, SIGKILL)
        victim.process.waitUntilExit()
        let reborn = try Daemon(address: victim.address, peer: survivor.address, port: Int(try #require(victim.port)), extra: ["--debug-level", "all"])
        _ = try survivor.adm(["initiate", survivor.address, victim.address])
        // retry_timer_init 0.2 doubling, retry_limit 5: about 13 s, then a new Main Mode and Quick Mode.
        let dump = try reborn.wait(for: ["dump", "sa"], timeout: 25) { $0.contains("IPsec SAs (1)") }
        #expect(dump.contains("IPsec SAs (1)"), "\(dump)")
        #expect(try survivor.adm(["get", "stats"]).standardOutput.contains("presumed dead (unanswered Quick Mode): 1"))
        #expect(try survivor.wait(for: ["dump", "p1"]) { $0.contains("phase 1 SAs (1)") }.contains("phase 1 SAs (1)"))
    }

    @Test("--port given twice listens on both ports: a negotiation started at the second one completes from it")
    func twoPorts() throws {
        let port = Self.freePort()
        let a = try Daemon(address: "127.0.0.44", peer: "127.0.0.45", port: port + 1)
        let b = try Daemon(address: "127.0.0.45", peer: "127.0.0.44", port: port, extra: ["--port", String(port + 1)])
        // a starts and answers on port + 1 only; b answers there from its second socket.
        _ = try a.adm(["initiate", "127.0.0.44", "127.0.0.45"])
        let dump = try b.wait(for: ["dump", "p1"]) { $0.contains("ACTIVE") }
        #expect(dump.contains("ACTIVE") && dump.contains("LOCIP: AF_INET: port \(port + 1), 127.0.0.45."), "\(dump)")
    }

    @Test("in.iked --demo negotiates and exits 0")
    func demo() throws {
        let result = try ProductRunner.run("in.iked", ["--demo"])
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("negotiated in"))
        #expect(result.standardOutput.components(separatedBy: "Completed dump of IPsec SAs (1)").count == 3)
    }
}
