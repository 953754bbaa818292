/* Failures never abort: bad modules, bad imports, objects of another
 * store, NULL arguments, traps from host functions and start functions,
 * serialization, and the reasons wisp.h reports. */
#include "check.h"

static wasm_trap_t* boom(void* env, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  (void)args;
  (void)results;
  wasm_message_t msg;
  wasm_name_new_from_string_nt(&msg, "boom");
  wasm_trap_t* trap = wasm_trap_new((wasm_store_t*)env, &msg);
  wasm_byte_vec_delete(&msg);
  return trap;
}

static wasm_trap_t* wrong_result(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  (void)args;
  results->data[0].kind = WASM_F64;
  results->data[0].of.f64 = 1.0;
  return NULL;
}

static void bad_modules(wasm_store_t* store, wasm_engine_t* engine) {
  wasm_byte_vec_t bytes;
  wasm_byte_vec_new(&bytes, 5, "\0asmX");
  wisp_last_error_clear();
  CHECK(wasm_module_new(store, &bytes) == NULL);
  CHECK(wisp_last_error_message() != NULL && strstr(wisp_last_error_message(), "invalid module"));
  CHECK(!wasm_module_validate(store, &bytes));
  wasm_byte_vec_delete(&bytes);

  /* Truncations of a valid module fail cleanly (those ending on a section
   * boundary early enough may still be valid modules). */
  const char* wat = "(module (func (export \"f\") (param i32) (result i32) (local.get 0)) (memory 1))";
  wasm_byte_vec_t good;
  CHECK(wisp_wat2wasm(wat, strlen(wat), &good) == NULL);
  CHECK(wasm_module_validate(store, &good));
  size_t refused = 0;
  for (size_t n = 0; n < good.size; n++) {
    wasm_byte_vec_t cut = {n, good.data};
    wasm_module_t* m = wasm_module_new(store, &cut);
    if (m == NULL) refused++;
    CHECK(m != NULL || n != 8);
    wasm_module_delete(m);
  }
  CHECK(refused >= good.size - 3);
  wasm_module_t* out = NULL;
  wisp_error_t* err = wisp_module_new(engine, (const uint8_t*)good.data, good.size - 1, &out);
  CHECK(err != NULL && out == NULL);
  wasm_message_t msg;
  wisp_error_message(err, &msg);
  CHECK(strstr(msg.data, "invalid module") != NULL);
  CHECK(!wisp_error_exit_status(err, NULL));
  wasm_byte_vec_delete(&msg);
  wisp_error_delete(err);
  CHECK(wisp_module_new(engine, (const uint8_t*)good.data, good.size, &out) == NULL && out != NULL);
  wasm_module_delete(out);
  wasm_byte_vec_delete(&good);

  CHECK(wasm_module_new(store, NULL) == NULL);
  CHECK(wasm_module_new(NULL, NULL) == NULL);
  err = wisp_wat2wasm("(module", 7, &bytes);
  CHECK(err != NULL);
  wisp_error_delete(err);
}

