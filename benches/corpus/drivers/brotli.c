/* brotli: compresses 1 MiB of generated text at qualities 1, 5 and 9
 * (window 22) and decompresses each result. */
#include "common.h"
#include <brotli/decode.h>
#include <brotli/encode.h>

int main(void) {
    const size_t n = 1u << 20;
    uint8_t *src = xmalloc(n);
    rng_seed(4);
    gen_text((char *)src, n);
    size_t cap = BrotliEncoderMaxCompressedSize(n);
    uint8_t *comp = xmalloc(cap), *back = xmalloc(n);
    static const int qualities[] = {1, 5, 9};
    uint64_t h = FNV_INIT;

    bench_start();
    for (size_t q = 0; q < sizeof qualities / sizeof qualities[0]; q++) {
        size_t c = cap, d = n;
        check(BrotliEncoderCompress(qualities[q], 22, BROTLI_MODE_TEXT, n, src, &c, comp), "compress");
        check(BrotliDecoderDecompress(c, comp, &d, back) == BROTLI_DECODER_RESULT_SUCCESS, "decompress");
        check(d == n && memcmp(src, back, n) == 0, "round trip");
        h = fnv1a(comp, c, h);
        printf("quality %d: %zu -> %zu bytes\n", qualities[q], n, c);
    }
    bench_end();
    printf("checksum %016llx\n", (unsigned long long)h);
    return 0;
}
