import IPsecTypes

/// The global parameters of ike.config (ike.config(5) "Global parameters"), as written (nil = unset).
public struct GlobalParameters: Hashable, Sendable {
    public var certificateRoots: [CertificateSelector] = []
    public var certificateTrust: [CertificateSelector] = []
    public var expireTimer: UInt32?
    public var ignoreCRLs = false
    public var ldapServers: [String] = []
    public var pkcs11Path: String?
    public var retryLimit: UInt32?
    public var retryTimerInitial: Double?
    public var retryTimerMaximum: Double?
    public var proxy: String?
    public var socks: String?
    public var useHTTP = false
    /// Extension parameters (not Solaris): Dead Peer Detection's idle interval and retransmissions.
    public var dpdInterval: UInt32?
    public var dpdRetries: UInt32?
    /// Seconds between NAT keepalives from behind a NAT (extension; 0: none).
    public var natKeepalive: UInt32?
    /// Phase 1 defaults.
    public var phase1LifetimeSeconds: UInt32?
    public var phase1NonceLength: UInt32?
    /// Rule defaults.
    public var phase2NonceLength: UInt32?
    public var localIDType: IdentityType?
    public var phase2 = Phase2Settings()
    /// Where each keyword was written (for pointing errors at it).
    @NotCompared public var keywordLocations: [String: SourceLocation] = [:]

    public init() {}
}

/// A whole ike.config file.
public struct IKEConfiguration: Hashable, Sendable {
    public var globals = GlobalParameters()
    /// The global `p1_xform` list, used by rules that have none of their own.
    public var defaultTransforms: [Phase1Transform] = []
    public var rules: [IKERule] = []

    public init(globals: GlobalParameters = GlobalParameters(), defaultTransforms: [Phase1Transform] = [], rules: [IKERule] = []) {
        self.globals = globals
        self.defaultTransforms = defaultTransforms
        self.rules = rules
    }

    /// The transforms a rule offers and accepts: its own, else the global list.
    public func transforms(for rule: IKERule) -> [Phase1Transform] {
        rule.transforms.isEmpty ? defaultTransforms : rule.transforms
    }

    /// A rule's Phase 2 settings with globals and built-in defaults filled in, and the soft lifetimes
    /// derived as 90 % of the hard ones when not given (ike.config(5)).
    public func effectivePhase2(for rule: IKERule) -> Phase2Settings { effectivePhase2(overriding: rule.phase2) }

    /// The global defaults with built-in values filled in (what a rule with no overrides gets).
    public var effectiveGlobalPhase2: Phase2Settings { effectivePhase2(overriding: Phase2Settings()) }

    private func effectivePhase2(overriding own: Phase2Settings) -> Phase2Settings {
        let global = globals.phase2, builtIn = IKEDefaults.phase2
        var settings = own.overlaying(global).overlaying(builtIn)
        // A soft lifetime comes from the nearest level that sets either it or its hard lifetime.
        settings.softLifetimeSeconds = own.softLifetimeSeconds ?? own.lifetimeSeconds.map(IKEDefaults.softLifetime)
            ?? global.softLifetimeSeconds ?? global.lifetimeSeconds.map(IKEDefaults.softLifetime) ?? builtIn.softLifetimeSeconds
        settings.softLifetimeKilobytes = own.softLifetimeKilobytes ?? own.lifetimeKilobytes.map(IKEDefaults.softLifetime)
            ?? global.softLifetimeKilobytes ?? global.lifetimeKilobytes.map(IKEDefaults.softLifetime) ?? builtIn.softLifetimeKilobytes
        return settings
    }

    /// The identity type a rule presents: its own, the global default, else `ip`.
    public func localIDType(for rule: IKERule) -> IdentityType {
        rule.localIDType ?? globals.localIDType ?? IKEDefaults.localIDType
    }

    /// Whether any rule authenticates with pre-shared keys (then ike.preshared is needed).
    public var needsPresharedKeys: Bool {
        rules.contains { rule in transforms(for: rule).contains(where: \.isPreShared) }
    }
}
