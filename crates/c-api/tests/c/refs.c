/* References: globals, tables, memories and externs made by the host,
 * conversions to and from wasm_ref_t, copy and same, host info, foreign
 * objects passed through Wasm as externref, and functions as funcref. */
#include "check.h"

static const char* WAT =
    "(module\n"
    "  (table $t (export \"table\") 2 funcref)\n"
    "  (global $g (export \"global\") (mut externref) (ref.null extern))\n"
    "  (func $echo (export \"echo\") (param externref) (result externref) (local.get 0))\n"
    "  (func (export \"keep\") (param externref) (global.set $g (local.get 0)))\n"
    "  (func (export \"seven\") (result i32) (i32.const 7))\n"
    "  (func (export \"call_at\") (param i32) (result i32)\n"
    "    (call_indirect (result i32) (local.get 0)))\n"
    "  (elem (i32.const 0) func $seven)\n"
    "  (func $seven (result i32) (i32.const 7)))\n";

static wasm_trap_t* nothing(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  (void)args;
  (void)results;
  return NULL;
}

static void host_objects(wasm_store_t* store) {
  /* Globals. */
  wasm_globaltype_t* gt = wasm_globaltype_new(wasm_valtype_new_i64(), WASM_VAR);
  wasm_val_t init = WASM_I64_VAL(5);
  wasm_global_t* g = wasm_global_new(store, gt, &init);
  CHECK(g != NULL);
  wasm_globaltype_t* gt2 = wasm_global_type(g);
  CHECK(wasm_globaltype_mutability(gt2) == WASM_VAR);
  wasm_globaltype_delete(gt2);
  wasm_val_t v;
  wasm_global_get(g, &v);
  CHECK(v.kind == WASM_I64 && v.of.i64 == 5);
  wasm_val_t nine = WASM_I64_VAL(9);
  wasm_global_set(g, &nine);
  wasm_global_get(g, &v);
  CHECK(v.of.i64 == 9);
  wasm_val_t wrong = WASM_I32_VAL(1);
  CHECK(!wisp_global_set(g, &wrong));
  wasm_global_get(g, &v);
  CHECK(v.of.i64 == 9);
  wasm_globaltype_t* ct = wasm_globaltype_new(wasm_valtype_new_i32(), WASM_CONST);
  wasm_global_t* c = wasm_global_new(store, ct, &wrong);
  CHECK(!wisp_global_set(c, &wrong));
  CHECK(wasm_global_new(store, ct, &nine) == NULL);
  wasm_globaltype_delete(ct);
  wasm_globaltype_delete(gt);

  /* Tables. */
  wasm_limits_t tl = {1, 3};
  wasm_tabletype_t* tt = wasm_tabletype_new(wasm_valtype_new_funcref(), &tl);
  wasm_table_t* t = wasm_table_new(store, tt, NULL);
  CHECK(t != NULL && wasm_table_size(t) == 1);
  CHECK(wasm_table_get(t, 0) == NULL);
  wasm_functype_t* ft = wasm_functype_new_0_0();
  wasm_func_t* f = wasm_func_new(store, ft, nothing);
  CHECK(wasm_table_grow(t, 1, wasm_func_as_ref(f)));
  CHECK(wasm_table_size(t) == 2);
  wasm_ref_t* got = wasm_table_get(t, 1);
  CHECK(got != NULL && wasm_ref_as_func(got) != NULL);
  CHECK(wasm_func_same(wasm_ref_as_func(got), f));
  wasm_ref_delete(got);
  CHECK(wasm_table_set(t, 0, wasm_func_as_ref(f)));
  CHECK(!wasm_table_set(t, 5, NULL));
  CHECK(!wasm_table_grow(t, 10, NULL));
  CHECK(wasm_table_get(t, 99) == NULL);
  wasm_tabletype_t* tt2 = wasm_table_type(t);
  CHECK(wasm_tabletype_limits(tt2)->min == 2);
  wasm_tabletype_delete(tt2);
  wasm_tabletype_delete(tt);

  /* Memories. */
  wasm_limits_t ml = {1, 2};
  wasm_memorytype_t* mt = wasm_memorytype_new(&ml);
  wasm_memory_t* m = wasm_memory_new(store, mt);
  CHECK(m != NULL && wasm_memory_size(m) == 1);
  wasm_memorytype_t* mt2 = wasm_memory_type(m);
  CHECK(wasm_memorytype_limits(mt2)->max == 2);
  wasm_memorytype_delete(mt2);
  wasm_memorytype_delete(mt);

  /* Externs: kinds, types, views and vectors. */
  wasm_extern_t* es[] = {wasm_func_as_extern(f), wasm_global_as_extern(g), wasm_table_as_extern(t),
                         wasm_memory_as_extern(m)};
  wasm_externkind_t kinds[] = {WASM_EXTERN_FUNC, WASM_EXTERN_GLOBAL, WASM_EXTERN_TABLE, WASM_EXTERN_MEMORY};
  for (int i = 0; i < 4; i++) {
    CHECK(wasm_extern_kind(es[i]) == kinds[i]);
    wasm_externtype_t* et = wasm_extern_type(es[i]);
    CHECK(wasm_externtype_kind(et) == kinds[i]);
    wasm_externtype_delete(et);
    wasm_extern_t* copy = wasm_extern_copy(es[i]);
    CHECK(wasm_extern_same(copy, es[i]));
    CHECK(!wasm_extern_same(copy, es[(i + 1) % 4]));
    CHECK(wasm_ref_as_extern(wasm_extern_as_ref(copy)) == copy);
    CHECK(wasm_ref_as_extern_const(wasm_extern_as_ref_const(copy)) == copy);
    wasm_extern_delete(copy);
  }
  CHECK(wasm_extern_as_func(es[0]) == f && wasm_extern_as_func_const(es[0]) == f);
  CHECK(wasm_extern_as_global(es[1]) == g && wasm_extern_as_global_const(es[1]) == g);
  CHECK(wasm_extern_as_table(es[2]) == t && wasm_extern_as_table_const(es[2]) == t);
  CHECK(wasm_extern_as_memory(es[3]) == m && wasm_extern_as_memory_const(es[3]) == m);
  CHECK(wasm_extern_as_memory(es[0]) == NULL && wasm_extern_as_func(es[3]) == NULL);
  CHECK(wasm_func_as_extern_const(f) == es[0] && wasm_global_as_extern_const(g) == es[1]);
  CHECK(wasm_table_as_extern_const(t) == es[2] && wasm_memory_as_extern_const(m) == es[3]);
  wasm_extern_t* owned[] = {wasm_extern_copy(es[0]), wasm_extern_copy(es[3])};
  wasm_extern_vec_t ev, ec, eu, ee;
  wasm_extern_vec_new(&ev, 2, owned);
  wasm_extern_vec_copy(&ec, &ev);
  CHECK(wasm_extern_same(ec.data[1], es[3]));
  wasm_extern_vec_new_uninitialized(&eu, 2);
  wasm_extern_vec_new_empty(&ee);
  wasm_extern_vec_delete(&ee);
  wasm_extern_vec_delete(&eu);
  wasm_extern_vec_delete(&ec);
  wasm_extern_vec_delete(&ev);

  /* Copies and sameness of each kind, and the generic views. */
  wasm_func_t* f2 = wasm_func_copy(f);
  CHECK(wasm_func_same(f, f2));
  wasm_global_t* g2 = wasm_global_copy(g);
  CHECK(wasm_global_same(g, g2) && !wasm_global_same(g, c));
  wasm_table_t* t2 = wasm_table_copy(t);
  CHECK(wasm_table_same(t, t2));
  wasm_memory_t* m2 = wasm_memory_copy(m);
  CHECK(wasm_memory_same(m, m2));
  CHECK(wasm_ref_as_func(wasm_func_as_ref(f2)) == f2);
  CHECK(wasm_ref_as_func_const(wasm_func_as_ref_const(f2)) == f2);
  CHECK(wasm_ref_as_global(wasm_global_as_ref(g2)) == g2);
  CHECK(wasm_ref_as_global_const(wasm_global_as_ref_const(g2)) == g2);
  CHECK(wasm_ref_as_table(wasm_table_as_ref(t2)) == t2);
  CHECK(wasm_ref_as_table_const(wasm_table_as_ref_const(t2)) == t2);
  CHECK(wasm_ref_as_memory(wasm_memory_as_ref(m2)) == m2);
  CHECK(wasm_ref_as_memory_const(wasm_memory_as_ref_const(m2)) == m2);
  CHECK(wasm_ref_as_memory(wasm_func_as_ref(f2)) == NULL);
  wasm_ref_t* r = wasm_ref_copy(wasm_global_as_ref(g2));
  CHECK(wasm_ref_same(r, wasm_global_as_ref(g)));
  wasm_ref_delete(r);

  /* Host info is the object's: every handle sees it. */
  int a, b, cc, d;
  wasm_func_set_host_info(f, &a);
  CHECK(wasm_func_get_host_info(f2) == &a);
  CHECK(wasm_extern_get_host_info(wasm_func_as_extern(f2)) == &a);
  CHECK(wasm_ref_get_host_info(wasm_func_as_ref(f2)) == &a);
  wasm_global_set_host_info(g, &b);
  CHECK(wasm_global_get_host_info(g2) == &b);
  wasm_table_set_host_info(t2, &cc);
  CHECK(wasm_table_get_host_info(t) == &cc);
  wasm_memory_set_host_info(m, &d);
  CHECK(wasm_memory_get_host_info(m2) == &d);
  wasm_extern_set_host_info(wasm_memory_as_extern(m2), &a);
  CHECK(wasm_memory_get_host_info(m) == &a);
  wasm_ref_set_host_info(wasm_table_as_ref(t), &b);
  CHECK(wasm_table_get_host_info(t2) == &b);
  CHECK(wasm_global_get_host_info(c) == NULL);

  wasm_func_delete(f2);
  wasm_global_delete(g2);
  wasm_table_delete(t2);
  wasm_memory_delete(m2);
  wasm_func_delete(f);
  wasm_functype_delete(ft);
  wasm_global_delete(c);
  wasm_global_delete(g);
  wasm_table_delete(t);
  wasm_memory_delete(m);
}

