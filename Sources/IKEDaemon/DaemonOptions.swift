import IKEConfig
import IKEEngine
import IPsecTypes

/// IKEDaemon is the runtime of `in.iked`: it owns the UDP sockets, the control socket and the clock,
/// feeds events to the engine on one thread, runs DH on a worker pool, and carries out the engine's
/// effects through the kernel port.

/// How a daemon runs.
public struct DaemonOptions: Sendable {
    public var paths: ConfigurationPaths
    /// Addresses to listen on; empty means the wildcards 0.0.0.0 and :: .
    public var listen: [IPAddress]
    /// Our UDP port (500) and the one peers use.
    public var port: UInt16
    public var peerPort: UInt16
    /// More ports to listen on besides `port`.
    public var extraPorts: [UInt16] = []
    /// The NAT-T port (RFC 3947: 4500), also the one peers use; nil turns NAT traversal off. Its
    /// sockets are ESP-in-UDP endpoints for the kernel.
    public var natTraversalPort: UInt16?
    /// The control socket ikeadm talks to.
    public var controlPath: String
    /// A group whose members may use ikeadm besides root (the socket becomes 0660 in that group).
    public var controlGroup: UInt32?
    /// Log every category (in.iked -d).
    public var debug: Bool
    /// Categories whose informational messages are logged (warnings and errors always are).
    public var debugCategories: DebugCategories
    /// The administrative privilege level at start (in.iked -p).
    public var privilege: PrivilegeLevel = .base
    /// The anti-replay window of every SA installed, in packets (1–4096; `--replay-window`).
    public var replayWindow: UInt32 = 32
    /// Exempt the IKE sockets from IPsec policy (needs the XFRM-capable kernel and privileges).
    public var bypassIPsec: Bool
    /// Route SIGHUP/SIGTERM/SIGINT to this daemon (false when several run in one process, as in the demo).
    public var handleSignals: Bool
    /// Where debug records go besides standard error (`--log-file`, `ikeadm set debug LEVEL FILE`);
    /// the process's log handler writes to the same object.
    public var logFile = DebugLogFile()
    /// Tunnel interfaces' outer addresses given on the command line (`--tunnel NAME=LOCAL,REMOTE`):
    /// the in-memory kernel has no interfaces to ask; otherwise they are read over rtnetlink.
    public var tunnels: [String: TunnelEndpoints] = [:]
    /// The pid file that makes this the only in.iked for its files (nil: none, for in-process daemons).
    public var pidFile: String?
    /// Start even when the configuration has errors (logged), with no rules (`--ignore-errors`, Solaris's
    /// SMF `config/ignore_errors`).
    public var ignoreErrors = false
    /// What unauthenticated peers can make the daemon hold and compute (docs/PROTOCOL.md).
    public var halfOpenLimits = HalfOpenLimits()

    public init(paths: ConfigurationPaths = ConfigurationPaths(), listen: [IPAddress] = [], port: UInt16 = 500, peerPort: UInt16? = nil,
                controlPath: String? = nil, debug: Bool = false, bypassIPsec: Bool = false, handleSignals: Bool = true, root: String = "") {
        self.paths = paths
        self.listen = listen
        self.port = port
        self.peerPort = peerPort ?? port
        self.controlPath = controlPath ?? (root.hasSuffix("/") ? String(root.dropLast()) : root) + "/var/run/ike_door"
        self.debug = debug
        self.debugCategories = debug ? .all : .standard.union([.phase1, .phase2])
        self.bypassIPsec = bypassIPsec
        self.handleSignals = handleSignals
    }
}

/// Why a daemon did not start.
public struct DaemonError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
