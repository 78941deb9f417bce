@testable import IKEConfig
import IKETestSupport
import IPsecTypes
import Testing

@Suite("The example files")
struct ExampleFileTests {
    @Test("the manual's scenarios parse without problems and mean what they say")
    func manualExample() throws {
        let configuration = try IKEConfigParser.load(try Examples.text("manual-example.config"), file: "manual-example.config")
        #expect(configuration.rules.map(\.label) == [
            "simple inheritor", "simple inheritor v6", "default rule", "host to .80 subnet", "host to fe80::/10", "punchin-point", "receiver side",
        ])
        #expect(configuration.globals.certificateRoots.first?.text == "C=US, O=Example\\, Inc., OU=Security, CN=Example Root CA")
        #expect(configuration.globals.certificateTrust.first?.specifiers.first?.kind == .email)
        #expect(configuration.globals.ldapServers == ["ldap1.domain.org", "ldap2.domain.org:389"])
        #expect(configuration.defaultTransforms == [Phase1Transform(authenticationMethod: .preSharedKey, group: .modp1536, encryption: .tripleDESCBC, hash: .sha1)])
        let inheritor = configuration.rules[0]
        #expect(configuration.transforms(for: inheritor) == configuration.defaultTransforms)
        #expect(configuration.effectivePhase2(for: inheritor).pfsGroup == DHGroup.modp1024)
        let catchAll = configuration.rules[2]
        #expect(configuration.effectivePhase2(for: catchAll).pfsGroup == DHGroup.modp1536)
        #expect(catchAll.transforms.map(\.encryption) == [.blowfishCBC, .tripleDESCBC])
        let subnet = configuration.rules[3]
        #expect(subnet.remoteAddresses == [.prefix(IPAddress("10.1.80.0")!, length: 24)])
        #expect(subnet.remoteIDs.first?.matchesAnything == true)
        #expect(subnet.transforms.count == 4 && subnet.transforms.allSatisfy { $0.authenticationMethod == .rsaSignature })
        #expect(configuration.rules[5].localIDType == .mbox)
        #expect(configuration.rules[1].localAddresses == [.single(IPAddress("fe80::a00:20ff:fe7d:6")!)])
        #expect(configuration.needsPresharedKeys)
    }

    @Test("every value form of the site-to-site file")
    func siteToSite() throws {
        let configuration = try IKEConfigParser.load(try Examples.text("site-to-site.config"), file: "site-to-site.config")
        let globals = configuration.globals
        #expect(globals.expireTimer == 300)           // 0x12c
        #expect(globals.phase2.lifetimeKilobytes == 131072) // 0400000 octal
        #expect(globals.retryTimerInitial == 0.75 && globals.retryTimerMaximum == 16)
        #expect(globals.ignoreCRLs && globals.useHTTP)
        #expect(globals.proxy == "http://proxy.domain.org:8080" && globals.socks == "socks://relay.domain.org")
        #expect(globals.phase1NonceLength == 32 && globals.phase2NonceLength == 24)
        let office = configuration.rules[0]
        #expect(office.localAddresses == [.single(IPAddress("192.168.13.213")!), .prefix(IPAddress("10.10.0.0")!, length: 16)])
        #expect(office.remoteAddresses[1] == .range(IPAddress("10.20.0.0")!, IPAddress("10.20.255.255")!))
        #expect(office.transforms.map(\.keyBits) == [256...256, 128...256, nil, nil, nil])
        #expect(office.transforms[0].lifetimeSeconds == 86400)
        #expect(office.transforms[0].keySizes == [256] && office.transforms[1].keySizes == [256, 192, 128])
        #expect(office.transforms.map(\.encryption) == [.aesCBC, .aesCBC, .tripleDESCBC, .desCBC, .blowfishCBC])
        #expect(office.transforms.map(\.hash) == [.sha256, .sha384, .sha1, .md5, .sha512])
        #expect(office.transforms.map(\.group.rawValue) == [14, 19, 2, 1, 15])
        let effective = configuration.effectivePhase2(for: office)
        #expect(effective.lifetimeSeconds == 7200 && effective.softLifetimeSeconds == 6480) // 90 % of the rule's own hard
        #expect(effective.idleTimeSeconds == 600 && effective.softLifetimeKilobytes == 100000)
        let v6 = configuration.effectivePhase2(for: configuration.rules[1])
        #expect(v6.pfsGroup == DHGroup(rawValue: 0))
        #expect(v6.lifetimeSeconds == 3600 && v6.softLifetimeSeconds == 3000)
        #expect(v6.lifetimeKilobytes == 1048576 && v6.softLifetimeKilobytes == 943718)
    }

    @Test("built-in defaults apply when the file is silent, soft lifetimes at 90 %")
    func defaults() throws {
        let configuration = try IKEConfigParser.load("""
            p1_xform { auth_method preshared oakley_group 14 auth_alg sha1 encr_alg aes }
            { label "a" local_addr 10.0.0.1 remote_addr 10.0.0.2 }
            p2_lifetime_kb 10000
            """, file: "t")
        let effective = configuration.effectivePhase2(for: configuration.rules[0])
        #expect(effective.lifetimeSeconds == 3600 && effective.softLifetimeSeconds == 3240)
        #expect(effective.lifetimeKilobytes == 10000 && effective.softLifetimeKilobytes == 9000)
        #expect(effective.pfsGroup == nil)
        #expect(configuration.localIDType(for: configuration.rules[0]) == .ip)
    }

    @Test("the ike.preshared example: every key form lands in SecretBytes")
    func preshared() throws {
        let keys = try PresharedParser.load(try Examples.text("ike.preshared"), file: "ike.preshared")
        #expect(keys.entries.count == 4)
        #expect(keys.entries[0].key.revealed() == hex("329b2e0c8c5b3c8f0a8d6a8b5f9c1f0e4d2b7a69c1f3e5d7b9a1c3e5f7091b2d"))
        // /100 keeps 100 bits: 12 whole bytes and the high nibble of the 13th.
        #expect(keys.entries[1].key.revealed() == hex("0123456789abcdef0123456780"))
        #expect(keys.entries[1].mode == .main)
        #expect(String(decoding: keys.entries[2].key.revealed(), as: UTF8.self) == "Twas brillig, and the \"slithy\" toves \\ did gyre")
        #expect(keys.entries[3].key.revealed() == [0xAB, 0xC0])
        #expect(keys.entries[2].remoteID == .address(.prefix(IPAddress("192.168.116.0")!, length: 24)))
        #expect("\(keys.entries[0].key)" == "SecretBytes(32 bytes)")
    }

    @Test("the ipsecinit.conf example")
    func policy() throws {
        let entries = try IPsecPolicyParser.load(try Examples.text("ipsecinit.conf"), file: "ipsecinit.conf")
        #expect(entries.count == 8)
        #expect(entries[0].pattern.icmpType == 133...137 && entries[0].pattern.upperProtocol == 58 && entries[0].actions[0].kind == .pass)
        #expect(entries[1].actions[0].encryptionAlgorithms == [AlgorithmChoice(name: "aes")])
        #expect(entries[1].actions[0].encryptionAuthAlgorithms == [AlgorithmChoice(name: "sha1")])
        #expect(entries[2].actions.count == 2)
        #expect(entries[2].actions[1].encryptionAlgorithms.first?.description == "aes(256)")
        #expect(entries[2].actions[1].uniqueSA)
        #expect(entries[2].pattern.remotePort == 23 && entries[2].pattern.direction == .out)
        #expect(entries[3].actions[0].kind == .permit && entries[3].actions[0].authAlgorithms == [AlgorithmChoice(name: "sha512")])
        #expect(entries[4].pattern.localAddress == .prefix(IPAddress("10.1.0.0")!, length: 16))
        #expect(entries[4].actions[0].encryptionAlgorithms.first?.description == "blowfish(128..)")
        #expect(entries[5].pattern.tunnelInterface == "ip.tun0" && entries[5].pattern.negotiate == .tunnel)
        #expect(entries[6].actions[0].kind == .drop)
        #expect(entries[7].actions[0].direction == .both)
    }
}
