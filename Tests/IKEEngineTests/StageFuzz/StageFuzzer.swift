import IKECrypto
import Foundation
@testable import IKEEngine
import IPsecTypes
import ISAKMP

/// Where in an exchange the fuzzer injects, and whose engine receives it.
enum FuzzStage: String, CaseIterable, CustomStringConvertible, Sendable {
    /// The initiator, MM1 sent: a mutated MM2 (cleartext; anyone on the path can send it).
    case mainMode2
    /// The responder, MM2 sent: a mutated MM3 (KE and nonce; cleartext).
    case mainMode3
    /// The responder, MM4 sent: a mutated MM5, encrypted under the Phase 1 keys, HASH_I recomputed.
    case mainMode5
    /// The responder, Phase 1 up: a mutated QM1, protected, HASH(1) recomputed.
    case quickMode1
    /// The initiator, QM1 sent: a mutated QM2, protected, HASH(2) recomputed with our Ni.
    case quickMode2
    /// The responder, Phase 1 and an IPsec SA pair up: a protected Informational (notifies, deletes).
    case informational

    var description: String { rawValue }

    /// The engine that receives the case (0 initiator, 1 responder) and which of its datagrams the
    /// case replaces (the informational case comes after all of them).
    var target: (node: Int, inboxIndex: Int?) {
        switch self {
        case .mainMode2: (0, 0)
        case .mainMode3: (1, 1)
        case .mainMode5: (1, 2)
        case .quickMode1: (1, 3)
        case .quickMode2: (0, 3)
        case .informational: (1, nil)
        }
    }
}

/// What one injected case did to its engine.
struct FuzzOutcome {
    var statisticsChanged: Bool
    var effects: [EngineEffect]
    /// Whether the engine answered, logged or counted anything: every input must leave a trace.
    var reacted: Bool { statisticsChanged || !effects.isEmpty }
}

/// Builds correctly protected, mutated messages for each stage from a reference transcript and
/// injects them into a replayed engine.
struct StageFuzzer {
    let transcript: Transcript
    let shadow: ShadowPeer

    /// The initiator's signer when the transcript authenticates with RSA signatures: MM5's SIG is
    /// made again over the recomputed HASH_I, as the hash is for pre-shared keys.
    let signer: (any Signer)?
    /// Signatures already made, by hash (PKCS#1 v1.5 is deterministic; most cases keep the ID).
    private let signatures = SignatureMemo()

    final class SignatureMemo: @unchecked Sendable {
        var table: [[UInt8]: [UInt8]] = [:]
    }

    init(transcript: Transcript, presharedKey: [UInt8], group: DHGroup) throws {
        self.transcript = transcript
        shadow = try ShadowPeer(transcript, method: .preSharedKey(SecretBytes(presharedKey)), group: group)
        signer = nil
    }

    init(transcript: Transcript, signer: any Signer, group: DHGroup) throws {
        self.transcript = transcript
        shadow = try ShadowPeer(transcript, method: .signature, group: group)
        self.signer = signer
    }

    func signature(over hash: [UInt8]) -> [UInt8] {
        if let known = signatures.table[hash] { return known }
        let made = (try? signer?.sign(hash)) ?? []
        signatures.table[hash] = made
        return made
    }

    /// The global delivery index of node `node`'s `k`-th datagram.
    func deliveryIndex(node: Int, _ k: Int) -> Int {
        transcript.deliveries.indices.filter { transcript.deliveries[$0].target == node }[k]
    }

