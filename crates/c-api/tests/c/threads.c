/* One engine and one module shared by threads, each with its own store
 * (wasm_module_share / wasm_module_obtain); the epoch is advanced from
 * another thread. */
#include <pthread.h>

#include "check.h"

#define THREADS 4
#define ROUNDS 20

static wasm_engine_t* engine;
static wasm_shared_module_t* shared;

static void* worker(void* arg) {
  int id = (int)(intptr_t)arg;
  for (int round = 0; round < ROUNDS; round++) {
    wasm_store_t* store = wasm_store_new(engine);
    wasm_module_t* module = wasm_module_obtain(store, shared);
    CHECK(module != NULL);
    wasm_instance_t* instance = wasm_instance_new(store, module, NULL, NULL);
    CHECK(instance != NULL);
    wasm_extern_vec_t exports;
    wasm_instance_exports(instance, &exports);
    wasm_val_t a[1] = {WASM_I32_VAL(id * 1000 + round)};
    wasm_val_t r[1] = {WASM_INIT_VAL};
    wasm_val_vec_t args = WASM_ARRAY_VEC(a);
    wasm_val_vec_t results = WASM_ARRAY_VEC(r);
    CHECK(wasm_func_call(wasm_extern_as_func(exports.data[0]), &args, &results) == NULL);
    CHECK(r[0].of.i32 == (id * 1000 + round) * 2 + 1);
    wasm_extern_vec_delete(&exports);
    wasm_instance_delete(instance);
    wasm_module_delete(module);
    wasm_store_delete(store);
  }
  return NULL;
}

static void* ticker(void* arg) {
  (void)arg;
  for (int i = 0; i < 100; i++) wisp_engine_increment_epoch(engine);
  return NULL;
}

int main(void) {
  engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = module_from_wat(store,
      "(module (memory 1) (func (export \"f\") (param i32) (result i32)"
      "  (i32.store (i32.const 0) (local.get 0))"
      "  (i32.add (i32.mul (i32.load (i32.const 0)) (i32.const 2)) (i32.const 1))))");
  shared = wasm_module_share(module);
  wasm_module_delete(module);
  wasm_store_delete(store);

  pthread_t threads[THREADS + 1];
  for (int i = 0; i < THREADS; i++) CHECK(pthread_create(&threads[i], NULL, worker, (void*)(intptr_t)i) == 0);
  CHECK(pthread_create(&threads[THREADS], NULL, ticker, NULL) == 0);
  for (int i = 0; i <= THREADS; i++) CHECK(pthread_join(threads[i], NULL) == 0);
  CHECK(wisp_engine_current_epoch(engine) == 100);

  wasm_shared_module_delete(shared);
  wasm_engine_delete(engine);
  printf("threads: ok\n");
  return 0;
}
