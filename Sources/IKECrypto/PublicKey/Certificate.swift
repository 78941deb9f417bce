internal import COpenSSL
import IPsecTypes

/// An X.509 certificate as the certificate cache shows it: subject and issuer DNs in forward order
/// (`C=US, O=Example, CN=host`), read from PEM or DER. The parsed OpenSSL object is kept (parsing
/// costs OpenSSL 3 about 0.3 ms, more than an RSA verification): chain validation and the public key
/// use it, so a certificate is parsed once however often it is checked.
public struct Certificate: Sendable, Equatable {
    /// The parsed certificate, immutable and shared (OpenSSL allows concurrent readers).
    final class Handle: @unchecked Sendable {
        let pointer: OpaquePointer
        /// Its public key, decoded with it.
        let key: EVPKey?
        init(taking pointer: OpaquePointer) {
            self.pointer = pointer
            key = X509_get_pubkey(pointer).map { EVPKey(taking: $0) }
        }
        deinit { X509_free(pointer) }
    }

    let handle: Handle
    public let subject: String
    public let issuer: String
    /// The DER encoding (what CERT payloads carry).
    public let der: [UInt8]
    /// The subject alternative names in the Solaris certspec spelling: `IP=192.0.2.1`, `DNS=host`,
    /// `EMAIL=a@b`, `URI=…`, `DN=…`.
    public let alternativeNames: [String]
    /// The DER encoding of the subject name (what an ID_DER_ASN1_DN payload carries).
    public let subjectDER: [UInt8]
    /// The serial number's content octets (what CRLs name).
    public let serial: [UInt8]
    /// basicConstraints says CA (or an old v1 self-signed root).
    public let isAuthority: Bool
    /// The subject and issuer as `nameKey` compares them, made once.
    public let subjectKey: [String]
    public let issuerKey: [String]

    public init(encoded bytes: [UInt8]) throws(CryptoError) {
        let parsed = EVPKey.decode(bytes, pem: { PEM_read_bio_X509($0, nil, nil, nil) }, der: { base, count in
            var cursor: UnsafePointer<UInt8>? = base
            return d2i_X509(nil, &cursor, count)
        })
        guard let certificate = parsed else { throw OpenSSLRuntime.failure("cannot parse certificate", .invalidKey) }
        handle = Handle(taking: certificate)
        subject = Self.text(X509_get_subject_name(certificate))
        issuer = Self.text(X509_get_issuer_name(certificate))
        der = Self.derBytes(of: certificate)
        alternativeNames = Self.alternativeNames(of: certificate)
        subjectDER = OpenSSLRuntime.derEncoding { i2d_X509_NAME(X509_get_subject_name(certificate), $0) }
        serial = Self.octets(X509_get_serialNumber(certificate))
        isAuthority = X509_check_ca(certificate) != 0
        subjectKey = Self.nameKey(subject)
        issuerKey = Self.nameKey(issuer)
    }

