import Dispatch
import IKEConfig
import IPsecTypes
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// `in.iked --demo`: two daemons on loopback (127.0.0.1 and 127.0.0.2, one free UDP port) with a fresh
/// pre-shared key negotiate Main Mode and Quick Mode over real UDP; both sides' SAs are printed.
public enum Demo {
    /// Runs the demo; returns whether both sides ended up with matching SAs.
    public static func run(logger: Logger, print: (String) -> Void) throws -> Bool {
        var template = Array("/tmp/in.iked-demo-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw DaemonError("cannot make a scratch directory") }
        let root = String(cString: made)
        defer { _ = removeTree(root) }
        let key = (0..<32).map { _ in String(format2: UInt8.random(in: 0...255)) }.joined()
        let sides = [("127.0.0.1", "127.0.0.2"), ("127.0.0.2", "127.0.0.1")]
        for (me, peer) in sides {
            try write(root + "/\(me)/etc/inet/ike/config", """
                # in.iked --demo: \(me) talks to \(peer)
                p1_xform { auth_method preshared oakley_group 14 auth_alg sha256 encr_alg aes(128) }
                p2_pfs 14
                { label "demo peer \(peer)" local_addr \(me) remote_addr \(peer) }
                """)
            try write(root + "/\(me)/etc/inet/secret/ike.preshared", "{ localidtype IP localid \(me) remoteidtype IP remoteid \(peer) key \(key) }\n", mode: 0o600)
            try write(root + "/\(me)/etc/inet/ipsecinit.conf", "{laddr \(me) raddr \(peer)} ipsec {encr_algs aes(128) encr_auth_algs sha256}\n")
        }
        var daemons: [IKEDaemon] = []
        var lastError: Error?
        for _ in 0..<20 {
            let port = UInt16.random(in: 20000...60000)
            do {
                daemons = try sides.map { me, _ in
                    var options = DaemonOptions(paths: ConfigurationPaths(root: root + "/\(me)"), listen: [IPAddress(me)].compactMap { $0 }, port: port,
                                                controlPath: root + "/\(me)/ike_door", handleSignals: false)
                    options.debug = false
                    return try IKEDaemon(options: options, logger: logger)
                }
                break
            } catch {
                lastError = error
                daemons = []
            }
        }
        guard daemons.count == 2 else { throw lastError ?? DaemonError("no free port on loopback") }
        let group = DispatchGroup()
        for daemon in daemons {
            DispatchQueue.global().async(group: group) { daemon.run() }
        }
        defer {
            daemons.forEach { $0.stop() }
            group.wait()
        }
        print("in.iked demo: two daemons on 127.0.0.1 and 127.0.0.2, UDP port \(daemons[0].boundPort), pre-shared key of 32 random bytes")
        print("initiating from 127.0.0.1: Main Mode (AES-128/SHA2-256/MODP-2048, PSK), then Quick Mode (ESP AES-128/HMAC-SHA2-256, PFS MODP-2048)")
        let start = MonotonicClock.now()
        _ = daemons[0].perform("initiate 127.0.0.1 127.0.0.2")
        var established = false
        while MonotonicClock.now() - start < 15_000_000_000 {
            if daemons.allSatisfy({ $0.perform("dump sa").contains("Completed dump of IPsec SAs (1)") }) {
                established = true
                break
            }
            usleep(2000)
        }
        let elapsed = Double(MonotonicClock.now() - start) / 1_000_000
        for (daemon, (me, _)) in zip(daemons, sides) {
            print("")
            print("==== \(me) ====")
            print(String(daemon.perform("dump p1").dropFirst(3)))
            print(String(daemon.perform("dump sa").dropFirst(3)))
        }
        print("")
        print(established ? "negotiated in \(Int(elapsed)) ms" : "no SAs after 15 s")
        return established
    }

    static func write(_ path: String, _ text: String, mode: mode_t = 0o644) throws {
        makeParentDirectories(of: path)
        guard writeFile(path, text, mode: mode) else { throw DaemonError("cannot write \(path)") }
    }

    /// Writes a text file; false when it cannot be opened.
    static func writeFile(_ path: String, _ text: String, mode: mode_t = 0o644) -> Bool {
        guard let file = fopen(path, "w") else { return false }
        fputs(text, file)
        fclose(file)
        chmod(path, mode)
        return true
    }

    /// Removes the scratch directory (nftw-free: the demo's tree is three levels of known files).
    static func removeTree(_ path: String) -> Bool {
        guard let directory = opendir(path) else { return unlink(path) == 0 }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name == "." || name == ".." { continue }
            let child = path + "/" + name
            var info = stat()
            if lstat(child, &info) == 0, info.st_mode & S_IFMT == S_IFDIR { _ = removeTree(child) } else { unlink(child) }
        }
        closedir(directory)
        return rmdir(path) == 0
    }
}

extension String {
    init(format2 byte: UInt8) {
        let digits = String(byte, radix: 16)
        self = digits.count == 1 ? "0" + digits : digits
    }
}
