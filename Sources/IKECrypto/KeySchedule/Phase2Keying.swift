import IPsecTypes

/// Quick Mode and Informational hashes and KEYMAT (RFC 2409 §5.5, §5.7), computed with SKEYID_a and
/// SKEYID_d of the Phase 1 SA that protects the exchange.
public struct Phase2Keying: Sendable {
    public let digest: Digest
    let skeyidA: SecretBytes
    let skeyidD: SecretBytes

    public init(_ phase1: Phase1KeySchedule) {
        self.init(digest: phase1.digest, skeyidA: phase1.skeyidA, skeyidD: phase1.skeyidD)
    }

    public init(digest: Digest, skeyidA: SecretBytes, skeyidD: SecretBytes) {
        self.digest = digest
        self.skeyidA = skeyidA
        self.skeyidD = skeyidD
    }

    /// HASH(1) = prf(SKEYID_a, M-ID | rest): Quick Mode's first message, and every protected
    /// Informational message (RFC 2409 §5.7), where `rest` is every payload after HASH with headers.
    public func hash1(messageID: UInt32, rest: [UInt8]) -> [UInt8] {
        digest.prf(key: skeyidA, messageID.bigEndianBytes, rest)
    }

    /// HASH(2) = prf(SKEYID_a, M-ID | Ni_b | rest).
    public func hash2(messageID: UInt32, initiatorNonce: [UInt8], rest: [UInt8]) -> [UInt8] {
        digest.prf(key: skeyidA, messageID.bigEndianBytes, initiatorNonce, rest)
    }

    /// HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b).
    public func hash3(messageID: UInt32, initiatorNonce: [UInt8], responderNonce: [UInt8]) -> [UInt8] {
        digest.prf(key: skeyidA, [UInt8(0)], messageID.bigEndianBytes, initiatorNonce, responderNonce)
    }

    /// KEYMAT for one SA (one direction: the SPI is the one the receiving side chose):
    /// K1 = prf(SKEYID_d, [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b), K(n+1) = prf(SKEYID_d, Kn | …),
    /// concatenated and cut to `length` bytes (encryption key first, then authentication key).
    public func keymat(
        length: Int, protocolID: UInt8, spi: [UInt8], initiatorNonce: [UInt8], responderNonce: [UInt8],
        pfsSharedSecret: SecretBytes? = nil
    ) -> SecretBytes {
        var seed: [any ByteSource] = []
        if let pfsSharedSecret { seed.append(pfsSharedSecret) }
        seed += [[protocolID], spi, initiatorNonce, responderNonce]
        var blocks = [digest.prfSecret(key: skeyidD, seed)]
        var total = blocks[0].count
        while total < length {
            let next = digest.prfSecret(key: skeyidD, [blocks[blocks.count - 1]] + seed)
            blocks.append(next)
            total += next.count
        }
        return blocks.dropFirst().reduce(blocks[0], +).prefix(length)
    }
}
