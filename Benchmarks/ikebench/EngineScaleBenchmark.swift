import Foundation
import IKEConfig
import IKECrypto
import IKEEngine
import IKETestSupport
import IPsecTypes

/// `ikebench engine N…`: the engine's own cost per datagram and per deadline with N established SAs
/// (`EstablishedEngines`), which must stay flat as N grows.
func engineScaleBenchmark(sizes: [Int]) throws {
    print("engine scale: established Phase 1 SAs (each with an IPsec SA pair) in one responder engine")
    for count in sizes {
        // DPD off: only the replayed datagrams run.
        let engines = try EstablishedEngines(count: count, extraConfig: "dpd_interval 0")
        let responder = engines.responder
        // QM3s, replayed round-robin: each is a repeat the responder recognises (cookies, message ID).
        let replays = Array(engines.toResponder.suffix(min(count, 4096)))
        var index = 0
        let perDatagram = timePerOperation(iterations: 20_000) {
            _ = responder.handle(.datagram(replays[index % replays.count]), at: engines.clock)
            index += 1
        }
        var sink: EngineInstant?
        let perDeadline = timePerOperation(iterations: 200_000) { sink = responder.nextDeadline() }
        precondition(sink != nil)
        let perSA = Double(engines.memoryGrowth) / Double(count) / 2
        let built = engines.buildTime
        print(String(format: "  %7d SAs: handle one datagram %7.2f µs, nextDeadline() %6.3f µs, ~%5.0f bytes per side per SA (P1 + IPsec pair), negotiation %6.1f µs each",
                     count, perDatagram, perDeadline, perSA, Double(built.components.seconds * 1_000_000) / Double(count) + Double(built.components.attoseconds) / 1e12 / Double(count)))
    }
}

/// `ikebench timers N SECONDS [nat]`: N established SAs with Dead Peer Detection on (dpd_interval 30,
/// both sides), SECONDS of virtual time in 100 ms ticks with every R-U-THERE and ACK delivered: the
/// CPU per virtual second both engines spend on their timers and the DPD exchanges they cause. With
/// `nat` the initiator is behind a NAPT and sends NAT keepalives (nat_keepalive 20) as well.
func timerBenchmark(count: Int, seconds: Int, natted: Bool = false) throws {
    let engines = try EstablishedEngines(count: count, extraConfig: "dpd_interval 30\nnat_keepalive 20", natted: natted)
    engines.resetCounts()
    let start = ContinuousClock.now
    for _ in 0..<(seconds * 10) {
        engines.clock = engines.clock.adding(seconds: 0.1)
        engines.run(.tick, into: engines.initiator)
        engines.run(.tick, into: engines.responder)
    }
    let elapsed = ContinuousClock.now - start
    let micros = Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12
    let sent = engines.initiator.statistics.dpdRequestsSent + engines.responder.statistics.dpdRequestsSent
    print("  R-U-THERE sent by the initiator engine \(engines.initiator.statistics.dpdRequestsSent), by the responder engine \(engines.responder.statistics.dpdRequestsSent)")
    if natted {
        print("  NAT found on \(engines.responder.statistics.natDetected) SAs, keepalives sent \(engines.initiator.statistics.natKeepalivesSent)")
    }
    let dead = engines.initiator.statistics.dpdDeadPeers + engines.responder.statistics.dpdDeadPeers
    print(String(format: "timers: %d SAs, %d s virtual: %.2f ms CPU per virtual second (both engines), %d R-U-THERE sent, %d datagrams, %d peers found dead, %.1f µs per DPD exchange",
                 count, seconds, micros / 1000 / Double(seconds), sent, engines.delivered, dead, sent > 0 ? micros / Double(sent) : 0))
}

/// Mean µs per call of `body` over `iterations` calls.
func timePerOperation(iterations: Int, _ body: () -> Void) -> Double {
    let start = ContinuousClock.now
    for _ in 0..<iterations { body() }
    let elapsed = ContinuousClock.now - start
    return (Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12) / Double(iterations)
}

/// The process's resident set size in bytes (/proc/self/statm).
func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    return fields.count > 1 ? (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) : 0
}

/// `ikebench mm1 N`: the responder engine's cost per MM1 from N distinct addresses (no I/O), the
/// figure the daemon-level flood (scripts/flood/bench-flood.sh) adds sockets and logging to.
func mm1Benchmark(count: Int) throws {
    let config = """
        p1_xform { auth_method preshared oakley_group 14 auth_alg sha1 encr_alg aes(128) }
        { label "flood" local_addr 127.0.0.1 remote_addr 127.0.0.0/8 }
        """
    let settings = EngineSettings(configuration: try IKEConfigParser.load(config, file: "bench"), presharedKeys: PresharedKeys(),
                                  policies: [])
    let responder = IKEEngine(settings: settings, random: SeededRandom(seed: 3))
    // The flood script's MM1: AES-128, SHA-1, PSK, MODP-2048, 3600 s; a fresh cookie each.
    var sa: [UInt8] = [0, 0, 0, 1, 0, 0, 0, 1]
    let attributes: [(UInt16, UInt16)] = [(1, 7), (14, 128), (2, 2), (3, 1), (4, 14), (11, 1), (12, 3600)]
    var transform: [UInt8] = [1, 1, 0, 0]
    for (type, value) in attributes { transform += [UInt8(0x80 | type >> 8), UInt8(type & 0xFF), UInt8(value >> 8), UInt8(value & 0xFF)] }
    transform = [0, 0, 0, UInt8(4 + transform.count)] + transform
    let proposal: [UInt8] = [0, 0, 0, UInt8(8 + transform.count), 1, 1, 0, 1] + transform
    sa += proposal
    let payload: [UInt8] = [0, 0, UInt8((4 + sa.count) >> 8), UInt8((4 + sa.count) & 0xFF)] + sa
    let length = 28 + payload.count
    var generator = SeededGenerator(seed: 9)
    let datagrams: [Datagram] = (0..<count).map { index in
        let cookie = (0..<8).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let header = cookie + [UInt8](repeating: 0, count: 8) + [1, 0x10, 2, 0, 0, 0, 0, 0, 0, 0, UInt8(length >> 8), UInt8(length & 0xFF)]
        let source = IPAddress(integer: 0x7F0A_0000 + UInt128(index % 4_000_000), isIPv4: true)
        return Datagram(bytes: header + payload, local: Endpoint(address: IPAddress("127.0.0.1")!, port: 500), remote: Endpoint(address: source, port: 500))
    }
    var index = 0
    var clock = EngineInstant(nanoseconds: 1_000_000_000)
    let perMM1 = timePerOperation(iterations: count) {
        _ = responder.handle(.datagram(datagrams[index]), at: clock)
        index += 1
        clock = clock.adding(seconds: 0.0006)
    }
    let stats = responder.statistics
    print(String(format: "MM1 from %d addresses: %.2f µs each in the engine; %d half-open held, %d evicted, %d answered",
                 count, perMM1, responder.phase1Summaries.count, stats.halfOpenEvicted, stats.phase1AttemptedResponder))
}
