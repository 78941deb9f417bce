import IKEConfig
import IPsecTypes

/// What the engine negotiates with: the parsed configuration files and a few runtime choices.
public struct EngineSettings: Sendable {
    public var configuration: IKEConfiguration
    public var presharedKeys: PresharedKeys
    /// Certificates, private keys (behind signers), trust and CRLs for signature authentication.
    public var credentials = CertificateCredentials()
    /// The IPsec policy (ipsecinit.conf): the source of Quick Mode proposals and what a responder accepts.
    public var policies: [PolicyEntry]
    /// UDP port peers listen on (500; tests and the demo use others).
    public var peerPort: UInt16
    /// UDP port we listen on (what our initiated exchanges come from).
    public var localPort: UInt16
    /// Our NAT-T port (RFC 3947 §4: 4500), where Main Mode floats when a NAT is found; nil turns NAT
    /// traversal off (no vendor IDs, no NAT-D). Datagrams on it carry the non-ESP marker.
    public var natTraversalPort: UInt16?
    /// The NAT-T port peers listen on (4500; tests use others).
    public var peerNATTraversalPort: UInt16 = IKEDefaults.natTraversalPort
    /// The NAT-T methods announced and accepted (every one we implement; tests narrow it to play a
    /// draft-only peer).
    var natTraversalMethods: [NATTraversalMethod] = NATTraversalMethod.allCases
    /// IKEv1 fragmentation announced and used (when the peer announces it too).
    public var fragmentation = true
    /// The largest IP datagram an IKE message or fragment may take (strongSwan's fragment_size):
    /// larger messages go in fragments to peers that support them.
    public var fragmentSize = 1280
    /// Anti-replay window for every SA we install.
    public var replayWindow: UInt32
    public let rules: RuleTable
    /// Bounds on what unauthenticated peers can make the responder hold and compute (HalfOpenLimiter).
    public var halfOpenLimits = HalfOpenLimits()

    public init(configuration: IKEConfiguration, presharedKeys: PresharedKeys, policies: [PolicyEntry], peerPort: UInt16 = 500, localPort: UInt16 = 500,
                natTraversalPort: UInt16? = nil, replayWindow: UInt32 = 32) {
        self.configuration = configuration
        self.presharedKeys = presharedKeys
        self.policies = policies
        self.peerPort = peerPort
        self.localPort = localPort
        self.natTraversalPort = natTraversalPort
        self.replayWindow = replayWindow
        self.rules = RuleTable(configuration)
    }

    /// The same settings with new rules or keys (ikeadm add/del rule, read preshared): ports,
    /// limits and credentials stay.
    public func replacing(configuration: IKEConfiguration? = nil, presharedKeys: PresharedKeys? = nil) -> EngineSettings {
        var next = EngineSettings(configuration: configuration ?? self.configuration, presharedKeys: presharedKeys ?? self.presharedKeys, policies: policies,
                                  peerPort: peerPort, localPort: localPort, natTraversalPort: natTraversalPort, replayWindow: replayWindow)
        next.peerNATTraversalPort = peerNATTraversalPort
        next.natTraversalMethods = natTraversalMethods
        next.halfOpenLimits = halfOpenLimits
        next.credentials = credentials
        next.fragmentation = fragmentation
        next.fragmentSize = fragmentSize
        return next
    }

    var retryLimit: Int { Int(configuration.globals.retryLimit ?? IKEDefaults.retryLimit) }
    var retryInitial: Double { configuration.globals.retryTimerInitial ?? IKEDefaults.retryTimerInitial }
    var retryMaximum: Double { configuration.globals.retryTimerMaximum ?? IKEDefaults.retryTimerMaximum }
    /// Seconds without a verified message from a DPD-capable peer before R-U-THERE (0: DPD off).
    var dpdInterval: Double { Double(configuration.globals.dpdInterval ?? IKEDefaults.dpdIntervalSeconds) }
    var dpdRetries: Int { Int(configuration.globals.dpdRetries ?? IKEDefaults.dpdRetries) }
    /// Seconds between NAT keepalives from the side behind a NAT (0: none).
    var natKeepalive: Double { Double(configuration.globals.natKeepalive ?? IKEDefaults.natKeepaliveSeconds) }
    var expireTimer: Double { Double(configuration.globals.expireTimer ?? IKEDefaults.expireTimer) }
    var phase1Lifetime: UInt32 { configuration.globals.phase1LifetimeSeconds ?? IKEDefaults.phase1LifetimeSeconds }
    var phase1NonceLength: Int { Int(configuration.globals.phase1NonceLength ?? IKEDefaults.phase1NonceLength) }
    var phase2NonceLength: Int { Int(configuration.globals.phase2NonceLength ?? IKEDefaults.phase2NonceLength) }

    /// The retransmission interval before attempt `attempt` (0-based): init, doubling, capped.
    func retransmitInterval(attempt: Int) -> Double {
        var interval = retryInitial
        for _ in 0..<attempt { interval = min(interval * 2, retryMaximum) }
        return min(interval, retryMaximum)
    }
}

extension EngineSettings {
    /// A rule's Phase 1 transforms this engine can authenticate: a method without an
    /// implementation (`in.iked -c` warns about such transforms), or one we hold no credentials for
    /// (a signature method without a certificate and key for the rule's local_id), is neither
    /// offered nor accepted.
    func transforms(for rule: IKERule) -> [Phase1Transform] {
        configuration.transforms(for: rule).filter { transform in
            Phase1Authenticators.implemented.contains(transform.authenticationMethod)
                && Phase1Authenticators.usable(transform.authenticationMethod, rule: rule, settings: self)
        }
    }

    /// The first policy entry that protects `selector` (our side local). `initiating` skips entries that
    /// only admit inbound traffic (`permit`).
    public func policy(for selector: TrafficSelector, initiating: Bool) -> PolicyEntry? {
        policies.first { entry in
            guard entry.actions.contains(where: { $0.kind.protects && !(initiating && $0.kind == .permit) }) else { return false }
            let pattern = entry.pattern
            if let local = pattern.localAddress, !local.covers(selector.local) { return false }
            if let remote = pattern.remoteAddress, !remote.covers(selector.remote) { return false }
            if let ulp = pattern.upperProtocol, selector.upperProtocol != ulp { return false }
            if let port = pattern.localPort, selector.localPort != port { return false }
            if let port = pattern.remotePort, selector.remotePort != port { return false }
            return true
        }
    }
}

extension AddressSpec {
    /// Whether every address of `range` is in this spec.
    func covers(_ range: AddressRange) -> Bool {
        guard range.isIPv4 == isIPv4 else { return false }
        let bounds = self.bounds
        return range.first.integerValue >= bounds.low && range.last.integerValue <= bounds.high
    }

    var range: AddressRange {
        let bounds = self.bounds
        return AddressRange(first: IPAddress(integer: bounds.low, isIPv4: isIPv4), last: IPAddress(integer: bounds.high, isIPv4: isIPv4))
    }
}
