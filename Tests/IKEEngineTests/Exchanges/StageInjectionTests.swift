@testable import IKEEngine
import IPsecTypes
import ISAKMP
import Testing

/// The stage-injection table: each role at each state of Main Mode and Quick Mode gets each kind of
/// message — the expected one, a repeat of the last one, one out of order, the expected one from
/// another address, with a wrong hash, truncated — and must answer from its cache, drop and count,
/// progress, or fail with the named notify. Unauthenticated input never changes established state.
@Suite("Stage injection: every state × every kind of message")
struct StageInjectionTests {
    /// Where the target stands: the node (0 initiator, 1 responder) after `received` datagrams.
    enum Point: String, CaseIterable, CustomStringConvertible {
        case initiatorSentSA, initiatorSentKE, initiatorSentAuth, initiatorQuickModeSent, initiatorQuickModeDone
        case responderIdle, responderSentSA, responderSentKE, responderEstablished, responderQuickModeSent, responderQuickModeDone

        var node: Int { rawValue.hasPrefix("initiator") ? 0 : 1 }
        /// Datagrams received before the injection: initiator MM2 MM4 MM6 QM2, responder MM1 MM3 MM5 QM1 QM3.
        var received: Int {
            switch self {
            case .initiatorSentSA, .responderIdle: 0
            case .initiatorSentKE, .responderSentSA: 1
            case .initiatorSentAuth, .responderSentKE: 2
            case .initiatorQuickModeSent, .responderEstablished: 3
            case .initiatorQuickModeDone, .responderQuickModeSent: 4
            case .responderQuickModeDone: 5
            }
        }
        /// Phase 1 is established here: nothing unauthenticated may change it.
        var established: Bool { [.initiatorQuickModeSent, .initiatorQuickModeDone, .responderEstablished, .responderQuickModeSent, .responderQuickModeDone].contains(self) }
        var description: String { rawValue }
    }

    enum Kind: String, CustomStringConvertible {
        case expected, repeated, outOfOrder, otherAddress, wrongHash, truncated
        var description: String { rawValue }
    }

    enum Outcome: Equatable, CustomStringConvertible {
        /// Sends the next message or installs SAs.
        case progresses
        /// Re-sends the answer it gave to this message before.
        case answeredFromCache
        case droppedUnexpected, droppedMalformed, droppedAuthentication
        /// The negotiation fails; the notify (nil: none) goes to the peer in the clear.
        case fails(NotifyMessageType?)

        var description: String {
            switch self {
            case .fails(let notify): "fails(\(notify.map { "\($0)" } ?? "silently"))"
            case .progresses: "progresses"
            case .answeredFromCache: "answeredFromCache"
            case .droppedUnexpected: "droppedUnexpected"
            case .droppedMalformed: "droppedMalformed"
            case .droppedAuthentication: "droppedAuthentication"
            }
        }
    }

    struct Row: CustomStringConvertible, Sendable {
        var point: Point
        var kind: Kind
        /// The index in the target's inbox of the message used.
        var message: Int
        var outcome: Outcome
        var description: String { "\(point) ← \(kind) #\(message): \(outcome)" }
    }

