// ikebench: time per operation of the foundations in release mode (docs/PERFORMANCE.md).
// Run through scripts/bench.sh, which also prints `openssl speed` figures from the same run;
// `ikebench xfrm N` times SA installation through XFRM (scripts/kvm/bench-kernel.sh, in a guest with ESP);
// `ikebench engine [N…]` the engine's cost per datagram and per deadline with N established SAs;
// `ikebench timers N SECONDS [nat]` the CPU timers and Dead Peer Detection (and, with `nat`, NAT
// keepalives from behind a NAPT) take with N SAs; `ikebench floor [pfs]` the crypto floor of one
// RSA-signature responder handshake.
import Foundation
import IKEConfig
import IKECrypto
import IPsecTypes
import ISAKMP

/// Runs `body` in rounds of `iterations` until about `budget` seconds passed; reports the best round.
func measure(_ name: String, iterations: Int, rounds: Int = 5, _ body: () throws -> Void) rethrows {
    let clock = ContinuousClock()
    var best = Duration.seconds(1_000_000)
    for _ in 0..<rounds {
        let start = clock.now
        for _ in 0..<iterations { try body() }
        best = min(best, (clock.now - start) / iterations)
    }
    let micros = Double(best.components.seconds) * 1e6 + Double(best.components.attoseconds) / 1e12
    let padded = name + String(repeating: " ", count: max(0, 52 - name.count))
    print("\(padded) \(String(format: "%10.2f", micros)) µs/op  \(String(format: "%9.0f", 1e6 / micros)) op/s")
}

func dhBenchmarks() throws {
    for (group, iterations) in [(DHGroup.modp2048, 200), (.modp3072, 80), (.modp4096, 40), (.ecp256, 1000), (.ecp384, 100)] {
        let peer = try DHPrivateKey.generate(group)
        try measure("DH \(group) keygen+agree (default exponent)", iterations: iterations) {
            let key = try DHPrivateKey.generate(group)
            _ = try key.sharedSecret(withPeer: peer.publicValue)
        }
        let mine = try DHPrivateKey.generate(group)
        try measure("DH \(group) agree only", iterations: iterations) {
            _ = try mine.sharedSecret(withPeer: peer.publicValue)
        }
    }
    // The exponent length `openssl speed ffdh2048` uses (ffdhe2048's default, 225 bits), for the ratio.
    let peer = try DHPrivateKey.generate(.modp2048)
    let mine = try DHPrivateKey.generate(.modp2048, exponentLength: .bits(225))
    try measure("DH MODP-2048 agree only, 225-bit exponent", iterations: 300) {
        _ = try mine.sharedSecret(withPeer: peer.publicValue)
    }
    let full = try DHPrivateKey.generate(.modp2048, exponentLength: .full)
    try measure("DH MODP-2048 agree only, full exponent", iterations: 50) {
        _ = try full.sharedSecret(withPeer: peer.publicValue)
    }
}

func rsaBenchmarks() throws {
    let key = try PrivateKey.generateRSA(bits: 2048)
    let publicKey = key.publicKey
    let hash = [UInt8](repeating: 0x5A, count: 20)
    let signature = try key.signPKCS1(hash)
    try measure("RSA-2048 sign (raw PKCS#1, IKE)", iterations: 300) { _ = try key.signPKCS1(hash) }
    try measure("RSA-2048 verify (strict re-encoding)", iterations: 3000) { try publicKey.verifyPKCS1(signature: signature, hash: hash) }
}

