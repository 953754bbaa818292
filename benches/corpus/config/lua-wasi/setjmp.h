/* WASI has no setjmp/longjmp (they need the exception-handling proposal,
 * which clang 14 cannot target). Lua uses them only to raise errors, and
 * the corpus script raises none, so here an error aborts the program.
 * On the include path of the wasm build of Lua only. */
#ifndef CORPUS_LUA_SETJMP_H
#define CORPUS_LUA_SETJMP_H
#include <stdio.h>
#include <stdlib.h>
typedef int jmp_buf[1];
#define setjmp(buf) ((void)(buf), 0)
#define longjmp(buf, value) \
    ((void)(buf), (void)(value), fputs("lua: error raised, and this build cannot unwind\n", stderr), abort())
#endif