static void bad_instances(wasm_store_t* store, wasm_store_t* other) {
  wasm_module_t* module = module_from_wat(store,
      "(module (import \"m\" \"f\" (func (result i32)))"
      "  (func (export \"g\") (result i32) (call 0)))");
  wasm_trap_t* trap = NULL;

  /* Missing imports. */
  CHECK(wasm_instance_new(store, module, NULL, &trap) == NULL);
  CHECK(trap_says(trap, "import"));

  /* An import of the wrong kind. */
  wasm_limits_t limits = {1, 1};
  wasm_memorytype_t* mt = wasm_memorytype_new(&limits);
  wasm_memory_t* memory = wasm_memory_new(store, mt);
  wasm_extern_t* wrong[] = {wasm_memory_as_extern(memory)};
  wasm_extern_vec_t wrong_vec = WASM_ARRAY_VEC(wrong);
  trap = NULL;
  CHECK(wasm_instance_new(store, module, &wrong_vec, &trap) == NULL && trap != NULL);
  wasm_trap_delete(trap);

  /* An import from another store. */
  wasm_functype_t* ft = wasm_functype_new_0_1(wasm_valtype_new_i32());
  wasm_func_t* foreign_func = wasm_func_new(other, ft, wrong_result);
  wasm_extern_t* from_other[] = {wasm_func_as_extern(foreign_func)};
  wasm_extern_vec_t other_vec = WASM_ARRAY_VEC(from_other);
  trap = NULL;
  CHECK(wasm_instance_new(store, module, &other_vec, &trap) == NULL);
  CHECK(trap_says(trap, "another store"));
  /* A NULL trap pointer is fine. */
  CHECK(wasm_instance_new(store, module, &other_vec, NULL) == NULL);

  /* A host function returning a value of the wrong type traps. */
  wasm_func_t* bad = wasm_func_new(store, ft, wrong_result);
  wasm_extern_t* bad_imports[] = {wasm_func_as_extern(bad)};
  wasm_extern_vec_t bad_vec = WASM_ARRAY_VEC(bad_imports);
  wasm_instance_t* instance = wasm_instance_new(store, module, &bad_vec, NULL);
  CHECK(instance != NULL);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_val_t r[1] = {WASM_INIT_VAL};
  wasm_val_vec_t results = WASM_ARRAY_VEC(r);
  CHECK(trap_says(wasm_func_call(wasm_extern_as_func(exports.data[0]), NULL, &results), "result"));
  /* Too few result slots. */
  wasm_val_vec_t no_results = WASM_EMPTY_VEC;
  CHECK(trap_says(wasm_func_call(wasm_extern_as_func(exports.data[0]), NULL, &no_results), "result slot"));
  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);

  /* A trap from a start function. */
  wasm_module_t* starts = module_from_wat(store, "(module (func unreachable) (start 0))");
  trap = NULL;
  CHECK(wasm_instance_new(store, starts, NULL, &trap) == NULL);
  CHECK(trap_says(trap, "unreachable"));

  wasm_module_delete(starts);
  wasm_func_delete(bad);
  wasm_func_delete(foreign_func);
  wasm_functype_delete(ft);
  wasm_memory_delete(memory);
  wasm_memorytype_delete(mt);
  wasm_module_delete(module);
}

