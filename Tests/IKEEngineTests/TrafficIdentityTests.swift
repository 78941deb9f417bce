@testable import IKEEngine
import IPsecTypes
import ISAKMP
import Testing

/// IDci/IDcr (RFC 2409 §5.5) for every prefix width of both families, /0 and full included (an
/// IPv6 /0 once trapped with an arithmetic overflow), and data that does not fit its type.
@Suite("Quick Mode client identities")
struct TrafficIdentityTests {
    @Test("an IPv4 subnet of every width round-trips", arguments: 0...32)
    func ipv4Subnet(_ length: Int) throws {
        let range = try #require(AddressRange(prefix: IPAddress("192.0.2.77")!, length: length))
        try roundTrip(range, expectedType: length == 32 ? .ipv4Address : .ipv4Subnet)
    }

    @Test("an IPv6 subnet of every width round-trips", arguments: 0...128)
    func ipv6Subnet(_ length: Int) throws {
        let range = try #require(AddressRange(prefix: IPAddress("2001:db8::1234")!, length: length))
        try roundTrip(range, expectedType: length == 128 ? .ipv6Address : .ipv6Subnet)
    }

    private func roundTrip(_ range: AddressRange, expectedType: IdentificationType) throws {
        let payload = TrafficIdentity.payload(range, upperProtocol: 6, port: 22)
        guard case .identification(let id) = payload.content else { Issue.record("not an ID payload"); return }
        #expect(id.idType == expectedType)
        let parsed = try #require(TrafficIdentity.parse(id))
        #expect(parsed.range == range && parsed.upperProtocol == 6 && parsed.port == 22)
    }

    @Test("the regression: IPv6 subnet 2001:db8:: with an all-zero mask is every IPv6 address")
    func ipv6ZeroMask() throws {
        let id = IdentificationPayload(idType: .ipv6Subnet, data: IPAddress("2001:db8::")!.bytes + [UInt8](repeating: 0, count: 16))
        let parsed = try #require(TrafficIdentity.parse(id))
        #expect(parsed.range.first == IPAddress("::")! && parsed.range.last == IPAddress("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")!)
    }

    struct Refused: Sendable, CustomStringConvertible {
        var type: IdentificationType
        var data: [UInt8]
        var description: String { "\(type) with \(data.count) bytes" }
    }

    static let refused: [Refused] = [
        Refused(type: .ipv4Address, data: IPAddress("2001:db8::1")!.bytes),          // an IPv6 address as IPv4
        Refused(type: .ipv6Address, data: [192, 0, 2, 1]),                               // and the other way
        Refused(type: .ipv4Subnet, data: [UInt8](repeating: 0, count: 32)),              // IPv6-sized subnet
        Refused(type: .ipv6Subnet, data: [UInt8](repeating: 0, count: 8)),               // IPv4-sized subnet
        Refused(type: .ipv4Subnet, data: [192, 0, 2, 0, 255, 0, 255, 0]),                // mask not contiguous
        Refused(type: .ipv4Subnet, data: [192, 0, 2, 0, 255, 255, 255]),                 // odd length
        Refused(type: .ipv4Range, data: [192, 0, 2, 9, 192, 0, 2, 1]),                   // reversed range
        Refused(type: .ipv6Range, data: [UInt8](repeating: 1, count: 31)),
        Refused(type: .ipv4Address, data: []),
        Refused(type: .fqdn, data: Array("example.com".utf8)),                           // names no addresses
    ]

    @Test("data that does not fit its type is refused, never trapped on", arguments: refused)
    func misfits(_ case: Refused) {
        #expect(TrafficIdentity.parse(IdentificationPayload(idType: `case`.type, data: `case`.data)) == nil)
    }
}
