internal import COpenSSL

/// Makes what `ikecert certlocal` makes: a self-signed X.509 certificate (-ks) or a PKCS#10
/// certificate request (-kc) for a key pair, with a subject DN written as Solaris writes it
/// (`C=US, O=Example, CN=host`) and subject-alternative names (`IP=`, `DNS=`, `EMAIL=`, `URI=`).
/// Everything is built and signed by OpenSSL.
public struct CertificateRequest: Sendable {
    public var subject: String
    public var alternativeNames: [String]
    /// Validity, seconds relative to now (certlocal -S/-F); the default is now to a year from now.
    public var notBefore: Int
    public var notAfter: Int
    /// The signature hash: sha1 (rsa-sha1, dsa-sha1) or md5 (rsa-md5), as certlocal -t names them;
    /// sha256 for everything else.
    public var hash: HashAlgorithmName

    public enum HashAlgorithmName: String, Sendable { case sha1 = "SHA1", md5 = "MD5", sha256 = "SHA256" }

    public init(subject: String, alternativeNames: [String] = [], notBefore: Int = 0, notAfter: Int = 365 * 86400, hash: HashAlgorithmName = .sha256) {
        self.subject = subject
        self.alternativeNames = alternativeNames
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.hash = hash
    }

    /// The DN's relative names in order: "C=US, O=Example, CN=host" → [(C, US), (O, Example), (CN, host)].
    static func relativeNames(_ dn: String) throws(CryptoError) -> [(String, String)] {
        var names: [(String, String)] = []
        for part in dn.split(separator: ",") {
            let trimmed = part.trimmingBlanks
            guard let equals = trimmed.firstIndex(of: "="), equals != trimmed.startIndex else {
                throw CryptoError(.invalidKey, "'\(trimmed)' in the subject is not TYPE=value")
            }
            names.append((String(trimmed[..<equals]).trimmingBlanks, String(trimmed[trimmed.index(after: equals)...]).trimmingBlanks))
        }
        guard !names.isEmpty else { throw CryptoError(.invalidKey, "the subject DN is empty") }
        return names
    }

    /// OpenSSL's spelling of an alternative name: IP=192.0.2.1 → IP:192.0.2.1, EMAIL= → email:.
    static func alternativeName(_ text: String) throws(CryptoError) -> String {
        guard let equals = text.firstIndex(of: "=") else { throw CryptoError(.invalidKey, "'\(text)' is not TAG=value (IP=, DNS=, EMAIL=, URI=, DN=)") }
        let tag = text[..<equals].uppercased(), value = String(text[text.index(after: equals)...])
        switch tag {
        case "IP": return "IP:\(value)"
        case "DNS": return "DNS:\(value)"
        case "EMAIL": return "email:\(value)"
        case "URI": return "URI:\(value)"
        case "DN": return "dirName:\(value)"
        case "RID": return "RID:\(value)"
        default: throw CryptoError(.invalidKey, "unknown alternative name tag \(tag) (IP=, DNS=, EMAIL=, URI=, DN=, RID=)")
        }
    }

    func name() throws(CryptoError) -> OpaquePointer {
        guard let name = X509_NAME_new() else { throw OpenSSLRuntime.failure("X509_NAME") }
        for (type, value) in try Self.relativeNames(subject) {
            let added = value.withCString { text in
                X509_NAME_add_entry_by_txt(name, type, MBSTRING_UTF8, UnsafeRawPointer(text).assumingMemoryBound(to: UInt8.self), -1, -1, 0)
            }
            guard added == 1 else {
                X509_NAME_free(name)
                throw OpenSSLRuntime.failure("'\(type)' is not a DN attribute OpenSSL knows", .invalidKey)
            }
        }
        return name
    }

    var digest: OpaquePointer? { EVP_get_digestbyname(hash.rawValue) }

    /// The subjectAltName extension of `alternativeNames` (the caller owns it), nil without any.
    func alternativeNamesExtension() throws(CryptoError) -> OpaquePointer? {
        guard !alternativeNames.isEmpty else { return nil }
        let value = try alternativeNames.map { name throws(CryptoError) in try Self.alternativeName(name) }.joined(separator: ",")
        guard let extensionValue = X509V3_EXT_conf_nid(nil, nil, NID_subject_alt_name, value) else {
            throw OpenSSLRuntime.failure("subject alternative names \(value)", .invalidKey)
        }
        return extensionValue
    }

    /// A self-signed certificate for `key`, DER.
    public func selfSigned(by key: PrivateKey, serial: UInt64) throws(CryptoError) -> [UInt8] {
        try certificate(for: key.key, issuer: nil, signedBy: key, serial: serial, authority: false)
    }

