/* zlib: deflates 1 MiB of generated text at levels 1, 6 and 9 with
 * compress2, inflates each result and takes its CRC-32 and Adler-32. */
#include "common.h"
#include <zlib.h>

int main(void) {
    const uLong n = 1u << 20;
    unsigned char *src = xmalloc(n);
    rng_seed(2);
    gen_text((char *)src, n);
    uLong cap = compressBound(n);
    unsigned char *comp = xmalloc(cap), *back = xmalloc(n);
    static const int levels[] = {1, 6, 9};
    uint64_t h = FNV_INIT;

    bench_start();
    for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++) {
        uLongf c = cap, d = n;
        check(compress2(comp, &c, src, n, levels[l]) == Z_OK, "compress2");
        check(uncompress(back, &d, comp, c) == Z_OK && d == n, "uncompress");
        check(memcmp(src, back, n) == 0, "round trip");
        uLong crc = crc32(0L, back, (uInt)d), adler = adler32(1L, back, (uInt)d);
        h = fnv1a(comp, c, h);
        printf("level %d: %lu -> %lu bytes, crc32 %08lx, adler32 %08lx\n", levels[l],
               (unsigned long)n, (unsigned long)c, crc, adler);
    }
    bench_end();
    printf("checksum %016llx\n", (unsigned long long)h);
    return 0;
}