func keyScheduleBenchmark() throws {
    let gxy = SecretBytes([UInt8](repeating: 0x42, count: 256))
    let psk = SecretBytes(Array("benchmark-preshared-key".utf8))
    let nonce = [UInt8](repeating: 1, count: 32)
    let ke = [UInt8](repeating: 3, count: 256)
    let sa = [UInt8](repeating: 4, count: 52)
    let id = [0x01, 0x11, 0x01, 0xF4, 192, 0, 2, 1] as [UInt8]
    try measure("Phase 1 key schedule (PSK, SHA1, AES-128) + HASH_I/R + IV", iterations: 20000) {
        let keys = try Phase1KeySchedule(
            method: .preSharedKey(psk), hash: .sha1, sharedSecret: gxy, initiatorCookie: [1, 2, 3, 4, 5, 6, 7, 8],
            responderCookie: [8, 7, 6, 5, 4, 3, 2, 1], initiatorNonce: nonce, responderNonce: nonce, encryptionKeyLength: 16)
        _ = keys.initiatorHash(initiatorPublic: ke, responderPublic: ke, saBody: sa, idBody: id)
        _ = keys.responderHash(initiatorPublic: ke, responderPublic: ke, saBody: sa, idBody: id)
        _ = IVChain(digest: keys.digest, blockSize: 16, initiatorPublic: ke, responderPublic: ke)
    }
    let cipher = try CBCCipher(.aesCBC, keyLength: 16)
    let key = SecretBytes([UInt8](repeating: 9, count: 16))
    let message = [UInt8](repeating: 7, count: 400)
    try measure("AES-128-CBC decrypt of a 400-byte message", iterations: 20000) {
        _ = try cipher.decrypt(message, key: key, iv: [UInt8](repeating: 0, count: 16))
    }
}

func decodeBenchmarks() throws {
    let transform = TransformPayload(number: 1, transformID: 1, attributes: [
        .basic(1, 7), .basic(14, 128), .basic(2, 2), .basic(4, 14), .basic(3, 1), .basic(11, 1), .variable(12, [0, 0, 0x70, 0x80]),
    ])
    let mm1 = ISAKMPMessage(
        header: ISAKMPHeader(initiatorCookie: Cookie(value: 0x4c2e_4107_41c9_95a0), exchangeType: .identityProtection),
        body: .payloads([
            Payload(.securityAssociation(SecurityAssociationPayload(proposals: [ProposalPayload(number: 1, protocolID: .isakmp, transforms: [transform])]))),
        ] + VendorIDCatalog.entries.prefix(5).map { Payload(.vendorID($0.bytes)) })).encoded()
    let mm3 = ISAKMPMessage(
        header: ISAKMPHeader(initiatorCookie: Cookie(value: 1), responderCookie: Cookie(value: 2), exchangeType: .identityProtection),
        body: .payloads([
            Payload(.keyExchange([UInt8](repeating: 0xAB, count: 256))), Payload(.nonce([UInt8](repeating: 0xCD, count: 32))),
            Payload(.natDiscovery([UInt8](repeating: 1, count: 20), draft: false)), Payload(.natDiscovery([UInt8](repeating: 2, count: 20), draft: false)),
        ])).encoded()
    try measure("decode Main Mode message 1 (\(mm1.count) bytes)", iterations: 50000) { _ = try ISAKMPMessage.decode(mm1) }
    try measure("decode Main Mode message 3 (\(mm3.count) bytes)", iterations: 50000) { _ = try ISAKMPMessage.decode(mm3) }
    let decoded = try ISAKMPMessage.decode(mm3)
    measure("encode Main Mode message 3", iterations: 50000) { _ = decoded.encoded() }
}

/// A generated ike.config with `count` rules: host, subnet and range remotes, a few rules with their
/// own transforms, all behind one global transform list.
func generatedConfiguration(rules count: Int) -> String {
    var text = "p1_xform { auth_method preshared oakley_group 14 auth_alg sha1 encr_alg aes }\np2_pfs 14\n"
    for index in 0..<count {
        let (a, b) = (index / 250, index % 250)
        let remote: String
        switch index % 3 {
        case 0: remote = "172.\(16 + a % 16).\(b).\(1 + a / 16)"
        case 1: remote = "10.\(a).\(b).0/24"
        default: remote = "192.168.\(a % 256).\(b % 128) - 192.168.\(a % 256).\(b % 128 + 100)"
        }
        text += "{\n\tlabel \"peer \(index)\"\n\tlocal_addr 192.0.2.\(1 + index % 200)\n\tremote_addr \(remote)\n"
        if index % 10 == 0 { text += "\tp1_xform { auth_method preshared oakley_group 19 auth_alg sha256 encr_alg aes(256) }\n" }
        text += "\tp2_lifetime_secs \(600 + index % 3000)\n}\n"
    }
    return text
}

