/* blake3: hashes 24 MiB in one call (the tree of chunks), 48,000 short
 * messages, and a keyed hash and a derived key, with BLAKE3's C code. */
#include "common.h"
#include <blake3.h>

static void hex(const uint8_t *b, size_t n) {
    for (size_t i = 0; i < n; i++) printf("%02x", b[i]);
    printf("\n");
}

int main(void) {
    const size_t n = 24u << 20;
    uint8_t *buf = xmalloc(n);
    rng_seed(11);
    for (size_t i = 0; i < n; i += 8) {
        uint64_t r = rng_next();
        memcpy(buf + i, &r, 8);
    }
    uint8_t out[32], acc[32] = {0};
    blake3_hasher hasher;

    bench_start();
    blake3_hasher_init(&hasher);
    blake3_hasher_update(&hasher, buf, n);
    blake3_hasher_finalize(&hasher, out, 32);
    printf("24 MiB: ");
    hex(out, 32);
    for (size_t i = 0; i < 48000; i++) {
        blake3_hasher_init(&hasher);
        blake3_hasher_update(&hasher, buf + i * 64, 1 + i % 200);
        blake3_hasher_finalize(&hasher, out, 32);
        for (int j = 0; j < 32; j++) acc[j] ^= out[j];
    }
    printf("short: ");
    hex(acc, 32);
    uint8_t key[BLAKE3_KEY_LEN];
    memcpy(key, buf, sizeof key);
    blake3_hasher_init_keyed(&hasher, key);
    blake3_hasher_update(&hasher, buf, n / 2);
    blake3_hasher_finalize(&hasher, out, 32);
    printf("keyed: ");
    hex(out, 32);
    blake3_hasher_init_derive_key(&hasher, "wisp corpus 2025 derived key");
    blake3_hasher_update(&hasher, buf, 4096);
    uint8_t derived[64];
    blake3_hasher_finalize(&hasher, derived, sizeof derived);
    printf("derived: ");
    hex(derived, sizeof derived);
    bench_end();
    return 0;
}
