import IKECrypto
import IPsecTypes

/// One identity of an ike.preshared entry: an address (or prefix/range) or a name of another ID type.
public enum PresharedIdentity: Hashable, Sendable, CustomStringConvertible {
    case address(AddressSpec)
    case name(IdentificationType, String)

    public var description: String {
        switch self {
        case .address(let spec): spec.description
        case .name(_, let value): value
        }
    }
}

/// The exchange an entry's key is for (ike.preshared `ike_mode`; Solaris negotiates Main Mode only).
public enum PresharedMode: String, Sendable, Equatable {
    case main, aggressive, both
}

/// One `{ … }` block of ike.preshared.
public struct PresharedEntry: Sendable, Equatable {
    public var localIDType: IdentificationType
    public var localID: PresharedIdentity
    public var remoteIDType: IdentificationType
    public var remoteID: PresharedIdentity
    public var mode: PresharedMode?
    /// The key, straight into protected storage.
    public var key: SecretBytes
    @NotCompared public var location: SourceLocation = .builtIn

    /// Whether this entry applies to Main Mode between these addresses (keys are bound to addresses in
    /// IKEv1 Main Mode).
    func covers(local: IPAddress, remote: IPAddress) -> Bool {
        guard mode != .aggressive, case .address(let localSpec) = localID, case .address(let remoteSpec) = remoteID else { return false }
        return localSpec.contains(local) && remoteSpec.contains(remote)
    }
}

/// The pre-shared keys of a whole ike.preshared file.
public struct PresharedKeys: Sendable, Equatable {
    public var entries: [PresharedEntry]

    public init(entries: [PresharedEntry] = []) { self.entries = entries }

    /// The key for Main Mode between two addresses: the entry with the narrowest remote, then local,
    /// identity that covers them; the first written on a tie.
    public func entry(local: IPAddress, remote: IPAddress) -> PresharedEntry? {
        var best: (remote: UInt128, local: UInt128, entry: PresharedEntry)?
        for entry in entries where entry.covers(local: local, remote: remote) {
            guard case .address(let l) = entry.localID, case .address(let r) = entry.remoteID else { continue }
            if let current = best, (current.remote, current.local) <= (r.span, l.span) { continue }
            best = (r.span, l.span, entry)
        }
        return best?.entry
    }
}
