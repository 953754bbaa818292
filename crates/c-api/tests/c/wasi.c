/* The linker and WASI: host functions by name, arguments, environment,
 * a preopened directory (read-only and read-write), stdout to a file, exit
 * statuses, and instances linked to each other. */
#include <stdint.h>
#include <sys/stat.h>

#include "check.h"

static int env_finalized = 0;
static void finalize_env(void* env) {
  CHECK(env == &env_finalized);
  env_finalized++;
}

static wasm_trap_t* triple(void* env, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  CHECK(env == &env_finalized);
  results->data[0].kind = WASM_I32;
  results->data[0].of.i32 = args->data[0].of.i32 * 3;
  return NULL;
}

/* Writes "hi <argv[1]> <$NAME>\n" to stdout, copies in/a.txt to out/b.txt,
 * fails to create a file in in/, and returns 7 * 3 through the host. */
static const char* PROGRAM =
    "(module\n"
    "  (import \"wasi_snapshot_preview1\" \"fd_write\" (func $fd_write (param i32 i32 i32 i32) (result i32)))\n"
    "  (import \"wasi_snapshot_preview1\" \"args_get\" (func $args_get (param i32 i32) (result i32)))\n"
    "  (import \"wasi_snapshot_preview1\" \"environ_get\" (func $environ_get (param i32 i32) (result i32)))\n"
    "  (import \"wasi_snapshot_preview1\" \"path_open\"\n"
    "    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))\n"
    "  (import \"wasi_snapshot_preview1\" \"fd_read\" (func $fd_read (param i32 i32 i32 i32) (result i32)))\n"
    "  (import \"wasi_snapshot_preview1\" \"proc_exit\" (func $exit (param i32)))\n"
    "  (import \"host\" \"triple\" (func $triple (param i32) (result i32)))\n"
    "  (memory (export \"memory\") 1)\n"
    "  (data (i32.const 400) \"a.txt\")\n"
    "  (data (i32.const 410) \"b.txt\")\n"
    "  (data (i32.const 420) \"c.txt\")\n"
    "  (func $strlen (param $p i32) (result i32) (local $n i32)\n"
    "    (block $done (loop $l\n"
    "      (br_if $done (i32.eqz (i32.load8_u (i32.add (local.get $p) (local.get $n)))))\n"
    "      (local.set $n (i32.add (local.get $n) (i32.const 1))) (br $l)))\n"
    "    (local.get $n))\n"
    "  (func $print (param $p i32) (param $len i32)\n"
    "    (i32.store (i32.const 0) (local.get $p)) (i32.store (i32.const 4) (local.get $len))\n"
    "    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))\n"
    "  (func (export \"run\") (result i32) (local $fd i32) (local $n i32)\n"
    "    (drop (call $args_get (i32.const 100) (i32.const 1000)))\n"
    "    (call $print (i32.load (i32.const 104)) (call $strlen (i32.load (i32.const 104))))\n"
    "    (drop (call $environ_get (i32.const 200) (i32.const 2000)))\n"
    "    (call $print (i32.load (i32.const 200)) (call $strlen (i32.load (i32.const 200))))\n"
    "    ;; open in/a.txt (preopen fd 3) for reading\n"
    "    (if (call $path_open (i32.const 3) (i32.const 0) (i32.const 400) (i32.const 5)\n"
    "          (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 12))\n"
    "      (then (return (i32.const -1))))\n"
    "    (local.set $fd (i32.load (i32.const 12)))\n"
    "    (i32.store (i32.const 0) (i32.const 3000)) (i32.store (i32.const 4) (i32.const 100))\n"
    "    (drop (call $fd_read (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 16)))\n"
    "    (local.set $n (i32.load (i32.const 16)))\n"
    "    ;; create out/b.txt (preopen fd 4) and write what was read\n"
    "    (if (call $path_open (i32.const 4) (i32.const 0) (i32.const 410) (i32.const 5)\n"
    "          (i32.const 1) (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 12))\n"
    "      (then (return (i32.const -2))))\n"
    "    (i32.store (i32.const 0) (i32.const 3000)) (i32.store (i32.const 4) (local.get $n))\n"
    "    (drop (call $fd_write (i32.load (i32.const 12)) (i32.const 0) (i32.const 1) (i32.const 16)))\n"
    "    ;; creating in/c.txt must fail: in/ is read-only\n"
    "    (if (i32.eqz (call $path_open (i32.const 3) (i32.const 0) (i32.const 420) (i32.const 5)\n"
    "          (i32.const 1) (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 12)))\n"
    "      (then (return (i32.const -3))))\n"
    "    (call $triple (i32.const 7)))\n"
    "  (func (export \"quit\") (call $exit (i32.const 3))))\n";

