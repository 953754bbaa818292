/* Allocates, grows, shrinks and frees memory in patterns that make the heap
 * ask for more pages (memory.grow under Wasm), checking the contents survive
 * each realloc, and prints checksums.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t checksum(const unsigned char *bytes, size_t n) {
    uint32_t a = 1, b = 0; /* Adler-32 */
    for (size_t i = 0; i < n; i++) {
        a = (a + bytes[i]) % 65521;
        b = (b + a) % 65521;
    }
    return (b << 16) | a;
}

int main(void) {
    /* One buffer grown by doubling up to 4 MiB, filled as it grows. */
    unsigned char *buffer = NULL;
    size_t size = 0;
    for (size_t next = 1024; next <= 4u << 20; next *= 2) {
        unsigned char *grown = realloc(buffer, next);
        if (grown == NULL) {
            printf("realloc to %zu bytes failed\n", next);
            return 1;
        }
        buffer = grown;
        for (size_t i = size; i < next; i++) {
            buffer[i] = (unsigned char)(i * 131 + (i >> 9));
        }
        size = next;
    }
    printf("grew to %zu KiB, checksum %08" PRIx32 "\n", size >> 10, checksum(buffer, size));
    buffer = realloc(buffer, 4096);
    printf("shrunk to 4 KiB, checksum %08" PRIx32 "\n", checksum(buffer, 4096));
    free(buffer);

    /* Many small blocks of varied sizes, freed in an interleaved order. */
    enum { BLOCKS = 5000 };
    unsigned char **blocks = calloc(BLOCKS, sizeof *blocks);
    if (blocks == NULL) {
        return 1;
    }
    uint32_t total = 0;
    for (int round = 0; round < 3; round++) {
        for (int i = round % 2; i < BLOCKS; i += 1 + round) {
            free(blocks[i]);
            size_t n = (size_t)((i * 37 + round * 11) % 700) + 1;
            blocks[i] = malloc(n);
            if (blocks[i] == NULL) {
                return 1;
            }
            memset(blocks[i], (i + round) & 0xff, n);
            total += checksum(blocks[i], n);
        }
    }
    for (int i = 0; i < BLOCKS; i++) {
        free(blocks[i]);
    }
    free(blocks);
    printf("small blocks: sum of checksums %08" PRIx32 "\n", total);

    /* calloc must hand back zeroed memory, even when it reuses freed blocks. */
    int zeroed = 1;
    for (int i = 0; i < 100; i++) {
        unsigned char *p = malloc(4000);
        memset(p, 0xab, 4000);
        free(p);
        unsigned char *q = calloc(1000, 4);
        for (int j = 0; j < 4000; j++) {
            zeroed &= q[j] == 0;
        }
        free(q);
    }
    printf("calloc returned zeroed memory: %s\n", zeroed ? "yes" : "no");

    /* memmove with overlapping ranges, both directions. */
    char text[] = "0123456789abcdefghij";
    memmove(text + 3, text, 10);
    printf("memmove forward:  %s\n", text);
    memmove(text, text + 5, 10);
    printf("memmove backward: %s\n", text);
    return 0;
}
