/* The slice of OpenSSL 3 libcrypto the IKE suite uses. Only the IKECrypto module imports this. */
#ifndef IKE_COPENSSL_SHIM_H
#define IKE_COPENSSL_SHIM_H

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/dsa.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/core_names.h>

/* Macros that do not import into Swift. */
static inline int ike_BN_num_bytes(const BIGNUM *bn) { return BN_num_bytes(bn); }
/* A distinguished name in forward order, "C=US, O=Example, CN=host", as Solaris prints DNs. */
static inline unsigned long ike_dn_print_flags(void) {
    return (XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN | ASN1_STRFLGS_RFC2253) & ~ASN1_STRFLGS_ESC_MSB;
}

/* A certificate's subject alternative names, one at a time (the GENERAL_NAME stack macros do not
 * import): returns its type (GEN_IPADD, GEN_DNS, …) and sets `*value` to an allocated printable
 * form the caller frees with OPENSSL_free, or returns -1 past the last. */
static inline int ike_alternative_name(X509 *certificate, int index, char **value) {
    GENERAL_NAMES *names = X509_get_ext_d2i(certificate, NID_subject_alt_name, NULL, NULL);
    if (names == NULL) return -1;
    int type = -1;
    *value = NULL;
    if (index < sk_GENERAL_NAME_num(names)) {
        GENERAL_NAME *name = sk_GENERAL_NAME_value(names, index);
        type = name->type;
        if (type == GEN_DNS || type == GEN_EMAIL || type == GEN_URI) {
            ASN1_IA5STRING *text = name->d.ia5;
            *value = OPENSSL_strndup((const char *)ASN1_STRING_get0_data(text), ASN1_STRING_length(text));
        } else if (type == GEN_IPADD) {
            *value = OPENSSL_buf2hexstr(ASN1_STRING_get0_data(name->d.ip), ASN1_STRING_length(name->d.ip));
        } else if (type == GEN_RID) {
            char text[128];
            if (OBJ_obj2txt(text, sizeof text, name->d.registeredID, 1) > 0) *value = OPENSSL_strdup(text);
        } else if (type == GEN_DIRNAME) {
            BIO *bio = BIO_new(BIO_s_mem());
            if (bio != NULL) {
                X509_NAME_print_ex(bio, name->d.dirn, 0, ike_dn_print_flags());
                char *data = NULL;
                long length = BIO_get_mem_data(bio, &data);
                *value = OPENSSL_strndup(data, (size_t)length);
                BIO_free(bio);
            }
        }
    }
    GENERAL_NAMES_free(names);
    return type;
}

/* A certificate's validity bounds as text ("Jan  2 03:04:05 2030 GMT"), into `out` (at least 64 bytes). */
static inline int ike_time_text(const ASN1_TIME *time, char *out, int size) {
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL) return 0;
    int ok = ASN1_TIME_print(bio, time);
    int length = ok ? BIO_read(bio, out, size - 1) : 0;
    out[length > 0 ? length : 0] = 0;
    BIO_free(bio);
    return length > 0;
}

/* How many certificates a CRL revokes (the stack macros do not import). */
static inline int ike_crl_revoked_count(X509_CRL *list) {
    STACK_OF(X509_REVOKED) *revoked = X509_CRL_get_REVOKED(list);
    return revoked == NULL ? 0 : sk_X509_REVOKED_num(revoked);
}

/* The serial number of a CRL's `index`th revoked certificate. */
static inline const ASN1_INTEGER *ike_crl_revoked_serial(X509_CRL *list, int index) {
    STACK_OF(X509_REVOKED) *revoked = X509_CRL_get_REVOKED(list);
    if (revoked == NULL || index >= sk_X509_REVOKED_num(revoked)) return NULL;
    return X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revoked, index));
}

/* Adds one extension to a certificate request (the stack macros do not import); takes `extension`. */
static inline int ike_request_add_extension(X509_REQ *request, X509_EXTENSION *extension) {
    STACK_OF(X509_EXTENSION) *extensions = sk_X509_EXTENSION_new_null();
    if (extensions == NULL) { X509_EXTENSION_free(extension); return 0; }
    if (sk_X509_EXTENSION_push(extensions, extension) <= 0) { X509_EXTENSION_free(extension); sk_X509_EXTENSION_free(extensions); return 0; }
    int added = X509_REQ_add_extensions(request, extensions);
    sk_X509_EXTENSION_pop_free(extensions, X509_EXTENSION_free);
    return added;
}

/* Certificate chains for X509_STORE_CTX_init (the STACK_OF(X509) macros do not import). */
static inline STACK_OF(X509) *ike_certificate_stack_new(void) { return sk_X509_new_null(); }
/* Pushes `certificate` (the stack takes the reference); 0 on failure, when the caller still owns it. */
static inline int ike_certificate_stack_push(STACK_OF(X509) *stack, X509 *certificate) { return sk_X509_push(stack, certificate) > 0; }
static inline void ike_certificate_stack_free(STACK_OF(X509) *stack) { sk_X509_pop_free(stack, X509_free); }

/* A CA without a revocation list in crls/ is accepted (as strongSwan's and Libreswan's non-strict CRL
 * policies do); every other verification error stands. */
static int ike_verify_missing_crl_allowed(int ok, X509_STORE_CTX *context) {
    if (!ok && X509_STORE_CTX_get_error(context) == X509_V_ERR_UNABLE_TO_GET_CRL) {
        X509_STORE_CTX_set_error(context, X509_V_OK);
        return 1;
    }
    return ok;
}
static inline void ike_store_allow_missing_crls(X509_STORE *store) { X509_STORE_set_verify_cb(store, ike_verify_missing_crl_allowed); }

/* The key usage extension's bits, or -1 when the certificate has none. */
static inline long ike_key_usage(X509 *certificate) {
    return (X509_get_extension_flags(certificate) & EXFLAG_KUSAGE) ? (long)X509_get_key_usage(certificate) : -1;
}
static inline int ike_key_usage_digital_signature(void) { return KU_DIGITAL_SIGNATURE; }
static inline int ike_key_usage_non_repudiation(void) { return KU_NON_REPUDIATION; }

#endif
