/* Per-call cost of a host-to-guest call of an (i32, i32) -> i32 export
 * through the C API (wasm_func_call), in both tiers: the C side of the
 * figures in ../README.md, whose Rust side is the `call/add` benches of
 * crates/wisp/benches/engine.rs.
 *
 * cargo build --release -p wisp-c-api
 * cc -O2 -Icrates/c-api/include crates/c-api/bench/call.c target/release/libwisp.a \
 *    -lpthread -ldl -lm -o call && ./call */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wisp.h"

static const char WAT[] =
    "(module (func (export \"add\") (param i32 i32) (result i32)"
    " (i32.add (local.get 0) (local.get 1))))";

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void bench(const char *name, wisp_strategy_t strategy, long calls) {
  wasm_config_t *config = wasm_config_new();
  wisp_config_strategy_set(config, strategy);
  wasm_engine_t *engine = wasm_engine_new_with_config(config);
  wasm_store_t *store = wasm_store_new(engine);
  wasm_byte_vec_t wasm;
  if (wisp_wat2wasm(WAT, strlen(WAT), &wasm)) abort();
  wasm_module_t *module = wasm_module_new(store, &wasm);
  wasm_byte_vec_delete(&wasm);
  wasm_extern_vec_t imports = WASM_EMPTY_VEC;
  wasm_instance_t *instance = wasm_instance_new(store, module, &imports, NULL);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_func_t *add = wasm_extern_as_func(exports.data[0]);

  wasm_val_t args[2] = {WASM_I32_VAL(1), WASM_I32_VAL(2)}, result;
  wasm_val_vec_t params = {2, args}, results = {1, &result};
  double runs[5];
  for (int r = 0; r < 5; r++) {
    double start = now();
    for (long i = 0; i < calls; i++) {
      if (wasm_func_call(add, &params, &results)) abort();
    }
    runs[r] = (now() - start) / (double)calls * 1e9;
    if (result.of.i32 != 3) abort();
  }
  qsort(runs, 5, sizeof runs[0], by_value);
  printf("%-20s %8.1f ns/call (median of 5 x %ld)\n", name, runs[2], calls);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
}

int main(int argc, char **argv) {
  long calls = argc > 1 ? atol(argv[1]) : 2000000;
  bench("C API, interp", WISP_STRATEGY_INTERPRETER, calls);
  bench("C API, cranelift", WISP_STRATEGY_CRANELIFT, calls);
  return 0;
}
