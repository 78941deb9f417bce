import IPsecTypes

/// Phase 2 settings a rule may override (ike.config(5) rule defaults).
public struct Phase2Settings: Hashable, Sendable {
    public var pfsGroup: DHGroup?
    public var lifetimeSeconds: UInt32?
    public var softLifetimeSeconds: UInt32?
    public var idleTimeSeconds: UInt32?
    public var lifetimeKilobytes: UInt32?
    public var softLifetimeKilobytes: UInt32?

    public init() {}

    /// These settings with every unset value taken from `defaults`.
    func overlaying(_ defaults: Phase2Settings) -> Phase2Settings {
        var merged = self
        merged.pfsGroup = pfsGroup ?? defaults.pfsGroup
        merged.lifetimeSeconds = lifetimeSeconds ?? defaults.lifetimeSeconds
        merged.softLifetimeSeconds = softLifetimeSeconds ?? defaults.softLifetimeSeconds
        merged.idleTimeSeconds = idleTimeSeconds ?? defaults.idleTimeSeconds
        merged.lifetimeKilobytes = lifetimeKilobytes ?? defaults.lifetimeKilobytes
        merged.softLifetimeKilobytes = softLifetimeKilobytes ?? defaults.softLifetimeKilobytes
        return merged
    }
}

/// One `{ … }` rule of ike.config: which peers it covers, how we identify, and how Phase 1 is offered.
public struct IKERule: Hashable, Sendable {
    public var label: String
    public var localAddresses: [AddressSpec]
    public var remoteAddresses: [AddressSpec]
    public var localIDType: IdentityType?
    public var localID: CertificateSelector?
    public var remoteIDs: [CertificateSelector]
    public var phase2: Phase2Settings
    /// The rule's own transforms; empty means the global `p1_xform` list applies.
    public var transforms: [Phase1Transform]
    @NotCompared public var location: SourceLocation = .builtIn
    /// Where each keyword was written (for pointing errors at it).
    @NotCompared public var keywordLocations: [String: SourceLocation] = [:]

    public init(
        label: String, localAddresses: [AddressSpec], remoteAddresses: [AddressSpec], localIDType: IdentityType? = nil,
        localID: CertificateSelector? = nil, remoteIDs: [CertificateSelector] = [], phase2: Phase2Settings = Phase2Settings(),
        transforms: [Phase1Transform] = [], location: SourceLocation = .builtIn
    ) {
        self.label = label
        self.localAddresses = localAddresses
        self.remoteAddresses = remoteAddresses
        self.localIDType = localIDType
        self.localID = localID
        self.remoteIDs = remoteIDs
        self.phase2 = phase2
        self.transforms = transforms
        self.location = location
    }
}
