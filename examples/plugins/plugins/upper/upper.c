/* The upper-case plugin: ASCII letters to upper case, the rest as is. */
#include <stdint.h>
#include <stdlib.h>

__attribute__((export_name("alloc"))) void *alloc(size_t len) {
    return malloc(len ? len : 1);
}

__attribute__((export_name("transform"))) uint64_t transform(const unsigned char *in, size_t len) {
    unsigned char *out = malloc(len ? len : 1);
    if (!out) {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = in[i];
        out[i] = c >= 'a' && c <= 'z' ? (unsigned char)(c - 'a' + 'A') : c;
    }
    return (uint64_t)(uintptr_t)out << 32 | (uint32_t)len;
}
