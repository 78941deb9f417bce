import CXFRM
@testable import IKEKernel
import IPsecTypes
import Testing

/// The XFRM structs the port writes and reads, checked field by field through the kernel headers'
/// own layouts (no kernel needed).
@Suite("XFRM netlink encoding and decoding")
struct XFRMCodecTests {
    static func address(_ text: String) -> IPAddress { IPAddress(text)! }

    static func sa(encryption: ESPTransformID?, bits: Int, integrity: IPsecAuthAlgorithm?, window: UInt32 = 32, protocolID: SecurityProtocol = .esp) -> IPsecSA {
        let keyLength = encryption == .tripleDES ? 24 : encryption == .des ? 8 : encryption == .null ? 0 : bits / 8
        return IPsecSA(spi: 0x1234_5678, protocolID: protocolID, source: address("192.0.2.1"), destination: address("192.0.2.2"), mode: .transport,
                       selector: TrafficSelector(local: AddressRange(address("192.0.2.1")), remote: AddressRange(address("192.0.2.2")), upperProtocol: 6, localPort: 0, remotePort: 443),
                       encryption: encryption, encryptionKeyBits: bits, encryptionKey: SecretBytes([UInt8](repeating: 0xAB, count: keyLength)),
                       integrity: integrity, integrityKey: SecretBytes([UInt8](repeating: 0xCD, count: integrity?.keyLength ?? 0)),
                       lifetime: SALifetime(softSeconds: 2880, hardSeconds: 3600, softBytes: 900, hardBytes: 1000), replayWindow: window)
    }

    /// The request as the kernel would receive it.
    static func received(_ request: NetlinkRequest) throws -> NetlinkReply {
        let bytes = request.message(sequence: 7)
        let split = NetlinkReply.split(bytes[...])
        #expect(!split.malformed && split.messages.count == 1)
        return try #require(split.messages.first)
    }

