/* A plugin that wants all the memory there is. Each chunk is kept in a
 * volatile so the compiler cannot drop the allocations. */
#include <stdint.h>
#include <stdlib.h>

__attribute__((export_name("alloc"))) void *alloc(size_t len) {
    return malloc(len ? len : 1);
}

static char *volatile kept;

__attribute__((export_name("transform"))) uint64_t transform(const char *in, size_t len) {
    (void)in;
    (void)len;
    for (;;) {
        char *chunk = malloc(256 * 1024);
        if (!chunk) {
            abort();
        }
        chunk[0] = 1;
        kept = chunk;
    }
}
