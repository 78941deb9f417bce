internal import COpenSSL

/// An X.509 certificate as the certificate cache shows it: subject and issuer DNs in forward order
/// (`C=US, O=Example, CN=host`), read from PEM or DER.
public struct Certificate: Sendable, Equatable {
    public let subject: String
    public let issuer: String
    /// The DER encoding (what CERT payloads carry).
    public let der: [UInt8]

    public init(encoded bytes: [UInt8]) throws(CryptoError) {
        let parsed = EVPKey.decode(bytes, pem: { PEM_read_bio_X509($0, nil, nil, nil) }, der: { base, count in
            var cursor: UnsafePointer<UInt8>? = base
            return d2i_X509(nil, &cursor, count)
        })
        guard let certificate = parsed else { throw OpenSSLRuntime.failure("cannot parse certificate", .invalidKey) }
        defer { X509_free(certificate) }
        subject = Self.text(X509_get_subject_name(certificate))
        issuer = Self.text(X509_get_issuer_name(certificate))
        der = Self.derBytes(of: certificate)
    }

    /// The DER encoding of an X509 OpenSSL holds (empty if it cannot encode it).
    static func derBytes(of certificate: OpaquePointer) -> [UInt8] {
        OpenSSLRuntime.derEncoding { i2d_X509(certificate, $0) }
    }

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