static void host_traps_and_frames(wasm_store_t* store, wasm_store_t* other) {
  wasm_module_t* module = module_from_wat(store,
      "(module $m (import \"m\" \"boom\" (func $boom))"
      "  (func $inner (export \"inner\") unreachable)"
      "  (func $outer (export \"outer\") (call $inner))"
      "  (func (export \"calls_host\") (call $boom))"
      "  (table (export \"t\") 1 funcref)"
      "  (func (export \"take\") (param funcref)))");
  wasm_functype_t* ft = wasm_functype_new_0_0();
  wasm_func_t* host = wasm_func_new_with_env(store, ft, boom, store, NULL);
  wasm_extern_t* imports[] = {wasm_func_as_extern(host)};
  wasm_extern_vec_t import_vec = WASM_ARRAY_VEC(imports);
  wasm_instance_t* instance = wasm_instance_new(store, module, &import_vec, NULL);
  CHECK(instance != NULL);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_val_vec_t none = WASM_EMPTY_VEC;

  /* The host's message arrives unchanged through Wasm. */
  wasm_trap_t* trap = wasm_func_call(wasm_extern_as_func(exports.data[2]), &none, &none);
  CHECK(trap != NULL);
  wasm_message_t msg;
  wasm_trap_message(trap, &msg);
  CHECK(strcmp(msg.data, "boom") == 0 && msg.size == 5);
  wasm_byte_vec_delete(&msg);
  wasm_trap_delete(trap);

  /* Frames of a trap two calls deep, innermost first. */
  trap = wasm_func_call(wasm_extern_as_func(exports.data[1]), &none, &none);
  CHECK(trap != NULL);
  wasm_frame_vec_t trace;
  wasm_trap_trace(trap, &trace);
  CHECK(trace.size == 2);
  CHECK(wasm_frame_func_index(trace.data[0]) == 1 && wasm_frame_func_index(trace.data[1]) == 2);
  wasm_frame_t* copy = wasm_frame_copy(trace.data[1]);
  CHECK(wasm_frame_func_index(copy) == 2);
  (void)wasm_frame_func_offset(copy);
  (void)wasm_frame_module_offset(copy);
  wasm_instance_t* frame_instance = wasm_frame_instance(copy);
  CHECK(wasm_instance_same(frame_instance, instance));
  wasm_frame_delete(copy);
  wasm_frame_vec_t trace_copy, blank, empty;
  wasm_frame_vec_copy(&trace_copy, &trace);
  CHECK(trace_copy.size == 2);
  wasm_frame_vec_new_uninitialized(&blank, 1);
  wasm_frame_vec_new_empty(&empty);
  wasm_frame_t* owned[] = {wasm_trap_origin(trap)};
  wasm_frame_vec_t made;
  wasm_frame_vec_new(&made, 1, owned);
  wasm_frame_vec_delete(&made);
  wasm_frame_vec_delete(&empty);
  wasm_frame_vec_delete(&blank);
  wasm_frame_vec_delete(&trace_copy);
  wasm_frame_vec_delete(&trace);
  wasm_trap_delete(trap);

  /* A function of another store as an argument, in a table. */
  wasm_func_t* alien = wasm_func_new(other, ft, (wasm_func_callback_t)NULL);
  CHECK(alien == NULL);
  alien = wasm_func_new_with_env(other, ft, boom, other, NULL);
  wasm_val_t arg[] = {{.kind = WASM_FUNCREF, .of = {.ref = wasm_func_as_ref(alien)}}};
  wasm_val_vec_t args = WASM_ARRAY_VEC(arg);
  CHECK(trap_says(wasm_func_call(wasm_extern_as_func(exports.data[4]), &args, &none), "another store"));
  CHECK(!wasm_table_set(wasm_extern_as_table(exports.data[3]), 0, wasm_func_as_ref(alien)));
  wasm_val_t not_a_func[] = {{.kind = WASM_FUNCREF, .of = {.ref = wasm_instance_as_ref(instance)}}};
  wasm_val_vec_t bad_args = WASM_ARRAY_VEC(not_a_func);
  CHECK(trap_says(wasm_func_call(wasm_extern_as_func(exports.data[4]), &bad_args, &none), "funcref"));
  wasm_func_delete(alien);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_func_delete(host);
  wasm_functype_delete(ft);
  wasm_module_delete(module);
}

static void nulls(void) {
  CHECK(wasm_store_new(NULL) == NULL);
  CHECK(trap_says(wasm_func_call(NULL, NULL, NULL), "no function"));
  CHECK(wasm_memory_data(NULL) == NULL && wasm_memory_data_size(NULL) == 0);
  CHECK(wasm_memory_size(NULL) == 0 && !wasm_memory_grow(NULL, 1));
  CHECK(wasm_table_size(NULL) == 0 && wasm_table_get(NULL, 0) == NULL);
  CHECK(wasm_func_param_arity(NULL) == 0 && wasm_func_type(NULL) == NULL);
  CHECK(wasm_extern_type(NULL) == NULL);
  CHECK(wasm_functype_params(NULL) == NULL);
  CHECK(wasm_instance_new(NULL, NULL, NULL, NULL) == NULL);
  CHECK(wasm_module_share(NULL) == NULL && wasm_module_obtain(NULL, NULL) == NULL);
  CHECK(wasm_ref_as_func(NULL) == NULL && wasm_func_as_ref(NULL) == NULL);
  CHECK(wasm_ref_same(NULL, NULL));
  CHECK(wasm_ref_get_host_info(NULL) == NULL);
  wasm_val_t v;
  wasm_global_get(NULL, &v);
  CHECK(v.kind == WASM_I32);
  wasm_global_set(NULL, NULL);
  wasm_ref_delete(NULL);
  wasm_module_delete(NULL);
  wasm_store_delete(NULL);
  wasm_engine_delete(NULL);
  wasm_config_delete(NULL);
  wasm_val_delete(NULL);
  wasm_byte_vec_delete(NULL);
}

