/// Test helpers shared by the test targets and benchmarks: hex literals, a seeded generator, and a pcap
/// writer for synthesising captures.

/// Bytes from hex digits; spaces, newlines and colons are ignored. Traps on bad digits: only for
/// literals written in tests.
public func hex(_ text: String) -> [UInt8] {
    let digits = text.filter { !$0.isWhitespace && $0 != ":" }
    precondition(digits.count % 2 == 0, "odd number of hex digits")
    var bytes: [UInt8] = []
    bytes.reserveCapacity(digits.count / 2)
    var index = digits.startIndex
    while index < digits.endIndex {
        let next = digits.index(index, offsetBy: 2)
        guard let byte = UInt8(digits[index..<next], radix: 16) else { preconditionFailure("bad hex \(digits[index..<next])") }
        bytes.append(byte)
        index = next
    }
    return bytes
}

extension Array where Element == UInt8 {
    /// Lower-case hex.
    public var hex: String { map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() }
}

/// A deterministic generator (SplitMix64) so that fuzz tests and simulations repeat exactly.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
