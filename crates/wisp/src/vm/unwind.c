/* Catching traps in compiled code.
 *
 * wisp_catch runs `body(payload)` after recording a jump buffer in
 * `*slot`; wisp_unwind, called from the signal handler or a runtime
 * function below `body`, jumps back to it. Only compiled Wasm frames and
 * Rust frames without destructors lie between the two, so nothing is
 * skipped that would need cleaning up. The signal mask is not saved:
 * Wisp's handlers run with SA_NODEFER, so no signal stays blocked. */
#include <setjmp.h>

int wisp_catch(void (*body)(void *), void *payload, void **slot) {
    sigjmp_buf buf;
    void *prev = *slot;
    *slot = &buf;
    if (sigsetjmp(buf, 0) == 0) {
        body(payload);
        *slot = prev;
        return 1;
    }
    *slot = prev;
    return 0;
}

void wisp_unwind(void *buf) {
    siglongjmp(*(sigjmp_buf *)buf, 1);
}
