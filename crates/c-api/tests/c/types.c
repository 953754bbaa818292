/* Type descriptions, vectors, names, and module imports and exports. */
#include "check.h"

static void valtypes(void) {
  wasm_valkind_t kinds[] = {WASM_I32, WASM_I64, WASM_F32, WASM_F64, WASM_EXTERNREF, WASM_FUNCREF};
  for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
    wasm_valtype_t* t = wasm_valtype_new(kinds[i]);
    CHECK(wasm_valtype_kind(t) == kinds[i]);
    wasm_valtype_t* c = wasm_valtype_copy(t);
    CHECK(wasm_valtype_kind(c) == kinds[i]);
    CHECK(wasm_valtype_is_num(c) == (kinds[i] < WASM_EXTERNREF));
    CHECK(wasm_valtype_is_ref(c) == (kinds[i] >= WASM_EXTERNREF));
    CHECK(wasm_valkind_is_num(kinds[i]) != wasm_valkind_is_ref(kinds[i]));
    wasm_valtype_delete(c);
    wasm_valtype_delete(t);
  }
  CHECK(wasm_valtype_new(77) == NULL);
  CHECK(wisp_last_error_message() != NULL);
  wasm_valtype_t* v128 = wasm_valtype_new(WISP_V128);
  CHECK(wasm_valtype_kind(v128) == WISP_V128);
  wasm_valtype_delete(v128);

  /* Vectors of value types: new, copy, uninitialized, empty, delete. */
  wasm_valtype_t* two[] = {wasm_valtype_new_i64(), wasm_valtype_new_f32()};
  wasm_valtype_vec_t vec, copy, blank, empty;
  wasm_valtype_vec_new(&vec, 2, two);
  wasm_valtype_vec_copy(&copy, &vec);
  CHECK(copy.size == 2 && wasm_valtype_kind(copy.data[1]) == WASM_F32);
  CHECK(copy.data[0] != vec.data[0]);
  wasm_valtype_vec_new_uninitialized(&blank, 3);
  CHECK(blank.size == 3 && blank.data[2] == NULL);
  blank.data[0] = wasm_valtype_new_f64();
  wasm_valtype_vec_new_empty(&empty);
  CHECK(empty.size == 0);
  wasm_valtype_vec_delete(&empty);
  wasm_valtype_vec_delete(&blank);
  wasm_valtype_vec_delete(&copy);
  wasm_valtype_vec_delete(&vec);
}

