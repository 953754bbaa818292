/* wisp.h engine and store settings: tiers, fuel, epochs, memory limits,
 * proposals, and the reasons of failures. */
#include "check.h"

static const char* LOOP =
    "(module (func (export \"spin\") (param i32) (result i32)\n"
    "  (block $out (loop $l\n"
    "    (br_if $out (i32.eqz (local.get 0)))\n"
    "    (local.set 0 (i32.sub (local.get 0) (i32.const 1))) (br $l)))\n"
    "  (local.get 0))\n"
    "  (memory (export \"m\") 1)\n"
    "  (func (export \"grow\") (param i32) (result i32) (memory.grow (local.get 0))))\n";

static wasm_extern_vec_t exports;

static wasm_instance_t* instantiate(wasm_store_t* store) {
  wasm_module_t* module = module_from_wat(store, LOOP);
  wasm_instance_t* instance = wasm_instance_new(store, module, NULL, NULL);
  CHECK(instance != NULL);
  wasm_instance_exports(instance, &exports);
  wasm_module_delete(module);
  return instance;
}

static wasm_trap_t* call1(int index, int32_t arg, int32_t* result) {
  wasm_val_t a[1] = {WASM_I32_VAL(arg)};
  wasm_val_t r[1] = {WASM_INIT_VAL};
  wasm_val_vec_t args = WASM_ARRAY_VEC(a);
  wasm_val_vec_t results = WASM_ARRAY_VEC(r);
  wasm_trap_t* trap = wasm_func_call(wasm_extern_as_func(exports.data[index]), &args, &results);
  if (!trap && result) *result = r[0].of.i32;
  return trap;
}

static void tiers(void) {
  wisp_strategy_t tiers[] = {WISP_STRATEGY_AUTO, WISP_STRATEGY_INTERPRETER, WISP_STRATEGY_CRANELIFT};
  for (int i = 0; i < 3; i++) {
    wasm_config_t* config = wasm_config_new();
    CHECK(wisp_config_strategy_set(config, tiers[i]));
    wisp_config_max_wasm_stack_set(config, 1 << 20);
    wisp_config_memory_reservation_set(config, i != 2);
    wasm_engine_t* engine = NULL;
    CHECK(wisp_engine_new(config, &engine) == NULL && engine != NULL);
    wasm_store_t* store = wasm_store_new(engine);
    wasm_instance_t* instance = instantiate(store);
    int32_t r = -1;
    CHECK(call1(0, 1000, &r) == NULL && r == 0);
    wasm_extern_vec_delete(&exports);
    wasm_instance_delete(instance);
    wasm_store_delete(store);
    wasm_engine_delete(engine);
  }
}

static void fuel(void) {
  wasm_config_t* config = wasm_config_new();
  wisp_config_consume_fuel_set(config, true);
  wasm_engine_t* engine = wasm_engine_new_with_config(config);
  wasm_store_t* store = wasm_store_new(engine);
  CHECK(wisp_store_fuel_set(store, 100000) == NULL);
  wasm_instance_t* instance = instantiate(store);
  uint64_t left = 0;
  CHECK(wisp_store_fuel_get(store, &left) && left <= 100000);
  CHECK(call1(0, 10, NULL) == NULL);
  uint64_t after = 0;
  CHECK(wisp_store_fuel_get(store, &after) && after < left);
  CHECK(trap_says(call1(0, 1000000, NULL), "fuel"));
  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_store_delete(store);
  wasm_engine_delete(engine);

  /* Without fuel enabled, fuel calls fail with a reason. */
  engine = wasm_engine_new();
  store = wasm_store_new(engine);
  wisp_error_t* err = wisp_store_fuel_set(store, 1);
  CHECK(err != NULL);
  wasm_message_t msg;
  wisp_error_message(err, &msg);
  CHECK(strstr(msg.data, "fuel") != NULL);
  wasm_byte_vec_delete(&msg);
  wisp_error_delete(err);
  CHECK(!wisp_store_fuel_get(store, &left));
  wasm_store_delete(store);
  wasm_engine_delete(engine);
}

static void epochs(void) {
  wasm_config_t* config = wasm_config_new();
  wisp_config_epoch_interruption_set(config, true);
  wasm_engine_t* engine = wasm_engine_new_with_config(config);
  wasm_store_t* store = wasm_store_new(engine);
  wasm_instance_t* instance = instantiate(store);
  wisp_store_epoch_deadline_set(store, 1);
  CHECK(call1(0, 10, NULL) == NULL);
  wisp_engine_increment_epoch(engine);
  CHECK(wisp_engine_current_epoch(engine) == 1);
  CHECK(trap_says(call1(0, 10, NULL), "interrupt"));
  wisp_store_epoch_deadline_set(store, 5);
  CHECK(call1(0, 10, NULL) == NULL);
  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
}

static void limits(void) {
  wasm_config_t* config = wasm_config_new();
  wisp_config_max_memory_bytes_set(config, 3 * 65536);
  wasm_engine_t* engine = wasm_engine_new_with_config(config);
  wasm_store_t* store = wasm_store_new(engine);
  wasm_instance_t* instance = instantiate(store);
  int32_t r = 0;
  CHECK(call1(2, 2, &r) == NULL && r == 1);
  CHECK(call1(2, 1, &r) == NULL && r == -1);
  CHECK(!wasm_memory_grow(wasm_extern_as_memory(exports.data[1]), 1));
  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);

  /* Store limits: no more instances than allowed. */
  wisp_store_limits_set(store, UINT64_MAX, UINT64_MAX, 0, 10, 10);
  wasm_module_t* module = module_from_wat(store, "(module)");
  wasm_trap_t* trap = NULL;
  CHECK(wasm_instance_new(store, module, NULL, &trap) == NULL && trap != NULL);
  wasm_trap_delete(trap);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
}

static void proposals(void) {
  const char* simd = "(module (func (result v128) (v128.const i64x2 0 0)))";
  wasm_config_t* config = wasm_config_new();
  wisp_config_wasm_simd_set(config, false);
  wisp_config_wasm_multi_value_set(config, true);
  wisp_config_wasm_bulk_memory_set(config, true);
  wisp_config_wasm_reference_types_set(config, true);
  wisp_config_wasm_relaxed_simd_set(config, false);
  wisp_config_wasm_tail_call_set(config, false);
  wisp_config_wasm_multi_memory_set(config, true);
  wisp_config_wasm_memory64_set(config, false);
  wisp_config_wasm_extended_const_set(config, true);
  wasm_engine_t* engine = wasm_engine_new_with_config(config);
  wasm_store_t* store = wasm_store_new(engine);
  wasm_byte_vec_t binary;
  CHECK(wisp_wat2wasm(simd, strlen(simd), &binary) == NULL);
  CHECK(!wasm_module_validate(store, &binary));
  wasm_store_delete(store);
  wasm_engine_delete(engine);

  /* With SIMD on, a v128 function type exists, but values cannot cross. */
  engine = wasm_engine_new();
  store = wasm_store_new(engine);
  wasm_module_t* module = wasm_module_new(store, &binary);
  CHECK(module != NULL);
  wasm_instance_t* instance = wasm_instance_new(store, module, NULL, NULL);
  wasm_module_delete(module);
  wasm_byte_vec_delete(&binary);
  CHECK(instance != NULL);
  wasm_instance_delete(instance);
  wasm_store_delete(store);
  wasm_engine_delete(engine);

  wisp_last_error_clear();
  CHECK(wisp_last_error_message() == NULL);
}

int main(void) {
  tiers();
  fuel();
  epochs();
  limits();
  proposals();
  printf("extensions: ok\n");
  return 0;
}
