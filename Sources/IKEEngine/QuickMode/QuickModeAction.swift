import IPsecTypes
import IKECrypto
import ISAKMP

/// What a Quick Mode step asks the engine to do, in order.
enum QuickModeAction {
    /// The peer's message verified (the machine has moved the IV chain on before sealing anything
    /// after it): the peer is heard from, and the driver stops retransmitting and remembers the
    /// message for repeats.
    case verified
    case send([UInt8], Delivery)
    /// PFS Diffie-Hellman off the loop.
    case compute(ComputeJob)
    /// Both directions' SAs are ready for the kernel.
    case install(QuickModeResult)
    /// Responder: the initiator set the commit bit; it is told CONNECTED once the SAs are in.
    case notifyConnected
    /// The exchange ends; the notify (if any) is sent protected, naming this SPI.
    case failed(String, notify: NotifyMessageType?, spi: [UInt8])
    case dropped(Dropped)
    case note(String)
}

/// What Quick Mode agreed, from which KEYMAT is made (RFC 2409 §5.5).
struct QuickModeResult {
    var negotiated: NegotiatedPhase2
    var peerSPI: UInt32
    var initiatorNonce: [UInt8]
    var responderNonce: [UInt8]
    /// g^xy of the PFS exchange, when there was one.
    var pfsSecret: SecretBytes?
    /// The peer's own address before its NAT, from its NAT-OA (transport mode across a NAT).
    var peerOriginalAddress: IPAddress? = nil
}

/// What a Quick Mode step may use: the exchange's message ID and the Phase 1 keys.
struct QuickModeContext {
    let messageID: UInt32
    let keying: Phase1Keying
    let settings: EngineSettings
    let random: any RandomSource

    var hashes: Phase2Keying { keying.phase2 }

    func nonce() -> [UInt8] { random.bytes(settings.phase2NonceLength) }

    /// HASH first, then `payloads`, sealed under the exchange's message ID.
    func seal(hash: [UInt8], _ payloads: [Payload]) -> [UInt8] {
        let header = ISAKMPHeader(initiatorCookie: keying.cookies.initiator, responderCookie: keying.cookies.responder, exchangeType: .quickMode,
                                  messageID: messageID)
        return keying.seal(header, [Payload(.hash(hash))] + payloads)
    }
}
