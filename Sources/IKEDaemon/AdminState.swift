import IKEConfig

/// ikeadm privilege levels (spec §4.3): base, modkeys, keymat. The daemon enforces them; they can
/// only be lowered while it runs.
public enum PrivilegeLevel: UInt32, Sendable, Comparable, CaseIterable {
    case base = 0, modkeys = 1, keymat = 2

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// A number or the nickname, case-insensitively (`privstr2num`).
    public init?(parsing text: String) {
        switch text.lowercased() {
        case "0", "base": self = .base
        case "1", "modkeys": self = .modkeys
        case "2", "keymat": self = .keymat
        default: return nil
        }
    }

    var description: String {
        switch self {
        case .base: "base privileges"
        case .modkeys: "access to preshared key information"
        case .keymat: "access to keying material"
        }
    }
}

extension DebugCategories {
    /// ikeadm's description of each category, in bit order.
    static let descriptions: [(DebugCategories, String)] = [
        (.certificates, "Certificate management"), (.keys, "Key management"), (.operational, "Operational"),
        (.phase1, "Phase 1 SA creation"), (.phase2, "Phase 2 SA creation"), (.pfkey, "PF_KEY interface"),
        (.policy, "Policy management"), (.proposals, "Proposal construction"), (.door, "Door interface"),
        (.config, "Config file processing"), (.label, "MAC label processing"),
    ]
}

/// The text of the admin commands that read or change daemon state.
enum AdminText {
    static func hex(_ value: UInt32) -> String { "0x" + String(value, radix: 16) }

    static func debug(_ categories: DebugCategories) -> String {
        var lines = ["Current debug level is \(hex(categories.rawValue))"]
        let enabled = DebugCategories.descriptions.filter { categories.contains($0.0) }.map(\.1)
        if enabled.isEmpty {
            lines.append("No debug categories enabled.")
        } else {
            lines.append("Debug categories enabled:")
            lines += enabled.map { "\t\($0)" }
        }
        return lines.joined(separator: "\n")
    }

    static func privilege(_ level: PrivilegeLevel) -> String {
        "Current privilege level is \(hex(level.rawValue)), \(level.description) enabled"
    }

    /// One row of `get defaults`.
    struct DefaultRow {
        /// The ike.config token, or `-` when the value is not tunable.
        var token: String
        var configured: Bool
        var value: Int64
        var unit: String
        var description: String
    }

    /// The daemon's ports as `get defaults` shows them (0: NAT traversal off).
    struct Ports {
        var ike: UInt16 = 500
        var natTraversal: UInt16? = IKEDefaults.natTraversalPort
    }

