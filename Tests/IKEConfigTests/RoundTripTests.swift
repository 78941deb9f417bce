@testable import IKEConfig
import IKETestSupport
import IPsecTypes
import Testing

@Suite("Canonical printing")
struct RoundTripTests {
    @Test("the example files print and re-parse to the same model, and printing is stable", arguments: ["manual-example.config", "site-to-site.config"])
    func examples(_ name: String) throws {
        let model = try IKEConfigParser.load(try Examples.text(name), file: name)
        let printed = IKEConfigPrinter.text(model)
        let reparsed = try IKEConfigParser.load(printed, file: "printed")
        #expect(reparsed == model)
        #expect(IKEConfigPrinter.text(reparsed) == printed)
    }

    @Test("random valid models print and re-parse to themselves")
    func randomModels() throws {
        var generator = SeededGenerator(seed: 2026)
        for round in 0..<200 {
            let model = RandomModel.make(using: &generator)
            let printed = IKEConfigPrinter.text(model)
            let result = IKEConfigParser.parse(printed, file: "random-\(round)")
            #expect(result.diagnostics.isEmpty, "\(result.diagnostics)\n\(printed)")
            #expect(result.configuration == model, "reprinted:\n\(IKEConfigPrinter.text(result.configuration))\noriginal:\n\(printed)")
        }
    }
}

