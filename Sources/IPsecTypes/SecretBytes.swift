#if canImport(Glibc)
import Glibc
#endif

/// Key material: bytes that are never printed and are wiped when released.
///
/// `description` shows only the length; the bytes leave only through `withUnsafeBytes`, the explicit
/// `keymatHex()` (for keymat-privileged dumps), or by being combined into other secrets.
public final class SecretBytes: @unchecked Sendable, CustomStringConvertible, CustomDebugStringConvertible, Equatable {
    // Immutable after init, so sharing across threads is safe.
    private let storage: UnsafeMutableRawBufferPointer

    public init<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        storage.copyBytes(from: bytes)
        count = bytes.count
    }

    /// `count` bytes produced by `fill`, which writes straight into the protected storage (so a key
    /// read from a file never exists in an ordinary array).
    public init(count: Int, fill: (UnsafeMutableRawBufferPointer) throws -> Void) rethrows {
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 16)
        self.count = count
        do {
            try fill(UnsafeMutableRawBufferPointer(rebasing: storage[0..<count]))
        } catch {
            wipe(storage)
            storage.deallocate()
            throw error
        }
    }

    deinit {
        wipe(storage)
        storage.deallocate()
    }

    /// Number of bytes.
    public let count: Int

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(rebasing: storage[0..<count]))
    }

    /// The first `length` bytes as a new secret.
    public func prefix(_ length: Int) -> SecretBytes {
        precondition(length <= count)
        return withUnsafeBytes { SecretBytes($0.prefix(length)) }
    }

    /// This secret followed by another.
    public static func + (lhs: SecretBytes, rhs: SecretBytes) -> SecretBytes {
        SecretBytes(count: lhs.count + rhs.count) { out in
            lhs.withUnsafeBytes { out.copyMemory(from: $0) }
            rhs.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: out[lhs.count...]).copyMemory(from: $0) }
        }
    }

    /// The bytes in hex. Only for keymat-privileged output (ikeadm keymat dumps, `ikedump --keys` tables).
    public func keymatHex() -> String {
        withUnsafeBytes { buffer in
            let digits = Array("0123456789abcdef".utf8)
            var out = [UInt8]()
            out.reserveCapacity(buffer.count * 2)
            for byte in buffer {
                out.append(digits[Int(byte >> 4)])
                out.append(digits[Int(byte & 0x0F)])
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// A copy of the bytes, for code that must hand them to an API taking plain arrays (tests, key tables).
    public func revealed() -> [UInt8] { withUnsafeBytes { Array($0) } }

    public var description: String { "SecretBytes(\(count) bytes)" }
    public var debugDescription: String { description }

    /// Constant-time comparison.
    public static func == (lhs: SecretBytes, rhs: SecretBytes) -> Bool {
        guard lhs.count == rhs.count else { return false }
        return lhs.withUnsafeBytes { a in rhs.withUnsafeBytes { b in constantTimeEquals(a, b) } }
    }
}

/// Zeroes memory in a way the optimiser may not remove (glibc's explicit_bzero).
private func wipe(_ buffer: UnsafeMutableRawBufferPointer) {
    guard let base = buffer.baseAddress else { return }
    explicit_bzero(base, buffer.count)
}

/// Constant-time equality of two byte arrays (for hashes received from a peer): the time taken
/// depends only on the length.
public func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
    guard lhs.count == rhs.count else { return false }
    return lhs.withUnsafeBytes { a in rhs.withUnsafeBytes { b in constantTimeEquals(a, b) } }
}

func constantTimeEquals(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for index in 0..<a.count { difference |= a[index] ^ b[index] }
    return difference == 0
}
