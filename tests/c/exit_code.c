/* Writes to both streams, leaves some of it in stdio's buffers, and exits
 * with status 3 from inside a called function.
 *
 * exit() must run the atexit handler and flush stdout before the process
 * ends, so every line printed before it appears, in order.
 */
#include <stdio.h>
#include <stdlib.h>

static void goodbye(void) {
    printf("atexit handler ran\n");
}

static void give_up(void) {
    fprintf(stderr, "giving up with status 3\n");
    exit(3);
}

static void work(void) {
    printf("working\n");
    give_up();
}

int main(void) {
    atexit(goodbye);
    printf("about to exit\n"); /* not flushed when stdout is a pipe */
    work();
    printf("not reached\n");
    return 0;
}