    /// A certificate for `subjectKey` issued by the CA `issuer` with its key `issuerKey`, DER;
    /// `authority` makes it a CA itself (basicConstraints CA:TRUE, keyCertSign and cRLSign).
    public func issued(for subjectKey: PublicKey, by issuer: Certificate, key issuerKey: PrivateKey, serial: UInt64, authority: Bool = false) throws(CryptoError) -> [UInt8] {
        try certificate(for: subjectKey.key, issuer: issuer, signedBy: issuerKey, serial: serial, authority: authority)
    }

    /// A self-signed CA certificate (a root that issues with `issued`), DER.
    public func authority(key: PrivateKey, serial: UInt64) throws(CryptoError) -> [UInt8] {
        try certificate(for: key.key, issuer: nil, signedBy: key, serial: serial, authority: true)
    }

    private func certificate(for subjectKey: EVPKey, issuer: Certificate?, signedBy signer: PrivateKey, serial: UInt64, authority: Bool) throws(CryptoError) -> [UInt8] {
        _ = OpenSSLRuntime.providers
        guard let certificate = X509_new() else { throw OpenSSLRuntime.failure("X509") }
        defer { X509_free(certificate) }
        let name = try name()
        defer { X509_NAME_free(name) }
        let issuerX509 = issuer?.x509()
        defer { if let issuerX509 { X509_free(issuerX509) } }
        if issuer != nil, issuerX509 == nil { throw OpenSSLRuntime.failure("issuer certificate", .invalidKey) }
        let issuerName = issuerX509.map { X509_get_subject_name($0) } ?? name
        guard X509_set_version(certificate, 2) == 1,
              ASN1_INTEGER_set_uint64(X509_get_serialNumber(certificate), serial) == 1,
              X509_gmtime_adj(X509_getm_notBefore(certificate), notBefore) != nil,
              X509_gmtime_adj(X509_getm_notAfter(certificate), notAfter) != nil,
              X509_set_subject_name(certificate, name) == 1, X509_set_issuer_name(certificate, issuerName) == 1,
              X509_set_pubkey(certificate, subjectKey.pointer) == 1
        else { throw OpenSSLRuntime.failure("certificate fields") }
        var extensions: [OpaquePointer] = []
        defer { extensions.forEach { X509_EXTENSION_free($0) } }
        if let alternative = try alternativeNamesExtension() { extensions.append(alternative) }
        if authority {
            for (nid, value) in [(NID_basic_constraints, "critical,CA:TRUE"), (NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature")] {
                guard let made = X509V3_EXT_conf_nid(nil, nil, nid, value) else { throw OpenSSLRuntime.failure("CA extensions") }
                extensions.append(made)
            }
        }
        for made in extensions {
            guard X509_add_ext(certificate, made, -1) == 1 else { throw OpenSSLRuntime.failure("certificate extensions") }
        }
        guard X509_sign(certificate, signer.key.pointer, digest) > 0 else { throw OpenSSLRuntime.failure("certificate signature") }
        let der = Certificate.derBytes(of: certificate)
        guard !der.isEmpty else { throw OpenSSLRuntime.failure("certificate encoding") }
        return der
    }

    /// A PKCS#10 request for `key`, PEM.
    public func signingRequest(by key: PrivateKey) throws(CryptoError) -> [UInt8] {
        _ = OpenSSLRuntime.providers
        guard let request = X509_REQ_new() else { throw OpenSSLRuntime.failure("X509_REQ") }
        defer { X509_REQ_free(request) }
        let name = try name()
        defer { X509_NAME_free(name) }
        guard X509_REQ_set_version(request, 0) == 1, X509_REQ_set_subject_name(request, name) == 1,
              X509_REQ_set_pubkey(request, key.key.pointer) == 1
        else { throw OpenSSLRuntime.failure("request fields") }
        if let extensionValue = try alternativeNamesExtension() {
            guard ike_request_add_extension(request, extensionValue) == 1 else { throw OpenSSLRuntime.failure("request extensions") }
        }
        guard X509_REQ_sign(request, key.key.pointer, digest) > 0 else { throw OpenSSLRuntime.failure("request signature") }
        guard let bio = BIO_new(BIO_s_mem()) else { throw OpenSSLRuntime.failure("BIO") }
        defer { BIO_free(bio) }
        guard PEM_write_bio_X509_REQ(bio, request) == 1 else { throw OpenSSLRuntime.failure("request encoding") }
        var data: UnsafeMutableRawPointer? = nil
        let length = BIO_ctrl(bio, BIO_CTRL_INFO, 0, &data)
        guard length > 0, let data else { throw OpenSSLRuntime.failure("request encoding") }
        return Array(UnsafeRawBufferPointer(start: data, count: length))
    }
}

extension StringProtocol {
    var trimmingBlanks: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
