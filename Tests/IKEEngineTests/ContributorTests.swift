@testable import IKEEngine
import ISAKMP
import Testing

/// Side concerns around Main Mode contribute payloads and read the peer's: the peer's vendor IDs
/// are recorded on the SA and shown by `dump p1`.
@Suite("Main Mode contributors")
struct ContributorTests {
    @Test("the vendor IDs in the responder's MM2 are recorded on the initiator's SA, by name")
    func peerVendorIDs() throws {
        let fuzzer = try StageFuzzTests.fuzzer()
        let vendorIDs = [VendorIDCatalog.deadPeerDetection, VendorIDCatalog.rfc3947NATTraversal, [0xDE, 0xAD, 0xBE, 0xEF]]
        let bytes = try fuzzer.build(.mainMode2, seed: 0) { payloads in
            payloads + vendorIDs.map { RawPayload(type: PayloadType.vendorID.rawValue, body: $0) }
        }
        let node = fuzzer.transcript.replay(0, upTo: 0)
        let template = fuzzer.transcript.inbox(0)[0]
        node.handle(.datagram(Datagram(bytes: bytes, local: template.local, remote: template.remote)), at: Transcript.time(3))
        let summary = try #require(node.engine.phase1Summaries.first)
        // The transcript's responder also answered our fragmentation vendor ID with its own.
        #expect(summary.peerVendorIDs.count == 4, "\(summary.peerVendorIDs)")
        #expect(summary.peerVendorIDs.contains("IKE Fragmentation"))
        #expect(summary.peerVendorIDs.last == "deadbeef")
        #expect(summary.peerVendorIDs.first.map { $0.contains("Dead Peer") || $0.contains("DPD") } == true, "\(summary.peerVendorIDs)")
    }

    @Test("MM5 carries INITIAL-CONTACT only when no other Phase 1 SA with the peer exists")
    func initialContact() throws {
        let fuzzer = try StageFuzzTests.fuzzer()
        let (_, mm5) = try fuzzer.shadow.open(fuzzer.deliveryIndex(node: 1, 2))
        let notify = mm5.first { $0.type == PayloadType.notification.rawValue }
        #expect(notify != nil, "the first Phase 1 with the peer announces INITIAL-CONTACT")
    }
}
