internal import COpenSSL
import IPsecTypes

/// A source of random bytes. The engine takes one as an argument so that tests can seed it; the daemon
/// passes `SystemRandom`.
public protocol RandomSource: Sendable {
    /// `count` random bytes.
    func bytes(_ count: Int) -> [UInt8]
}

extension RandomSource {
    /// Four random bytes as a number (message IDs, SPIs, sequence numbers).
    public func uint32() -> UInt32 { bytes(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) } }
}

/// OpenSSL's CSPRNG (DRBG seeded from the kernel).
public struct SystemRandom: RandomSource {
    public init() {}

    public func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        guard count > 0 else { return out }
        // RAND_bytes only fails when the DRBG cannot be seeded at all: continuing would hand out
        // predictable cookies and nonces, so this is the one place where stopping is right.
        let ok = out.withUnsafeMutableBytes { RAND_bytes($0.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(count)) }
        precondition(ok == 1, "the system random generator failed: \(OpenSSLRuntime.lastError())")
        return out
    }

    /// Random bytes straight into a secret (nonces stay public; DH exponents and similar use this).
    public func secret(_ count: Int) -> SecretBytes {
        SecretBytes(count: count) { buffer in
            guard count > 0 else { return }
            let ok = RAND_priv_bytes(buffer.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(count))
            precondition(ok == 1, "the system random generator failed: \(OpenSSLRuntime.lastError())")
        }
    }
}
