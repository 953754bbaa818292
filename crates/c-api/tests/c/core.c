/* The core path: engine, store, module, instance with a host import,
 * calls, memory, and a trap. */
#include "check.h"

static int host_calls = 0;

static wasm_trap_t* host_add(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  host_calls++;
  CHECK(args->size == 2 && results->size == 1);
  CHECK(args->data[0].kind == WASM_I32 && args->data[1].kind == WASM_I32);
  results->data[0].kind = WASM_I32;
  results->data[0].of.i32 = args->data[0].of.i32 + args->data[1].of.i32;
  return NULL;
}

static const char* WAT =
    "(module\n"
    "  (import \"host\" \"add\" (func $add (param i32 i32) (result i32)))\n"
    "  (memory (export \"memory\") 1 4)\n"
    "  (data (i32.const 16) \"hello\")\n"
    "  (func (export \"run\") (param i32) (result i32)\n"
    "    (call $add (local.get 0) (i32.const 100)))\n"
    "  (func (export \"load\") (param i32) (result i32)\n"
    "    (i32.load8_u (local.get 0)))\n"
    "  (func (export \"div\") (param i32 i32) (result i32)\n"
    "    (i32.div_s (local.get 0) (local.get 1)))\n"
    "  (func (export \"wide\") (param i64 f32 f64) (result f64 i64)\n"
    "    (f64.add (f64.promote_f32 (local.get 1)) (local.get 2))\n"
    "    (i64.mul (local.get 0) (i64.const 3))))\n";

int main(void) {
  wasm_engine_t* engine = wasm_engine_new();
  CHECK(engine != NULL);
  wasm_store_t* store = wasm_store_new(engine);
  CHECK(store != NULL);
  wasm_module_t* module = module_from_wat(store, WAT);

  wasm_functype_t* add_type =
      wasm_functype_new_2_1(wasm_valtype_new_i32(), wasm_valtype_new_i32(), wasm_valtype_new_i32());
  wasm_func_t* add = wasm_func_new(store, add_type, host_add);
  CHECK(add != NULL);
  wasm_functype_delete(add_type);

  wasm_extern_t* imports_data[] = {wasm_func_as_extern(add)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(imports_data);
  wasm_trap_t* trap = NULL;
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, &trap);
  CHECK(instance != NULL && trap == NULL);

  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  CHECK(exports.size == 5);

  /* A call through the host function. */
  wasm_func_t* run = wasm_extern_as_func(export_named(module, &exports, "run"));
  CHECK(run != NULL);
  CHECK(wasm_func_param_arity(run) == 1 && wasm_func_result_arity(run) == 1);
  wasm_val_t args_data[] = {WASM_I32_VAL(23)};
  wasm_val_t results_data[1] = {WASM_INIT_VAL};
  wasm_val_vec_t args = WASM_ARRAY_VEC(args_data);
  wasm_val_vec_t results = WASM_ARRAY_VEC(results_data);
  CHECK(wasm_func_call(run, &args, &results) == NULL);
  CHECK(results_data[0].kind == WASM_I32 && results_data[0].of.i32 == 123);
  CHECK(host_calls == 1);

  /* Memory: the data segment, a write seen by the guest, growing. */
  wasm_memory_t* memory = wasm_extern_as_memory(export_named(module, &exports, "memory"));
  CHECK(memory != NULL);
  CHECK(wasm_memory_size(memory) == 1);
  CHECK(wasm_memory_data_size(memory) == 65536);
  CHECK(memcmp(wasm_memory_data(memory) + 16, "hello", 5) == 0);
  wasm_memory_data(memory)[100] = 42;
  wasm_func_t* load = wasm_extern_as_func(export_named(module, &exports, "load"));
  args_data[0] = (wasm_val_t)WASM_I32_VAL(100);
  CHECK(wasm_func_call(load, &args, &results) == NULL);
  CHECK(results_data[0].of.i32 == 42);
  CHECK(wasm_memory_grow(memory, 2));
  CHECK(wasm_memory_size(memory) == 3);
  CHECK(!wasm_memory_grow(memory, 5));
  CHECK(wisp_last_error_message() != NULL);

  /* Several value types, two results. */
  wasm_func_t* wide = wasm_extern_as_func(export_named(module, &exports, "wide"));
  wasm_val_t wide_args_data[] = {WASM_I64_VAL(7), WASM_F32_VAL(1.5f), WASM_F64_VAL(2.25)};
  wasm_val_t wide_results_data[2] = {WASM_INIT_VAL, WASM_INIT_VAL};
  wasm_val_vec_t wide_args = WASM_ARRAY_VEC(wide_args_data);
  wasm_val_vec_t wide_results = WASM_ARRAY_VEC(wide_results_data);
  CHECK(wasm_func_call(wide, &wide_args, &wide_results) == NULL);
  CHECK(wide_results_data[0].kind == WASM_F64 && wide_results_data[0].of.f64 == 3.75);
  CHECK(wide_results_data[1].kind == WASM_I64 && wide_results_data[1].of.i64 == 21);

  /* A trap, with its frames. */
  wasm_func_t* div = wasm_extern_as_func(export_named(module, &exports, "div"));
  wasm_val_t div_args_data[] = {WASM_I32_VAL(1), WASM_I32_VAL(0)};
  wasm_val_vec_t div_args = WASM_ARRAY_VEC(div_args_data);
  trap = wasm_func_call(div, &div_args, &results);
  CHECK(trap != NULL);
  wasm_frame_t* origin = wasm_trap_origin(trap);
  CHECK(origin != NULL);
  CHECK(wasm_frame_func_index(origin) == 3);
  wasm_frame_delete(origin);
  CHECK(trap_says(trap, "divide by zero"));

  /* Wrong argument count and types are traps, not crashes. */
  CHECK(trap_says(wasm_func_call(div, &args, &results), "argument"));
  wasm_val_t bad_args_data[] = {WASM_I64_VAL(1), WASM_I32_VAL(0)};
  wasm_val_vec_t bad_args = WASM_ARRAY_VEC(bad_args_data);
  CHECK(trap_says(wasm_func_call(div, &bad_args, &results), "expected a value of type i32"));

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_func_delete(add);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  printf("core: ok\n");
  return 0;
}
