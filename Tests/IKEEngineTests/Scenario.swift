import IKEConfig
import IKEEngine
import IKETestSupport
import IPsecTypes
import Testing

/// Two (or more) engines with generated configuration files, as the daemon would load them.
enum Scenario {
    static func config(transforms: String = "p1_xform { auth_method preshared oakley_group 14 auth_alg sha1 encr_alg aes(128) }", pfs: Int = 0, extra: String = "") -> String {
        """
        retry_timer_init 0.5
        retry_timer_max 8
        retry_limit 5
        \(transforms)
        p2_pfs \(pfs)
        \(extra)
        { label "peers" local_addr 10.0.0.0/16 remote_addr 10.0.0.0/16 }
        """
    }

    static func preshared(_ key: String = "\"simulation key\"") -> String {
        "{ localidtype IP localid 10.0.0.0/16 remoteidtype IP remoteid 10.0.0.0/16 key \(key) }\n"
    }

    static let policy = "{laddr 10.0.0.0/16 raddr 10.0.0.0/16} ipsec {encr_algs aes encr_auth_algs sha1}\n"

    static func settings(config: String = config(), preshared: String = preshared(), policy: String = policy) throws -> EngineSettings {
        EngineSettings(
            configuration: try IKEConfigParser.load(config, file: "config"),
            presharedKeys: try PresharedParser.load(preshared, file: "ike.preshared"),
            policies: try IPsecPolicyParser.load(policy, file: "ipsecinit.conf"))
    }

    /// A network with initiator 10.0.0.1 (index 0) and responder 10.0.0.2 (index 1).
    static func pair(initiator: EngineSettings, responder: EngineSettings, seed: UInt64 = 1) -> EngineNetwork {
        let network = EngineNetwork(seed: seed)
        network.add(address: "10.0.0.1", settings: initiator, seed: seed &* 31 &+ 1)
        network.add(address: "10.0.0.2", settings: responder, seed: seed &* 31 &+ 2)
        return network
    }

    /// A pair (initiator 0, responder 1) that negotiated Phase 1 and one IPsec SA pair; the test
    /// fails if they did not.
    static func established(_ settings: EngineSettings, seed: UInt64 = 1) -> EngineNetwork {
        let network = pair(initiator: settings, responder: settings, seed: seed)
        acquire(network)
        #expect(network.drive { keysAgree(network) }, "the pair negotiated")
        return network
    }

    static func acquire(_ network: EngineNetwork, from index: Int = 0, to target: Int = 1) {
        network.inject(.acquire(AcquireRequest(localAddress: network.nodes[index].address, remoteAddress: network.nodes[target].address)), into: index)
    }

    /// Whether both sides hold matching SA pairs: A's outbound is B's inbound and the other way, keys equal.
    static func keysAgree(_ network: EngineNetwork, _ a: Int = 0, _ b: Int = 1) -> Bool {
        let sideA = network.nodes[a].kernel.installed.values, sideB = network.nodes[b].kernel.installed
        guard !sideA.isEmpty, sideA.count == sideB.count else { return false }
        return sideA.allSatisfy { sa in
            guard let twin = sideB[sa.spi] else { return false }
            return twin.encryptionKey == sa.encryptionKey && twin.integrityKey == sa.integrityKey && twin.source == sa.source
                && twin.destination == sa.destination && twin.encryption == sa.encryption && twin.integrity == sa.integrity
        }
    }
}