static void through_wasm(wasm_store_t* store) {
  wasm_module_t* module = module_from_wat(store, WAT);
  wasm_instance_t* instance = wasm_instance_new(store, module, NULL, NULL);
  CHECK(instance != NULL);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);

  /* A foreign object goes through Wasm and comes back the same. */
  wasm_foreign_t* foreign = wasm_foreign_new(store);
  CHECK(foreign != NULL);
  int info;
  wasm_foreign_set_host_info(foreign, &info);
  wasm_func_t* echo = wasm_extern_as_func(export_named(module, &exports, "echo"));
  wasm_val_t args_data[] = {WASM_REF_VAL(wasm_foreign_as_ref(foreign))};
  wasm_val_t results_data[] = {WASM_INIT_VAL};
  wasm_val_vec_t args = WASM_ARRAY_VEC(args_data);
  wasm_val_vec_t results = WASM_ARRAY_VEC(results_data);
  CHECK(wasm_func_call(echo, &args, &results) == NULL);
  CHECK(results_data[0].kind == WASM_EXTERNREF && results_data[0].of.ref != NULL);
  wasm_foreign_t* back = wasm_ref_as_foreign(results_data[0].of.ref);
  CHECK(back != NULL && wasm_foreign_same(back, foreign));
  CHECK(wasm_foreign_get_host_info(back) == &info);
  CHECK(wasm_ref_as_foreign_const(wasm_foreign_as_ref_const(back)) == back);
  wasm_foreign_t* fcopy = wasm_foreign_copy(back);
  CHECK(wasm_foreign_same(fcopy, foreign));
  wasm_foreign_delete(fcopy);
  wasm_val_delete(&results_data[0]);

  /* Any object of the store can be an externref, and comes back as itself. */
  wasm_extern_t* table_ext = export_named(module, &exports, "table");
  args_data[0] = (wasm_val_t)WASM_REF_VAL(wasm_extern_as_ref(table_ext));
  CHECK(wasm_func_call(echo, &args, &results) == NULL);
  CHECK(wasm_table_same(wasm_ref_as_table(results_data[0].of.ref), wasm_extern_as_table(table_ext)));
  wasm_val_delete(&results_data[0]);

  /* Null passes as null. */
  args_data[0] = (wasm_val_t)WASM_REF_VAL(NULL);
  CHECK(wasm_func_call(echo, &args, &results) == NULL);
  CHECK(results_data[0].kind == WASM_EXTERNREF && results_data[0].of.ref == NULL);

  /* Stored in a global by Wasm, read by the host. */
  wasm_func_t* keep = wasm_extern_as_func(export_named(module, &exports, "keep"));
  args_data[0] = (wasm_val_t)WASM_REF_VAL(wasm_foreign_as_ref(foreign));
  wasm_val_vec_t none = WASM_EMPTY_VEC;
  CHECK(wasm_func_call(keep, &args, &none) == NULL);
  wasm_val_t kept;
  wasm_global_get(wasm_extern_as_global(export_named(module, &exports, "global")), &kept);
  CHECK(kept.kind == WASM_EXTERNREF && wasm_foreign_same(wasm_ref_as_foreign(kept.of.ref), foreign));
  wasm_val_t copy;
  wasm_val_copy(&copy, &kept);
  CHECK(copy.of.ref != kept.of.ref && wasm_ref_same(copy.of.ref, kept.of.ref));
  wasm_val_delete(&copy);
  wasm_val_delete(&kept);

  /* A Wasm function from a table, called from the host and from Wasm. */
  wasm_table_t* table = wasm_extern_as_table(table_ext);
  wasm_ref_t* fref = wasm_table_get(table, 0);
  wasm_func_t* seven = wasm_ref_as_func(fref);
  CHECK(seven != NULL);
  wasm_val_t r1[] = {WASM_INIT_VAL};
  wasm_val_vec_t res1 = WASM_ARRAY_VEC(r1);
  CHECK(wasm_func_call(seven, NULL, &res1) == NULL && r1[0].of.i32 == 7);
  wasm_func_t* seven_export = wasm_extern_as_func(export_named(module, &exports, "seven"));
  CHECK(wasm_table_set(table, 1, wasm_func_as_ref(seven_export)));
  wasm_func_t* call_at = wasm_extern_as_func(export_named(module, &exports, "call_at"));
  wasm_val_t at[] = {WASM_I32_VAL(1)};
  wasm_val_vec_t at_args = WASM_ARRAY_VEC(at);
  CHECK(wasm_func_call(call_at, &at_args, &res1) == NULL && r1[0].of.i32 == 7);
  wasm_ref_delete(fref);

  /* Instances: copies, sameness, views, host info. */
  wasm_instance_t* icopy = wasm_instance_copy(instance);
  CHECK(wasm_instance_same(icopy, instance));
  CHECK(wasm_ref_as_instance(wasm_instance_as_ref(icopy)) == icopy);
  CHECK(wasm_ref_as_instance_const(wasm_instance_as_ref_const(icopy)) == icopy);
  wasm_instance_set_host_info(icopy, &info);
  CHECK(wasm_instance_get_host_info(instance) == &info);
  wasm_instance_delete(icopy);

  /* Modules: copies, sameness, views, host info. */
  wasm_module_t* mcopy = wasm_module_copy(module);
  CHECK(wasm_module_same(mcopy, module));
  CHECK(wasm_ref_as_module(wasm_module_as_ref(mcopy)) == mcopy);
  CHECK(wasm_ref_as_module_const(wasm_module_as_ref_const(mcopy)) == mcopy);
  wasm_module_set_host_info(mcopy, &info);
  CHECK(wasm_module_get_host_info(module) == &info);
  wasm_module_delete(mcopy);

  wasm_foreign_delete(foreign);
  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
}

static void traps(wasm_store_t* store) {
  wasm_message_t msg;
  wasm_name_new_from_string_nt(&msg, "custom");
  wasm_trap_t* trap = wasm_trap_new(store, &msg);
  wasm_byte_vec_delete(&msg);
  wasm_trap_t* copy = wasm_trap_copy(trap);
  CHECK(wasm_trap_same(trap, copy));
  CHECK(wasm_ref_as_trap(wasm_trap_as_ref(copy)) == copy);
  CHECK(wasm_ref_as_trap_const(wasm_trap_as_ref_const(copy)) == copy);
  int info;
  wasm_trap_set_host_info(trap, &info);
  CHECK(wasm_trap_get_host_info(copy) == &info);
  CHECK(wasm_trap_origin(trap) == NULL);
  wasm_frame_vec_t trace;
  wasm_trap_trace(trap, &trace);
  CHECK(trace.size == 0);
  wasm_frame_vec_delete(&trace);
  wasm_trap_delete(copy);
  CHECK(trap_says(trap, "custom"));
}

int main(void) {
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  host_objects(store);
  through_wasm(store);
  traps(store);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  printf("refs: ok\n");
  return 0;
}
