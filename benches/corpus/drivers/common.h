/* Shared by the corpus drivers: a deterministic PRNG, generators of
 * compressible text and records, a checksum, and the Sightglass
 * `bench.start` / `bench.end` markers around the timed work. */
#ifndef CORPUS_COMMON_H
#define CORPUS_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The Sightglass build (NAME.wasm) imports the two markers; the
 * standalone and native builds make them empty functions. */
#if defined(__wasm__) && !defined(CORPUS_STANDALONE)
__attribute__((import_module("bench"), import_name("start"))) void bench_start(void);
__attribute__((import_module("bench"), import_name("end"))) void bench_end(void);
#else
static void bench_start(void) {}
static void bench_end(void) {}
#endif

/* splitmix64: the same stream on every platform. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static void rng_seed(uint64_t seed) { rng_state = seed; }

static uint64_t rng_next(void) {
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static uint32_t rng_below(uint32_t n) { return (uint32_t)((rng_next() >> 32) * n >> 32); }

static const char *const corpus_words[] = {
    "the", "of", "and", "to", "in", "is", "that", "for", "it", "as", "was", "with",
    "be", "by", "on", "not", "he", "this", "are", "or", "his", "from", "at", "which",
    "but", "have", "an", "had", "they", "you", "were", "their", "one", "all", "we",
    "can", "her", "has", "there", "been", "if", "more", "when", "will", "would", "who",
    "so", "no", "memory", "module", "function", "table", "global", "instance", "store",
    "engine", "linker", "value", "trap", "stack", "frame", "branch", "loop", "block",
    "compile", "execute", "interpret", "register", "operand", "result", "import",
    "export", "section", "custom", "element", "data", "type", "signature", "runtime",
    "benchmark", "throughput", "latency", "compression", "dictionary", "entropy",
    "Huffman", "literal", "sequence", "window", "checksum", "database", "index",
};
#define CORPUS_NWORDS (sizeof corpus_words / sizeof corpus_words[0])

/* Fills buf with n bytes of English-like text: words drawn with a skewed
 * distribution, punctuation, numbers and line breaks, so that it
 * compresses roughly as prose does (about 3:1 to 4:1). */
static void gen_text(char *buf, size_t n) {
    size_t i = 0, col = 0;
    while (i < n) {
        uint32_t r = rng_below(1000);
        const char *w;
        char num[24];
        if (r < 30) {
            snprintf(num, sizeof num, "%u", (unsigned)rng_below(100000));
            w = num;
        } else {
            /* Squaring skews towards the frequent words at the front. */
            uint32_t k = rng_below(CORPUS_NWORDS);
            w = corpus_words[k * k / CORPUS_NWORDS];
        }
        size_t len = strlen(w);
        for (size_t j = 0; j < len && i < n; j++) buf[i++] = w[j];
        col += len + 1;
        if (i >= n) break;
        if (r % 17 == 0) {
            buf[i++] = '.';
            if (i < n) buf[i++] = col > 60 ? '\n' : ' ';
            if (col > 60) col = 0;
        } else if (r % 11 == 0 && i < n) {
            buf[i++] = ',';
        } else {
            buf[i++] = col > 72 ? '\n' : ' ';
            if (col > 72) col = 0;
        }
    }
}

/* FNV-1a, 64-bit. */
static uint64_t fnv1a(const void *data, size_t n, uint64_t h) {
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}
#define FNV_INIT 0xcbf29ce484222325ull

static void *xmalloc(size_t n) {
    void *p = malloc(n);
    if (!p) {
        fprintf(stderr, "out of memory (%zu bytes)\n", n);
        exit(1);
    }
    return p;
}

static void check(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "check failed: %s\n", what);
        exit(1);
    }
}

#endif
