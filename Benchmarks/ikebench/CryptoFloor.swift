import Foundation
import Glibc
import IKEConfig
import IKEEngine
import IKETestSupport
import IPsecTypes
import IKECrypto

/// The crypto floor of one responder Main Mode + Quick Mode with RSA signatures: one MODP-2048 key
/// generation and agreement (the engine's short exponent), one RSA-2048 signature (HASH_R) and one
/// verification (HASH_I), and with PFS a second key generation and agreement. The responder's CPU per
/// handshake in scripts/interop/bench-responder.sh is set against it.
func cryptoFloorBenchmark(pfs: Bool) throws {
    let key = try PrivateKey.generateRSA(bits: 2048)
    let publicKey = key.publicKey
    let hash = [UInt8](repeating: 0x5A, count: 32)
    let signature = try key.signPKCS1(hash)
    let peer = try DHPrivateKey.generate(.modp2048)
    let exchanges = pfs ? 2 : 1
    try measure("crypto floor per MM+QM (RSA-2048, MODP-2048\(pfs ? ", PFS" : ""))", iterations: 100) {
        for _ in 0..<exchanges {
            let ours = try DHPrivateKey.generate(.modp2048)
            _ = try ours.sharedSecret(withPeer: peer.publicValue)
        }
        _ = try key.signPKCS1(hash)
        try publicKey.verifyPKCS1(signature: signature, hash: hash)
    }
}

/// What checking a peer's certificate costs on top of the floor: parsing it, its public key, and
/// chain validation to a root.
func certificateBenchmarks() throws {
    let caKey = try PrivateKey.generateRSA(bits: 2048), key = try PrivateKey.generateRSA(bits: 2048)
    let root = try Certificate(encoded: try CertificateRequest(subject: "C=US, O=Bench, CN=CA").authority(key: caKey, serial: 1))
    let leafDER = try CertificateRequest(subject: "C=US, O=Bench, CN=peer", alternativeNames: ["IP=192.0.2.2"]).issued(for: key.publicKey, by: root, key: caKey, serial: 2)
    let leaf = try Certificate(encoded: leafDER)
    let verifier = try CertificateVerifier(trusted: [root], intermediates: [root])
    try measure("certificate parse (DER, names, SANs)", iterations: 500) { _ = try Certificate(encoded: leafDER) }
    try measure("certificate public key", iterations: 500) { _ = try leaf.publicKey }
    try measure("certificate chain validation to the root", iterations: 500) { _ = verifier.problem(with: [leaf]) }
}

/// `ikebench handshake N [pfs]`: N initiator engines negotiate Main Mode with RSA-2048 signatures
/// and Quick Mode with one responder engine in memory (compute jobs run inline): the CPU per
/// handshake per side, engines and crypto, without sockets or threads, beside the crypto floor.
func handshakeBenchmark(count: Int, pfs: Bool) throws {
    let network = EngineNetwork(seed: 3)
    network.knobs.latency = 0.001
    func identity(_ name: String, _ key: PrivateKey) -> TestPKI.Identity { TestPKI.issue("C=US, O=Bench, CN=\(name)", by: TestPKI.root, key: key) }
    func settings(_ identity: TestPKI.Identity) throws -> EngineSettings {
        var settings = EngineSettings(
            configuration: try IKEConfigParser.load("""
                cert_root "C=US, O=IKE Test, CN=Test Root CA"
                p1_xform { auth_method rsa_sig oakley_group 14 auth_alg sha1 encr_alg aes(128) }
                p2_pfs \(pfs ? 14 : 0)
                { label "bench" local_addr 10.0.0.0/8 remote_addr 10.0.0.0/8 local_id_type dn local_id "\(identity.certificate.subject)" remote_id "" }
                """, file: "config"),
            presharedKeys: PresharedKeys(),
            policies: try IPsecPolicyParser.load("{laddr 10.0.0.0/8 raddr 10.0.0.0/8} ipsec {encr_algs aes encr_auth_algs sha1}\n", file: "ipsecinit.conf"))
        settings.credentials = CertificateCredentials(local: [.init(certificate: identity.certificate, slot: "1", signer: identity.key)],
                                                      known: [], authorities: [TestPKI.root.certificate],
                                                      verifier: try CertificateVerifier(trusted: [TestPKI.root.certificate]))
        return settings
    }
    let responder = network.add(address: "10.0.0.1", settings: try settings(identity("responder", TestPKI.keys[1])), seed: 1)
    let initiatorSettings = try settings(identity("initiator", TestPKI.keys[2]))
    var initiators: [Int] = []
    for index in 0..<count {
        initiators.append(network.add(address: "10.0.\(1 + index / 250).\(1 + index % 250)", settings: initiatorSettings, seed: UInt64(10 + index)))
    }
    let start = ProcessInfo.processInfo.systemUptime
    let cpuStart = Glibc.clock()
    for node in initiators {
        network.inject(.acquire(AcquireRequest(localAddress: network.nodes[node].address, remoteAddress: network.nodes[responder].address)), into: node)
    }
    network.drive(maxSteps: 1_000_000) { network.nodes[responder].kernel.installed.count == 2 * count }
    let cpu = Double(Glibc.clock() - cpuStart) / Double(CLOCKS_PER_SEC)
    let established = network.nodes[responder].kernel.installed.count / 2
    print(String(format: "handshake (RSA-2048, MODP-2048%@): %d/%d established, %.0f µs CPU per MM+QM per side (%.1f s wall)",
                 pfs ? ", PFS" : "", established, count, cpu * 1e6 / Double(max(established, 1)) / 2, ProcessInfo.processInfo.systemUptime - start))
}