static void serialization(void) {
  const char* wat = "(module (func (export \"f\") (result i32) (i32.const 42)))";
  for (int tier = 0; tier < 2; tier++) {
    wasm_config_t* config = wasm_config_new();
    CHECK(wisp_config_strategy_set(config, tier ? WISP_STRATEGY_CRANELIFT : WISP_STRATEGY_INTERPRETER));
    wasm_engine_t* engine = wasm_engine_new_with_config(config);
    CHECK(engine != NULL);
    wasm_store_t* store = wasm_store_new(engine);
    wasm_module_t* module = module_from_wat(store, wat);
    wasm_byte_vec_t bytes;
    wasm_module_serialize(module, &bytes);
    CHECK(bytes.size > 0);
    wasm_module_t* back = wasm_module_deserialize(store, &bytes);
    CHECK(back != NULL);
    wasm_instance_t* instance = wasm_instance_new(store, back, NULL, NULL);
    wasm_extern_vec_t exports;
    wasm_instance_exports(instance, &exports);
    wasm_val_t r[1] = {WASM_INIT_VAL};
    wasm_val_vec_t results = WASM_ARRAY_VEC(r);
    CHECK(wasm_func_call(wasm_extern_as_func(exports.data[0]), NULL, &results) == NULL);
    CHECK(r[0].of.i32 == 42);
    /* Damaged bytes are refused. */
    bytes.data[bytes.size / 2] ^= 0x55;
    bytes.data[0] ^= 0x55;
    CHECK(wasm_module_deserialize(store, &bytes) == NULL);
    wasm_byte_vec_delete(&bytes);

    /* A module of another engine cannot be obtained. */
    wasm_engine_t* other_engine = wasm_engine_new();
    wasm_store_t* other_store = wasm_store_new(other_engine);
    wasm_shared_module_t* shared = wasm_module_share(module);
    CHECK(wasm_module_obtain(other_store, shared) == NULL);
    wasm_shared_module_delete(shared);
    wasm_store_delete(other_store);
    wasm_engine_delete(other_engine);

    wasm_extern_vec_delete(&exports);
    wasm_instance_delete(instance);
    wasm_module_delete(back);
    wasm_module_delete(module);
    wasm_store_delete(store);
    wasm_engine_delete(engine);
  }
  wasm_config_t* config = wasm_config_new();
  CHECK(!wisp_config_strategy_set(config, 99));
  wasm_config_delete(config);
}

/* Every frame of a trace names its instance and where its function's body
 * lies in the module, in both tiers: with two instances of one module in
 * the store, and across a call from one module into another. */
