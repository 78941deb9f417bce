import Foundation
import IKEDaemon
import IKETestSupport
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// Files named by ikeadm commands are opened by ikeadm with the user's rights and passed to the
/// daemon (SCM_RIGHTS); the daemon opens no path a client names, takes only regular files, and a
/// full daemon says so instead of killing its client.
@Suite("Files over the control channel, and a busy daemon", .serialized)
struct ControlFileTests {
    typealias Daemon = LoopbackDaemonTests.Daemon


    @Test("a relative file name is ikeadm's: write rule, read rule and set debug use the user's directory")
    func relativePaths() throws {
        let daemon = try Daemon(address: "127.0.0.60", peer: "127.0.0.61", port: LoopbackDaemonTests.freePort())
        let here = FileManager.default.temporaryDirectory.appendingPathComponent("ikeadm-cwd-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: here, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: here) }
        let write = try ProductRunner.run("ikeadm", ["--root", daemon.root, "write", "rule", "saved.config"], directory: here)
        #expect(write.status == 0, "\(write.standardOutput)")
        #expect(FileManager.default.fileExists(atPath: here + "/saved.config"))
        #expect((try FileManager.default.attributesOfItem(atPath: here + "/saved.config")[.posixPermissions] as? Int) == 0o600)
        let read = try ProductRunner.run("ikeadm", ["--root", daemon.root, "read", "rule", "saved.config"], directory: here)
        #expect(read.status == 0 && read.standardOutput.contains("(1 rules)"))
        let debug = try ProductRunner.run("ikeadm", ["--root", daemon.root, "set", "debug", "all", "debug.log"], directory: here)
        #expect(debug.standardOutput.contains("Debug log file: \(here)/debug.log"))
        _ = try daemon.adm(["get", "stats"])
        #expect(FileManager.default.fileExists(atPath: here + "/debug.log"))
        // A write the daemon refuses leaves no empty file behind.
        _ = try daemon.adm(["del", "rule", "to", "127.0.0.61"])
        let refused = try ProductRunner.run("ikeadm", ["--root", daemon.root, "write", "rule", "empty.config"], directory: here)
        #expect(refused.status == 1 && !FileManager.default.fileExists(atPath: here + "/empty.config"))
    }

    @Test("a FIFO is refused by ikeadm and by the daemon, and negotiations go on meanwhile")
    func fifoRefused() throws {
        let port = LoopbackDaemonTests.freePort()
        let a = try Daemon(address: "127.0.0.62", peer: "127.0.0.63", port: port)
        let b = try Daemon(address: "127.0.0.63", peer: "127.0.0.62", port: port)
        let fifo = a.root + "/fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        let client = try a.adm(["read", "rule", fifo])
        #expect(client.status == 1 && client.standardOutput.contains("is not a regular file"))
        // Opened for writing without a reader the FIFO does not even open (ENXIO); either way, refused.
        let log = try a.adm(["set", "debug", "all", fifo])
        #expect(log.status == 1 && !log.standardOutput.contains("Successfully"))
        // A client that passes the FIFO itself (opened read-write, so opening did not wait).
        let fd = open(fifo, O_RDWR | O_CLOEXEC)
        defer { close(fd) }
        for command in ["read rule \(fifo)", "set debug all \(fifo)", "write rule \(fifo)"] {
            let answer = try ControlSocket.request(command, socket: a.root + "/var/run/ike_door", passing: fd)
            #expect(answer.hasPrefix("ERROR") && answer.contains("is not a regular file"), "\(answer)")
        }
        // A command that names a file but passes none is refused too: the daemon opens nothing itself.
        let bare = try ControlSocket.request("read rule \(a.root)/etc/inet/ike/config", socket: a.root + "/var/run/ike_door")
        #expect(bare.hasPrefix("ERROR") && bare.contains("did not pass the file"))
        _ = try a.adm(["initiate", "127.0.0.62", "127.0.0.63"])
        #expect(try b.wait(for: ["dump", "sa"]) { $0.contains("IPsec SAs (1)") }.contains("IPsec SAs (1)"))
    }

    @Test("a control-group member cannot make the daemon write or read where the member has no rights",
          .enabled(if: LoopbackDaemonTests.switchUsers.runs, "needs root and setpriv to switch users"))
    func groupMemberConfined() throws {
        try LoopbackDaemonTests.switchUsers.require()
        let daemon = try Daemon(address: "127.0.0.64", peer: "127.0.0.65", port: LoopbackDaemonTests.freePort(), extra: ["--control-group", "nogroup"])
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: daemon.root)
        let ikeadm = try #require(ProductRunner.path(of: "ikeadm"))
        let door = daemon.root + "/var/run/ike_door"
        func run(_ words: [String]) throws -> ProductRunner.Result {
            try ProductRunner.runExecutable("/usr/bin/setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", ikeadm, "--door", door] + words, directory: "/")
        }
        let forbidden = "/root/ikeadm-forbidden-\(UUID().uuidString)"
        let write = try run(["write", "rule", forbidden])
        #expect(write.status == 1 && write.standardOutput.contains("Permission denied"), "\(write.standardOutput)")
        #expect(!FileManager.default.fileExists(atPath: forbidden))
        let log = try run(["set", "debug", "all", forbidden])
        #expect(log.status == 1 && !FileManager.default.fileExists(atPath: forbidden))
        // A root-only file the member cannot read cannot be read through the daemon either.
        let secret = daemon.root + "/root-only.config"
        try Daemon.write(secret, "{ label \"x\" local_addr 127.0.0.64 remote_addr 127.0.0.99 }\n", mode: 0o600)
        let read = try run(["read", "rule", secret])
        #expect(read.status == 1 && read.standardOutput.contains("Permission denied"))
        #expect(try daemon.adm(["dump", "rule"]).standardOutput.contains("to 127.0.0.65"))
    }

    @Test("a daemon with every control slot taken answers busy: ikeadm says so and exits 1, never dies of SIGPIPE")
    func busyDaemon() throws {
        let daemon = try Daemon(address: "127.0.0.66", peer: "127.0.0.67", port: LoopbackDaemonTests.freePort())
        let held = (0..<40).map { _ in daemon.connectControl() }
        defer { held.forEach { close($0) } }
        usleep(200_000)
        for _ in 0..<10 {
            let result = try daemon.adm(["add", "rule", "{ label \"busy\" local_addr 127.0.0.66 remote_addr 127.0.0.98 }"])
            #expect(!result.killedBySignal, "ikeadm was killed by signal \(result.status)")
            #expect(result.status == 1 && result.standardOutput.contains("in.iked is busy, try again"), "\(result.standardOutput)")
        }
    }
}
