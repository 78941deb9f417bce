internal import COpenSSL

/// An X.509 certificate revocation list as the crls/ store keeps it (`ikecert certrldb`): its
/// issuer, how many certificates it revokes, and its DER encoding. Parsed by OpenSSL.
public struct RevocationList: Sendable, Equatable {
    public let issuer: String
    public let revokedCount: Int
    public let der: [UInt8]

    public init(encoded bytes: [UInt8]) throws(CryptoError) {
        let parsed = EVPKey.decode(bytes, pem: { PEM_read_bio_X509_CRL($0, nil, nil, nil) }, der: { base, count in
            var cursor: UnsafePointer<UInt8>? = base
            return d2i_X509_CRL(nil, &cursor, count)
        })
        guard let list = parsed else { throw OpenSSLRuntime.failure("cannot parse revocation list", .invalidKey) }
        defer { X509_CRL_free(list) }
        issuer = Certificate.text(X509_CRL_get_issuer(list))
        revokedCount = Int(ike_crl_revoked_count(list))
        der = OpenSSLRuntime.derEncoding { i2d_X509_CRL(list, $0) }
    }
}
