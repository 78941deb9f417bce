import ArgumentParser
import IKEConfig
import IKEDaemon
import IKEKernel
import IPsecTypes
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// `in.iked`: the IKEv1 key management daemon.
@main
struct InIked: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "in.iked",
        abstract: "IKEv1 key management daemon (Solaris in.iked).",
        discussion: """
            Files: /etc/inet/ike/config (rules), /etc/inet/secret/ike.preshared (pre-shared keys, mode 0600), \
            /etc/inet/ipsecinit.conf (IPsec policy: the source of Quick Mode proposals). With -c the \
            configuration is checked, every error is printed as file:line:column, and the exit status is 0 \
            when it is valid and 1 otherwise. SIGHUP reloads the files; SIGTERM stops the daemon. \
            in.iked --demo negotiates between two daemons on loopback and shows the result.
            """
    )

    @Flag(name: .customShort("c"), help: "Check the configuration file (and ike.preshared when a rule needs it), then exit.")
    var check = false

    @Flag(name: .customShort("d"), help: "Debug: log every category to standard error.")
    var debug = false

    @Option(name: .customShort("f"), help: ArgumentHelp("Configuration file.", valueName: "file"))
    var file: String?

    @Option(name: .customShort("p"), help: ArgumentHelp("Administrative privilege level: 0/base, 1/modkeys, 2/keymat.", valueName: "level"))
    var privilege: String?

    @Option(name: .long, help: ArgumentHelp("Prefix for every default path (tests and unprivileged runs).", valueName: "dir"))
    var root: String = ""

    @Option(name: .long, help: ArgumentHelp("Pre-shared key file.", valueName: "file"))
    var preshared: String?

    @Option(name: .long, help: ArgumentHelp("Debug categories: a number or a +/- list of cert, key, op, p1, p2, pfkey, pol, prop, door, config, label, all.", valueName: "level"))
    var debugLevel: String?

    @Option(name: .customLong("log-file"), help: ArgumentHelp("Append debug records to this file (mode 0600; reopened on SIGHUP).", valueName: "file"))
    var logFilePath: String?

    @Option(name: .long, help: ArgumentHelp("IPsec policy file (ipsecinit.conf format); `ipsecconf -a` keeps the loaded one in /var/run/ipsecpolicy.conf, read first with the xfrm kernel.", valueName: "file"))
    var policy: String?

    @Option(name: .long, help: ArgumentHelp("Kernel port: xfrm (Linux XFRM netlink; the default as root) or memory (SAs kept in the daemon: tests, unprivileged runs).", valueName: "kernel"))
    var kernel: String?

    @Option(name: .long, help: ArgumentHelp("Anti-replay window of the IPsec SAs installed, in packets (1-4096, default 32).", valueName: "packets"))
    var replayWindow: UInt32 = 32

    @Option(name: .long, help: ArgumentHelp("Address to listen on (repeatable; default all).", valueName: "address"))
    var listen: [String] = []

    @Option(name: .long, help: ArgumentHelp("UDP port to listen on and to send to (default 500); repeat it to listen on more ports (the first is where negotiations start).", valueName: "port"))
    var port: [UInt16] = []

    @Option(name: .customLong("natt-port"), help: ArgumentHelp("NAT-T port (RFC 3947/3948): Main Mode floats there when a NAT is found, and the kernel decapsulates ESP-in-UDP arriving there (default 4500; 0 turns NAT traversal off).", valueName: "port"))
    var nattPort: UInt16 = 4500

    @Option(name: .long, help: ArgumentHelp("Control socket for ikeadm (default <root>/var/run/ike_door).", valueName: "path"))
    var control: String?

    @Option(name: .customLong("pid-file"), help: ArgumentHelp("Pid file, locked while the daemon runs: a second in.iked with the same file refuses to start (default <root>/var/run/in.iked.pid).", valueName: "path"))
    var pidFile: String?

    @Option(name: .long, help: ArgumentHelp("Group (name or number) whose members may use ikeadm; the socket becomes 0660 in it.", valueName: "group"))
    var controlGroup: String?

    @Option(name: .long, help: ArgumentHelp("A tunnel interface's outer addresses, NAME=LOCAL,REMOTE (repeatable): for `tunnel NAME` entries when the kernel cannot tell (--kernel memory).", valueName: "tunnel"))
    var tunnel: [String] = []

    @Option(name: .customLong("max-half-open"), help: ArgumentHelp("Half-open responder Phase 1 SAs at most (default 5000); past it the oldest that never answered MM2 makes room.", valueName: "count"))
    var maxHalfOpen: Int?

    @Option(name: .customLong("max-half-open-per-peer"), help: ArgumentHelp("Half-open responder Phase 1 SAs from one address at most (default 16).", valueName: "count"))
    var maxHalfOpenPerPeer: Int?

    @Option(name: .customLong("max-unauthenticated-dh"), help: ArgumentHelp("Diffie-Hellman computations for peers not yet authenticated, in flight at most (default 64).", valueName: "count"))
    var maxUnauthenticatedDH: Int?

    @Flag(name: .customLong("ignore-errors"), help: "Start even when the configuration has errors: they are logged and the daemon runs without rules, to be configured with ikeadm (Solaris's SMF config/ignore_errors).")
    var ignoreErrors = false

    @Flag(name: .long, help: "Run two daemons on loopback, negotiate, print their SAs, and exit.")
    var demo = false

    /// Where negotiations start (the first --port).
    var mainPort: UInt16 { port.first ?? 500 }

    func validate() throws {
        if let privilege, !["0", "1", "2", "base", "modkeys", "keymat"].contains(privilege.lowercased()) {
            throw ValidationError("-p takes 0, 1, 2, base, modkeys or keymat, not '\(privilege)'")
        }
        if let kernel, !["memory", "xfrm"].contains(kernel) { throw ValidationError("--kernel takes memory or xfrm") }
        for (name, value) in [("--max-half-open", maxHalfOpen), ("--max-half-open-per-peer", maxHalfOpenPerPeer), ("--max-unauthenticated-dh", maxUnauthenticatedDH)] {
            if let value, !(1...1_000_000).contains(value) { throw ValidationError("\(name) takes 1 to 1000000") }
        }
        // A zero window turns replay protection off (isakmpd CVE-2006-4436): never.
        if !(1...4096).contains(replayWindow) { throw ValidationError("--replay-window takes 1 to 4096 packets") }
        for address in listen where IPAddress(address) == nil { throw ValidationError("--listen: '\(address)' is not an address") }
        if let debugLevel, DebugCategories(parsing: debugLevel) == nil { throw ValidationError("--debug-level: '\(debugLevel)' is not a number or a list of category names") }
    }

    func run() throws {
        // Log timestamps: without TZ, glibc stats /etc/localtime for every record it formats.
        if getenv("TZ") == nil { setenv("TZ", ":/etc/localtime", 0) }
        let level: Logger.Level = debug ? .debug : (demo ? .warning : .info)
        let logFile = DebugLogFile()
        if let logFilePath, let problem = logFile.open(logFilePath) {
            print("in.iked: \(problem)")
            throw ExitCode(1)
        }
        LoggingSystem.bootstrap { label in
            var standardError = StreamLogHandler.standardError(label: label)
            standardError.logLevel = level
            // The file takes every record the enabled debug categories let through.
            return MultiplexLogHandler([standardError, DebugLogFileHandler(label: label, file: logFile)])
        }
        let logger = Logger(label: "in.iked")
        if demo {
            guard try Demo.run(logger: logger, print: { Swift.print($0) }) else { throw ExitCode(1) }
            return
        }
        let paths = ConfigurationPaths(root: root, config: file, preshared: preshared, policy: policy)
        if check {
            let outcome = ConfigurationCheck.run(paths)
            for diagnostic in outcome.diagnostics { print(diagnostic) }
            guard outcome.isValid else { throw ExitCode(1) }
            for warning in outcome.configuration.map(UnimplementedSettings.warnings) ?? [] { print(warning) }
            for warning in outcome.configuration.map({ CertificateCache.warnings($0, paths: paths) }) ?? [] { print(warning) }
            let rules = outcome.configuration?.rules.count ?? 0
            let keys = outcome.presharedKeys.map { ", \($0.entries.count) pre-shared keys" } ?? ""
            print("\(paths.config): valid (\(rules) rules\(keys))")
            return
        }
        let useXFRM = (kernel ?? (geteuid() == 0 ? "xfrm" : "memory")) == "xfrm"
        if nattPort != 0, ([mainPort] + port).contains(nattPort) {
            print("in.iked: --natt-port \(nattPort) is also an IKE --port; NAT-T needs a port of its own")
            throw ExitCode(2)
        }
        if let low = ([mainPort] + port + (nattPort == 0 ? [] : [nattPort])).first(where: { $0 < 1024 }), geteuid() != 0 {
            print("in.iked: UDP port \(low) needs root; run as root or choose --port above 1023")
            throw ExitCode(2)
        }
        // With the kernel's IPsec, IKE's own packets must never be caught by a policy (Solaris exempts UDP 500).
        var options = DaemonOptions(paths: paths, listen: listen.compactMap(IPAddress.init), port: mainPort, controlPath: control, debug: debug,
                                    bypassIPsec: useXFRM, root: root)
        options.logFile = logFile
        options.pidFile = pidFile ?? (root.hasSuffix("/") ? String(root.dropLast()) : root) + "/var/run/in.iked.pid"
        options.replayWindow = replayWindow
        options.extraPorts = Array(port.dropFirst())
        options.natTraversalPort = nattPort == 0 ? nil : nattPort
        options.ignoreErrors = ignoreErrors
        if let maxHalfOpen { options.halfOpenLimits.global = maxHalfOpen }
        if let maxHalfOpenPerPeer { options.halfOpenLimits.perPeer = maxHalfOpenPerPeer }
        if let maxUnauthenticatedDH { options.halfOpenLimits.unauthenticatedComputations = maxUnauthenticatedDH }
        for text in tunnel {
            let parts = text.split(separator: "=", maxSplits: 1)
            let addresses = parts.count == 2 ? parts[1].split(separator: ",").compactMap { IPAddress(String($0)) } : []
            guard addresses.count == 2, addresses[0].isIPv4 == addresses[1].isIPv4 else {
                print("in.iked: --tunnel \(text): expected NAME=LOCAL,REMOTE with two addresses of one family")
                throw ExitCode(2)
            }
            options.tunnels[String(parts[0])] = TunnelEndpoints(local: addresses[0], remote: addresses[1])
        }
        if let controlGroup {
            guard let id = ControlSocket.groupID(controlGroup) else {
                print("in.iked: --control-group: no group '\(controlGroup)'")
                throw ExitCode(1)
            }
            options.controlGroup = id
        }
        if let debugLevel, let categories = DebugCategories(parsing: debugLevel) { options.debugCategories = categories }
        if let privilege, let level = PrivilegeLevel(parsing: privilege) { options.privilege = level }
        let kernelPort: any KernelPort
        do {
            kernelPort = useXFRM ? try XFRMKernel() : InMemoryKernel()
        } catch {
            print("in.iked: \(error.reason)")
            throw ExitCode(1)
        }
        do {
            let daemon = try IKEDaemon(options: options, kernel: kernelPort, logger: logger)
            daemon.run()
        } catch let error as ConfigError {
            print(error.description)
            throw ExitCode(1)
        } catch {
            print("in.iked: \(error)")
            throw ExitCode(1)
        }
    }
}
