/// The CBC initialisation vectors of one Phase 1 SA (RFC 2409 §5 and Appendix B).
///
/// Phase 1 starts at hash(g^xi | g^xr) cut to the block size; every later Phase 1 message continues from
/// the last ciphertext block of the message before. Each Quick Mode or Informational exchange starts at
/// hash(last Phase 1 block | M-ID) and then chains within its own message ID. A new IV is proposed by
/// `ivAfter` and only recorded with `record` once the caller accepted the message (a forged message must
/// not move the chain).
public struct IVChain: Sendable {
    public let blockSize: Int
    let digest: Digest
    /// The current Phase 1 IV: initially from the DH values, then the last block of the latest message.
    public private(set) var phase1IV: [UInt8]
    /// Current IV per Phase 2 / Informational message ID, most recently used last.
    private var exchanges: [(messageID: UInt32, iv: [UInt8])] = []
    /// How many message IDs are remembered (strongSwan keeps 3; a few more cost nothing and cover
    /// overlapping Quick Modes).
    public static let rememberedExchanges = 8

    public init(digest: Digest, blockSize: Int, initiatorPublic: [UInt8], responderPublic: [UInt8]) {
        self.digest = digest
        self.blockSize = blockSize
        self.phase1IV = Array(digest.hash(initiatorPublic, responderPublic).prefix(blockSize))
    }

    /// The IV to decrypt or encrypt the next message of exchange `messageID` (0 = Phase 1 itself).
    public func iv(forMessageID messageID: UInt32) -> [UInt8] {
        if messageID == 0 { return phase1IV }
        if let known = exchanges.last(where: { $0.messageID == messageID }) { return known.iv }
        return Array(digest.hash(phase1IV, messageID.bigEndianBytes).prefix(blockSize))
    }

    /// The IV that follows a message: its last ciphertext block.
    public func ivAfter(ciphertext: [UInt8]) -> [UInt8] { Array(ciphertext.suffix(blockSize)) }

    /// Records the IV after an accepted message of exchange `messageID`.
    public mutating func record(messageID: UInt32, ciphertext: [UInt8]) {
        let next = ivAfter(ciphertext: ciphertext)
        guard next.count == blockSize else { return }
        if messageID == 0 {
            phase1IV = next
            return
        }
        exchanges.removeAll { $0.messageID == messageID }
        exchanges.append((messageID, next))
        if exchanges.count > Self.rememberedExchanges { exchanges.removeFirst() }
    }
}
