/* `wisp` pinned to the interpreter tier, for scripts that take a `wisp`
 * binary and call `$WISP run ARGS...` (benches/programs-vs-wasmi.sh): runs
 * `$WISP_BIN run --tier interp ARGS...`, by exec, so that it adds no
 * measurable time (a shell script in its place added about 4 ms a run).
 * WISP_BIN defaults to the path build.sh compiles in (the release build).
 * Built by benches/corpus/build.sh into target/corpus/wisp-interp. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#ifndef DEFAULT_WISP
#define DEFAULT_WISP "target/release/wisp"
#endif

int main(int argc, char **argv) {
    const char *wisp = getenv("WISP_BIN");
    if (!wisp || !*wisp) wisp = DEFAULT_WISP;
    if (argc < 2) {
        fprintf(stderr, "usage: wisp-interp COMMAND [ARGS...] (runs `%s COMMAND --tier interp ARGS...`)\n", wisp);
        return 2;
    }
    char **args = calloc((size_t)argc + 3, sizeof *args);
    if (!args) return 127;
    int n = 0;
    args[n++] = (char *)wisp;
    args[n++] = argv[1];
    args[n++] = "--tier";
    args[n++] = "interp";
    for (int i = 2; i < argc; i++) args[n++] = argv[i];
    args[n] = NULL;
    execv(wisp, args);
    perror(wisp);
    return 127;
}