    /// The case `seed` of `stage`: the datagram's bytes.
    /// With `mutate` false the message is the transcript's own (a fresh R-U-THERE for Informational):
    /// the check that what the fuzzer seals and hashes is what the target accepts.
    /// `rewrite`, when given, replaces the random mutation of the payloads (after HASH in Quick
    /// Mode): a hand-made case sealed and hashed like the fuzzed ones.
    func build(_ stage: FuzzStage, seed: UInt64, mutate: Bool = true, rewrite: (([RawPayload]) -> [RawPayload])? = nil) throws -> [UInt8] {
        var mutator = PayloadMutator(seed: seed)
        let mutate = mutate && rewrite == nil
        func change(_ payloads: [RawPayload]) -> [RawPayload] { rewrite?(payloads) ?? (mutate ? mutator.mutate(payloads) : payloads) }
        func maybe(_ p: Double) -> Bool { mutate && mutator.chance(p) }
        let (node, inboxIndex) = stage.target
        switch stage {
        case .mainMode2, .mainMode3:
            let message = try ISAKMPMessage.decode(transcript.inbox(node)[inboxIndex!].bytes)
            let raw = message.payloads.map { RawPayload(type: $0.type.rawValue, body: $0.body) }
            return ShadowPeer.clear(message.header, change(raw))
        case .mainMode5:
            let index = deliveryIndex(node: node, inboxIndex!)
            let (header, raw) = try shadow.open(index)
            var payloads = change(raw)
            if maybe(0.9), let id = payloads.first(where: { $0.type == PayloadType.identification.rawValue }) {
                if let hash = payloads.firstIndex(where: { $0.type == PayloadType.hash.rawValue }) {
                    payloads[hash].body = shadow.initiatorHash(idBody: id.body)
                }
                if signer != nil, let sig = payloads.firstIndex(where: { $0.type == PayloadType.signature.rawValue }) {
                    payloads[sig].body = signature(over: shadow.initiatorHash(idBody: id.body))
                }
            }
            return shadow.seal(header, payloads, before: index, padding: mutator.int(0...1))
        case .quickMode1, .quickMode2:
            let index = deliveryIndex(node: node, inboxIndex!)
            var (header, raw) = try shadow.open(index)
            let rest = change(Array(raw.dropFirst()))
            if maybe(0.05) { header.flags.formSymmetricDifference(.commit) }
            let hash: [UInt8]
            if stage == .quickMode1 {
                if maybe(0.05) { header.messageID = UInt32(truncatingIfNeeded: mutator.int(0...Int(UInt32.max))) }
                hash = shadow.phase2.hash1(messageID: header.messageID, rest: RawChain.encode(rest))
            } else {
                let (_, qm1) = try shadow.open(deliveryIndex(node: 1, 3))
                let nonce = qm1.first { $0.type == PayloadType.nonce.rawValue }?.body ?? []
                hash = shadow.phase2.hash2(messageID: header.messageID, initiatorNonce: nonce, rest: RawChain.encode(rest))
            }
            raw = [RawPayload(type: PayloadType.hash.rawValue, body: maybe(0.03) ? mutator.bytes(20) : hash)] + rest
            return shadow.seal(header, raw, before: index)
        case .informational:
            let messageID = UInt32(truncatingIfNeeded: mutator.int(1...Int(UInt32.max)))
            let header = ISAKMPHeader(initiatorCookie: shadow.initiatorCookie, responderCookie: shadow.responderCookie,
                                      exchangeType: .informational, flags: [.encryption], messageID: messageID)
            var rest: [RawPayload]
            if mutate {
                rest = [mutator.hostile(like: mutator.pick([11, 11, 12, 12, 8, 5]))]
                if mutator.chance(0.3) { rest.append(mutator.hostile(like: mutator.pick([11, 12]))) }
                if mutator.chance(0.5) { rest = mutator.mutate(rest) }
            } else {
                // R-U-THERE (RFC 3706 §5): a request every established SA answers.
                let notify = NotificationPayload(protocolID: .isakmp, type: .dpdRUThere, spi: shadow.initiatorCookie.bytes + shadow.responderCookie.bytes, data: [0, 0, 0, 1])
                rest = [RawPayload(type: PayloadType.notification.rawValue, body: Payload(.notification(notify)).body)]
            }
            let hash = shadow.phase2.hash1(messageID: messageID, rest: RawChain.encode(rest))
            let raw = [RawPayload(type: PayloadType.hash.rawValue, body: maybe(0.03) ? mutator.bytes(20) : hash)] + rest
            return shadow.seal(header, raw, before: transcript.deliveries.count)
        }
    }

    /// Injects `bytes` into a fresh engine replayed to `stage`, then lets its timers run once.
    func inject(_ bytes: [UInt8], at stage: FuzzStage) -> FuzzOutcome {
        let (nodeIndex, inboxIndex) = stage.target
        let inbox = transcript.inbox(nodeIndex)
        let count = inboxIndex ?? inbox.count
        let node = transcript.replay(nodeIndex, upTo: count)
        let template = inbox[min(count, inbox.count - 1)]
        let before = node.engine.statistics
        let now = Transcript.time(transcript.deliveries.count + 1)
        node.handle(.datagram(Datagram(bytes: bytes, local: template.local, remote: template.remote)), at: now)
        let effects = node.effects
        let changed = node.engine.statistics != before
        // Deadlines armed by the case (retransmissions, expiries) must run without trapping too.
        node.handle(.tick, at: now.adding(seconds: 1))
        if let deadline = node.engine.nextDeadline() { node.handle(.tick, at: deadline) }
        return FuzzOutcome(statisticsChanged: changed, effects: effects)
    }

    /// The number of cases per stage: 20,000 in a normal run, IKE_FUZZ_CASES for longer runs.
    static var casesPerStage: Int {
        ProcessInfo.processInfo.environment["IKE_FUZZ_CASES"].flatMap(Int.init) ?? 20_000
    }
}
