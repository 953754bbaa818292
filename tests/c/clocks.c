/* Checks facts about the clocks without printing any time: the monotonic
 * clock never goes back and advances across a sleep, the realtime clock is
 * past 2020, and the monotonic clock resolves a millisecond or finer.
 */
#include <stdint.h>
#include <stdio.h>
#include <time.h>

static int64_t nanos(clockid_t clock) {
    struct timespec ts;
    if (clock_gettime(clock, &ts) != 0) {
        perror("clock_gettime");
        return -1;
    }
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static const char *verdict(int ok) {
    return ok ? "ok" : "FAILED";
}

int main(void) {
    int failures = 0;

    int64_t previous = nanos(CLOCK_MONOTONIC);
    int never_back = previous >= 0;
    for (int i = 0; i < 1000; i++) {
        int64_t now = nanos(CLOCK_MONOTONIC);
        never_back &= now >= previous;
        previous = now;
    }
    printf("monotonic clock never goes back: %s\n", verdict(never_back));
    failures += !never_back;

    int64_t before = nanos(CLOCK_MONOTONIC);
    struct timespec twenty_ms = {0, 20 * 1000 * 1000};
    int slept = nanosleep(&twenty_ms, NULL) == 0;
    int64_t after = nanos(CLOCK_MONOTONIC);
    int advanced = slept && after - before >= 20 * 1000 * 1000;
    printf("monotonic clock advances across a 20 ms sleep: %s\n", verdict(advanced));
    failures += !advanced;

    int64_t since_epoch = nanos(CLOCK_REALTIME);
    int after_2020 = since_epoch / 1000000000 > 1577836800; /* 2020-01-01 */
    printf("realtime clock is past 2020: %s\n", verdict(after_2020));
    failures += !after_2020;

    time_t t = time(NULL);
    int agrees = t >= since_epoch / 1000000000 && t - since_epoch / 1000000000 < 60;
    printf("time() agrees with CLOCK_REALTIME: %s\n", verdict(agrees));
    failures += !agrees;

    struct timespec res;
    int fine = clock_getres(CLOCK_MONOTONIC, &res) == 0 && res.tv_sec == 0 &&
               res.tv_nsec > 0 && res.tv_nsec <= 1000000;
    printf("monotonic resolution is at most 1 ms: %s\n", verdict(fine));
    failures += !fine;

    return failures == 0 ? 0 : 1;
}