static char* slurp(const char* path) {
  FILE* f = fopen(path, "rb");
  CHECK(f != NULL);
  static char buf[256];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = '\0';
  fclose(f);
  return buf;
}

int main(void) {
  mkdir("in", 0755);
  mkdir("out", 0755);
  FILE* f = fopen("in/a.txt", "w");
  fputs("contents", f);
  fclose(f);
  remove("stdout.txt");

  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);

  wisp_wasi_config_t* wasi = wisp_wasi_config_new();
  const char* argv[] = {"prog", "world"};
  wisp_wasi_config_set_argv(wasi, 2, argv);
  const char* names[] = {"NAME"};
  const char* values[] = {"wisp"};
  wisp_wasi_config_set_env(wasi, 1, names, values);
  CHECK(wisp_wasi_config_preopen_dir(wasi, "in", "in", false));
  CHECK(wisp_wasi_config_preopen_dir(wasi, "out", "out", true));
  CHECK(!wisp_wasi_config_preopen_dir(wasi, "no-such-dir", "x", false));
  CHECK(wisp_wasi_config_set_stdout_file(wasi, "stdout.txt"));
  CHECK(wisp_wasi_config_set_stderr_file(wasi, "stderr.txt"));
  CHECK(wisp_wasi_config_set_stdin_file(wasi, "in/a.txt"));
  CHECK(!wisp_wasi_config_set_stdin_file(wasi, "in/missing"));
  CHECK(!wisp_wasi_config_set_stdout_file(wasi, "no-such-dir/x"));
  CHECK(wisp_store_set_wasi(store, wasi) == NULL);

  /* Inheriting the host's streams and environment (not used further). */
  wisp_wasi_config_t* inheriting = wisp_wasi_config_new();
  wisp_wasi_config_inherit_env(inheriting);
  wisp_wasi_config_inherit_stdin(inheriting);
  wisp_wasi_config_inherit_stdout(inheriting);
  wisp_wasi_config_inherit_stderr(inheriting);
  wisp_wasi_config_delete(inheriting);

  wisp_linker_t* linker = wisp_linker_new(engine);
  CHECK(wisp_linker_define_wasi(linker) == NULL);
  wasm_functype_t* ft = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
  CHECK(wisp_linker_define_func(linker, "host", "triple", ft, triple, &env_finalized, finalize_env) == NULL);
  /* A second definition of the same name is an error unless shadowing is allowed. */
  wisp_error_t* err = wisp_linker_define_func(linker, "host", "triple", ft, triple, &env_finalized, finalize_env);
  CHECK(err != NULL);
  wisp_error_delete(err);
  CHECK(env_finalized == 1);
  env_finalized = 0;
  wisp_linker_allow_shadowing(linker, true);
  CHECK(wisp_linker_define_func(linker, "host", "triple", ft, triple, &env_finalized, finalize_env) == NULL);
  CHECK(env_finalized == 1);
  env_finalized = 0;

  wasm_module_t* module = module_from_wat(store, PROGRAM);
  wasm_instance_t* instance = NULL;
  wasm_trap_t* trap = NULL;
  CHECK(wisp_linker_instantiate(linker, store, module, &instance, &trap) == NULL);
  CHECK(instance != NULL && trap == NULL);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_val_t r[1] = {WASM_INIT_VAL};
  wasm_val_vec_t results = WASM_ARRAY_VEC(r);
  wasm_val_vec_t none = WASM_EMPTY_VEC;
  CHECK(wasm_func_call(wasm_extern_as_func(exports.data[1]), &none, &results) == NULL);
  CHECK(r[0].of.i32 == 21);
  CHECK(strcmp(slurp("stdout.txt"), "worldNAME=wisp") == 0);
  CHECK(strcmp(slurp("out/b.txt"), "contents") == 0);
  FILE* c = fopen("in/c.txt", "r");
  CHECK(c == NULL);

  /* proc_exit is a trap that carries the status. */
  trap = wasm_func_call(wasm_extern_as_func(exports.data[2]), &none, &none);
  int status = -1;
  CHECK(trap != NULL && wisp_trap_exit_status(trap, &status) && status == 3);
  wasm_trap_delete(trap);

  /* Unknown imports are a link error. */
  wasm_module_t* needs = module_from_wat(store, "(module (import \"x\" \"y\" (func)))");
  wasm_instance_t* none_instance = NULL;
  err = wisp_linker_instantiate(linker, store, needs, &none_instance, NULL);
  CHECK(err != NULL && none_instance == NULL);
  wasm_message_t msg;
  wisp_error_message(err, &msg);
  CHECK(strstr(msg.data, "unknown import") != NULL);
  wasm_byte_vec_delete(&msg);
  wisp_error_delete(err);

  /* An exit in a start function arrives as a trap. */
  wasm_module_t* exits = module_from_wat(store,
      "(module (import \"wasi_snapshot_preview1\" \"proc_exit\" (func $e (param i32)))"
      "  (func $s (call $e (i32.const 9))) (start $s))");
  trap = NULL;
  CHECK(wisp_linker_instantiate(linker, store, exits, &none_instance, &trap) == NULL);
  CHECK(trap != NULL && wisp_trap_exit_status(trap, &status) && status == 9);
  wasm_trap_delete(trap);
  err = wisp_linker_instantiate(linker, store, exits, &none_instance, NULL);
  CHECK(err != NULL && wisp_error_exit_status(err, &status) && status == 9);
  wisp_error_delete(err);

  /* Instances and externals of a store, linked by name. */
  wasm_module_t* lib = module_from_wat(store,
      "(module (func (export \"five\") (result i32) (i32.const 5)) (global (export \"g\") i32 (i32.const 6)))");
  wasm_instance_t* lib_instance = NULL;
  CHECK(wisp_linker_instantiate(linker, store, lib, &lib_instance, NULL) == NULL);
  CHECK(wisp_linker_define_instance(linker, store, "lib", lib_instance) == NULL);
  wasm_extern_vec_t lib_exports;
  wasm_instance_exports(lib_instance, &lib_exports);
  CHECK(wisp_linker_define(linker, store, "alias", "g", lib_exports.data[1]) == NULL);
  wasm_module_t* user = module_from_wat(store,
      "(module (import \"lib\" \"five\" (func $f (result i32)))"
      "  (import \"alias\" \"g\" (global $g i32))"
      "  (func (export \"sum\") (result i32) (i32.add (call $f) (global.get $g))))");
  wasm_instance_t* user_instance = NULL;
  CHECK(wisp_linker_instantiate(linker, store, user, &user_instance, NULL) == NULL);
  wasm_extern_vec_t user_exports;
  wasm_instance_exports(user_instance, &user_exports);
  CHECK(wasm_func_call(wasm_extern_as_func(user_exports.data[0]), &none, &results) == NULL);
  CHECK(r[0].of.i32 == 11);

  /* A store without a WASI context grants nothing, and does not crash. */
  wasm_store_t* bare = wasm_store_new(engine);
  wasm_instance_t* bare_instance = NULL;
  CHECK(wisp_linker_instantiate(linker, bare, module, &bare_instance, NULL) == NULL);
  wasm_extern_vec_t bare_exports;
  wasm_instance_exports(bare_instance, &bare_exports);
  CHECK(wasm_func_call(wasm_extern_as_func(bare_exports.data[1]), &none, &results) == NULL);
  CHECK(r[0].of.i32 == -1); /* no preopened directory */
  /* An external of another store cannot be defined for this one. */
  err = wisp_linker_define(linker, bare, "other", "g", lib_exports.data[1]);
  CHECK(err != NULL);
  wisp_error_delete(err);

  wasm_extern_vec_delete(&bare_exports);
  wasm_instance_delete(bare_instance);
  wasm_store_delete(bare);
  wasm_extern_vec_delete(&user_exports);
  wasm_instance_delete(user_instance);
  wasm_module_delete(user);
  wasm_extern_vec_delete(&lib_exports);
  wasm_instance_delete(lib_instance);
  wasm_module_delete(lib);
  wasm_module_delete(exits);
  wasm_module_delete(needs);
  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
  wasm_functype_delete(ft);
  CHECK(env_finalized == 0);
  wisp_linker_delete(linker);
  wasm_store_delete(store);
  CHECK(env_finalized == 1);
  wasm_engine_delete(engine);
  printf("wasi: ok\n");
  return 0;
}
