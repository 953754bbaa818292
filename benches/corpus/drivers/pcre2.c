/* pcre2: compiles ten patterns (classes, alternations, captures,
 * backreferences, lookaround, case-insensitive and Unicode-property
 * matching) with PCRE2's interpreter (no JIT) and finds every match in
 * 256 KiB of generated text, summing match counts and capture offsets. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "common.h"
#include <pcre2.h>

static const char *const patterns[] = {
    "\\b(\\w+)(ed|er|ion)\\b",
    "\\b[a-z]{7,}\\b",
    "(memory|module|function|table)\\s+(\\w+)",
    "\\d{3,}",
    "(?i)\\bthe\\s+\\w+\\s+of\\b",
    "\\b(\\w)\\w*\\s+\\1\\w*\\b",
    "\\b\\w+(?=,)",
    "(?<=\\. )[a-z]+",
    "\\b\\p{Ll}+(?:ory|ure|ue)\\b",
    "[aeiou]{2}[^aeiou\\s]+[aeiou]\\b",
};

int main(void) {
    const size_t n = 256u << 10;
    char *text = xmalloc(n + 1);
    rng_seed(7);
    gen_text(text, n);
    text[n] = 0;
    uint64_t h = FNV_INIT;

    bench_start();
    for (size_t p = 0; p < sizeof patterns / sizeof patterns[0]; p++) {
        int err;
        PCRE2_SIZE erroff;
        pcre2_code *re = pcre2_compile((PCRE2_SPTR)patterns[p], PCRE2_ZERO_TERMINATED, PCRE2_UTF, &err, &erroff, NULL);
        check(re != NULL, "pcre2_compile");
        pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
        PCRE2_SIZE off = 0;
        unsigned matches = 0;
        uint64_t spans = 0;
        while (off <= n) {
            /* The text is checked as UTF-8 once, not on every call. */
            int rc = pcre2_match(re, (PCRE2_SPTR)text, n, off, off ? PCRE2_NO_UTF_CHECK : 0, md, NULL);
            if (rc == PCRE2_ERROR_NOMATCH) break;
            check(rc > 0, "pcre2_match");
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
            matches++;
            for (int g = 0; g < rc; g++) spans = spans * 31 + ov[2 * g] + 7 * ov[2 * g + 1];
            off = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
        }
        h = fnv1a(&spans, sizeof spans, h);
        printf("%-40s %6u matches\n", patterns[p], matches);
        pcre2_match_data_free(md);
        pcre2_code_free(re);
    }
    bench_end();
    printf("checksum %016llx\n", (unsigned long long)h);
    return 0;
}
