/// The default locations of the Solaris files, under an optional root prefix (tests and unprivileged
/// runs use a prefix instead of /).
public struct ConfigurationPaths: Sendable, Equatable {
    public var config: String
    public var preshared: String
    public var policy: String
    /// The certificate store (ikecert certdb) and the private keys paired with it by file name (certlocal).
    public var publicKeys: String
    public var privateKeys: String
    /// Certificate revocation lists (ikecert certrldb).
    public var revocationLists: String
    /// The policy `ipsecconf -a` loaded into the kernel, kept as entries with their index (Solaris keeps
    /// it at the same path); in.iked reads its Quick Mode proposals from here when it exists.
    public var activePolicy: String

    public init(root: String = "", config: String? = nil, preshared: String? = nil, policy: String? = nil) {
        let prefix = root.hasSuffix("/") ? String(root.dropLast()) : root
        self.config = config ?? prefix + "/etc/inet/ike/config"
        self.preshared = preshared ?? prefix + "/etc/inet/secret/ike.preshared"
        self.policy = policy ?? prefix + "/etc/inet/ipsecinit.conf"
        self.publicKeys = prefix + "/etc/inet/ike/publickeys"
        self.privateKeys = prefix + "/etc/inet/secret/ike.privatekeys"
        self.revocationLists = prefix + "/etc/inet/ike/crls"
        self.activePolicy = prefix + "/var/run/ipsecpolicy.conf"
    }
}

/// What `in.iked -c` does: read and validate ike.config, and ike.preshared when a rule uses
/// pre-shared keys (including its file mode).
public enum ConfigurationCheck {
    public struct Outcome: Sendable {
        public var diagnostics: [ConfigDiagnostic]
        public var configuration: IKEConfiguration?
        public var presharedKeys: PresharedKeys?
        public var isValid: Bool { diagnostics.isEmpty }
    }

    public static func run(_ paths: ConfigurationPaths) -> Outcome {
        let text: String
        switch ConfigFileReader.read(paths.config) {
        case .success(let contents): text = contents
        case .failure(let problem): return Outcome(diagnostics: [problem])
        }
        let parsed = IKEConfigParser.parse(text, file: paths.config)
        var outcome = Outcome(diagnostics: parsed.diagnostics, configuration: parsed.configuration)
        guard parsed.configuration.needsPresharedKeys else { return outcome }
        if let problem = ConfigFileReader.checkSecretMode(paths.preshared) {
            outcome.diagnostics.append(problem)
            return outcome
        }
        switch ConfigFileReader.read(paths.preshared) {
        case .success(let contents):
            let keys = PresharedParser.parse(contents, file: paths.preshared)
            outcome.diagnostics += keys.diagnostics
            outcome.presharedKeys = keys.keys
        case .failure(let problem):
            outcome.diagnostics.append(problem)
        }
        return outcome
    }
}
