internal import COpenSSL

/// Validates a peer's certificate chain the way ike.config asks (RFC 5280 path validation by
/// OpenSSL's X509 store): to a trust anchor among the `cert_root` CAs, or to a certificate trusted
/// outright by `cert_trust` (partial chains: a trusted certificate ends the path wherever it sits),
/// with validity times, CA basic constraints for every issuer, the end certificate's key usage, and
/// the revocation lists of crls/ for every certificate of the chain unless `ignore_crls`. A CA
/// without a list in crls/ is accepted, as strongSwan's and Libreswan's default CRL policies do.
///
/// Immutable once made and safe to share between threads: each verification has its own context.
public final class CertificateVerifier: @unchecked Sendable {
    private let store: OpaquePointer
    /// Certificates that may complete a chain the peer sent incompletely (publickeys/).
    private let intermediates: [Certificate]
    public let checksRevocation: Bool

    /// `trusted`: the anchors; `intermediates`: other known certificates a chain may need;
    /// `revocationLists`: crls/, consulted when `checkRevocation`.
    public init(trusted: [Certificate], intermediates: [Certificate] = [], revocationLists: [RevocationList] = [], checkRevocation: Bool = true) throws(CryptoError) {
        _ = OpenSSLRuntime.providers
        guard let store = X509_STORE_new() else { throw OpenSSLRuntime.failure("X509_STORE") }
        self.store = store
        self.intermediates = intermediates
        self.checksRevocation = checkRevocation
        for certificate in trusted {
            guard let x509 = certificate.x509() else { continue }
            defer { X509_free(x509) }
            _ = X509_STORE_add_cert(store, x509)
        }
        var flags = UInt(X509_V_FLAG_PARTIAL_CHAIN)
        if checkRevocation {
            for list in revocationLists {
                guard let crl = list.x509CRL() else { continue }
                defer { X509_CRL_free(crl) }
                _ = X509_STORE_add_crl(store, crl)
            }
            flags |= UInt(X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL)
            ike_store_allow_missing_crls(store)
        }
        X509_STORE_set_flags(store, flags)
        ERR_clear_error()
    }

    deinit { X509_STORE_free(store) }

    /// Verifies `chain` (the end certificate first, then what the peer sent with it) at the current
    /// time; nil when it validates, else why not.
    public func problem(with chain: [Certificate]) -> CertificateProblem? {
        guard let end = chain.first else { return CertificateProblem(.invalid, "no certificate") }
        guard let leaf = end.x509() else { return CertificateProblem(.invalid, "the certificate does not parse") }
        defer { X509_free(leaf) }
        guard let untrusted = ike_certificate_stack_new() else { return CertificateProblem(.invalid, "out of memory") }
        defer { ike_certificate_stack_free(untrusted) }
        for certificate in chain.dropFirst() + intermediates {
            guard let x509 = certificate.x509() else { continue }
            if ike_certificate_stack_push(untrusted, x509) == 0 { X509_free(x509) }
        }
        guard let context = X509_STORE_CTX_new() else { return CertificateProblem(.invalid, "out of memory") }
        defer { X509_STORE_CTX_free(context) }
        guard X509_STORE_CTX_init(context, store, leaf, untrusted) == 1 else { return CertificateProblem(.invalid, "cannot set up verification") }
        let verified = X509_verify_cert(context)
        let error = X509_STORE_CTX_get_error(context)
        ERR_clear_error()
        if verified != 1 || error != X509_V_OK {
            let depth = X509_STORE_CTX_get_error_depth(context)
            let subject = depth == 0 ? end.subject : (X509_STORE_CTX_get_current_cert(context).map { Certificate.text(X509_get_subject_name($0)) } ?? "?")
            let reason = String(cString: X509_verify_cert_error_string(Int(error)))
            let code = CertificateProblem.Code(error)
            // OpenSSL's words for an unknown root ("self-signed certificate in certificate chain")
            // do not say what an administrator needs to hear.
            let prefix = code == .untrusted ? "no cert_root or cert_trust certificate vouches for it: " : ""
            return CertificateProblem(code, "\(prefix)\(reason) (\(subject))")
        }
        // RFC 4945 §5.1.3.2: a key usage that excludes digital signatures excludes IKE signatures.
        let usage = ike_key_usage(leaf)
        if usage >= 0, usage & Int(ike_key_usage_digital_signature() | ike_key_usage_non_repudiation()) == 0 {
            return CertificateProblem(.keyUsage, "the key usage of \(end.subject) does not allow signatures")
        }
        return nil
    }
}

/// Why a certificate chain did not validate.
public struct CertificateProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        case revoked, expired, notYetValid, untrusted, keyUsage, invalid

        init(_ error: Int32) {
            switch error {
            case X509_V_ERR_CERT_REVOKED: self = .revoked
            case X509_V_ERR_CERT_HAS_EXPIRED, X509_V_ERR_CRL_HAS_EXPIRED: self = .expired
            case X509_V_ERR_CERT_NOT_YET_VALID, X509_V_ERR_CRL_NOT_YET_VALID: self = .notYetValid
            case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT,
                 X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, X509_V_ERR_CERT_UNTRUSTED, X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
                self = .untrusted
            default: self = .invalid
            }
        }
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason }
}

extension Certificate {
    /// The certificate's OpenSSL object with a reference for the caller (who frees it).
    func x509() -> OpaquePointer? {
        X509_up_ref(handle.pointer) == 1 ? handle.pointer : nil
    }
}

extension RevocationList {
    func x509CRL() -> OpaquePointer? {
        der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_X509_CRL(nil, &cursor, buffer.count)
        }
    }
}
