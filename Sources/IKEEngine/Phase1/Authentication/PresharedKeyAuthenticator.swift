import IKECrypto
import IKEConfig
import IPsecTypes
import ISAKMP

/// Pre-shared-key authentication (RFC 2409 §5.4): SKEYID = prf(pre-shared-key, Ni_b | Nr_b), the
/// proof is HASH_I or HASH_R, and the key binds the peer to its address (Main Mode identifies
/// pre-shared keys by address, ike.preshared's `localid`/`remoteid`).
struct PresharedKeyAuthenticator: Phase1Authenticator {
    let entry: PresharedEntry

    var method: AuthenticationMethod { .preSharedKey }
    var keyMethod: Phase1KeySchedule.Method { .preSharedKey(entry.key) }
    var presharedKey: SecretBytes? { entry.key }

    func proof(_ context: Phase1ProofContext) -> Phase1Proof { .payloads([Payload(.hash(context.hash))]) }

    func verification(_ payloads: [Payload], identity: IdentificationPayload, _ context: Phase1ProofContext) -> Phase1Verification {
        guard case .hash(let received)? = payloads.first(where: { $0.type == .hash })?.content else { return .verdict(.missing) }
        return .verdict(constantTimeEquals(received, context.hash) ? .verified : .failed)
    }

    /// An address ID must be the peer's address — or, behind a NAT, an address the key's entry
    /// covers (`remoteid`); any other ID type must be the identity the key's entry names.
    func accepts(_ identity: IdentificationPayload, local: Endpoint, remote: Endpoint, peerBehindNAT: Bool) -> Bool {
        switch identity.idType {
        case .ipv4Address, .ipv6Address:
            if identity.data == remote.address.bytes { return true }
            guard peerBehindNAT, let address = IPAddress(bytes: identity.data), case .address(let covered) = entry.remoteID else { return false }
            return covered.contains(address)
        default:
            return entry.remoteIDType == identity.idType && entry.remoteID.description == String(decoding: identity.data, as: UTF8.self)
        }
    }
}