static void functypes(void) {
  wasm_functype_t* f = wasm_functype_new_3_2(wasm_valtype_new_i32(), wasm_valtype_new_i64(),
                                             wasm_valtype_new_funcref(), wasm_valtype_new_f64(),
                                             wasm_valtype_new_externref());
  const wasm_valtype_vec_t* params = wasm_functype_params(f);
  const wasm_valtype_vec_t* results = wasm_functype_results(f);
  CHECK(params->size == 3 && results->size == 2);
  CHECK(wasm_valtype_kind(params->data[2]) == WASM_FUNCREF);
  CHECK(wasm_valtype_kind(results->data[1]) == WASM_EXTERNREF);
  wasm_functype_t* c = wasm_functype_copy(f);
  wasm_valtype_vec_t no_params, no_results;
  wasm_valtype_vec_new_empty(&no_params);
  wasm_valtype_vec_new_empty(&no_results);
  wasm_functype_t* nullary = wasm_functype_new(&no_params, &no_results);
  CHECK(wasm_functype_params(nullary)->size == 0 && wasm_functype_results(nullary)->size == 0);
  wasm_functype_delete(nullary);
  CHECK(wasm_functype_params(c)->size == 3);

  wasm_externtype_t* e = wasm_functype_as_externtype(c);
  CHECK(wasm_externtype_kind(e) == WASM_EXTERN_FUNC);
  CHECK(wasm_externtype_as_functype(e) == c);
  CHECK(wasm_externtype_as_globaltype(e) == NULL);
  CHECK(wasm_functype_as_externtype_const(c) == e);
  CHECK(wasm_externtype_as_functype_const(e) == c);
  wasm_externtype_t* ec = wasm_externtype_copy(e);
  CHECK(wasm_externtype_kind(ec) == WASM_EXTERN_FUNC);
  wasm_externtype_delete(ec);

  wasm_functype_t* list[] = {f, c};
  wasm_functype_vec_t vec, vcopy, vblank, vempty;
  wasm_functype_vec_new(&vec, 2, list);
  wasm_functype_vec_copy(&vcopy, &vec);
  wasm_functype_vec_new_uninitialized(&vblank, 1);
  wasm_functype_vec_new_empty(&vempty);
  CHECK(vcopy.size == 2);
  wasm_functype_vec_delete(&vempty);
  wasm_functype_vec_delete(&vblank);
  wasm_functype_vec_delete(&vcopy);
  wasm_functype_vec_delete(&vec); /* owns f and c */

  wasm_functype_t* others[] = {wasm_functype_new_0_0(), wasm_functype_new_1_0(wasm_valtype_new_i32()),
      wasm_functype_new_2_0(wasm_valtype_new_i32(), wasm_valtype_new_i32()),
      wasm_functype_new_3_0(wasm_valtype_new_i32(), wasm_valtype_new_i32(), wasm_valtype_new_i32()),
      wasm_functype_new_0_1(wasm_valtype_new_i32()),
      wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32()),
      wasm_functype_new_2_1(wasm_valtype_new_i32(), wasm_valtype_new_i32(), wasm_valtype_new_i32()),
      wasm_functype_new_3_1(wasm_valtype_new_i32(), wasm_valtype_new_i32(), wasm_valtype_new_i32(),
                            wasm_valtype_new_i32()),
      wasm_functype_new_0_2(wasm_valtype_new_i32(), wasm_valtype_new_i32()),
      wasm_functype_new_1_2(wasm_valtype_new_i32(), wasm_valtype_new_i32(), wasm_valtype_new_i32()),
      wasm_functype_new_2_2(wasm_valtype_new_i32(), wasm_valtype_new_i32(), wasm_valtype_new_i32(),
                            wasm_valtype_new_i32())};
  for (size_t i = 0; i < sizeof others / sizeof *others; i++) wasm_functype_delete(others[i]);
}

static void globaltypes(void) {
  wasm_globaltype_t* g = wasm_globaltype_new(wasm_valtype_new_f32(), WASM_VAR);
  CHECK(wasm_valtype_kind(wasm_globaltype_content(g)) == WASM_F32);
  CHECK(wasm_globaltype_mutability(g) == WASM_VAR);
  wasm_globaltype_t* c = wasm_globaltype_copy(g);
  CHECK(wasm_globaltype_mutability(c) == WASM_VAR);
  wasm_externtype_t* e = wasm_globaltype_as_externtype(c);
  CHECK(wasm_externtype_kind(e) == WASM_EXTERN_GLOBAL);
  CHECK(wasm_externtype_as_globaltype(e) == c && wasm_externtype_as_globaltype_const(e) == c);
  CHECK(wasm_globaltype_as_externtype_const(c) == e);
  CHECK(wasm_externtype_as_functype(e) == NULL);
  CHECK(wasm_globaltype_new(wasm_valtype_new_i32(), 9) == NULL);
  wasm_globaltype_t* list[] = {g, c};
  wasm_globaltype_vec_t vec, vcopy, vblank, vempty;
  wasm_globaltype_vec_new(&vec, 2, list);
  wasm_globaltype_vec_copy(&vcopy, &vec);
  wasm_globaltype_vec_new_uninitialized(&vblank, 2);
  wasm_globaltype_vec_new_empty(&vempty);
  wasm_globaltype_vec_delete(&vempty);
  wasm_globaltype_vec_delete(&vblank);
  wasm_globaltype_vec_delete(&vcopy);
  wasm_globaltype_vec_delete(&vec);
  wasm_globaltype_delete(wasm_globaltype_new(wasm_valtype_new_i32(), WASM_CONST));
}