func configBenchmarks() throws {
    let text = generatedConfiguration(rules: 10_000)
    try measure("parse + validate a 10,000-rule ike.config (\(text.utf8.count / 1024) KiB)", iterations: 1) {
        let result = IKEConfigParser.parse(text, file: "bench")
        precondition(result.diagnostics.isEmpty && result.configuration.rules.count == 10_000, "\(result.diagnostics.prefix(3))")
    }
    let configuration = try IKEConfigParser.load(text, file: "bench")
    measure("build the rule index for 10,000 rules", iterations: 1) { _ = RuleTable(configuration) }
    let table = RuleTable(configuration)
    var generator = SystemRandomNumberGenerator()
    let pairs: [(IPAddress, IPAddress)] = (0..<4096).map { index in
        let remote = configuration.rules[Int.random(in: 0..<10_000, using: &generator)].remoteAddresses[0]
        let bounds = remote.bounds
        let address = IPAddress(integer: bounds.low + (bounds.high - bounds.low) / 2, isIPv4: true)
        return (IPAddress(integer: UInt128(0xC000_0201 + UInt32(index % 200)), isIPv4: true), address)
    }
    var hits = 0
    measure("rule lookup for an address pair among 10,000 rules", iterations: 4096) {
        hits &+= table.rule(local: pairs[hits & 4095].0, remote: pairs[hits & 4095].1) == nil ? 0 : 1
    }
    let miss = (IPAddress(integer: 0x0808_0808, isIPv4: true), IPAddress(integer: 0x0101_0101, isIPv4: true))
    measure("rule lookup that matches nothing among 10,000 rules", iterations: 4096) { _ = table.rule(local: miss.0, remote: miss.1) }
}

if CommandLine.arguments.dropFirst().first == "xfrm" {
    print("ikebench xfrm: release build, one pass over every pair")
    try xfrmBenchmark(pairs: CommandLine.arguments.dropFirst(2).first.flatMap { Int($0) } ?? 200)
    exit(0)
}
if CommandLine.arguments.dropFirst().first == "mm1" {
    try mm1Benchmark(count: CommandLine.arguments.dropFirst(2).first.flatMap { Int($0) } ?? 100_000)
    exit(0)
}
if CommandLine.arguments.dropFirst().first == "timers" {
    let numbers = CommandLine.arguments.dropFirst(2).compactMap { Int($0) }
    try timerBenchmark(count: numbers.first ?? 10_000, seconds: numbers.dropFirst().first ?? 120, natted: CommandLine.arguments.contains("nat"))
    exit(0)
}
if CommandLine.arguments.dropFirst().first == "handshake" {
    let pfs = CommandLine.arguments.contains("pfs")
    try handshakeBenchmark(count: CommandLine.arguments.dropFirst(2).first.flatMap { Int($0) } ?? 200, pfs: pfs)
    try cryptoFloorBenchmark(pfs: pfs)
    exit(0)
}
if CommandLine.arguments.dropFirst().first == "floor" {
    try cryptoFloorBenchmark(pfs: CommandLine.arguments.contains("pfs"))
    try certificateBenchmarks()
    exit(0)
}
if CommandLine.arguments.dropFirst().first == "engine" {
    let sizes = CommandLine.arguments.dropFirst(2).compactMap { Int($0) }
    try engineScaleBenchmark(sizes: sizes.isEmpty ? [100, 10_000, 100_000] : sizes)
    exit(0)
}
print("ikebench: release build, best of 5 rounds")
try configBenchmarks()
try decodeBenchmarks()
try keyScheduleBenchmark()
try rsaBenchmarks()
try dhBenchmarks()
