/* Prints its arguments, one per line, and how many there are.
 *
 * argv[0] is left out: natively it is the path of the executable, under
 * `wisp run` the path of the module, and neither is stable.
 */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    printf("argc=%d\n", argc);
    for (int i = 1; i < argc; i++) {
        printf("argv[%d]=\"%s\" (%zu bytes)\n", i, argv[i], strlen(argv[i]));
    }
    return 0;
}