static void tabletypes(void) {
  wasm_limits_t limits = {2, wasm_limits_max_default};
  wasm_tabletype_t* t = wasm_tabletype_new(wasm_valtype_new_funcref(), &limits);
  CHECK(wasm_valtype_kind(wasm_tabletype_element(t)) == WASM_FUNCREF);
  CHECK(wasm_tabletype_limits(t)->min == 2);
  CHECK(wasm_tabletype_limits(t)->max == wasm_limits_max_default);
  wasm_tabletype_t* c = wasm_tabletype_copy(t);
  wasm_externtype_t* e = wasm_tabletype_as_externtype(c);
  CHECK(wasm_externtype_kind(e) == WASM_EXTERN_TABLE);
  CHECK(wasm_externtype_as_tabletype(e) == c && wasm_externtype_as_tabletype_const(e) == c);
  CHECK(wasm_tabletype_as_externtype_const(c) == e);
  CHECK(wasm_tabletype_new(wasm_valtype_new_i32(), &limits) == NULL);
  wasm_tabletype_t* list[] = {t, c};
  wasm_tabletype_vec_t vec, vcopy, vblank, vempty;
  wasm_tabletype_vec_new(&vec, 2, list);
  wasm_tabletype_vec_copy(&vcopy, &vec);
  wasm_tabletype_vec_new_uninitialized(&vblank, 2);
  wasm_tabletype_vec_new_empty(&vempty);
  wasm_tabletype_vec_delete(&vempty);
  wasm_tabletype_vec_delete(&vblank);
  wasm_tabletype_vec_delete(&vcopy);
  wasm_tabletype_vec_delete(&vec);
  wasm_tabletype_delete(wasm_tabletype_new(wasm_valtype_new_externref(), &limits));
}

static void memorytypes(void) {
  wasm_limits_t limits = {1, 10};
  wasm_memorytype_t* m = wasm_memorytype_new(&limits);
  CHECK(wasm_memorytype_limits(m)->min == 1 && wasm_memorytype_limits(m)->max == 10);
  wasm_memorytype_t* c = wasm_memorytype_copy(m);
  wasm_externtype_t* e = wasm_memorytype_as_externtype(c);
  CHECK(wasm_externtype_kind(e) == WASM_EXTERN_MEMORY);
  CHECK(wasm_externtype_as_memorytype(e) == c && wasm_externtype_as_memorytype_const(e) == c);
  CHECK(wasm_memorytype_as_externtype_const(c) == e);
  CHECK(wasm_externtype_as_tabletype(e) == NULL);
  wasm_memorytype_t* list[] = {m, c};
  wasm_memorytype_vec_t vec, vcopy, vblank, vempty;
  wasm_memorytype_vec_new(&vec, 2, list);
  wasm_memorytype_vec_copy(&vcopy, &vec);
  wasm_memorytype_vec_new_uninitialized(&vblank, 2);
  wasm_memorytype_vec_new_empty(&vempty);
  wasm_memorytype_vec_delete(&vempty);
  wasm_memorytype_vec_delete(&vblank);
  wasm_memorytype_vec_delete(&vcopy);
  wasm_memorytype_vec_delete(&vec);
}

static void externtype_vecs(void) {
  wasm_limits_t limits = {1, 2};
  wasm_externtype_t* list[] = {wasm_memorytype_as_externtype(wasm_memorytype_new(&limits)),
                               wasm_functype_as_externtype(wasm_functype_new_0_0())};
  wasm_externtype_vec_t vec, vcopy, vblank, vempty;
  wasm_externtype_vec_new(&vec, 2, list);
  wasm_externtype_vec_copy(&vcopy, &vec);
  CHECK(wasm_externtype_kind(vcopy.data[1]) == WASM_EXTERN_FUNC);
  wasm_externtype_vec_new_uninitialized(&vblank, 2);
  wasm_externtype_vec_new_empty(&vempty);
  wasm_externtype_vec_delete(&vempty);
  wasm_externtype_vec_delete(&vblank);
  wasm_externtype_vec_delete(&vcopy);
  wasm_externtype_vec_delete(&vec);
}