    /// Initiator inbox: 0 MM2, 1 MM4, 2 MM6, 3 QM2. Responder inbox: 0 MM1, 1 MM3, 2 MM5, 3 QM1, 4 QM3.
    static let table: [Row] = [
        Row(point: .initiatorSentSA, kind: .expected, message: 0, outcome: .progresses),
        Row(point: .initiatorSentSA, kind: .outOfOrder, message: 1, outcome: .droppedUnexpected),
        Row(point: .initiatorSentSA, kind: .otherAddress, message: 0, outcome: .droppedUnexpected),
        Row(point: .initiatorSentSA, kind: .truncated, message: 0, outcome: .droppedMalformed),

        Row(point: .initiatorSentKE, kind: .expected, message: 1, outcome: .progresses),
        Row(point: .initiatorSentKE, kind: .repeated, message: 0, outcome: .droppedUnexpected),
        Row(point: .initiatorSentKE, kind: .outOfOrder, message: 2, outcome: .droppedUnexpected),
        Row(point: .initiatorSentKE, kind: .otherAddress, message: 1, outcome: .droppedUnexpected),
        Row(point: .initiatorSentKE, kind: .truncated, message: 1, outcome: .droppedMalformed),

        Row(point: .initiatorSentAuth, kind: .expected, message: 2, outcome: .progresses),
        Row(point: .initiatorSentAuth, kind: .repeated, message: 1, outcome: .droppedUnexpected),
        Row(point: .initiatorSentAuth, kind: .outOfOrder, message: 3, outcome: .droppedUnexpected),
        Row(point: .initiatorSentAuth, kind: .otherAddress, message: 2, outcome: .droppedUnexpected),
        // An initiator that cannot authenticate the responder deletes rather than notifies.
        Row(point: .initiatorSentAuth, kind: .wrongHash, message: 2, outcome: .fails(nil)),
        Row(point: .initiatorSentAuth, kind: .truncated, message: 2, outcome: .droppedMalformed),

        Row(point: .initiatorQuickModeSent, kind: .expected, message: 3, outcome: .progresses),
        Row(point: .initiatorQuickModeSent, kind: .repeated, message: 2, outcome: .droppedUnexpected),
        Row(point: .initiatorQuickModeSent, kind: .outOfOrder, message: 0, outcome: .droppedUnexpected),
        Row(point: .initiatorQuickModeSent, kind: .otherAddress, message: 3, outcome: .droppedUnexpected),
        Row(point: .initiatorQuickModeSent, kind: .wrongHash, message: 3, outcome: .droppedAuthentication),
        Row(point: .initiatorQuickModeSent, kind: .truncated, message: 3, outcome: .droppedMalformed),

        Row(point: .initiatorQuickModeDone, kind: .repeated, message: 3, outcome: .answeredFromCache),
        Row(point: .initiatorQuickModeDone, kind: .outOfOrder, message: 1, outcome: .droppedUnexpected),
        Row(point: .initiatorQuickModeDone, kind: .otherAddress, message: 3, outcome: .droppedUnexpected),
        // Sealed under the IV QM2 had, which the exchange has moved past: it does not decrypt.
        Row(point: .initiatorQuickModeDone, kind: .wrongHash, message: 3, outcome: .droppedAuthentication),
        Row(point: .initiatorQuickModeDone, kind: .truncated, message: 3, outcome: .droppedMalformed),

        Row(point: .responderIdle, kind: .expected, message: 0, outcome: .progresses),
        Row(point: .responderIdle, kind: .outOfOrder, message: 1, outcome: .droppedUnexpected),
        Row(point: .responderIdle, kind: .truncated, message: 0, outcome: .droppedMalformed),

        Row(point: .responderSentSA, kind: .expected, message: 1, outcome: .progresses),
        Row(point: .responderSentSA, kind: .repeated, message: 0, outcome: .answeredFromCache),
        Row(point: .responderSentSA, kind: .outOfOrder, message: 2, outcome: .droppedUnexpected),
        Row(point: .responderSentSA, kind: .otherAddress, message: 1, outcome: .droppedUnexpected),
        Row(point: .responderSentSA, kind: .truncated, message: 1, outcome: .droppedMalformed),

        Row(point: .responderSentKE, kind: .expected, message: 2, outcome: .progresses),
        Row(point: .responderSentKE, kind: .repeated, message: 1, outcome: .answeredFromCache),
        Row(point: .responderSentKE, kind: .outOfOrder, message: 3, outcome: .droppedUnexpected),
        Row(point: .responderSentKE, kind: .otherAddress, message: 2, outcome: .droppedUnexpected),
        Row(point: .responderSentKE, kind: .wrongHash, message: 2, outcome: .fails(.authenticationFailed)),
        Row(point: .responderSentKE, kind: .truncated, message: 2, outcome: .droppedMalformed),

        Row(point: .responderEstablished, kind: .expected, message: 3, outcome: .progresses),
        Row(point: .responderEstablished, kind: .repeated, message: 2, outcome: .answeredFromCache),
        // QM3 before any QM1: its HASH(3) is no HASH(1).
        Row(point: .responderEstablished, kind: .outOfOrder, message: 4, outcome: .droppedAuthentication),
        Row(point: .responderEstablished, kind: .otherAddress, message: 3, outcome: .droppedUnexpected),
        Row(point: .responderEstablished, kind: .wrongHash, message: 3, outcome: .droppedAuthentication),
        Row(point: .responderEstablished, kind: .truncated, message: 3, outcome: .droppedMalformed),

        Row(point: .responderQuickModeSent, kind: .expected, message: 4, outcome: .progresses),
        Row(point: .responderQuickModeSent, kind: .repeated, message: 3, outcome: .answeredFromCache),
        Row(point: .responderQuickModeSent, kind: .outOfOrder, message: 1, outcome: .droppedUnexpected),
        Row(point: .responderQuickModeSent, kind: .otherAddress, message: 4, outcome: .droppedUnexpected),
        Row(point: .responderQuickModeSent, kind: .wrongHash, message: 4, outcome: .droppedAuthentication),
        Row(point: .responderQuickModeSent, kind: .truncated, message: 4, outcome: .droppedMalformed),

        Row(point: .responderQuickModeDone, kind: .repeated, message: 4, outcome: .droppedUnexpected),
        Row(point: .responderQuickModeDone, kind: .outOfOrder, message: 1, outcome: .droppedUnexpected),
        Row(point: .responderQuickModeDone, kind: .otherAddress, message: 4, outcome: .droppedUnexpected),
        Row(point: .responderQuickModeDone, kind: .wrongHash, message: 4, outcome: .droppedAuthentication),
        Row(point: .responderQuickModeDone, kind: .truncated, message: 4, outcome: .droppedMalformed),
    ]

