/* Finalizers run exactly once: host info of every reference type, the
 * environment of host functions, when replaced, and when a store is
 * deleted while handles into it are still alive. */
#include <stdint.h>

#include "check.h"

enum {
  ENV,
  FUNC,
  GLOBAL,
  TABLE,
  MEMORY,
  INSTANCE,
  FOREIGN,
  MODULE,
  TRAP,
  EXTERN,
  REF,
  REPLACED,
  FAILED_ENV,
  SLOTS
};

static int count[SLOTS];

static void finalize(void* slot) { count[(intptr_t)slot]++; }

static void* slot(int i) { return (void*)(intptr_t)i; }

static wasm_trap_t* callback(void* env, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  (void)args;
  (void)results;
  CHECK(env == slot(ENV));
  return NULL;
}

static void check_counts(int expected, int from, int to) {
  for (int i = from; i <= to; i++) {
    if (count[i] != expected) {
      fprintf(stderr, "finalizer %d ran %d times, expected %d\n", i, count[i], expected);
      exit(1);
    }
  }
}

int main(void) {
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);

  wasm_functype_t* ft = wasm_functype_new_0_0();
  wasm_func_t* func = wasm_func_new_with_env(store, ft, callback, slot(ENV), finalize);
  wasm_val_vec_t none = WASM_EMPTY_VEC;
  CHECK(wasm_func_call(func, &none, &none) == NULL);
  wasm_func_set_host_info_with_finalizer(func, slot(FUNC), finalize);

  /* A function that cannot be made finalizes its environment at once. */
  CHECK(wasm_func_new_with_env(store, ft, NULL, slot(FAILED_ENV), finalize) == NULL);
  CHECK(count[FAILED_ENV] == 1);

  wasm_globaltype_t* gt = wasm_globaltype_new(wasm_valtype_new_i32(), WASM_VAR);
  wasm_val_t zero = WASM_I32_VAL(0);
  wasm_global_t* global = wasm_global_new(store, gt, &zero);
  wasm_global_set_host_info_with_finalizer(global, slot(REPLACED), finalize);
  wasm_global_set_host_info_with_finalizer(global, slot(GLOBAL), finalize);
  CHECK(count[REPLACED] == 1);

  wasm_limits_t tl = {1, 1};
  wasm_tabletype_t* tt = wasm_tabletype_new(wasm_valtype_new_funcref(), &tl);
  wasm_table_t* table = wasm_table_new(store, tt, NULL);
  wasm_table_set_host_info_with_finalizer(table, slot(TABLE), finalize);
  wasm_table_t* table2 = wasm_table_new(store, tt, NULL);
  wasm_ref_set_host_info_with_finalizer(wasm_table_as_ref(table2), slot(REF), finalize);

  wasm_limits_t ml = {0, 1};
  wasm_memorytype_t* mt = wasm_memorytype_new(&ml);
  wasm_memory_t* memory = wasm_memory_new(store, mt);
  wasm_memory_set_host_info_with_finalizer(memory, slot(MEMORY), finalize);

  wasm_foreign_t* foreign = wasm_foreign_new(store);
  wasm_foreign_set_host_info_with_finalizer(foreign, slot(FOREIGN), finalize);

  wasm_module_t* module = module_from_wat(store, "(module (memory (export \"m\") 1))");
  wasm_module_set_host_info_with_finalizer(module, slot(MODULE), finalize);
  wasm_shared_module_t* shared = wasm_module_share(module);
  wasm_instance_t* instance = wasm_instance_new(store, module, NULL, NULL);
  wasm_instance_set_host_info_with_finalizer(instance, slot(INSTANCE), finalize);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_extern_set_host_info_with_finalizer(exports.data[0], slot(EXTERN), finalize);

  wasm_message_t msg;
  wasm_name_new_from_string_nt(&msg, "t");
  wasm_trap_t* trap = wasm_trap_new(store, &msg);
  wasm_byte_vec_delete(&msg);
  wasm_trap_set_host_info_with_finalizer(trap, slot(TRAP), finalize);
  wasm_trap_t* trap_copy = wasm_trap_copy(trap);

  /* Nothing is finalized while its object lives. */
  check_counts(0, ENV, REF);

  /* The store goes first; its objects live on while handles remain. */
  wasm_store_delete(store);
  check_counts(0, ENV, REF);

  wasm_trap_delete(trap);
  CHECK(count[TRAP] == 0);
  wasm_trap_delete(trap_copy);
  CHECK(count[TRAP] == 1);

  wasm_module_delete(module);
  CHECK(count[MODULE] == 0); /* `shared` still holds it */
  wasm_shared_module_delete(shared);
  CHECK(count[MODULE] == 1);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_foreign_delete(foreign);
  wasm_memory_delete(memory);
  wasm_table_delete(table2);
  wasm_table_delete(table);
  wasm_global_delete(global);
  CHECK(count[FUNC] == 0);
  wasm_func_delete(func); /* the last handle: the store and all in it go now */
  check_counts(1, ENV, FAILED_ENV);

  wasm_memorytype_delete(mt);
  wasm_tabletype_delete(tt);
  wasm_globaltype_delete(gt);
  wasm_functype_delete(ft);

  /* A store deleted last finalizes everything at once, too. */
  memset(count, 0, sizeof count);
  store = wasm_store_new(engine);
  ft = wasm_functype_new_0_0();
  func = wasm_func_new_with_env(store, ft, callback, slot(ENV), finalize);
  wasm_func_set_host_info_with_finalizer(func, slot(FUNC), finalize);
  wasm_func_delete(func);
  CHECK(count[ENV] == 0 && count[FUNC] == 0);
  wasm_store_delete(store);
  CHECK(count[ENV] == 1 && count[FUNC] == 1);
  wasm_functype_delete(ft);

  wasm_engine_delete(engine);
  printf("finalizers: ok\n");
  return 0;
}
