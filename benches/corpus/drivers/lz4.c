/* lz4: compresses 2 MiB of generated text with the fast compressor
 * (acceleration 1) and with LZ4HC at level 9, and decompresses both.
 * The fast compressor hashes differently on 32- and 64-bit targets, so
 * only its round trip is printed, not its output. */
#include "common.h"
#include <lz4.h>
#include <lz4hc.h>

int main(void) {
    const int n = 2 << 20;
    char *src = xmalloc(n);
    rng_seed(3);
    gen_text(src, n);
    int cap = LZ4_compressBound(n);
    char *comp = xmalloc(cap), *back = xmalloc(n);
    uint64_t h = FNV_INIT;

    bench_start();
    for (int rep = 0; rep < 2; rep++) {
        int c = LZ4_compress_default(src, comp, n, cap);
        check(c > 0, "LZ4_compress_default");
        check(LZ4_decompress_safe(comp, back, c, n) == n && memcmp(src, back, n) == 0, "fast round trip");
        h = fnv1a(back, n, h);
    }
    printf("fast: %d bytes round trip\n", n);
    int c = LZ4_compress_HC(src, comp, n, cap, 9);
    check(c > 0, "LZ4_compress_HC");
    for (int rep = 0; rep < 2; rep++)
        check(LZ4_decompress_safe(comp, back, c, n) == n && memcmp(src, back, n) == 0, "HC round trip");
    h = fnv1a(comp, c, h);
    printf("hc9: %d -> %d bytes\n", n, c);
    bench_end();
    printf("checksum %016llx\n", (unsigned long long)h);
    return 0;
}
