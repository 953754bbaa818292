/* xxhash: XXH32, XXH64, XXH3-64 and XXH3-128, twenty times over 8 MiB of
 * pseudo-random bytes in 4 KiB blocks, and XXH3-64 streaming and one-shot
 * over the whole buffer. */
#define XXH_STATIC_LINKING_ONLY
#define XXH_INLINE_ALL
#include "common.h"
#include "xxhash.h"

int main(void) {
    const size_t n = 8u << 20, block = 4096;
    unsigned char *buf = xmalloc(n);
    rng_seed(10);
    for (size_t i = 0; i < n; i += 8) {
        uint64_t r = rng_next();
        memcpy(buf + i, &r, 8);
    }

    bench_start();
    uint32_t h32 = 0;
    uint64_t h64 = 0, h3 = 0, h128 = 0;
    for (uint64_t rep = 0; rep < 20; rep++) {
        for (size_t i = 0; i < n; i += block) {
            h32 = h32 * 31 + XXH32(buf + i, block, (XXH32_hash_t)(i + rep));
            h64 = h64 * 31 + XXH64(buf + i, block, i + rep);
            h3 = h3 * 31 + XXH3_64bits_withSeed(buf + i, block, i + rep);
            XXH128_hash_t x = XXH3_128bits_withSeed(buf + i, block, i + rep);
            h128 = h128 * 31 + x.low64 * 3 + x.high64;
        }
    }
    XXH3_state_t *st = XXH3_createState();
    XXH3_64bits_reset(st);
    for (size_t i = 0; i < n; i += 1000) XXH3_64bits_update(st, buf + i, n - i < 1000 ? n - i : 1000);
    uint64_t streamed = XXH3_64bits_digest(st);
    XXH3_freeState(st);
    uint64_t oneshot = XXH3_64bits(buf, n);
    bench_end();
    printf("xxh32 %08x\nxxh64 %016llx\nxxh3 %016llx\nxxh128 %016llx\nstreamed %016llx (one-shot %016llx)\n", h32,
           (unsigned long long)h64, (unsigned long long)h3, (unsigned long long)h128, (unsigned long long)streamed,
           (unsigned long long)oneshot);
    return 0;
}