    /// Every built-in default and tunable with its live value.
    static func defaultRows(_ configuration: IKEConfiguration, ports: Ports = Ports()) -> [DefaultRow] {
        let globals = configuration.globals
        let phase2 = configuration.effectiveGlobalPhase2
        func row<N: BinaryInteger>(_ token: String, configured: Bool, _ value: N, _ unit: String, _ description: String) -> DefaultRow {
            DefaultRow(token: token, configured: configured, value: Int64(clamping: value), unit: unit, description: description)
        }
        func milliseconds(_ seconds: Double) -> Int { Int((seconds * 1000).rounded()) }
        let systemLifetime = IKEDefaults.phase2.lifetimeSeconds ?? 3600, systemSoft = IKEDefaults.phase2.softLifetimeSeconds ?? 3240
        // The Solaris rows, in its order, then this implementation's tunables.
        return [
            row("p1_lifetime_secs", configured: globals.phase1LifetimeSeconds != nil, globals.phase1LifetimeSeconds ?? IKEDefaults.phase1LifetimeSeconds, "seconds", "phase 1 lifetime"),
            row("-", configured: false, IKEDefaults.minimumPhase1LifetimeSeconds, "seconds", "minimum phase 1 lifetime"),
            row("p1_nonce_len", configured: globals.phase1NonceLength != nil, globals.phase1NonceLength ?? IKEDefaults.phase1NonceLength, "bytes", "phase 1 nonce length"),
            row("p2_lifetime_secs", configured: globals.phase2.lifetimeSeconds != nil, phase2.lifetimeSeconds ?? 0, "seconds", "phase 2 lifetime"),
            row("p2_softlife_secs", configured: globals.phase2.softLifetimeSeconds != nil, phase2.softLifetimeSeconds ?? 0, "seconds", "phase 2 soft lifetime"),
            row("p2_idletime_secs", configured: globals.phase2.idleTimeSeconds != nil, phase2.idleTimeSeconds ?? 0, "seconds", "phase 2 idle time"),
            row("p2_lifetime_kb", configured: globals.phase2.lifetimeKilobytes != nil, phase2.lifetimeKilobytes ?? 0, "kilobytes", "phase 2 lifetime"),
            row("p2_softlife_kb", configured: globals.phase2.softLifetimeKilobytes != nil, phase2.softLifetimeKilobytes ?? 0, "kilobytes", "phase 2 soft lifetime"),
            // Linux has no system-wide IPsec SA lifetimes: the built-in ones stand for them.
            row("-", configured: false, systemLifetime, "seconds", "system phase 2 lifetime"),
            row("-", configured: false, systemSoft, "seconds", "system phase 2 soft lifetime"),
            row("-", configured: false, 0, "seconds", "system phase 2 idle time"),
            row("-", configured: false, 0, "bytes", "system phase 2 lifetime"),
            row("-", configured: false, 0, "bytes", "system phase 2 soft lifetime"),
            row("-", configured: false, IKEDefaults.minimumPhase2LifetimeSeconds, "seconds", "minimum phase 2 hard lifetime"),
            row("-", configured: false, IKEDefaults.minimumPhase2LifetimeSeconds, "seconds", "minimum phase 2 soft lifetime"),
            row("-", configured: false, 0, "seconds", "minimum phase 2 idle lifetime"),
            row("-", configured: false, IKEDefaults.minimumPhase2LifetimeKilobytes, "kilobytes", "minimum phase 2 hard lifetime"),
            row("-", configured: false, IKEDefaults.minimumPhase2LifetimeKilobytes, "kilobytes", "minimum phase 2 soft lifetime"),
            row("-", configured: false, 0, "seconds", "minimum phase 2 delta"),
            row("-", configured: false, 0, "kilobytes", "minimum phase 2 delta"),
            row("-", configured: false, IKEDefaults.maximumPhase2LifetimeSeconds, "seconds", "maximum phase 2 lifetime"),
            row("-", configured: false, 0, "kbytes/s", "conversion factor"),
            row("-", configured: false, 0, "kilobytes", "maximum phase 2 lifetime"),
            row("p2_nonce_len", configured: globals.phase2NonceLength != nil, globals.phase2NonceLength ?? IKEDefaults.phase2NonceLength, "bytes", "phase 2 nonce length"),
            row("p2_pfs", configured: globals.phase2.pfsGroup != nil, globals.phase2.pfsGroup?.rawValue ?? 0, " ", "phase 2 PFS"),
            row("max_certs", configured: false, 0, " ", "max certificates"),
            row("-", configured: false, ports.ike, " ", "IKE port number"),
            row("-", configured: false, ports.natTraversal ?? 0, " ", ports.natTraversal == nil ? "NAT-T port number (NAT traversal off)" : "NAT-T port number"),
            row("expire_timer", configured: globals.expireTimer != nil, globals.expireTimer ?? IKEDefaults.expireTimer, "seconds", "unfinished phase 1 expiry"),
            row("retry_limit", configured: globals.retryLimit != nil, globals.retryLimit ?? IKEDefaults.retryLimit, "count", "retransmissions"),
            row("retry_timer_init", configured: globals.retryTimerInitial != nil, milliseconds(globals.retryTimerInitial ?? IKEDefaults.retryTimerInitial), "ms", "first retransmit interval"),
            row("retry_timer_max", configured: globals.retryTimerMaximum != nil, milliseconds(globals.retryTimerMaximum ?? IKEDefaults.retryTimerMaximum), "ms", "longest retransmit interval"),
            row("dpd_interval", configured: globals.dpdInterval != nil, globals.dpdInterval ?? IKEDefaults.dpdIntervalSeconds, "seconds", "DPD idle interval (0: off)"),
            row("dpd_retries", configured: globals.dpdRetries != nil, globals.dpdRetries ?? IKEDefaults.dpdRetries, "count", "DPD retransmissions"),
            row("nat_keepalive", configured: globals.natKeepalive != nil, globals.natKeepalive ?? IKEDefaults.natKeepaliveSeconds, "seconds", "NAT keepalive interval (0: off)"),
        ]
    }

    /// `get defaults`: token (or `-` when not tunable), source, value, unit, description, in the
    /// Solaris `%-18s%-10s%11u %-10s%-26s` layout.
    static func defaults(_ configuration: IKEConfiguration, ports: Ports = Ports()) -> String {
        let rows = defaultRows(configuration, ports: ports).map { row -> String in
            return SolarisText.left(row.token, 18) + SolarisText.left(row.configured ? "config" : "default", 10) + SolarisText.right(String(row.value), 11) + " " + SolarisText.left(row.unit, 10) + SolarisText.left(row.description, 26)
        }
        let heading = SolarisText.left("Token:", 18) + SolarisText.left("Source:", 10) + SolarisText.left("Value:", 12) + SolarisText.left("Unit:", 10)
            + SolarisText.left("Description:", 26)
        return (["", "Global defaults. Some values can be over-ridden on a per rule basis.", "", "System defaults are time delayed.", "", heading, ""] + rows)
            .joined(separator: "\n")
    }
}
