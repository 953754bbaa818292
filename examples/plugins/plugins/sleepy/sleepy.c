/* A plugin that never returns (the volatile counter keeps the compiler
 * from treating the loop as undefined behaviour). */
#include <stdint.h>
#include <stdlib.h>

__attribute__((export_name("alloc"))) void *alloc(size_t len) {
    return malloc(len ? len : 1);
}

__attribute__((export_name("transform"))) uint64_t transform(const char *in, size_t len) {
    volatile uint64_t spins = 0;
    (void)in;
    (void)len;
    for (;;) {
        spins++;
    }
}