static void import_export_types(void) {
  wasm_name_t module, name, ename;
  wasm_name_new_from_string(&module, "env");
  wasm_name_new_from_string(&name, "f");
  wasm_name_new_from_string_nt(&ename, "g");
  CHECK(ename.size == 2 && ename.data[1] == '\0');
  wasm_importtype_t* i = wasm_importtype_new(&module, &name, wasm_functype_as_externtype(wasm_functype_new_0_0()));
  CHECK(wasm_importtype_module(i)->size == 3 && memcmp(wasm_importtype_module(i)->data, "env", 3) == 0);
  CHECK(wasm_importtype_name(i)->size == 1 && wasm_importtype_name(i)->data[0] == 'f');
  CHECK(wasm_externtype_kind(wasm_importtype_type(i)) == WASM_EXTERN_FUNC);
  wasm_importtype_t* ic = wasm_importtype_copy(i);
  wasm_importtype_t* ilist[] = {i, ic};
  wasm_importtype_vec_t ivec, icopy, iblank, iempty;
  wasm_importtype_vec_new(&ivec, 2, ilist);
  wasm_importtype_vec_copy(&icopy, &ivec);
  wasm_importtype_vec_new_uninitialized(&iblank, 1);
  wasm_importtype_vec_new_empty(&iempty);
  wasm_importtype_vec_delete(&iempty);
  wasm_importtype_vec_delete(&iblank);
  wasm_importtype_vec_delete(&icopy);
  wasm_importtype_vec_delete(&ivec);

  wasm_limits_t limits = {0, 1};
  wasm_exporttype_t* e = wasm_exporttype_new(&ename, wasm_memorytype_as_externtype(wasm_memorytype_new(&limits)));
  CHECK(wasm_exporttype_name(e)->size == 2);
  CHECK(wasm_externtype_kind(wasm_exporttype_type(e)) == WASM_EXTERN_MEMORY);
  wasm_exporttype_t* ec = wasm_exporttype_copy(e);
  wasm_exporttype_t* elist[] = {e, ec};
  wasm_exporttype_vec_t evec, ecopy, eblank, eempty;
  wasm_exporttype_vec_new(&evec, 2, elist);
  wasm_exporttype_vec_copy(&ecopy, &evec);
  wasm_exporttype_vec_new_uninitialized(&eblank, 1);
  wasm_exporttype_vec_new_empty(&eempty);
  wasm_exporttype_vec_delete(&eempty);
  wasm_exporttype_vec_delete(&eblank);
  wasm_exporttype_vec_delete(&ecopy);
  wasm_exporttype_vec_delete(&evec);
  wasm_importtype_delete(wasm_importtype_copy(NULL));
  wasm_exporttype_delete(NULL);
}