    static func algorithmName(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes.prefix(64).prefix { $0 != 0 }, as: UTF8.self)
    }

    @Test("NEWSA carries the kernel's algorithm names, key lengths and ICV truncations", arguments: [
        (ESPTransformID.aes, 128, IPsecAuthAlgorithm.hmacSHA1, "cbc(aes)", "hmac(sha1)", 96),
        (.aes, 256, .hmacSHA256, "cbc(aes)", "hmac(sha256)", 128),
        (.tripleDES, 192, .hmacSHA384, "cbc(des3_ede)", "hmac(sha384)", 192),
        (.des, 64, .hmacMD5, "cbc(des)", "hmac(md5)", 96),
        (.blowfish, 128, .hmacSHA512, "cbc(blowfish)", "hmac(sha512)", 256),
        (.null, 0, .hmacSHA1, "ecb(cipher_null)", "hmac(sha1)", 96),
    ])
    func newSA(_ cipher: ESPTransformID, _ bits: Int, _ integrity: IPsecAuthAlgorithm, _ cipherName: String, _ authName: String, _ truncation: Int) throws {
        let sa = Self.sa(encryption: cipher, bits: bits, integrity: integrity)
        let message = try Self.received(try XFRMCodec.addSA(sa, reqid: 0x10001, update: false))
        #expect(message.type == IKE_XFRM_MSG_NEWSA && message.sequence == 7 && message.flags & IKE_NLM_F_ACK != 0)
        let info = try #require(message.fixed(xfrm_usersa_info.self))
        #expect(UInt32(bigEndian: info.id.spi) == 0x1234_5678 && info.id.proto == 50 && info.family == 2 && info.mode == IKE_XFRM_MODE_TRANSPORT)
        #expect(info.reqid == 0x10001 && info.replay_window == 32)
        #expect(info.lft.hard_add_expires_seconds == 3600 && info.lft.soft_add_expires_seconds == 2880)
        #expect(info.lft.hard_byte_limit == 1000 && info.lft.soft_byte_limit == 900 && info.lft.hard_packet_limit == IKE_XFRM_INF)
        #expect(XFRMCodec.ipAddress(info.id.daddr, family: info.family) == Self.address("192.0.2.2"))
        #expect(XFRMCodec.ipAddress(info.saddr, family: info.family) == Self.address("192.0.2.1"))
        let selector = try #require(XFRMCodec.kernelSelector(info.sel))
        #expect(selector.description == "src 192.0.2.1/32 dst 192.0.2.2/32 proto 6 dport 443")
        let attributes = try #require(message.attributes(after: MemoryLayout<xfrm_usersa_info>.size))
        let crypt = try #require(attributes[IKE_XFRMA_ALG_CRYPT])
        #expect(Self.algorithmName(crypt) == cipherName)
        let cryptHeader = try #require(crypt.load(xfrm_algo.self))
        #expect(Int(cryptHeader.alg_key_len) == sa.encryptionKey.count * 8)
        #expect(Array(crypt.dropFirst(MemoryLayout<xfrm_algo>.size)) == sa.encryptionKey.revealed())
        let auth = try #require(attributes[IKE_XFRMA_ALG_AUTH_TRUNC])
        #expect(Self.algorithmName(auth) == authName)
        let authHeader = try #require(auth.load(xfrm_algo_auth.self))
        #expect(Int(authHeader.alg_trunc_len) == truncation && Int(authHeader.alg_key_len) == sa.integrityKey.count * 8)
        #expect(attributes[IKE_XFRMA_REPLAY_ESN_VAL] == nil)
    }

    @Test("an AH SA has only an integrity algorithm; UPDSA replaces an allocated SA")
    func authenticationHeader() throws {
        let message = try Self.received(try XFRMCodec.addSA(Self.sa(encryption: nil, bits: 0, integrity: .hmacSHA256, protocolID: .ah), reqid: 0, update: true))
        #expect(message.type == IKE_XFRM_MSG_UPDSA)
        #expect(message.fixed(xfrm_usersa_info.self)?.id.proto == 51)
        let attributes = try #require(message.attributes(after: MemoryLayout<xfrm_usersa_info>.size))
        #expect(attributes[IKE_XFRMA_ALG_CRYPT] == nil && attributes[IKE_XFRMA_ALG_AUTH_TRUNC] != nil)
    }

    @Test("a replay window wider than 32 packets uses the bitmap replay state")
    func wideReplayWindow() throws {
        let message = try Self.received(try XFRMCodec.addSA(Self.sa(encryption: .aes, bits: 128, integrity: .hmacSHA1, window: 128), reqid: 0, update: false))
        #expect(message.fixed(xfrm_usersa_info.self)?.replay_window == 0)
        let attributes = try #require(message.attributes(after: MemoryLayout<xfrm_usersa_info>.size))
        let replay = try #require(attributes[IKE_XFRMA_REPLAY_ESN_VAL])
        let state = try #require(replay.load(xfrm_replay_state_esn.self))
        #expect(state.replay_window == 128 && state.bmp_len == 4 && replay.count == MemoryLayout<xfrm_replay_state_esn>.size + 16)
    }

    @Test("ESP in UDP carries its ports and the original address; AH cannot")
    func udpEncapsulation() throws {
        var sa = Self.sa(encryption: .aes, bits: 128, integrity: .hmacSHA1)
        sa.udpEncapsulation = UDPEncapsulation(sourcePort: 4500, destinationPort: 4501, originalAddress: Self.address("10.0.0.7"))
        let message = try Self.received(try XFRMCodec.addSA(sa, reqid: 0, update: false))
        let encap = try #require(message.attributes(after: MemoryLayout<xfrm_usersa_info>.size)?[IKE_XFRMA_ENCAP]?.load(xfrm_encap_tmpl.self))
        #expect(encap.encap_type == 2 && UInt16(bigEndian: encap.encap_sport) == 4500 && UInt16(bigEndian: encap.encap_dport) == 4501)
        #expect(XFRMCodec.ipAddress(encap.encap_oa, family: 2) == Self.address("10.0.0.7"))
        var ah = Self.sa(encryption: nil, bits: 0, integrity: .hmacSHA1, protocolID: .ah)
        ah.udpEncapsulation = UDPEncapsulation(sourcePort: 4500, destinationPort: 4500)
        #expect(throws: KernelError.self) { try XFRMCodec.addSA(ah, reqid: 0, update: false) }
    }

    @Test("an algorithm the kernel has no name for is refused before anything is sent")
    func unknownAlgorithm() {
        #expect(throws: KernelError.self) { try XFRMCodec.addSA(Self.sa(encryption: .desIV64, bits: 64, integrity: nil), reqid: 0, update: false) }
    }

    @Test("policies with templates survive encoding and decoding")
    func policyRoundTrip() throws {
        var selector = KernelSelector(source: KernelPrefix(Self.address("2001:db8::"), length: 32), destination: KernelPrefix(Self.address("2001:db8:1::1"), length: 128), upperProtocol: 58)
        (selector.sourcePort, selector.sourcePortMask) = (134, 0xFFFE)
        var policy = KernelPolicy(direction: .fwd, selector: selector, action: .allow, priority: 210_003,
                                  templates: [KernelTemplate(protocolID: .esp, mode: .tunnel, reqid: 0x10003, tunnelSource: Self.address("2001:db8::a"), tunnelDestination: Self.address("2001:db8::b")),
                                              KernelTemplate(protocolID: .ah, mode: .tunnel, reqid: 0x10003, tunnelSource: Self.address("2001:db8::a"), tunnelDestination: Self.address("2001:db8::b"))])
        policy.index = 0
        let message = try Self.received(XFRMCodec.addPolicy(policy))
        #expect(message.type == IKE_XFRM_MSG_NEWPOLICY)
        #expect(XFRMCodec.policy(message) == policy)
    }

    @Test("ACQUIRE, EXPIRE, deletes, flushes and policy changes are read; the rest is ignored or malformed")
    func events() throws {
        var acquire = xfrm_user_acquire()
        acquire.id.daddr = XFRMCodec.address(Self.address("192.0.2.2"))
        acquire.id.proto = 50
        acquire.saddr = XFRMCodec.address(Self.address("192.0.2.1"))
        acquire.sel = XFRMCodec.selector(KernelSelector(source: KernelPrefix(Self.address("192.0.2.1"), length: 32), destination: KernelPrefix(Self.address("192.0.2.2"), length: 32), upperProtocol: 1))
        let policy = KernelPolicy(direction: .out, selector: KernelSelector(source: KernelPrefix(Self.address("192.0.2.1"), length: 32), destination: KernelPrefix(Self.address("192.0.2.2"), length: 32)),
                                  action: .allow, priority: 210_001, templates: [KernelTemplate(protocolID: .esp, mode: .transport, reqid: 0x10001)])
        let policyMessage = try Self.received(XFRMCodec.addPolicy(policy))
        acquire.policy = try #require(policyMessage.fixed(xfrm_userpolicy_info.self))
        acquire.seq = 99
        var request = NetlinkRequest(type: IKE_XFRM_MSG_ACQUIRE, flags: 0)
        request.append(acquire)
        let templates = try #require(policyMessage.attributes(after: MemoryLayout<xfrm_userpolicy_info>.size)?[IKE_XFRMA_TMPL])
        request.appendAttribute(IKE_XFRMA_TMPL, Array(templates))
        guard case .event(.acquire(let decoded)) = XFRMCodec.read(try Self.received(request)) else {
            Issue.record("ACQUIRE not read")
            return
        }
        #expect(decoded.source == Self.address("192.0.2.1") && decoded.destination == Self.address("192.0.2.2") && decoded.sequence == 99)
        #expect(decoded.template == KernelTemplate(protocolID: .esp, mode: .transport, reqid: 0x10001))
        #expect(decoded.policy.selector == policy.selector && decoded.flow.upperProtocol == 1)

        var expire = xfrm_user_expire()
        expire.state.id.daddr = XFRMCodec.address(Self.address("192.0.2.2"))
        expire.state.id.spi = UInt32(0xCAFE).bigEndian
        expire.state.id.proto = 50
        expire.state.family = 2
        expire.hard = 0
        var expireRequest = NetlinkRequest(type: IKE_XFRM_MSG_EXPIRE, flags: 0)
        expireRequest.append(expire)
        #expect(XFRMCodec.read(try Self.received(expireRequest)) == .event(.expired(spi: 0xCAFE, protocolID: .esp, destination: Self.address("192.0.2.2"), hard: false)))

        #expect(XFRMCodec.read(try Self.received(XFRMCodec.deleteSA(spi: 0xBEEF, protocolID: .ah, destination: Self.address("192.0.2.9"))))
            == .event(.deleted(spi: 0xBEEF, protocolID: .ah, destination: Self.address("192.0.2.9"))))
        var flush = NetlinkRequest(type: IKE_XFRM_MSG_FLUSHSA, flags: 0)
        flush.append(xfrm_usersa_flush())
        #expect(XFRMCodec.read(try Self.received(flush)) == .event(.flushed))
        #expect(XFRMCodec.read(try Self.received(XFRMCodec.flushPolicies())) == .event(.policiesChanged))
        #expect(XFRMCodec.read(try Self.received(NetlinkRequest(type: IKE_XFRM_MSG_GETSA, flags: 0))) == .ignored)
        // Too short for its struct: malformed, never a crash.
        #expect(XFRMCodec.read(try Self.received(NetlinkRequest(type: IKE_XFRM_MSG_EXPIRE, flags: 0))) == .malformed)
        #expect(XFRMCodec.read(try Self.received(NetlinkRequest(type: IKE_XFRM_MSG_ACQUIRE, flags: 0))) == .malformed)
        #expect(XFRMCodec.read(try Self.received(NetlinkRequest(type: IKE_XFRM_MSG_MAPPING, flags: 0))) == .malformed)
    }

    @Test("MAPPING (ESP in UDP from a new NAT mapping) names the SA and the peer's new address and port")
    func mapping() throws {
        var mapping = xfrm_user_mapping()
        mapping.id.daddr = XFRMCodec.address(Self.address("192.0.2.1"))
        mapping.id.spi = UInt32(0xC0FFEE).bigEndian
        mapping.id.proto = 50
        mapping.id.family = 2
        mapping.old_saddr = XFRMCodec.address(Self.address("198.51.100.7"))
        mapping.new_saddr = XFRMCodec.address(Self.address("198.51.100.8"))
        mapping.old_sport = UInt16(4500).bigEndian
        mapping.new_sport = UInt16(61001).bigEndian
        var request = NetlinkRequest(type: IKE_XFRM_MSG_MAPPING, flags: 0)
        request.append(mapping)
        #expect(XFRMCodec.read(try Self.received(request))
            == .event(.mapping(spi: 0xC0FFEE, protocolID: .esp, destination: Self.address("192.0.2.1"), newSource: Self.address("198.51.100.8"), newPort: 61001)))
    }

    @Test("a datagram whose lengths do not add up is cut where it stops making sense", arguments: [
        [UInt8](repeating: 0, count: 3), [16, 0, 0, 0, 0x18, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9], [200, 0, 0, 0, 0x18, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0],
        [4, 0, 0, 0, 0x18, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0],
    ])
    func malformedDatagrams(_ bytes: [UInt8]) {
        let split = NetlinkReply.split(bytes[...])
        #expect(split.malformed)
        #expect(split.messages.count <= 1)
    }

    @Test("random bytes never crash the reader")
    func fuzz() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let bytes = (0..<Int.random(in: 0..<200, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            var valid = NetlinkRequest(type: [IKE_XFRM_MSG_ACQUIRE, IKE_XFRM_MSG_EXPIRE, IKE_XFRM_MSG_DELSA, IKE_XFRM_MSG_NEWPOLICY].randomElement(using: &generator)!, flags: 0)
            valid.append(bytes)
            for message in NetlinkReply.split(valid.message(sequence: 1)[...]).messages + NetlinkReply.split(bytes[...]).messages {
                _ = XFRMCodec.read(message)
                _ = XFRMCodec.policy(message)
            }
        }
    }
}
