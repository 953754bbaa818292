/* zstd: compresses 2 MiB of generated text at levels 1, 3 and 9 and
 * decompresses each result, checking the round trip. */
#include "common.h"
#include <zstd.h>

int main(void) {
    const size_t n = 2u << 20;
    char *src = xmalloc(n);
    rng_seed(1);
    gen_text(src, n);
    size_t cap = ZSTD_compressBound(n);
    char *comp = xmalloc(cap), *back = xmalloc(n);
    static const int levels[] = {1, 3, 9};
    uint64_t h = FNV_INIT;

    bench_start();
    for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++) {
        size_t c = ZSTD_compress(comp, cap, src, n, levels[l]);
        check(!ZSTD_isError(c), "compress");
        size_t d = ZSTD_decompress(back, n, comp, c);
        check(!ZSTD_isError(d) && d == n && memcmp(src, back, n) == 0, "round trip");
        h = fnv1a(comp, c, h);
        printf("level %d: %zu -> %zu bytes\n", levels[l], n, c);
    }
    bench_end();
    printf("checksum %016llx\n", (unsigned long long)h);
    return 0;
}
