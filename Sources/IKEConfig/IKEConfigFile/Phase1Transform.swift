import IPsecTypes

/// One `p1_xform { … }`: a Phase 1 proposal transform (ike.config(5)).
public struct Phase1Transform: Hashable, Sendable, CustomStringConvertible {
    public var authenticationMethod: AuthenticationMethod
    public var group: DHGroup
    public var encryption: EncryptionAlgorithm
    /// AES key sizes in bits (`aes(128..256)`, `aes(256)`); nil means every size (128, 192, 256).
    public var keyBits: ClosedRange<Int>?
    public var hash: HashAlgorithm
    /// Per-transform lifetime; nil takes the global `p1_lifetime_secs`.
    public var lifetimeSeconds: UInt32?
    @NotCompared public var location: SourceLocation = .builtIn

    public init(
        authenticationMethod: AuthenticationMethod, group: DHGroup, encryption: EncryptionAlgorithm,
        keyBits: ClosedRange<Int>? = nil, hash: HashAlgorithm, lifetimeSeconds: UInt32? = nil, location: SourceLocation = .builtIn
    ) {
        self.authenticationMethod = authenticationMethod
        self.group = group
        self.encryption = encryption
        self.keyBits = keyBits
        self.hash = hash
        self.lifetimeSeconds = lifetimeSeconds
        self.location = location
    }

    /// Whether the transform authenticates with a pre-shared key (as opposed to certificates).
    public var isPreShared: Bool { authenticationMethod == .preSharedKey }

    /// AES key sizes this transform allows, in the order an initiator offers them (largest first).
    public var keySizes: [Int] {
        guard encryption == .aesCBC else { return [] }
        return [256, 192, 128].filter { keyBits?.contains($0) ?? true }
    }

    public var description: String {
        "auth_method \(authenticationMethod.configName) oakley_group \(group.rawValue) encr_alg \(encryptionConfigText) auth_alg \(hash.configName)"
            + (lifetimeSeconds.map { " p1_lifetime_secs \($0)" } ?? "")
    }

    /// The `encr_alg` value as ike.config writes it: `aes(128..256)`, `3des`.
    public var encryptionConfigText: String {
        let name = encryption.configName
        guard let bits = keyBits else { return name }
        return bits.lowerBound == bits.upperBound ? "\(name)(\(bits.lowerBound))" : "\(name)(\(bits.lowerBound)..\(bits.upperBound))"
    }
}

extension AuthenticationMethod {
    /// The ike.config spelling.
    public var configName: String {
        AuthenticationMethod.configNames.first { $0.value == self }?.key ?? String(rawValue)
    }
}

extension EncryptionAlgorithm {
    /// The canonical ike.config spelling.
    public var configName: String {
        switch self {
        case .desCBC: "des"
        case .tripleDESCBC: "3des"
        case .blowfishCBC: "blowfish"
        case .aesCBC: "aes"
        default: String(rawValue)
        }
    }
}

extension HashAlgorithm {
    /// The canonical ike.config spelling.
    public var configName: String {
        switch self {
        case .md5: "md5"
        case .sha1: "sha1"
        case .sha256: "sha256"
        case .sha384: "sha384"
        case .sha512: "sha512"
        default: String(rawValue)
        }
    }
}
