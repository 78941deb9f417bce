internal import COpenSSL

/// An X.509 certificate revocation list as the crls/ store keeps it (`ikecert certrldb`): its
/// issuer, how many certificates it revokes, and its DER encoding. Parsed by OpenSSL.
public struct RevocationList: Sendable, Equatable {
    public let issuer: String
    public let revokedCount: Int
    public let der: [UInt8]
    /// The serial numbers it revokes (content octets, as `Certificate.serial`).
    public let revokedSerials: Set<[UInt8]>

    public init(encoded bytes: [UInt8]) throws(CryptoError) {
        let parsed = EVPKey.decode(bytes, pem: { PEM_read_bio_X509_CRL($0, nil, nil, nil) }, der: { base, count in
            var cursor: UnsafePointer<UInt8>? = base
            return d2i_X509_CRL(nil, &cursor, count)
        })
        guard let list = parsed else { throw OpenSSLRuntime.failure("cannot parse revocation list", .invalidKey) }
        defer { X509_CRL_free(list) }
        issuer = Certificate.text(X509_CRL_get_issuer(list))
        revokedCount = Int(ike_crl_revoked_count(list))
        revokedSerials = Set((0..<Int32(revokedCount)).map { Certificate.octets(ike_crl_revoked_serial(list, $0)) })
        der = OpenSSLRuntime.derEncoding { i2d_X509_CRL(list, $0) }
    }
}

extension RevocationList {
    /// Whether the list names `certificate`'s serial number (the caller checks the issuer).
    public func revokes(_ certificate: Certificate) -> Bool { revokedSerials.contains(certificate.serial) }

    /// A CRL signed by the CA `issuer` revoking the certificates with these serial numbers, valid from
    /// now for `validity` seconds (a negative validity makes an expired list), DER.
    public static func issue(by issuer: Certificate, key: PrivateKey, revoking serials: [UInt64], validity: Int = 7 * 86400) throws(CryptoError) -> [UInt8] {
        _ = OpenSSLRuntime.providers
        guard let list = X509_CRL_new(), let issuerX509 = issuer.x509() else { throw OpenSSLRuntime.failure("X509_CRL") }
        defer { X509_CRL_free(list); X509_free(issuerX509) }
        guard let now = ASN1_TIME_adj(nil, time(nil), 0, min(validity, 0) - 60), let next = ASN1_TIME_adj(nil, time(nil), 0, validity) else {
            throw OpenSSLRuntime.failure("CRL times")
        }
        defer { ASN1_TIME_free(now); ASN1_TIME_free(next) }
        guard X509_CRL_set_version(list, 1) == 1, X509_CRL_set_issuer_name(list, X509_get_subject_name(issuerX509)) == 1,
              X509_CRL_set1_lastUpdate(list, now) == 1, X509_CRL_set1_nextUpdate(list, next) == 1
        else { throw OpenSSLRuntime.failure("CRL fields") }
        for serial in serials {
            guard let entry = X509_REVOKED_new() else { throw OpenSSLRuntime.failure("CRL entry") }
            let number = ASN1_INTEGER_new()
            defer { ASN1_INTEGER_free(number) }
            guard let number, ASN1_INTEGER_set_uint64(number, serial) == 1, X509_REVOKED_set_serialNumber(entry, number) == 1,
                  X509_REVOKED_set_revocationDate(entry, now) == 1, X509_CRL_add0_revoked(list, entry) == 1
            else { X509_REVOKED_free(entry); throw OpenSSLRuntime.failure("CRL entry") }
        }
        guard X509_CRL_sort(list) == 1, X509_CRL_sign(list, key.key.pointer, EVP_get_digestbyname("SHA256")) > 0 else { throw OpenSSLRuntime.failure("CRL signature") }
        return OpenSSLRuntime.derEncoding { i2d_X509_CRL(list, $0) }
    }
}
