import Foundation
import IKETestSupport
import Testing

/// One interop run: namespaces, a peer, and our in.iked; everything is removed on deinit, also when the
/// test failed. Needs root, iproute2 and the peers (scripts/interop/peers.sh install); outside CI a
/// missing prerequisite skips, in CI (CI=true) it fails.
final class InteropHarness {
    static let script: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("scripts/interop/peers.sh").path
    }()

    /// Why the interop tests cannot run here, or nil when they can.
    static func missingPrerequisite() -> String? {
        if geteuid() != 0 { return "needs root (network namespaces, UDP 500)" }
        for path in ["/usr/sbin/charon-systemd", "/usr/sbin/swanctl", "/usr/libexec/ipsec/pluto", "/usr/bin/gcc", "/usr/bin/pki", "/usr/bin/certutil", "/usr/bin/pk12util", "/usr/bin/openssl"] where !FileManager.default.isExecutableFile(atPath: path) {
            return "\(path) is missing (run scripts/interop/peers.sh install)"
        }
        return ProductRunner.path(of: "in.iked") == nil ? "in.iked is not built" : nil
    }

    /// Root, the peers and our programs: skipped without them outside CI, a failure in CI.
    static let prerequisite = Prerequisite { missingPrerequisite() }

    let id: String
    let state: String
    let root: String
    var daemon: Process?
    /// Our address and the peer's, and each as the other side addresses it (different across a NAT).
    private(set) var us = "192.0.2.1", peer = "192.0.2.2", usSeen = "192.0.2.1", peerSeen = "192.0.2.2"
    /// Whether a NAT is between the two.
    let natted: Bool

    /// `topology`: direct, nat-us (we sit behind a NAPT) or nat-peer (the peer does); see peers.sh.
    init(topology: String = "direct") throws {
        id = String(UUID().uuidString.prefix(6)).lowercased()
        state = "/tmp/ike-interop-\(id)"
        root = state + "/us"
        natted = topology != "direct"
        let started = try run(["up", id, topology])
        guard started.status == 0 else { throw ProductRunner.NotBuilt(product: "the interop namespaces (\(started.standardError))") }
        let addresses = try run(["addresses", id]).standardOutput.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        if addresses.count == 4 { (us, peer, usSeen, peerSeen) = (addresses[0], addresses[1], addresses[2], addresses[3]) }
    }

    deinit {
        if let daemon, daemon.isRunning {
            daemon.terminate()
            daemon.waitUntilExit()
        }
        _ = try? run(["down", id])
    }

    /// Runs peers.sh with `arguments`; `environment` entries (`NAME=value`) are added to its own.
    @discardableResult
    func run(_ arguments: [String], environment: [String] = []) throws -> ProductRunner.Result {
        // posix_spawn + waitpid: the script leaves peers running in the background.
        let outcome = Spawn.run(["/usr/bin/env"] + environment + ["/bin/bash", Self.script] + arguments)
        return ProductRunner.Result(status: outcome.status, standardOutput: outcome.output, standardError: outcome.errors)
    }

    /// Writes our files and starts in.iked in our namespace.
    /// `tun0` is the tunnel between the two namespaces' addresses (the in-memory kernel has no
    /// interfaces to ask).
    /// `globals`: more ike.config lines before the rule.
    func startDaemon(phase1: String, pfs: Int, policy: String, key: String, extra: [String] = [], globals: String = "") throws {
        try write("etc/inet/ike/config", """
            retry_timer_init 0.5
            retry_timer_max 2
            \(globals)
            \(phase1)
            p2_pfs \(pfs)
            { label "peer" local_addr \(us) remote_addr \(peerSeen) }
            """)
        // Across a NAT the peer's packets come from the NAT's address and its ID names its own: one
        // remoteid covers both (192.0.2.0/24 outside, 192.0.3.0/24 inside).
        try write("etc/inet/secret/ike.preshared", "{ localid \(us) remoteid \(natted ? "192.0.2.0/23" : peer) key \"\(key)\" }\n", mode: 0o600)
        try write("etc/inet/ipsecinit.conf", policy + "\n")
        try launchDaemon(extra: extra)
    }

    /// Starts in.iked with an ike.config written by the caller (certificate rules) and `policy`.
    func startDaemon(config: String, policy: String, extra: [String] = []) throws {
        try write("etc/inet/ike/config", config)
        try write("etc/inet/ipsecinit.conf", policy + "\n")
        try launchDaemon(extra: extra)
    }

    private func launchDaemon(extra: [String]) throws {
        guard let binary = ProductRunner.path(of: "in.iked") else { throw ProductRunner.NotBuilt(product: "in.iked") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        process.arguments = ["netns", "exec", "ikeus-\(id)", binary, "--root", root, "--kernel", "memory", "-d", "--tunnel", "tun0=\(us),\(peerSeen)"] + extra
        FileManager.default.createFile(atPath: state + "/in.iked.log", contents: nil)
        let log = FileHandle(forWritingAtPath: state + "/in.iked.log")
        process.standardOutput = log
        process.standardError = log
        try process.run()
        daemon = process
        for _ in 0..<200 {
            if (try? adm(["get", "stats"]).status) == 0 { return }
            usleep(20_000)
        }
        throw ProductRunner.NotBuilt(product: "in.iked (did not start; see \(state)/in.iked.log)")
    }

    func write(_ relative: String, _ text: String, mode: Int = 0o644) throws {
        let path = root + "/" + relative
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }

    func adm(_ arguments: [String]) throws -> ProductRunner.Result {
        try ProductRunner.run("ikeadm", ["--root", root] + arguments)
    }

    /// Polls `probe` until `condition` holds or `timeout` passes; returns the last output.
    func wait(timeout: Double = 20, _ probe: () throws -> String, until condition: (String) -> Bool) rethrows -> String {
        let end = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < end {
            last = try probe()
            if condition(last) { return last }
            usleep(100_000)
        }
        return last
    }

    /// Our SA pair as (inbound SPI, outbound SPI), lower-case hex without 0x.
    func ourSPIs() throws -> [(inbound: String, outbound: String)] {
        try adm(["dump", "sa"]).standardOutput.split(separator: "\n").filter { $0.hasPrefix("SPI:") }.map { line in
            let values = line.split(separator: " ").filter { $0.hasPrefix("0x") }.map { String($0.dropFirst(2)) }
            return (values.first ?? "", values.last ?? "")
        }
    }

    /// What the peer's SA shim saw installed (SPIs as hex).
    func peerInstalledSPIs() -> Set<String> {
        guard let text = try? String(contentsOfFile: state + "/peer-sas.log", encoding: .utf8) else { return [] }
        var live: Set<String> = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 2, let spi = fields[1].split(separator: "=").last.map({ String($0.dropFirst(2)) }) else { continue }
            switch fields[0] {
            case "add", "update": live.insert(spi)
            case "delete": live.remove(spi)
            default: break
            }
        }
        return live
    }

    func log(_ name: String) -> String {
        (try? String(contentsOfFile: state + "/" + name, encoding: .utf8))?.replacingOccurrences(of: "\0", with: "") ?? ""
    }
}
