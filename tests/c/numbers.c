/* Formats and parses numbers: integers of each fixed width at their
 * limits, floating-point arithmetic and <math.h> results, and conversions
 * between them, printed with printf and read back with strtod and sscanf.
 *
 * Avoids formats whose output differs between C libraries (%p, %a, and
 * digits past what a double holds).
 */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static volatile double zero = 0.0; /* volatile keeps the compiler from folding */

int main(void) {
    printf("int8   %" PRId8 " %" PRId8 "\n", (int8_t)INT8_MIN, (int8_t)INT8_MAX);
    printf("int16  %" PRId16 " %" PRId16 "\n", (int16_t)INT16_MIN, (int16_t)INT16_MAX);
    printf("int32  %" PRId32 " %" PRId32 "\n", INT32_MIN, INT32_MAX);
    printf("int64  %" PRId64 " %" PRId64 "\n", INT64_MIN, INT64_MAX);
    printf("uint64 %" PRIu64 " %" PRIx64 " %" PRIo64 "\n", UINT64_MAX, UINT64_MAX, UINT64_MAX);
    printf("padding [%8d] [%-8d] [%08d] [%+d] [% d] [%x] [%#X]\n", 42, 42, 42, 42, 42, 255, 255);
    printf("strings [%10s] [%-10s] [%.3s] [%c]\n", "right", "left", "truncated", 'c');

    volatile int64_t big = INT64_MAX;
    volatile uint32_t u = 0xdeadbeef;
    printf("wrapping %" PRIu64 " %" PRIu32 " %" PRId32 "\n", (uint64_t)big + 2,
           (uint32_t)(u * 3u), (int32_t)(u >> 3));
    printf("division %" PRId32 " %" PRId32 " %" PRId64 " %" PRId64 "\n", -7 / 2, -7 % 2,
           (int64_t)big / -3, (int64_t)big % -3);

    double third = 1.0 / 3.0;
    printf("1/3 %.17g %.6f %.3e %g\n", third, third, third, third);
    printf("large %.0f %g %e\n", 1e22, 1e22, 6.02214076e23);
    printf("small %g %.10e\n", 5e-324, 2.2250738585072014e-308);
    printf("specials %f %f %f %d\n", 1.0 / zero, -1.0 / zero, fabs(zero / zero),
           isnan(zero / zero));
    printf("negative zero %g %d\n", -zero, signbit(-zero) != 0);
    printf("rounding %.0f %.0f %.0f %.1f %.2f\n", 0.5, 1.5, 2.5, 0.25, 1.005);

    printf("sqrt(2) %.15f\n", sqrt(2.0));
    printf("floor/ceil/trunc/round of -2.5: %g %g %g %g\n", floor(-2.5), ceil(-2.5),
           trunc(-2.5), round(-2.5));
    printf("fmin/fmax/copysign %g %g %g\n", fmin(-0.0, 3.0), fmax(-1.0, 2.0),
           copysign(3.0, -0.0));
    printf("float %.9g %.9g\n", (double)(1.0f / 3.0f), (double)sqrtf(2.0f));
    printf("fma-free sum %.17g\n", 0.1 + 0.2);
    printf("ldexp/frexp %g ", ldexp(0.75, 10));
    int exponent;
    double mantissa = frexp(1536.0, &exponent);
    printf("%g %d\n", mantissa, exponent);
    printf("fmod %g %g\n", fmod(10.5, 3.0), fmod(-10.5, 3.0));

    volatile double d = 3.99;
    volatile double nd = -3.99;
    printf("double to int %d %d %" PRId64 " %" PRIu32 "\n", (int)d, (int)nd,
           (int64_t)(d * 1e15), (uint32_t)(d * 1e9));
    volatile int64_t i64 = 9007199254740993; /* 2^53 + 1: not a double */
    printf("int to double %.1f %.1f\n", (double)i64, (double)(float)(int32_t)16777217);

    const char *texts[] = {"3.25", "-0.0001", "1e300", "0x1p-3", "12abc", "inf"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        char *end;
        double value = strtod(texts[i], &end);
        printf("strtod(\"%s\") = %g, rest \"%s\"\n", texts[i], value, end);
    }
    int a, b;
    double c;
    char word[16];
    int fields = sscanf("17 -4 2.5e2 word", "%d %d %lf %15s", &a, &b, &c, word);
    printf("sscanf read %d fields: %d %d %g %s\n", fields, a, b, c, word);
    printf("strtol %ld %ld %lu\n", strtol("-0x1F", NULL, 16), strtol("777", NULL, 8),
           strtoul("101", NULL, 2));
    return 0;
}