/// Random valid configurations (every keyword appears in some of them).
enum RandomModel {
    static func make(using generator: inout SeededGenerator) -> IKEConfiguration {
        func maybe<T>(_ value: @autoclosure () -> T) -> T? { Bool.random(using: &generator) ? value() : nil }
        func label() -> String {
            let pieces = ["office", "branch", "v6", "road \"warrior\"", "back\\slash", "a b", "héllo", "x"]
            return pieces[Int.random(in: 0..<pieces.count, using: &generator)] + String(Int.random(in: 0..<1000, using: &generator))
        }
        func address(v6: Bool) -> AddressSpec {
            let value = v6 ? UInt128(0x2001_0db8) << 96 | UInt128(UInt64.random(in: 0...UInt64.max, using: &generator))
                           : UInt128(UInt32.random(in: 0...UInt32.max, using: &generator))
            let base = IPAddress(integer: value, isIPv4: !v6)
            switch Int.random(in: 0..<3, using: &generator) {
            case 0: return .single(base)
            case 1: return .prefix(base, length: Int.random(in: 0...base.bitWidth, using: &generator))
            default:
                let end = IPAddress(integer: value + UInt128(UInt16.random(in: 0...UInt16.max, using: &generator)), isIPv4: !v6)
                return end.integerValue >= value ? .range(base, end) : .single(base)
            }
        }
        let groups: [UInt16] = [1, 2, 5, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26]
        func transform(preshared: Bool) -> Phase1Transform {
            let encryption = [EncryptionAlgorithm.desCBC, .tripleDESCBC, .blowfishCBC, .aesCBC][Int.random(in: 0..<4, using: &generator)]
            let ranges: [ClosedRange<Int>?] = [nil, 128...128, 192...256, 128...256, 256...256]
            return Phase1Transform(
                authenticationMethod: preshared ? .preSharedKey : [.rsaSignature, .dssSignature, .rsaEncryption][Int.random(in: 0..<3, using: &generator)],
                group: DHGroup(rawValue: groups[Int.random(in: 0..<groups.count, using: &generator)]),
                encryption: encryption,
                keyBits: encryption == .aesCBC ? ranges[Int.random(in: 0..<ranges.count, using: &generator)] : nil,
                hash: [HashAlgorithm.md5, .sha1, .sha256, .sha384, .sha512][Int.random(in: 0..<5, using: &generator)],
                lifetimeSeconds: maybe(UInt32.random(in: 60...86400, using: &generator)))
        }
        func phase2() -> Phase2Settings {
            var settings = Phase2Settings()
            settings.pfsGroup = maybe(DHGroup(rawValue: Bool.random(using: &generator) ? 0 : groups[Int.random(in: 0..<groups.count, using: &generator)]))
            let hard = UInt32.random(in: 600...86400, using: &generator)
            settings.lifetimeSeconds = maybe(hard)
            settings.softLifetimeSeconds = settings.lifetimeSeconds.flatMap { maybe(UInt32.random(in: 60...$0, using: &generator)) }
            settings.idleTimeSeconds = maybe(UInt32.random(in: 0...3600, using: &generator))
            settings.lifetimeKilobytes = maybe(UInt32.random(in: 2048...10_000_000, using: &generator))
            settings.softLifetimeKilobytes = settings.lifetimeKilobytes.flatMap { maybe(UInt32.random(in: 1...$0, using: &generator)) }
            return settings
        }
        var configuration = IKEConfiguration()
        var globals = GlobalParameters()
        if Bool.random(using: &generator) { globals.certificateRoots = [try? CertificateSelector.parse("C=US, O=Example\\, Inc., CN=Root").get()].compactMap { $0 } }
        globals.expireTimer = maybe(UInt32.random(in: 1...3600, using: &generator))
        globals.ignoreCRLs = Bool.random(using: &generator)
        globals.useHTTP = Bool.random(using: &generator)
        globals.ldapServers = Bool.random(using: &generator) ? ["ldap1", "ldap2:636"] : []
        globals.pkcs11Path = maybe("/usr/lib/libpkcs11.so")
        globals.retryLimit = maybe(UInt32.random(in: 1...100, using: &generator))
        globals.dpdInterval = maybe(UInt32.random(in: 0...86400, using: &generator))
        globals.dpdRetries = maybe(UInt32.random(in: 1...100, using: &generator))
        globals.natKeepalive = maybe(UInt32.random(in: 0...3600, using: &generator))
        globals.retryTimerInitial = maybe(Double(Int.random(in: 1...20, using: &generator)) / 4)
        globals.retryTimerMaximum = globals.retryTimerInitial.map { $0 + Double(Int.random(in: 0...40, using: &generator)) / 2 }
        globals.proxy = maybe("http://proxy:8080")
        globals.socks = maybe("socks://relay")
        globals.phase1LifetimeSeconds = maybe(UInt32.random(in: 60...86400, using: &generator))
        globals.phase1NonceLength = maybe(UInt32.random(in: 8...256, using: &generator))
        globals.phase2NonceLength = maybe(UInt32.random(in: 8...256, using: &generator))
        globals.localIDType = maybe(IdentityType.allCases[Int.random(in: 0..<IdentityType.allCases.count, using: &generator)])
        globals.phase2 = phase2()
        configuration.globals = globals
        configuration.defaultTransforms = (0..<Int.random(in: 0...2, using: &generator)).map { _ in transform(preshared: true) }
        var labels: Set<String> = []
        for _ in 0..<Int.random(in: 0...6, using: &generator) {
            var name = label()
            while labels.contains(name) { name += "'" }
            labels.insert(name)
            let v6 = Bool.random(using: &generator)
            let certificates = configuration.defaultTransforms.isEmpty && Bool.random(using: &generator)
            let ownTransforms = configuration.defaultTransforms.isEmpty || certificates || Bool.random(using: &generator)
            var rule = IKERule(
                label: name,
                localAddresses: (0..<Int.random(in: 1...2, using: &generator)).map { _ in address(v6: v6) },
                remoteAddresses: (0..<Int.random(in: 1...2, using: &generator)).map { _ in address(v6: v6) },
                phase2: phase2(),
                transforms: ownTransforms ? (0..<Int.random(in: 1...3, using: &generator)).map { _ in transform(preshared: !certificates) } : [])
            if certificates {
                rule.localIDType = .dn
                rule.localID = try? CertificateSelector.parse("C=US, O=Example, CN=\(name.filter(\.isLetter))").get()
                rule.remoteIDs = [try? CertificateSelector.parse("").get(), try? CertificateSelector.parse("ISSUER=C=US, O=Example !DNS=bad.example").get()].compactMap { $0 }
            } else {
                rule.localIDType = maybe(IdentityType.ip)
            }
            configuration.rules.append(rule)
        }
        return configuration
    }
}
