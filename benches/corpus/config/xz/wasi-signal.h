/* WASI has no signal masks, but xz 5.2's single-threaded mythread.h
 * declares a wrapper around sigprocmask(); it is never called by the
 * library code the corpus uses. Force-included in the wasm build only. */
#include <signal.h>
typedef unsigned long sigset_t;
static inline int sigprocmask(int how, const sigset_t *set, sigset_t *old) {
    (void)how, (void)set, (void)old;
    return 0;
}
