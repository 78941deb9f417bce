import IKECrypto
import IKETestSupport
import Testing

/// Chain validation as ike.config's cert_root, cert_trust and crls/ ask for it.
@Suite("Certificate chains, trust and revocation")
struct CertificateVerifierTests {
    static let leaf = TestPKI.issue("C=US, O=IKE Test, CN=peer.example", alternativeNames: ["IP=192.0.2.2", "DNS=peer.example"], by: TestPKI.intermediate)

    func verifier(trusting trusted: [TestPKI.Identity] = [TestPKI.root], lists: [RevocationList] = [], checkRevocation: Bool = true,
                  known: [TestPKI.Identity] = []) throws -> CertificateVerifier {
        try CertificateVerifier(trusted: trusted.map(\.certificate), intermediates: known.map(\.certificate), revocationLists: lists, checkRevocation: checkRevocation)
    }

    @Test("a chain the peer sends whole (end, intermediate) validates to the root")
    func chain() throws {
        #expect(try verifier().problem(with: [Self.leaf.certificate, TestPKI.intermediate.certificate]) == nil)
    }

    @Test("an intermediate from publickeys/ completes a chain the peer sent without it")
    func knownIntermediate() throws {
        #expect(try verifier().problem(with: [Self.leaf.certificate])?.code == .untrusted)
        #expect(try verifier(known: [TestPKI.intermediate]).problem(with: [Self.leaf.certificate]) == nil)
    }

    @Test("a certificate from a CA nobody trusts is refused")
    func untrusted() throws {
        let foreign = TestPKI.issue("C=US, O=Elsewhere, CN=intruder", by: TestPKI.stranger)
        #expect(try verifier().problem(with: [foreign.certificate, TestPKI.stranger.certificate])?.code == .untrusted)
    }

    @Test("a self-signed certificate is trusted only outright (cert_trust)")
    func selfSigned() throws {
        let own = TestPKI.selfSigned("C=US, O=IKE Test, CN=self")
        #expect(try verifier().problem(with: [own.certificate])?.code == .untrusted)
        #expect(try verifier(trusting: [own]).problem(with: [own.certificate]) == nil)
    }

    @Test("expired and not yet valid certificates are refused")
    func validity() throws {
        let expired = TestPKI.issue("C=US, O=IKE Test, CN=old", by: TestPKI.root, notBefore: -7200, notAfter: -3600)
        let future = TestPKI.issue("C=US, O=IKE Test, CN=future", by: TestPKI.root, notBefore: 3600, notAfter: 7200)
        #expect(try verifier().problem(with: [expired.certificate])?.code == .expired)
        #expect(try verifier().problem(with: [future.certificate])?.code == .notYetValid)
    }

    @Test("a revoked certificate is refused by its CA's CRL, and accepted with ignore_crls")
    func revoked() throws {
        let revoked = TestPKI.issue("C=US, O=IKE Test, CN=revoked", by: TestPKI.intermediate)
        let lists = [TestPKI.revocationList(by: TestPKI.intermediate, revoking: [revoked]), TestPKI.revocationList(by: TestPKI.root, revoking: [])]
        let chain = [revoked.certificate, TestPKI.intermediate.certificate]
        let problem = try verifier(lists: lists).problem(with: chain)
        #expect(problem?.code == .revoked, "\(String(describing: problem))")
        #expect(problem?.reason.contains("CN=revoked") == true)
        #expect(try verifier(lists: lists, checkRevocation: false).problem(with: chain) == nil)
        // The same CRLs leave other certificates alone.
        #expect(try verifier(lists: lists).problem(with: [Self.leaf.certificate, TestPKI.intermediate.certificate]) == nil)
    }

    @Test("a CA without a CRL is accepted; an expired CRL is not")
    func missingAndExpiredLists() throws {
        #expect(try verifier(lists: []).problem(with: [Self.leaf.certificate, TestPKI.intermediate.certificate]) == nil)
        let stale = [TestPKI.revocationList(by: TestPKI.intermediate, revoking: [], validity: -60)]
        #expect(try verifier(lists: stale).problem(with: [Self.leaf.certificate, TestPKI.intermediate.certificate])?.code == .expired)
    }

    @Test("an end certificate cannot sign a chain as a CA")
    func endCertificateAsIssuer() throws {
        let fake = TestPKI.issue("C=US, O=IKE Test, CN=fake", by: Self.leaf)
        #expect(try verifier().problem(with: [fake.certificate, Self.leaf.certificate, TestPKI.intermediate.certificate]) != nil)
    }

    @Test("certificate facts: subject DER round trip, alternative names, public key")
    func facts() throws {
        let certificate = Self.leaf.certificate
        #expect(Certificate.distinguishedName(der: certificate.subjectDER) == "C=US, O=IKE Test, CN=peer.example")
        #expect(try Certificate.distinguishedNameDER("C=US, O=IKE Test, CN=peer.example") == certificate.subjectDER)
        #expect(Certificate.distinguishedName(der: certificate.subjectDER + [0]) == nil)
        #expect(Certificate.distinguishedName(der: [1, 2, 3]) == nil)
        #expect(certificate.alternativeNames == ["IP=192.0.2.2", "DNS=peer.example"])
        let signature = try TestPKI.keys[2].sign([UInt8](repeating: 7, count: 20))
        try certificate.publicKey.verifyPKCS1(signature: signature, hash: [UInt8](repeating: 7, count: 20))
    }
}