    @Test("the outcome of each message at each state", arguments: table)
    func inject(_ row: Row) throws {
        let fuzzer = try StageFuzzTests.fuzzer()
        let transcript = fuzzer.transcript
        let node = transcript.replay(row.point.node, upTo: row.point.received)
        let inbox = transcript.inbox(row.point.node)
        let template = inbox[row.message]
        var datagram = template
        switch row.kind {
        case .expected, .repeated, .outOfOrder: break
        case .otherAddress: datagram = Datagram(bytes: template.bytes, local: template.local, remote: Endpoint(address: template.remote.address, port: 4501))
        case .truncated: datagram = Datagram(bytes: Array(template.bytes.dropLast(5)), local: template.local, remote: template.remote)
        case .wrongHash:
            let index = fuzzer.deliveryIndex(node: row.point.node, row.message)
            let (header, payloads) = try fuzzer.shadow.open(index)
            let bad = payloads.map { payload in
                guard payload.type == PayloadType.hash.rawValue else { return payload }
                return RawPayload(type: payload.type, body: payload.body.map { $0 ^ 0x5A })
            }
            datagram = Datagram(bytes: fuzzer.shadow.seal(header, bad, before: index), local: template.local, remote: template.remote)
        }
        let engine = node.engine
        let before = engine.statistics
        let established = (Self.withoutCounters(engine.phase1Summaries), Self.withoutAge(engine.ipsecSummaries))
        node.handle(.datagram(datagram), at: Transcript.time(transcript.deliveries.count + 1))
        let after = engine.statistics
        let sent = node.effects.compactMap { if case .send(let datagram) = $0 { datagram } else { nil } }
        let installed = node.effects.contains { if case .installSAs = $0 { true } else { false } }
        let failures = (after.phase1FailedInitiator + after.phase1FailedResponder) - (before.phase1FailedInitiator + before.phase1FailedResponder)

        switch row.outcome {
        case .progresses:
            #expect(!sent.isEmpty || installed, "\(row): nothing sent or installed")
            #expect(failures == 0 && after.unexpectedDropped == before.unexpectedDropped && after.authenticationDropped == before.authenticationDropped)
        case .answeredFromCache:
            #expect(sent.count == 1 && after.retransmissions == before.retransmissions + 1, "\(row)")
            #expect(failures == 0 && !installed)
        case .droppedUnexpected:
            #expect(after.unexpectedDropped == before.unexpectedDropped + 1, "\(row)")
        case .droppedMalformed:
            #expect(after.malformedDropped == before.malformedDropped + 1, "\(row)")
        case .droppedAuthentication:
            #expect(after.authenticationDropped == before.authenticationDropped + 1, "\(row)")
        case .fails(let notify):
            #expect(failures == 1, "\(row)")
            let notified = sent.compactMap { try? ISAKMPMessage.decode($0.bytes) }.flatMap(\.payloads).compactMap { payload -> NotifyMessageType? in
                if case .notification(let n) = payload.content { n.type } else { nil }
            }
            #expect(notified == (notify.map { [$0] } ?? []), "\(row): sent \(notified)")
        }
        switch row.outcome {
        case .droppedUnexpected, .droppedMalformed, .droppedAuthentication:
            #expect(sent.isEmpty && !installed && failures == 0, "\(row): a dropped message has no other effect")
            if row.point.established {
                #expect(Self.withoutCounters(engine.phase1Summaries) == established.0 && Self.withoutAge(engine.ipsecSummaries) == established.1,
                        "\(row): established state changed")
            }
        case .progresses, .answeredFromCache, .fails:
            break
        }
    }

    enum InformationalKind: String, CustomStringConvertible, CaseIterable {
        /// A protected, verifying R-U-THERE.
        case areYouThere
        /// The same with a wrong HASH(1).
        case wrongHash
        /// An error notify in the clear.
        case clearRefusal
        var description: String { rawValue }
    }

    struct InformationalRow: CustomStringConvertible, Sendable {
        var point: Point
        var kind: InformationalKind
        var outcome: Outcome
        /// A verified informational before Phase 1 is authenticated: counted as ignored, nothing done.
        var ignored = false
        var description: String { "\(point) ← informational \(kind): \(ignored ? "ignored" : outcome.description)" }
    }

    static let informationalTable: [InformationalRow] = [
        InformationalRow(point: .initiatorSentSA, kind: .clearRefusal, outcome: .fails(nil)),
        InformationalRow(point: .initiatorSentSA, kind: .areYouThere, outcome: .droppedUnexpected),
        // Under keys that are not ours after MM5: the responder could not read MM5.
        InformationalRow(point: .initiatorSentAuth, kind: .wrongHash, outcome: .fails(nil)),
        InformationalRow(point: .initiatorSentAuth, kind: .areYouThere, outcome: .progresses, ignored: true),
        InformationalRow(point: .responderSentKE, kind: .areYouThere, outcome: .progresses, ignored: true),
        InformationalRow(point: .responderSentKE, kind: .wrongHash, outcome: .droppedAuthentication),
        InformationalRow(point: .responderSentKE, kind: .clearRefusal, outcome: .fails(nil)),
        InformationalRow(point: .responderEstablished, kind: .areYouThere, outcome: .progresses),
        InformationalRow(point: .responderEstablished, kind: .wrongHash, outcome: .droppedAuthentication),
        InformationalRow(point: .responderEstablished, kind: .clearRefusal, outcome: .droppedUnexpected),
        InformationalRow(point: .initiatorQuickModeDone, kind: .areYouThere, outcome: .progresses),
        InformationalRow(point: .initiatorQuickModeDone, kind: .wrongHash, outcome: .droppedAuthentication),
        InformationalRow(point: .initiatorQuickModeDone, kind: .clearRefusal, outcome: .droppedUnexpected),
    ]

    @Test("informationals at each state: answered once authenticated, ignored before, never obeyed unverified", arguments: informationalTable)
    func informational(_ row: InformationalRow) throws {
        let fuzzer = try StageFuzzTests.fuzzer()
        let transcript = fuzzer.transcript
        let node = transcript.replay(row.point.node, upTo: row.point.received)
        let template = transcript.inbox(row.point.node)[0]
        let shadow = fuzzer.shadow
        // The IV of a new message ID follows the last Phase 1 block the target has seen.
        let inbox = transcript.deliveries.indices.filter { transcript.deliveries[$0].target == row.point.node }
        let before = row.point.received < inbox.count ? inbox[row.point.received] : transcript.deliveries.count
        let cookies = shadow.initiatorCookie.bytes + shadow.responderCookie.bytes
        let bytes: [UInt8]
        switch row.kind {
        case .areYouThere, .wrongHash:
            let header = ISAKMPHeader(initiatorCookie: shadow.initiatorCookie, responderCookie: shadow.responderCookie, exchangeType: .informational,
                                      flags: [.encryption], messageID: 0x1234_5678)
            let notify = Payload(.notification(NotificationPayload(protocolID: .isakmp, type: .dpdRUThere, spi: cookies, data: [0, 0, 0, 9])))
            let rest = [RawPayload(type: PayloadType.notification.rawValue, body: notify.body)]
            var hash = shadow.phase2.hash1(messageID: header.messageID, rest: RawChain.encode(rest))
            if row.kind == .wrongHash { hash = hash.map { $0 ^ 0x5A } }
            bytes = shadow.seal(header, [RawPayload(type: PayloadType.hash.rawValue, body: hash)] + rest, before: before)
        case .clearRefusal:
            let header = ISAKMPHeader(initiatorCookie: shadow.initiatorCookie, responderCookie: row.point == .initiatorSentSA ? .zero : shadow.responderCookie,
                                      exchangeType: .informational)
            bytes = ISAKMPMessage(header: header, body: .payloads([Payload(.notification(NotificationPayload(protocolID: .isakmp, type: .noProposalChosen, spi: cookies)))])).encoded()
        }
        let engine = node.engine
        let stats = engine.statistics
        let established = (Self.withoutCounters(engine.phase1Summaries), Self.withoutAge(engine.ipsecSummaries))
        node.handle(.datagram(Datagram(bytes: bytes, local: template.local, remote: template.remote)), at: Transcript.time(transcript.deliveries.count + 1))
        let after = engine.statistics
        let sent = node.effects.filter { if case .send = $0 { true } else { false } }.count
        let failures = (after.phase1FailedInitiator + after.phase1FailedResponder) - (stats.phase1FailedInitiator + stats.phase1FailedResponder)
        if row.ignored {
            #expect(after.informationalIgnored == stats.informationalIgnored + 1 && sent == 0 && failures == 0, "\(row)")
            return
        }
        switch row.outcome {
        case .progresses: #expect(sent == 1 && failures == 0, "\(row): the ACK")
        case .droppedUnexpected: #expect(after.unexpectedDropped == stats.unexpectedDropped + 1 && sent == 0, "\(row)")
        case .droppedAuthentication: #expect(after.authenticationDropped == stats.authenticationDropped + 1 && sent == 0, "\(row)")
        case .droppedMalformed: #expect(after.malformedDropped == stats.malformedDropped + 1, "\(row)")
        case .fails: #expect(failures == 1, "\(row)")
        case .answeredFromCache: Issue.record("not an informational outcome")
        }
        if row.point.established, row.outcome != .progresses {
            #expect(Self.withoutCounters(engine.phase1Summaries) == established.0 && Self.withoutAge(engine.ipsecSummaries) == established.1, "\(row)")
        }
    }

    @Test("the table covers every state with every kind that applies to it")
    func coverage() {
        for point in Point.allCases {
            let kinds = Set(Self.table.filter { $0.point == point }.map(\.kind.rawValue))
            #expect(kinds.isSuperset(of: ["truncated", "outOfOrder"]), "\(point)")
            if point != .responderIdle { #expect(kinds.contains("otherAddress"), "\(point)") }
        }
    }

    static func withoutAge(_ summaries: [IPsecSASummary]) -> [IPsecSASummary] {
        summaries.map { var summary = $0; summary.ageSeconds = 0; return summary }
    }

    static func withoutCounters(_ summaries: [Phase1Summary]) -> [Phase1Summary] {
        // The counters say a drop was counted; the ages and expiry move with the clock. The rest is state.
        summaries.map { summary in
            var summary = summary
            summary.counters = Phase1Counters()
            summary.ageSeconds = 0
            summary.expiresInSeconds = summary.expiresInSeconds.map { _ in 0 }
            summary.deadPeerDetectionAge = summary.deadPeerDetectionAge.map { _ in 0 }
            return summary
        }
    }
}