static void frame_instances(void) {
  for (int tier = 0; tier < 2; tier++) {
    wasm_config_t* config = wasm_config_new();
    CHECK(wisp_config_strategy_set(config, tier ? WISP_STRATEGY_CRANELIFT : WISP_STRATEGY_INTERPRETER));
    wasm_engine_t* engine = wasm_engine_new_with_config(config);
    wasm_store_t* store = wasm_store_new(engine);
    wasm_module_t* lib = module_from_wat(store,
        "(module (func $inner (export \"inner\") unreachable)"
        "  (func (export \"outer\") (call $inner)))");
    wasm_instance_t* first = wasm_instance_new(store, lib, NULL, NULL);
    wasm_instance_t* second = wasm_instance_new(store, lib, NULL, NULL);
    CHECK(first != NULL && second != NULL);
    wasm_extern_vec_t lib_exports;
    wasm_instance_exports(second, &lib_exports);
    wasm_val_vec_t none = WASM_EMPTY_VEC;

    /* The second of two instances of `lib`. */
    wasm_trap_t* trap = wasm_func_call(wasm_extern_as_func(lib_exports.data[1]), &none, &none);
    CHECK(trap != NULL);
    wasm_frame_vec_t trace;
    wasm_trap_trace(trap, &trace);
    CHECK(trace.size == 2);
    for (size_t i = 0; i < trace.size; i++) {
      CHECK(wasm_instance_same(wasm_frame_instance(trace.data[i]), second));
      CHECK(!wasm_instance_same(wasm_frame_instance(trace.data[i]), first));
      CHECK(wasm_frame_func_offset(trace.data[i]) == 0);
    }
    /* $inner's body comes before $outer's in the binary. */
    size_t inner_at = wasm_frame_module_offset(trace.data[0]);
    CHECK(inner_at > 8 && inner_at < wasm_frame_module_offset(trace.data[1]));
    wasm_frame_t* origin = wasm_trap_origin(trap);
    CHECK(wasm_instance_same(wasm_frame_instance(origin), second));
    wasm_frame_delete(origin);
    wasm_frame_vec_delete(&trace);
    wasm_trap_delete(trap);

    /* `app` calls into `lib`, in a store holding one instance of each:
     * each frame names its own (with two instances of `lib`, compiled
     * frames could not tell which ran). */
    wasm_store_t* single = wasm_store_new(engine);
    wasm_module_t* lib_again = module_from_wat(single,
        "(module (func $inner (export \"inner\") unreachable)"
        "  (func (export \"outer\") (call $inner)))");
    wasm_instance_t* only = wasm_instance_new(single, lib_again, NULL, NULL);
    wasm_extern_vec_t only_exports;
    wasm_instance_exports(only, &only_exports);
    wasm_module_t* app_here = module_from_wat(single,
        "(module (import \"lib\" \"inner\" (func $inner))"
        "  (func (export \"main\") (call $inner)))");
    wasm_extern_t* imports[] = {only_exports.data[0]};
    wasm_extern_vec_t import_vec = WASM_ARRAY_VEC(imports);
    wasm_instance_t* user = wasm_instance_new(single, app_here, &import_vec, NULL);
    CHECK(user != NULL);
    wasm_extern_vec_t app_exports;
    wasm_instance_exports(user, &app_exports);
    trap = wasm_func_call(wasm_extern_as_func(app_exports.data[0]), &none, &none);
    CHECK(trap != NULL);
    wasm_trap_trace(trap, &trace);
    CHECK(trace.size == 2);
    CHECK(wasm_frame_func_index(trace.data[0]) == 0 && wasm_frame_func_index(trace.data[1]) == 1);
    CHECK(wasm_instance_same(wasm_frame_instance(trace.data[0]), only));
    CHECK(wasm_instance_same(wasm_frame_instance(trace.data[1]), user));
    CHECK(wasm_frame_module_offset(trace.data[0]) == inner_at);
    wasm_frame_vec_delete(&trace);
    wasm_trap_delete(trap);
    wasm_extern_vec_delete(&only_exports);
    wasm_instance_delete(only);
    wasm_module_delete(lib_again);
    wasm_module_delete(app_here);

    wasm_extern_vec_delete(&app_exports);
    wasm_extern_vec_delete(&lib_exports);
    wasm_instance_delete(user);
    wasm_instance_delete(second);
    wasm_instance_delete(first);
    wasm_module_delete(lib);
    wasm_store_delete(single);
    wasm_store_delete(store);
    wasm_engine_delete(engine);
  }
}

int main(void) {
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_store_t* other = wasm_store_new(engine);
  bad_modules(store, engine);
  bad_instances(store, other);
  host_traps_and_frames(store, other);
  nulls();
  serialization();
  frame_instances();
  wasm_store_delete(other);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  printf("errors: ok\n");
  return 0;
}
