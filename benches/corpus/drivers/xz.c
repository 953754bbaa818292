/* xz (liblzma): compresses 256 KiB of generated text as .xz at presets
 * 1 and 6 with CRC-64 checks, and decompresses both. */
#include "common.h"
#include <lzma.h>

int main(void) {
    const size_t n = 256u << 10;
    uint8_t *src = xmalloc(n);
    rng_seed(5);
    gen_text((char *)src, n);
    size_t cap = lzma_stream_buffer_bound(n);
    uint8_t *comp = xmalloc(cap), *back = xmalloc(n);
    static const uint32_t presets[] = {1, 6};
    uint64_t h = FNV_INIT;

    bench_start();
    for (size_t p = 0; p < sizeof presets / sizeof presets[0]; p++) {
        size_t c = 0, in_pos = 0, d = 0;
        check(lzma_easy_buffer_encode(presets[p], LZMA_CHECK_CRC64, NULL, src, n, comp, &c, cap) == LZMA_OK,
              "encode");
        uint64_t memlimit = UINT64_MAX;
        check(lzma_stream_buffer_decode(&memlimit, 0, NULL, comp, &in_pos, c, back, &d, n) == LZMA_OK,
              "decode");
        check(d == n && memcmp(src, back, n) == 0, "round trip");
        h = fnv1a(comp, c, h);
        printf("preset %u: %zu -> %zu bytes\n", (unsigned)presets[p], n, c);
    }
    bench_end();
    printf("checksum %016llx\n", (unsigned long long)h);
    return 0;
}
