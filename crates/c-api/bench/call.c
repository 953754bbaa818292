/* Per-call cost of a host-to-guest call of an (i32, i32) -> i32 export
 * through the standard C API (wasm_func_call).
 *
 * Only wasm.h is used, so the same program builds against any runtime
 * that implements the standard API: benches/embedding/run.sh builds it
 * against Wisp's libwisp.a and against wasmtime's C API. Built with
 * -DWISP_TIERS it includes wisp.h and times both of Wisp's tiers;
 * otherwise it times the runtime's default engine.
 *
 * cargo build --release -p wisp-c-api
 * cc -O2 -DWISP_TIERS -Icrates/c-api/include crates/c-api/bench/call.c \
 *    target/release/libwisp.a -lpthread -ldl -lm -o call && ./call [CALLS] */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#ifdef WISP_TIERS
#include "wisp.h"
#else
#include "wasm.h"
#endif

/* (module (func (export "add") (param i32 i32) (result i32)
 *   (i32.add (local.get 0) (local.get 1)))) */
static const char ADD[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,              /* header */
    0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f,        /* type */
    0x03, 0x02, 0x01, 0x00,                                      /* function */
    0x07, 0x07, 0x01, 0x03, 'a', 'd', 'd', 0x00, 0x00,           /* export */
    0x0a, 0x09, 0x01, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b /* code */
};

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void fail(const char *what) {
  fprintf(stderr, "call: %s failed\n", what);
  exit(1);
}

static void bench(const char *name, wasm_engine_t *engine, long calls) {
  wasm_store_t *store = wasm_store_new(engine);
  wasm_byte_vec_t wasm;
  wasm_byte_vec_new(&wasm, sizeof ADD, ADD);
  wasm_module_t *module = wasm_module_new(store, &wasm);
  wasm_byte_vec_delete(&wasm);
  if (!module) fail("wasm_module_new");
  wasm_extern_vec_t imports = WASM_EMPTY_VEC;
  wasm_instance_t *instance = wasm_instance_new(store, module, &imports, NULL);
  if (!instance) fail("wasm_instance_new");
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_func_t *add = wasm_extern_as_func(exports.data[0]);

  wasm_val_t args[2] = {WASM_I32_VAL(1), WASM_I32_VAL(2)}, result = WASM_INIT_VAL;
  wasm_val_vec_t params = WASM_ARRAY_VEC(args), results = {1, &result};
  double runs[5];
  for (int r = 0; r < 5; r++) {
    double start = now();
    for (long i = 0; i < calls; i++) {
      wasm_trap_t *trap = wasm_func_call(add, &params, &results);
      if (trap) fail("wasm_func_call");
    }
    runs[r] = (now() - start) / (double)calls * 1e9;
    if (result.of.i32 != 3) fail("the sum");
  }
  qsort(runs, 5, sizeof runs[0], by_value);
  printf("%-28s %8.1f ns/call (median of 5 x %ld)\n", name, runs[2], calls);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
  wasm_store_delete(store);
}

int main(int argc, char **argv) {
  long calls = argc > 1 ? atol(argv[1]) : 2000000;
#ifdef WISP_TIERS
  const struct {
    const char *name;
    wisp_strategy_t strategy;
  } tiers[] = {{"wisp C API, interp", WISP_STRATEGY_INTERPRETER},
               {"wisp C API, cranelift", WISP_STRATEGY_CRANELIFT}};
  for (int t = 0; t < 2; t++) {
    wasm_config_t *config = wasm_config_new();
    wisp_config_strategy_set(config, tiers[t].strategy);
    wasm_engine_t *engine = wasm_engine_new_with_config(config);
    bench(tiers[t].name, engine, calls);
    wasm_engine_delete(engine);
  }
#else
  const char *name = argc > 2 ? argv[2] : "C API, default engine";
  wasm_engine_t *engine = wasm_engine_new();
  bench(name, engine, calls);
  wasm_engine_delete(engine);
#endif
  return 0;
}
