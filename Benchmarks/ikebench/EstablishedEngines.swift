import Foundation
import IKEConfig
import IKECrypto
import IKEEngine
import IKETestSupport
import IPsecTypes

/// One responder engine holding N established Phase 1 SAs (each with an IPsec SA pair), negotiated
/// in memory against one initiator engine that speaks from N addresses. Diffie-Hellman is answered
/// from one pre-computed key pair per side: what is measured is the engine's own work.
final class EstablishedEngines {
    let initiator: IKEEngine
    let responder: IKEEngine
    var clock = EngineInstant(nanoseconds: 1_000_000_000)
    /// What reached the responder, in order.
    private(set) var toResponder: [Datagram] = []
    /// Datagrams delivered between the engines since the last `resetCounts`.
    private(set) var delivered = 0
    private let initiatorKey: DHPrivateKey
    private let responderKey: DHPrivateKey
    private let secret: SecretBytes
    /// Wall time and memory the negotiations took.
    private(set) var buildTime: Duration = .zero
    private(set) var memoryGrowth = 0
    /// A NAPT in front of the initiator: the responder sees its ports shifted by `natPortShift`, so
    /// NAT-D finds the NAT, Main Mode floats to 4500 and the initiator sends keepalives.
    let natted: Bool
    static let natPortShift: UInt16 = 10_000

    init(count: Int, extraConfig: String = "", natted: Bool = false) throws {
        self.natted = natted
        let config = """
            p1_xform { auth_method preshared oakley_group 14 auth_alg sha256 encr_alg aes(128) }
            p2_pfs 0
            \(extraConfig)
            { label "all" local_addr 10.0.0.0/8 remote_addr 10.0.0.0/8 }
            """
        var settings = EngineSettings(
            configuration: try IKEConfigParser.load(config, file: "bench"),
            presharedKeys: try PresharedParser.load("{ localidtype IP localid 10.0.0.0/8 remoteidtype IP remoteid 10.0.0.0/8 key \"bench key\" }\n", file: "bench"),
            policies: try IPsecPolicyParser.load("{laddr 10.0.0.0/8 raddr 10.0.0.0/8} ipsec {encr_algs aes(128) encr_auth_algs sha256}\n", file: "bench"))
        if natted { settings.natTraversalPort = 4500 }
        let group = DHGroup(rawValue: 14)
        initiatorKey = try DHPrivateKey.generate(group)
        responderKey = try DHPrivateKey.generate(group)
        secret = try initiatorKey.sharedSecret(withPeer: responderKey.publicValue)
        initiator = IKEEngine(settings: settings, random: SeededRandom(seed: 1))
        responder = IKEEngine(settings: settings, random: SeededRandom(seed: 2))
        let memoryBefore = residentBytes()
        let start = ContinuousClock.now
        let responderAddress = IPAddress("10.0.0.2")!
        for index in 0..<count {
            let local = IPAddress(integer: 0x0A01_0000 + UInt128(index), isIPv4: true)
            run(.acquire(AcquireRequest(localAddress: local, remoteAddress: responderAddress)), into: initiator)
            clock = clock.adding(seconds: 0.0001)
        }
        buildTime = ContinuousClock.now - start
        memoryGrowth = residentBytes() - memoryBefore
        let established = responder.phase1Summaries.count
        precondition(established == count && responder.ipsecSummaries.count == count, "\(established) of \(count) established")
    }

    /// Delivers `event` and everything it causes between the two engines until quiet.
    func run(_ event: EngineEvent, into first: IKEEngine) {
        var queue: [(IKEEngine, EngineEvent)] = [(first, event)]
        while !queue.isEmpty {
            let (engine, next) = queue.removeFirst()
            for effect in engine.handle(next, at: clock) {
                switch effect {
                case .send(let datagram):
                    let target = engine === initiator ? responder : initiator
                    var arriving = Datagram(bytes: datagram.bytes, local: datagram.remote, remote: datagram.local)
                    if natted {
                        // The NAT rewrites the initiator's source port on the way out and back on the way in.
                        if target === responder { arriving.remote.port &+= Self.natPortShift } else { arriving.local.port &-= Self.natPortShift }
                    }
                    if target === responder { toResponder.append(arriving) }
                    delivered += 1
                    queue.append((target, .datagram(arriving)))
                case .compute(let token, let job, _):
                    queue.append((engine, .computed(token: token, answer(job, ours: engine === initiator ? initiatorKey : responderKey))))
                case .installSAs, .updateSAs, .deleteSA, .log: break
                }
            }
        }
    }

    func resetCounts() {
        delivered = 0
        toResponder = []
    }

    private func answer(_ job: ComputeJob, ours: DHPrivateKey) -> ComputeResult {
        switch job {
        case .generateKey: .key(ours)
        case .agree, .generateAndAgree: .keyAndSecret(ours, secret)
        case .authenticate: job.run()
        }
    }
}
