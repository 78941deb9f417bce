import IKETestSupport
@testable import ISAKMP
import Testing

/// Mutation fuzzing of the decoder: no input may trap, and whatever decodes must re-encode to the same
/// bytes (so nothing is silently dropped or normalised).
@Suite("Decoder robustness")
struct DecoderRobustnessTests {
    static let seeds: [[UInt8]] = [
        Samples.mainModeMessage1().encoded(),
        Samples.everything().encoded(),
        Raw.single(12, hex("00000001 03 04 0002 c51ece3a 2c8db405")),
    ]

    @Test("every truncation of a valid message is rejected, never trapped on", arguments: 0..<seeds.count)
    func truncations(_ seed: Int) {
        let bytes = Self.seeds[seed]
        for length in 0..<bytes.count {
            #expect(throws: ISAKMPError.self) { try ISAKMPMessage.decode(Array(bytes.prefix(length))) }
        }
    }

    @Test("random mutations decode or fail cleanly, and what decodes round-trips", arguments: 0..<seeds.count)
    func mutations(_ seed: Int) {
        var generator = SeededGenerator(seed: 0x1CE_BEEF &+ UInt64(seed))
        let original = Self.seeds[seed]
        var decodedCount = 0
        for _ in 0..<3000 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                switch Int.random(in: 0..<4, using: &generator) {
                case 0: bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                case 1: bytes[Int.random(in: 0..<bytes.count, using: &generator)] ^= 1 << UInt8.random(in: 0..<8, using: &generator)
                case 2 where bytes.count > 29: bytes.remove(at: Int.random(in: 28..<bytes.count, using: &generator))
                default: bytes.insert(UInt8.random(in: 0...255, using: &generator), at: Int.random(in: 28...bytes.count, using: &generator))
                }
            }
            // Keep the header length honest half the time so mutations reach the payload parsers.
            if Bool.random(using: &generator), bytes.count >= 28 {
                bytes.replaceSubrange(24..<28, with: UInt32(bytes.count).bigEndianBytes)
            }
            if let message = try? ISAKMPMessage.decode(bytes) {
                decodedCount += 1
                #expect(message.encoded() == bytes)
            }
        }
        #expect(decodedCount < 3000)
    }

    @Test("random bytes behind a valid header are rejected or round-trip")
    func randomBodies() {
        var generator = SeededGenerator(seed: 42)
        for _ in 0..<2000 {
            let body = (0..<Int.random(in: 0..<120, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let bytes = Raw.message(first: UInt8.random(in: 0...21, using: &generator), body: body)
            if let message = try? ISAKMPMessage.decode(bytes) {
                #expect(message.encoded() == bytes)
            }
        }
    }
}
