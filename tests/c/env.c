/* Prints the whole environment, sorted, then looks up each variable named
 * on the command line.
 *
 * The test runs the native build with a cleared environment plus the
 * variables it sets, and gives the same variables to `wisp run` with --env,
 * so both see exactly the same set. Sorting hides any difference in order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static int compare_strings(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv) {
    size_t count = 0;
    while (environ[count] != NULL) {
        count++;
    }
    char **sorted = malloc((count + 1) * sizeof *sorted);
    if (sorted == NULL) {
        return 1;
    }
    memcpy(sorted, environ, count * sizeof *sorted);
    qsort(sorted, count, sizeof *sorted, compare_strings);

    printf("%zu variables\n", count);
    for (size_t i = 0; i < count; i++) {
        printf("  %s\n", sorted[i]);
    }
    free(sorted);

    for (int i = 1; i < argc; i++) {
        const char *value = getenv(argv[i]);
        if (value == NULL) {
            printf("%s is unset\n", argv[i]);
        } else {
            printf("%s=\"%s\"\n", argv[i], value);
        }
    }
    return 0;
}