    static func octets(_ integer: UnsafePointer<ASN1_INTEGER>?) -> [UInt8] {
        guard let integer, let data = ASN1_STRING_get0_data(integer) else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: Int(ASN1_STRING_length(integer))))
    }

    /// The validity bounds as OpenSSL prints them (`Dec  1 18:00:00 2026 GMT`).
    public var validity: (notBefore: String, notAfter: String) {
        func text(_ time: UnsafePointer<ASN1_TIME>?) -> String {
            var buffer = [CChar](repeating: 0, count: 64)
            guard let time, ike_time_text(time, &buffer, Int32(buffer.count)) == 1 else { return "?" }
            return String(cString: buffer)
        }
        return (text(X509_get0_notBefore(handle.pointer)), text(X509_get0_notAfter(handle.pointer)))
    }

    /// The serial number in hex, as certificate listings show it.
    public var serialHex: String {
        serial.map { byte in String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0x0F, radix: 16, uppercase: true) }.joined(separator: ":")
    }

    /// The certificate's public key.
    public var publicKey: PublicKey {
        get throws(CryptoError) {
            guard let key = handle.key else { throw OpenSSLRuntime.failure("certificate without a usable public key", .invalidKey) }
            return PublicKey(key: key)
        }
    }

    /// Two certificates are the same when their encodings are.
    public static func == (lhs: Certificate, rhs: Certificate) -> Bool { lhs.der == rhs.der }

    /// A DER distinguished name (an ID_DER_ASN1_DN payload's data) written as Solaris writes DNs,
    /// or nil when it is not one.
    public static func distinguishedName(der: [UInt8]) -> String? {
        _ = OpenSSLRuntime.providers
        let name: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            let parsed = d2i_X509_NAME(nil, &cursor, buffer.count)
            // Trailing bytes after the name are not a DN either.
            if let parsed, cursor != buffer.baseAddress.map({ $0 + buffer.count }) { X509_NAME_free(parsed); return nil }
            return parsed
        }
        guard let name else { ERR_clear_error(); return nil }
        defer { X509_NAME_free(name) }
        return text(name)
    }

    /// The DER encoding of a DN written as Solaris writes them ("C=US, O=Example, CN=host").
    public static func distinguishedNameDER(_ text: String) throws(CryptoError) -> [UInt8] {
        let name = try CertificateRequest(subject: text).name()
        defer { X509_NAME_free(name) }
        return OpenSSLRuntime.derEncoding { i2d_X509_NAME(name, $0) }
    }

    static func alternativeNames(of certificate: OpaquePointer) -> [String] {
        var names: [String] = []
        for index in 0..<64 {
            var value: UnsafeMutablePointer<CChar>? = nil
            let type = ike_alternative_name(certificate, Int32(index), &value)
            guard type >= 0 else { break }
            defer { if let value { CRYPTO_free(value, #fileID, #line) } }
            guard let value else { continue }
            let text = String(cString: value)
            switch type {
            case GEN_DNS: names.append("DNS=\(text)")
            case GEN_EMAIL: names.append("EMAIL=\(text)")
            case GEN_URI: names.append("URI=\(text)")
            case GEN_DIRNAME: names.append("DN=\(text)")
            case GEN_RID: names.append("RID=\(text)")
            case GEN_IPADD:
                let bytes = text.split(separator: ":").compactMap { UInt8($0, radix: 16) }
                if let address = IPAddress(bytes: bytes) { names.append("IP=\(address)") }
            default: continue
            }
        }
        return names
    }

    /// The DER encoding of an X509 OpenSSL holds (empty if it cannot encode it).
    static func derBytes(of certificate: OpaquePointer) -> [UInt8] {
        OpenSSLRuntime.derEncoding { i2d_X509(certificate, $0) }
    }

    /// Whether two DNs written as Solaris writes them name the same entity: the same relative names
    /// in the same order, case and blanks around the commas aside (cert-sel and certspec matching).
    public static func sameName(_ a: String, _ b: String) -> Bool { nameKey(a) == nameKey(b) }

    /// A DN's relative names, trimmed and lower-cased: what `sameName` compares.
    public static func nameKey(_ dn: String) -> [String] { dn.split(separator: ",").map { $0.trimmingBlanks.lowercased() } }

    /// Whether `dn` names this certificate's subject (or, with `issuer`, its issuer).
    public func named(_ dn: String, issuer: Bool = false) -> Bool { Self.nameKey(dn) == (issuer ? issuerKey : subjectKey) }

    /// Whether the certificate names itself as its issuer (a root or a self-signed end certificate).
    public var isSelfIssued: Bool { subject == issuer }

    static func text(_ name: OpaquePointer?) -> String {
        guard let name, let bio = BIO_new(BIO_s_mem()) else { return "" }
        defer { BIO_free(bio) }
        guard X509_NAME_print_ex(bio, name, 0, ike_dn_print_flags()) >= 0 else { return "" }
        var data: UnsafeMutablePointer<CChar>? = nil
        let length = BIO_ctrl(bio, BIO_CTRL_INFO, 0, &data)
        guard length > 0, let data else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
    }
}
