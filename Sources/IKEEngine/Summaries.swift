import Foundation
import IPsecTypes
import ISAKMP

/// What `ikeadm dump p1` shows of one Phase 1 SA.
public struct Phase1Summary: Sendable, Equatable {
    public var initiatorCookie: UInt64
    public var responderCookie: UInt64
    public var role: String
    public var state: String
    public var local: Endpoint
    public var remote: Endpoint
    public var rule: String
    /// `AES-CBC-128/SHA/MODP-2048, 3600 s` once negotiated.
    public var transform: String?
    public var lifetimeSeconds: UInt32?
    public var counters: Phase1Counters
    /// The SA's keys once derived. The daemon shows them only at the keymat privilege level.
    public var keys: Phase1KeyMaterial?
    /// The vendor IDs the peer announced, by name where known (else hex): the extensions it offers.
    public var peerVendorIDs: [String]
    /// Dead Peer Detection runs on this SA (the peer announced it and dpd_interval is not 0).
    public var deadPeerDetection: Bool
    /// The last DPD handshake: not initiated, in progress, successful, failed.
    public var deadPeerDetectionResult: String?
    /// Seconds since that result.
    public var deadPeerDetectionAge: Double?
    /// The NAT traversal method both ends announced (`RFC 3947`), what NAT-D showed, keepalives sent.
    public var natTraversal: String?
    public var natState: String?
    public var natKeepalivesSent: Int
    /// What was negotiated, as values (the Solaris layouts name them their own way).
    public var encryption: EncryptionAlgorithm?
    public var keyBits: Int = 0
    public var hash: HashAlgorithm?
    public var group: DHGroup?
    public var authenticationMethod: AuthenticationMethod?
    /// The rule's Phase 2 PFS group (0: none).
    public var pfsGroup: UInt16
    /// Seconds since the SA was made, and until its lifetime ends (nil before it is established).
    public var ageSeconds: Double
    public var expiresInSeconds: Double?
    /// Our identity and the peer's as the ID payloads carried them (type, printable value).
    public var localIdentity: Identity?
    public var peerIdentity: Identity?
    /// The subject (and issuer) of the certificate the peer authenticated with.
    public var peerCertificateSubject: String?
    public var peerCertificateIssuer: String?

    /// An identity as an ID payload carries it.
    public struct Identity: Sendable, Equatable {
        public var type: IdentificationType
        public var value: String
    }

    init(_ sa: Phase1SA, now: EngineInstant, pfsGroup: UInt16) {
        self.pfsGroup = pfsGroup
        ageSeconds = now.seconds(since: sa.created)
        expiresInSeconds = sa.expires.map { $0.seconds(since: now) }
        localIdentity = sa.ourIdentity.map { Identity(type: $0.idType, value: CertificateIdentity.text($0)) }
            ?? Identity(type: sa.local.address.isIPv4 ? .ipv4Address : .ipv6Address, value: sa.local.address.description)
        peerIdentity = sa.peerIdentity.map { Identity(type: $0.idType, value: CertificateIdentity.text($0)) }
        peerCertificateSubject = sa.peerCertificate?.subject
        peerCertificateIssuer = sa.peerCertificate?.issuer
        deadPeerDetection = sa.dpd != nil
        deadPeerDetectionResult = sa.dpd?.result.rawValue
        deadPeerDetectionAge = sa.dpd?.resultTime.map { now.seconds(since: $0) }
        natTraversal = sa.natTraversal?.method.name
        natState = sa.natTraversal.map { $0.describe(role: sa.role) }
        natKeepalivesSent = sa.natTraversal?.keepalivesSent ?? 0
        peerVendorIDs = sa.peerVendorIDs.map { VendorIDCatalog.name(of: $0) ?? $0.map { String(format: "%02x", $0) }.joined() }
        initiatorCookie = sa.initiatorCookie.value
        responderCookie = sa.responderCookie.value
        role = sa.role.rawValue
        state = sa.stateName
        local = sa.local
        remote = sa.remote
        rule = sa.rule.label
        if let negotiated = sa.negotiated {
            encryption = negotiated.encryption
            keyBits = negotiated.keyLength * 8
            hash = negotiated.hash
            group = negotiated.group
            authenticationMethod = negotiated.authenticationMethod
            transform = "\(negotiated.cipherName)/\(negotiated.hash)/\(negotiated.group), \(negotiated.authenticationMethod)"
            lifetimeSeconds = negotiated.lifetimeSeconds
        }
        counters = sa.counters
        if let keying = sa.keying {
            let schedule = keying.schedule, negotiated = keying.negotiated
            keys = Phase1KeyMaterial(algorithm: negotiated.encryption, skeyid: schedule.skeyid, skeyidD: schedule.skeyidD, skeyidA: schedule.skeyidA,
                                     skeyidE: schedule.skeyidE, encryptionKey: schedule.encryptionKey, presharedKey: sa.presharedKey)
        }
    }
}

/// A Phase 1 SA's key material (RFC 2409 §5), for `ikeadm` at keymat: the `KEY:` lines of `dump p1`
/// and the decryption table that `ikedump --keys` and Wireshark read.
public struct Phase1KeyMaterial: Sendable, Equatable {
    public var algorithm: EncryptionAlgorithm
    public var skeyid: SecretBytes
    public var skeyidD: SecretBytes
    public var skeyidA: SecretBytes
    public var skeyidE: SecretBytes
    public var encryptionKey: SecretBytes
    public var presharedKey: SecretBytes?
}

/// What `ikeadm dump sa` shows of one IPsec SA pair (no keys).
public struct IPsecSASummary: Sendable, Equatable {
    public var peer: IPAddress
    public var inboundSPI: UInt32
    public var outboundSPI: UInt32
    public var algorithms: String
    public var mode: IPsecMode
    public var selector: TrafficSelector
    public var lifetime: SALifetime
    public var ageSeconds: Double
    /// ESP in UDP (NAT traversal): our port, the peer's, and the peer's address before its NAT.
    public var encapsulation: UDPEncapsulation?

    init(pair: InstalledSAPair, now: EngineInstant) {
        peer = pair.peer
        inboundSPI = pair.inbound.spi
        outboundSPI = pair.outbound.spi
        algorithms = pair.outbound.algorithmDescription
        mode = pair.outbound.mode
        selector = pair.outbound.selector
        lifetime = pair.outbound.lifetime
        ageSeconds = now.seconds(since: pair.installed)
        encapsulation = pair.outbound.udpEncapsulation.map {
            UDPEncapsulation(sourcePort: $0.sourcePort, destinationPort: $0.destinationPort, originalAddress: pair.inbound.udpEncapsulation?.originalAddress)
        }
    }
}
