/* libdeflate: compresses 1 MiB of generated text at levels 1, 6 and 9 in
 * the zlib and gzip formats, decompresses each result, and takes CRC-32
 * and Adler-32 of 8 MiB more. */
#include "common.h"
#include <libdeflate.h>

int main(void) {
    const size_t n = 1u << 20;
    char *src = xmalloc(n);
    rng_seed(9);
    gen_text(src, n);
    char *back = xmalloc(n);
    static const int levels[] = {1, 6, 9};
    uint64_t h = FNV_INIT;

    bench_start();
    for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++) {
        struct libdeflate_compressor *c = libdeflate_alloc_compressor(levels[l]);
        struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
        size_t cap = libdeflate_zlib_compress_bound(c, n);
        char *comp = xmalloc(cap);
        size_t zc = libdeflate_zlib_compress(c, src, n, comp, cap), out = 0;
        check(zc > 0, "zlib compress");
        check(libdeflate_zlib_decompress(d, comp, zc, back, n, &out) == LIBDEFLATE_SUCCESS && out == n &&
                  memcmp(src, back, n) == 0,
              "zlib round trip");
        h = fnv1a(comp, zc, h);
        size_t gc = libdeflate_gzip_compress(c, src, n, comp, cap);
        check(gc > 0, "gzip compress");
        check(libdeflate_gzip_decompress(d, comp, gc, back, n, &out) == LIBDEFLATE_SUCCESS && out == n, "gzip round trip");
        h = fnv1a(comp, gc, h);
        printf("level %d: %zu -> %zu bytes (zlib), %zu (gzip)\n", levels[l], n, zc, gc);
        free(comp);
        libdeflate_free_compressor(c);
        libdeflate_free_decompressor(d);
    }
    uint32_t crc = 0, adler = 1;
    for (int rep = 0; rep < 8; rep++) {
        crc = libdeflate_crc32(crc, src, n);
        adler = libdeflate_adler32(adler, src, n);
    }
    printf("crc32 %08x adler32 %08x\n", crc, adler);
    bench_end();
    printf("checksum %016llx\n", (unsigned long long)h);
    return 0;
}
