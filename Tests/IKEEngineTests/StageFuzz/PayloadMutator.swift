import IKETestSupport
import IPsecTypes
import ISAKMP

/// Seeded mutations of a payload chain: bytes flipped, bodies cut or grown, types renamed, payloads
/// dropped, repeated, swapped, lengths falsified, and well-formed payloads with hostile values (ID
/// types and masks of every width, SA proposals with foreign protocols and oversized attributes,
/// notifies and deletes with any protocol, SPI size and count). The same seed gives the same case.
struct PayloadMutator {
    private(set) var generator: SeededGenerator

    init(seed: UInt64) { generator = SeededGenerator(seed: seed) }

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &generator) }
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &generator) < p }
    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) } }
    mutating func pick<T>(_ items: [T]) -> T { items[int(0...items.count - 1)] }

    /// Lengths where parsers go wrong: empty, off by one around every address and key size, large.
    mutating func interestingLength() -> Int { pick([0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 20, 31, 32, 33, 63, 64, 65, 256, 257, int(0...600)]) }

    /// One to three mutations of `payloads`.
    mutating func mutate(_ payloads: [RawPayload]) -> [RawPayload] {
        var result = payloads
        for _ in 0..<int(1...3) { result = mutateOnce(result) }
        return result
    }

    private mutating func mutateOnce(_ payloads: [RawPayload]) -> [RawPayload] {
        var result = payloads
        let index = result.isEmpty ? 0 : int(0...result.count - 1)
        switch int(0...11) {
        case 0 where !result.isEmpty && !result[index].body.isEmpty:
            let position = int(0...result[index].body.count - 1)
            result[index].body[position] ^= UInt8(1 << int(0...7))
        case 1 where !result.isEmpty:
            result[index].body = Array(result[index].body.prefix(int(0...result[index].body.count)))
        case 2 where !result.isEmpty:
            result[index].body += bytes(int(1...40))
        case 3 where !result.isEmpty:
            result[index].type = pick([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 20, 21, 130, 131, 132, UInt8(int(0...255))])
        case 4 where !result.isEmpty:
            result.remove(at: index)
        case 5 where !result.isEmpty:
            result.insert(result[index], at: int(0...result.count))
        case 6 where result.count >= 2:
            result.swapAt(index, int(0...result.count - 1))
        case 7 where !result.isEmpty:
            result[index].lengthError = pick([-4, -3, -1, 1, 2, 4, 8, 1000])
        case 8 where !result.isEmpty:
            result[index] = hostile(like: result[index].type)
        case 9:
            result.insert(hostile(like: pick([1, 4, 5, 8, 10, 11, 12, 13])), at: int(0...result.count))
        case 10 where !result.isEmpty:
            result[index].reserved = UInt8(int(1...255))
        default:
            result.append(RawPayload(type: UInt8(int(0...255)), body: bytes(interestingLength())))
        }
        return result
    }

    /// A well-formed payload of `type` carrying hostile values.
    mutating func hostile(like type: UInt8) -> RawPayload {
        switch type {
        case 1: RawPayload(type: 1, body: body(.securityAssociation(hostileSA())))
        case 4: RawPayload(type: 4, body: bytes(pick([0, 1, 31, 32, 64, 65, 96, 128, 256, 512, int(0...600)])))
        case 5: RawPayload(type: 5, body: body(.identification(hostileID())))
        case 8: RawPayload(type: 8, body: bytes(pick([0, 1, 19, 20, 32, 33, 64, int(0...300)])))
        case 10: RawPayload(type: 10, body: bytes(pick([0, 1, 7, 8, 256, 257, int(0...300)])))
        case 11: RawPayload(type: 11, body: body(.notification(hostileNotify())))
        case 12: RawPayload(type: 12, body: body(.delete(hostileDelete())))
        default: RawPayload(type: type, body: bytes(interestingLength()))
        }
    }

    private func body(_ content: PayloadContent) -> [UInt8] { Payload(content).body }

    /// IDs of every type with data of interesting sizes; subnet masks of every width (/0 and full
    /// included), non-contiguous masks, ranges in either order, families that do not match the type.
    mutating func hostileID() -> IdentificationPayload {
        let type = IdentificationType(rawValue: UInt8(pick([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, int(0...255)])))
        let family = pick([4, 16])
        let data: [UInt8]
        switch int(0...4) {
        case 0: // address + mask of a random width
            let length = int(0...family * 8)
            let mask = IPAddress.netmask(length: length, isIPv4: family == 4)
            data = bytes(family) + mask.bytes
        case 1: // address + non-contiguous or random mask
            data = bytes(family) + bytes(family)
        case 2: // a range, possibly reversed
            data = bytes(family) + bytes(family)
        case 3:
            data = bytes(pick([0, 1, 3, 4, 5, 8, 15, 16, 17, 32, 33]))
        default:
            data = Array("host.example".utf8) + bytes(int(0...8))
        }
        return IdentificationPayload(idType: type, protocolID: UInt8(pick([0, 6, 17, 58, int(0...255)])), port: UInt16(pick([0, 500, 4500, int(0...65535)])), data: data)
    }

    /// Proposals for any protocol (0-5 included), transforms with any ID, attributes of every class
    /// in both forms with values from zero to eight bytes of ones.
    mutating func hostileSA() -> SecurityAssociationPayload {
        var proposals: [ProposalPayload] = []
        for number in 1...int(1...3) {
            let protocolID = SecurityProtocol(rawValue: UInt8(pick([1, 1, 2, 3, 3, 4, 0, 5])))
            var transforms: [TransformPayload] = []
            for transformNumber in 1...int(1...3) {
                var attributes: [DataAttribute] = []
                for _ in 0..<int(0...6) {
                    let type = UInt16(pick([1, 2, 3, 4, 5, 6, 11, 12, 14, int(0...0x7FFF)]))
                    if chance(0.5) {
                        attributes.append(.basic(type, UInt16(pick([0, 1, 2, 3, 4, 5, 7, 12, 14, 19, 0xFFFF, int(0...0xFFFF)]))))
                    } else {
                        attributes.append(.variable(type, pick([[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], [], [0], bytes(int(1...12))])))
                    }
                }
                transforms.append(TransformPayload(number: UInt8(transformNumber), transformID: UInt8(pick([0, 1, 2, 3, 7, 11, 12, int(0...255)])), attributes: attributes))
            }
            proposals.append(ProposalPayload(number: UInt8(number), protocolID: protocolID, spi: bytes(pick([0, 2, 4, 4, 8, 16])), transforms: transforms))
        }
        return SecurityAssociationPayload(proposals: proposals)
    }

    mutating func hostileNotify() -> NotificationPayload {
        let type = NotifyMessageType(rawValue: UInt16(pick([1, 14, 16, 18, 24, 36136, 24576, 24577, 24578, 36137, int(0...0xFFFF)])))
        var data = bytes(pick([0, 1, 3, 4, 8, int(0...40)]))
        if type == .responderLifetime || chance(0.2) {
            // RESPONDER-LIFETIME data: life type and duration attributes, hostile values.
            var writer = ByteWriter()
            for _ in 0..<int(0...4) {
                let attribute: DataAttribute = chance(0.5)
                    ? .basic(UInt16(pick([1, 2, 11, 12, int(0...0x7FFF)])), UInt16(pick([0, 1, 2, 0xFFFF])))
                    : .variable(UInt16(pick([2, 12])), pick([[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], [0, 0, 0, 0], bytes(int(0...9))]))
                attribute.encode(into: &writer)
            }
            data = writer.bytes
        }
        return NotificationPayload(doi: pick([.ipsec, .ipsec, DomainOfInterpretation(rawValue: UInt32(int(0...3)))]), protocolID: SecurityProtocol(rawValue: UInt8(int(0...5))),
                                   type: type, spi: bytes(pick([0, 4, 8, 16, int(0...20)])), data: data)
    }

    mutating func hostileDelete() -> DeletePayload {
        let size = UInt8(pick([0, 2, 4, 8, 16, int(0...20)]))
        let spis = (0..<int(0...5)).map { _ in bytes(Int(size)) }
        return DeletePayload(doi: pick([.ipsec, .ipsec, DomainOfInterpretation(rawValue: UInt32(int(0...3)))]), protocolID: SecurityProtocol(rawValue: UInt8(int(0...5))), spiSize: size, spis: spis)
    }
}
