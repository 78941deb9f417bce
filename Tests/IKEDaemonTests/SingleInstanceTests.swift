import Foundation
import IKETestSupport
import Testing

/// One in.iked per set of files: the pid file is locked for the daemon's life, a second daemon is
/// refused before it touches any socket, a stale pid file after kill -9 is taken over, the control
/// socket of a live daemon is never taken, and a UDP port another daemon holds is reported.
@Suite("One instance", .serialized)
struct SingleInstanceTests {
    typealias Daemon = LoopbackDaemonTests.Daemon

    static func start(_ arguments: [String]) throws -> ProductRunner.Result {
        try ProductRunner.run("in.iked", arguments + ["--kernel", "memory"])
    }

    @Test("a second in.iked with the same files is refused and the first keeps its control socket")
    func secondRefused() throws {
        let port = LoopbackDaemonTests.freePort()
        let first = try Daemon(address: "127.0.0.61", peer: "127.0.0.62", port: port)
        let pid = try String(contentsOfFile: first.root + "/var/run/in.iked.pid", encoding: .utf8)
        #expect(Int32(pid.trimmingCharacters(in: .whitespacesAndNewlines)) == first.process.processIdentifier)
        // Another address and port, so only the pid file stands in the way.
        let second = try Self.start(["--root", first.root, "--listen", "127.0.0.63", "--port", String(LoopbackDaemonTests.freePort())])
        #expect(second.status == 1)
        #expect(second.standardOutput.contains("in.iked is already running (pid \(first.process.processIdentifier))"), "\(second.standardOutput)\(second.standardError)")
        #expect(try first.adm(["get", "stats"]).status == 0, "the first daemon still answers")
        #expect(FileManager.default.fileExists(atPath: first.root + "/var/run/in.iked.pid"), "the refused one left the pid file alone")
    }

    @Test("after kill -9 the stale pid file is taken over")
    func stalePidFile() throws {
        let port = LoopbackDaemonTests.freePort()
        let first = try Daemon(address: "127.0.0.64", peer: "127.0.0.65", port: port)
        kill(first.process.processIdentifier, SIGKILL)
        first.process.waitUntilExit()
        #expect(FileManager.default.fileExists(atPath: first.root + "/var/run/in.iked.pid"), "kill -9 leaves the file")
        let again = Process()
        again.executableURL = URL(fileURLWithPath: try #require(ProductRunner.path(of: "in.iked")))
        again.arguments = ["--root", first.root, "--kernel", "memory", "--listen", "127.0.0.64", "--port", String(port)]
        let log = FileHandle(forWritingAtPath: first.root + "/in.iked.log")
        again.standardOutput = log
        again.standardError = log
        try again.run()
        defer {
            again.terminate()
            again.waitUntilExit()
        }
        var answered = false
        for _ in 0..<200 where !answered {
            answered = (try? first.adm(["get", "stats"]).status) == 0
            if !answered { usleep(20_000) }
        }
        #expect(answered, "\((try? String(contentsOfFile: first.root + "/in.iked.log", encoding: .utf8)) ?? "")")
        let pid = try String(contentsOfFile: first.root + "/var/run/in.iked.pid", encoding: .utf8)
        #expect(Int32(pid.trimmingCharacters(in: .whitespacesAndNewlines)) == again.processIdentifier)
        again.terminate()
        again.waitUntilExit()
        #expect(!FileManager.default.fileExists(atPath: first.root + "/var/run/in.iked.pid"), "a clean stop removes it")
    }

    @Test("a daemon with other files but the same control socket does not take it over")
    func controlSocketKept() throws {
        let first = try Daemon(address: "127.0.0.66", peer: "127.0.0.67", port: LoopbackDaemonTests.freePort())
        let other = FileManager.default.temporaryDirectory.appendingPathComponent("iked-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: other) }
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: first.root + "/etc", toPath: other + "/etc")
        let second = try Self.start(["--root", other, "--control", first.root + "/var/run/ike_door", "--listen", "127.0.0.68", "--port", String(LoopbackDaemonTests.freePort())])
        #expect(second.status == 1)
        #expect(second.standardOutput.contains("belongs to a running in.iked"), "\(second.standardOutput)\(second.standardError)")
        #expect(try first.adm(["get", "stats"]).status == 0)
    }

    @Test("a UDP port another daemon holds is reported at start, not shared")
    func portInUse() throws {
        let port = LoopbackDaemonTests.freePort()
        let holder = try Daemon(address: "127.0.0.69", peer: "127.0.0.70", port: port)
        let other = FileManager.default.temporaryDirectory.appendingPathComponent("iked-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: other) }
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: holder.root + "/etc", toPath: other + "/etc")
        let second = try Self.start(["--root", other, "--listen", "127.0.0.69", "--port", String(port)])
        #expect(second.status == 1)
        #expect(second.standardOutput.contains("UDP 127.0.0.69:\(port) is in use"), "\(second.standardOutput)\(second.standardError)")
        #expect(try holder.adm(["get", "stats"]).status == 0)
    }
}
