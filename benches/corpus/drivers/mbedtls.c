/* mbedtls: SHA-256 and SHA-512 over 2 MiB, AES-256-GCM and
 * ChaCha20-Poly1305 encryption and decryption of 1 MiB, 2048-bit modular
 * exponentiations (RSA-sized) and scalar multiplications on P-256. */
#include "common.h"
#include <mbedtls/bignum.h>
#include <mbedtls/chachapoly.h>
#include <mbedtls/ecp.h>
#include <mbedtls/gcm.h>
#include <mbedtls/sha256.h>
#include <mbedtls/sha512.h>

static void hex(const char *what, const unsigned char *b, size_t n) {
    printf("%s ", what);
    for (size_t i = 0; i < n; i++) printf("%02x", b[i]);
    printf("\n");
}

/* The RNG mbedtls asks for (blinding only: results do not depend on it). */
static int rng(void *ctx, unsigned char *out, size_t n) {
    (void)ctx;
    for (size_t i = 0; i < n; i++) out[i] = (unsigned char)rng_next();
    return 0;
}

int main(void) {
    const size_t n = 2u << 20, m = 1u << 20;
    unsigned char *buf = xmalloc(n), *enc = xmalloc(m), *dec = xmalloc(m);
    rng_seed(12);
    gen_text((char *)buf, n);
    unsigned char digest[64], key[32], iv[12], tag[16];
    for (size_t i = 0; i < sizeof key; i++) key[i] = (unsigned char)(i * 7 + 1);
    for (size_t i = 0; i < sizeof iv; i++) iv[i] = (unsigned char)(i * 13 + 5);

    bench_start();
    check(mbedtls_sha256_ret(buf, n, digest, 0) == 0, "sha256");
    hex("sha256", digest, 32);
    check(mbedtls_sha512_ret(buf, n, digest, 0) == 0, "sha512");
    hex("sha512", digest, 64);

    mbedtls_gcm_context gcm;
    mbedtls_gcm_init(&gcm);
    check(mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, key, 256) == 0, "gcm setkey");
    check(mbedtls_gcm_crypt_and_tag(&gcm, MBEDTLS_GCM_ENCRYPT, m, iv, sizeof iv, key, 16, buf, enc, 16, tag) == 0,
          "gcm encrypt");
    hex("aes-256-gcm tag", tag, 16);
    check(mbedtls_gcm_auth_decrypt(&gcm, m, iv, sizeof iv, key, 16, tag, 16, enc, dec) == 0 && memcmp(dec, buf, m) == 0,
          "gcm decrypt");
    mbedtls_gcm_free(&gcm);

    mbedtls_chachapoly_context cp;
    mbedtls_chachapoly_init(&cp);
    check(mbedtls_chachapoly_setkey(&cp, key) == 0, "chachapoly setkey");
    check(mbedtls_chachapoly_encrypt_and_tag(&cp, m, iv, key, 16, buf, enc, tag) == 0, "chachapoly encrypt");
    hex("chacha20-poly1305 tag", tag, 16);
    check(mbedtls_chachapoly_auth_decrypt(&cp, m, iv, key, 16, tag, enc, dec) == 0 && memcmp(dec, buf, m) == 0,
          "chachapoly decrypt");
    mbedtls_chachapoly_free(&cp);

    mbedtls_mpi b, e, mod, r, rr;
    mbedtls_mpi_init(&b), mbedtls_mpi_init(&e), mbedtls_mpi_init(&mod), mbedtls_mpi_init(&r), mbedtls_mpi_init(&rr);
    check(mbedtls_mpi_read_binary(&mod, buf, 256) == 0 && mbedtls_mpi_set_bit(&mod, 0, 1) == 0 &&
              mbedtls_mpi_set_bit(&mod, 2047, 1) == 0,
          "modulus");
    for (int i = 0; i < 2; i++) {
        check(mbedtls_mpi_read_binary(&b, buf + 256 * (i + 1), 255) == 0, "base");
        check(mbedtls_mpi_read_binary(&e, buf + 256 * (i + 8), 256) == 0, "exponent");
        check(mbedtls_mpi_exp_mod(&r, &b, &e, &mod, &rr) == 0, "exp_mod");
    }
    unsigned char big[256];
    check(mbedtls_mpi_write_binary(&r, big, sizeof big) == 0, "write");
    hex("modexp tail", big + 224, 32);
    mbedtls_mpi_free(&b), mbedtls_mpi_free(&e), mbedtls_mpi_free(&mod), mbedtls_mpi_free(&r), mbedtls_mpi_free(&rr);

    mbedtls_ecp_group grp;
    mbedtls_ecp_point p;
    mbedtls_mpi k;
    mbedtls_ecp_group_init(&grp), mbedtls_ecp_point_init(&p), mbedtls_mpi_init(&k);
    check(mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1) == 0, "group");
    check(mbedtls_ecp_copy(&p, &grp.G) == 0, "copy");
    for (int i = 0; i < 4; i++) {
        check(mbedtls_mpi_read_binary(&k, buf + 32 * i, 31) == 0, "scalar");
        check(mbedtls_ecp_mul(&grp, &p, &k, &p, rng, NULL) == 0, "ecp_mul");
    }
    unsigned char pt[65];
    size_t ptlen;
    check(mbedtls_ecp_point_write_binary(&grp, &p, MBEDTLS_ECP_PF_UNCOMPRESSED, &ptlen, pt, sizeof pt) == 0, "point");
    hex("p-256 point", pt, ptlen);
    mbedtls_ecp_group_free(&grp), mbedtls_ecp_point_free(&p), mbedtls_mpi_free(&k);
    bench_end();
    return 0;
}
