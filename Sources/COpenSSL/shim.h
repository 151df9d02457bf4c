#ifndef RCS_COPENSSL_SHIM_H
#define RCS_COPENSSL_SHIM_H

#include <openssl/opensslv.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/x509_vfy.h>
#include <openssl/rsa.h>
#include <openssl/rand.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/pkcs12.h>
#include <openssl/objects.h>
#include <string.h>

/* Macros and inline functions Swift cannot import, as static inline wrappers. */

/* EVP_RSA_gen is a macro over a variadic function. */
static inline EVP_PKEY *rcs_EVP_RSA_gen(unsigned int bits) { return EVP_RSA_gen(bits); }

static inline long rcs_BIO_get_mem_data(BIO *bio, const char **data) {
    return BIO_get_mem_data(bio, (char **)data);
}

static inline int rcs_sk_X509_num(const STACK_OF(X509) *stack) { return sk_X509_num(stack); }
static inline X509 *rcs_sk_X509_value(const STACK_OF(X509) *stack, int i) { return sk_X509_value(stack, i); }
static inline STACK_OF(X509) *rcs_sk_X509_new_null(void) { return sk_X509_new_null(); }
static inline int rcs_sk_X509_push(STACK_OF(X509) *stack, X509 *cert) { return sk_X509_push(stack, cert); }
static inline void rcs_sk_X509_free(STACK_OF(X509) *stack) { sk_X509_free(stack); }

static inline int rcs_EVP_CIPHER_CTX_set_tag(EVP_CIPHER_CTX *ctx, int len, void *tag) {
    return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, len, tag);
}
static inline int rcs_EVP_CIPHER_CTX_get_tag(EVP_CIPHER_CTX *ctx, int len, void *tag) {
    return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, len, tag);
}
static inline int rcs_EVP_CIPHER_CTX_set_ivlen(EVP_CIPHER_CTX *ctx, int len) {
    return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, len, NULL);
}

static const unsigned long rcs_XN_FLAG_RFC2253 = XN_FLAG_RFC2253;

/* A password callback that never prompts: it answers the password given as
 * userdata (a NUL-terminated string), or fails when there is none. OpenSSL's
 * default would read from the terminal, which a server must never do. */
static int rcs_password_callback(char *buf, int size, int rwflag, void *userdata) {
    (void)rwflag;
    if (userdata == NULL) return -1;
    size_t len = strlen((const char *)userdata);
    if (len > (size_t)size) return -1;
    memcpy(buf, userdata, len);
    return (int)len;
}

static inline EVP_PKEY *rcs_PEM_read_bio_PrivateKey(BIO *bio, const char *password) {
    return PEM_read_bio_PrivateKey(bio, NULL, rcs_password_callback, (void *)password);
}

static inline EVP_PKEY *rcs_d2i_PKCS8PrivateKey_bio(BIO *bio, const char *password) {
    return d2i_PKCS8PrivateKey_bio(bio, NULL, rcs_password_callback, (void *)password);
}

static inline int rcs_ERR_get_error_all(const char **file, int *line, const char **func,
                                        const char **data, int *flags, unsigned long *code) {
    *code = ERR_get_error_all(file, line, func, data, flags);
    return *code != 0;
}

/* STACK_OF(X509_CRL), for the CRLs handed to one verification
 * (X509_STORE_CTX_set0_crls: the context borrows them, the stack is ours). */
static inline STACK_OF(X509_CRL) *rcs_sk_X509_CRL_new_null(void) { return sk_X509_CRL_new_null(); }
static inline int rcs_sk_X509_CRL_push(STACK_OF(X509_CRL) *stack, X509_CRL *crl) { return sk_X509_CRL_push(stack, crl); }
static inline void rcs_sk_X509_CRL_free(STACK_OF(X509_CRL) *stack) { sk_X509_CRL_free(stack); }

#endif
