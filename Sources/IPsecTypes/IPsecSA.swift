/// Transport or tunnel encapsulation of an IPsec SA.
public enum IPsecMode: String, Sendable, Hashable {
    case transport, tunnel
}

/// An inclusive range of addresses of one family.
public struct AddressRange: Hashable, Sendable, CustomStringConvertible {
    public var first: IPAddress
    public var last: IPAddress

    public init(first: IPAddress, last: IPAddress) {
        precondition(first.isIPv4 == last.isIPv4, "a range has one family")
        self.first = first
        self.last = last
    }

    public init(_ address: IPAddress) { self.init(first: address, last: address) }

    public var isIPv4: Bool { first.isIPv4 }

    public func contains(_ address: IPAddress) -> Bool {
        address.isIPv4 == isIPv4 && address.integerValue >= first.integerValue && address.integerValue <= last.integerValue
    }

    public func contains(_ other: AddressRange) -> Bool { contains(other.first) && contains(other.last) }

    /// The prefix length when the range is exactly one prefix.
    public var prefixLength: Int? {
        let size = last.integerValue - first.integerValue
        guard size != UInt128.max else { return 0 }
        let count = size + 1
        guard count & (count - 1) == 0, first.integerValue & size == 0 else { return nil }
        return first.bitWidth - (UInt128.bitWidth - 1 - count.leadingZeroBitCount)
    }

    public var description: String {
        if first == last { return first.description }
        if let length = prefixLength { return "\(first)/\(length)" }
        return "\(first)-\(last)"
    }
}

/// What traffic an SA pair carries, seen from our side.
public struct TrafficSelector: Hashable, Sendable, CustomStringConvertible {
    public var local: AddressRange
    public var remote: AddressRange
    /// IP protocol, 0 for any.
    public var upperProtocol: UInt8
    /// 0 for any.
    public var localPort: UInt16
    public var remotePort: UInt16

    public init(local: AddressRange, remote: AddressRange, upperProtocol: UInt8 = 0, localPort: UInt16 = 0, remotePort: UInt16 = 0) {
        self.local = local
        self.remote = remote
        self.upperProtocol = upperProtocol
        self.localPort = localPort
        self.remotePort = remotePort
    }

    /// The same traffic seen from the other end.
    public var reversed: TrafficSelector {
        TrafficSelector(local: remote, remote: local, upperProtocol: upperProtocol, localPort: remotePort, remotePort: localPort)
    }

    public var description: String {
        let protocolText = upperProtocol == 0 ? "" : " proto \(upperProtocol)"
        let local = localPort == 0 ? self.local.description : "\(self.local):\(localPort)"
        let remote = remotePort == 0 ? self.remote.description : "\(self.remote):\(remotePort)"
        return "\(local) === \(remote)\(protocolText)"
    }
}

/// Lifetimes of an IPsec SA; 0 means no limit.
public struct SALifetime: Hashable, Sendable {
    public var softSeconds: UInt64
    public var hardSeconds: UInt64
    public var softBytes: UInt64
    public var hardBytes: UInt64

    public init(softSeconds: UInt64 = 0, hardSeconds: UInt64 = 0, softBytes: UInt64 = 0, hardBytes: UInt64 = 0) {
        self.softSeconds = softSeconds
        self.hardSeconds = hardSeconds
        self.softBytes = softBytes
        self.hardBytes = hardBytes
    }
}

/// ESP in UDP (RFC 3948): the ports the SA's packets are wrapped in, for NAT traversal.
public struct UDPEncapsulation: Hashable, Sendable {
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    /// The peer's address before NAT (RFC 3947 NAT-OA), when known.
    public var originalAddress: IPAddress?

    public init(sourcePort: UInt16, destinationPort: UInt16, originalAddress: IPAddress? = nil) {
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.originalAddress = originalAddress
    }
}

/// One direction of a negotiated IPsec SA, as the kernel port installs it.
public struct IPsecSA: Sendable, Equatable {
    public var spi: UInt32
    public var protocolID: SecurityProtocol
    public var source: IPAddress
    public var destination: IPAddress
    public var mode: IPsecMode
    /// Traffic from `source`'s side to `destination`'s side.
    public var selector: TrafficSelector
    /// ESP cipher (nil for AH).
    public var encryption: ESPTransformID?
    public var encryptionKeyBits: Int
    public var encryptionKey: SecretBytes
    /// Integrity algorithm (nil for ESP without integrity).
    public var integrity: IPsecAuthAlgorithm?
    public var integrityKey: SecretBytes
    public var lifetime: SALifetime
    /// Anti-replay window in packets; never 0 for SAs we negotiate (isakmpd CVE-2006-4436).
    public var replayWindow: UInt32
    /// ESP in UDP when a NAT is in the way (nil: plain ESP).
    public var udpEncapsulation: UDPEncapsulation?

    public init(
        spi: UInt32, protocolID: SecurityProtocol, source: IPAddress, destination: IPAddress, mode: IPsecMode, selector: TrafficSelector,
        encryption: ESPTransformID?, encryptionKeyBits: Int, encryptionKey: SecretBytes, integrity: IPsecAuthAlgorithm?,
        integrityKey: SecretBytes, lifetime: SALifetime, replayWindow: UInt32, udpEncapsulation: UDPEncapsulation? = nil
    ) {
        self.spi = spi
        self.protocolID = protocolID
        self.source = source
        self.destination = destination
        self.mode = mode
        self.selector = selector
        self.encryption = encryption
        self.encryptionKeyBits = encryptionKeyBits
        self.encryptionKey = encryptionKey
        self.integrity = integrity
        self.integrityKey = integrityKey
        self.lifetime = lifetime
        self.replayWindow = replayWindow
        self.udpEncapsulation = udpEncapsulation
    }

    /// Algorithms as a short text, never keys: `ESP AES-CBC-128/HMAC-SHA1`.
    public var algorithmDescription: String {
        var parts: [String] = []
        if let encryption {
            let name = ESPTransformID.displayName(encryption)
            parts.append(encryption == .aes || encryption == .blowfish ? "\(name)-\(encryptionKeyBits)" : name)
        }
        if let integrity { parts.append(integrity.description) }
        return "\(protocolID == .esp ? "ESP" : "AH") " + parts.joined(separator: "/")
    }
}

extension ESPTransformID {
    static func displayName(_ id: ESPTransformID) -> String {
        switch id {
        case .aes: "AES-CBC"
        case .tripleDES: "3DES-CBC"
        case .des: "DES-CBC"
        case .blowfish: "BLOWFISH-CBC"
        case .null: "NULL"
        default: id.description
        }
    }
}
