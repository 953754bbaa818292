/* A compute kernel: fills an array from a fixed pseudo-random sequence,
 * sorts it with qsort and with a hand-written merge sort, checks they agree,
 * and prints checksums and a few order statistics.
 *
 * Uses only fixed-width integer types so the results cannot depend on the
 * size of `long` or of pointers.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { COUNT = 50000 };

static uint32_t state = 12345;

static uint32_t next_random(void) {
    /* xorshift32: the same sequence on every platform */
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return state;
}

static int compare_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static void merge_sort(uint32_t *items, uint32_t *scratch, size_t n) {
    if (n < 2) {
        return;
    }
    size_t half = n / 2;
    merge_sort(items, scratch, half);
    merge_sort(items + half, scratch, n - half);
    size_t i = 0, j = half, k = 0;
    while (i < half && j < n) {
        scratch[k++] = items[j] < items[i] ? items[j++] : items[i++];
    }
    while (i < half) {
        scratch[k++] = items[i++];
    }
    while (j < n) {
        scratch[k++] = items[j++];
    }
    memcpy(items, scratch, n * sizeof *items);
}

static uint64_t fnv1a(const uint32_t *items, size_t n) {
    uint64_t hash = 0xcbf29ce484222325u;
    for (size_t i = 0; i < n; i++) {
        for (int b = 0; b < 4; b++) {
            hash ^= (items[i] >> (8 * b)) & 0xff;
            hash *= 0x100000001b3u;
        }
    }
    return hash;
}

int main(void) {
    uint32_t *a = malloc(COUNT * sizeof *a);
    uint32_t *b = malloc(COUNT * sizeof *b);
    uint32_t *scratch = malloc(COUNT * sizeof *scratch);
    if (a == NULL || b == NULL || scratch == NULL) {
        return 1;
    }
    uint64_t sum = 0;
    for (size_t i = 0; i < COUNT; i++) {
        a[i] = next_random() % 1000000;
        sum += a[i];
    }
    memcpy(b, a, COUNT * sizeof *a);
    printf("unsorted: sum %" PRIu64 ", hash %016" PRIx64 "\n", sum, fnv1a(a, COUNT));

    qsort(a, COUNT, sizeof *a, compare_u32);
    merge_sort(b, scratch, COUNT);
    printf("qsort and merge sort agree: %s\n",
           memcmp(a, b, COUNT * sizeof *a) == 0 ? "yes" : "no");

    size_t inversions = 0, distinct = 1;
    for (size_t i = 1; i < COUNT; i++) {
        inversions += a[i - 1] > a[i];
        distinct += a[i - 1] != a[i];
    }
    printf("sorted: hash %016" PRIx64 ", %zu out of order, %zu distinct\n",
           fnv1a(a, COUNT), inversions, distinct);
    printf("min %" PRIu32 ", median %" PRIu32 ", max %" PRIu32 "\n", a[0], a[COUNT / 2],
           a[COUNT - 1]);

    uint32_t key = a[COUNT / 3];
    uint32_t *found = bsearch(&key, a, COUNT, sizeof *a, compare_u32);
    printf("bsearch finds %" PRIu32 ": %s\n", key, found != NULL && *found == key ? "yes" : "no");

    free(a);
    free(b);
    free(scratch);
    return 0;
}