static void bytes_and_values(void) {
  wasm_byte_vec_t b, c, u, e;
  wasm_byte_vec_new(&b, 3, "abc");
  wasm_byte_vec_copy(&c, &b);
  CHECK(c.size == 3 && memcmp(c.data, "abc", 3) == 0 && c.data != b.data);
  wasm_byte_vec_new_uninitialized(&u, 10);
  CHECK(u.size == 10);
  wasm_byte_vec_new_empty(&e);
  CHECK(e.size == 0);
  wasm_byte_vec_delete(&e);
  wasm_byte_vec_delete(&u);
  wasm_byte_vec_delete(&c);
  wasm_byte_vec_delete(&b);

  wasm_val_t vals[] = {WASM_I32_VAL(1), WASM_I64_VAL(2), WASM_F32_VAL(3.0f), WASM_F64_VAL(4.0)};
  wasm_val_vec_t vv, vc, vu, ve;
  wasm_val_vec_new(&vv, 4, vals);
  wasm_val_vec_copy(&vc, &vv);
  CHECK(vc.size == 4 && vc.data[1].kind == WASM_I64 && vc.data[1].of.i64 == 2);
  wasm_val_vec_new_uninitialized(&vu, 2);
  wasm_val_vec_new_empty(&ve);
  wasm_val_vec_delete(&ve);
  wasm_val_vec_delete(&vu);
  wasm_val_vec_delete(&vc);
  wasm_val_vec_delete(&vv);
  wasm_val_t one = WASM_F64_VAL(1.5), two;
  wasm_val_copy(&two, &one);
  CHECK(two.kind == WASM_F64 && two.of.f64 == 1.5);
  wasm_val_delete(&two);
  wasm_val_t p;
  int local = 0;
  wasm_val_init_ptr(&p, &local);
  CHECK(wasm_val_ptr(&p) == &local);
}

static void module_types(void) {
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = module_from_wat(store,
      "(module"
      "  (import \"a\" \"f\" (func (param i32) (result i64)))"
      "  (import \"a\" \"g\" (global (mut f32)))"
      "  (import \"b\" \"t\" (table 1 5 funcref))"
      "  (import \"b\" \"m\" (memory 2))"
      "  (func (export \"h\"))"
      "  (global (export \"k\") i64 (i64.const 1))"
      "  (table (export \"u\") 3 externref)"
      "  (export \"n\" (memory 0)))");
  wasm_importtype_vec_t imports;
  wasm_module_imports(module, &imports);
  CHECK(imports.size == 4);
  const wasm_externtype_t* t0 = wasm_importtype_type(imports.data[0]);
  const wasm_functype_t* f = wasm_externtype_as_functype_const(t0);
  CHECK(f && wasm_functype_params(f)->size == 1 && wasm_valtype_kind(wasm_functype_results(f)->data[0]) == WASM_I64);
  const wasm_globaltype_t* g = wasm_externtype_as_globaltype_const(wasm_importtype_type(imports.data[1]));
  CHECK(g && wasm_globaltype_mutability(g) == WASM_VAR);
  const wasm_tabletype_t* t = wasm_externtype_as_tabletype_const(wasm_importtype_type(imports.data[2]));
  CHECK(t && wasm_tabletype_limits(t)->min == 1 && wasm_tabletype_limits(t)->max == 5);
  const wasm_memorytype_t* m = wasm_externtype_as_memorytype_const(wasm_importtype_type(imports.data[3]));
  CHECK(m && wasm_memorytype_limits(m)->min == 2 && wasm_memorytype_limits(m)->max == wasm_limits_max_default);
  CHECK(memcmp(wasm_importtype_module(imports.data[3])->data, "b", 1) == 0);
  wasm_importtype_vec_delete(&imports);

  wasm_exporttype_vec_t exports;
  wasm_module_exports(module, &exports);
  CHECK(exports.size == 4);
  CHECK(wasm_externtype_kind(wasm_exporttype_type(exports.data[0])) == WASM_EXTERN_FUNC);
  CHECK(wasm_externtype_kind(wasm_exporttype_type(exports.data[1])) == WASM_EXTERN_GLOBAL);
  CHECK(wasm_externtype_kind(wasm_exporttype_type(exports.data[2])) == WASM_EXTERN_TABLE);
  CHECK(wasm_externtype_kind(wasm_exporttype_type(exports.data[3])) == WASM_EXTERN_MEMORY);
  wasm_exporttype_vec_delete(&exports);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
}

int main(void) {
  valtypes();
  functypes();
  globaltypes();
  tabletypes();
  memorytypes();
  externtype_vecs();
  import_export_types();
  bytes_and_values();
  module_types();
  printf("types: ok\n");
  return 0;
}
