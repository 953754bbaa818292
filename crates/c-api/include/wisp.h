/*
 * wisp.h — Wisp's additions to the standard WebAssembly C API (wasm.h).
 *
 * Errors: functions that can fail for a reason worth reading return an
 * `own wisp_error_t*`, NULL on success. The standard functions, which can
 * only return NULL or false, record the reason in a per-thread "last
 * error", read with wisp_last_error_message().
 */

#ifndef WISP_H
#define WISP_H

#include "wasm.h"

#ifdef __cplusplus
extern "C" {
#endif

#define own

/* ---- Errors ---------------------------------------------------------- */

typedef struct wisp_error_t wisp_error_t;

WASM_API_EXTERN void wisp_error_delete(own wisp_error_t*);
/* The error's description, as a message (NUL-terminated). */
WASM_API_EXTERN void wisp_error_message(const wisp_error_t*, own wasm_message_t* out);
/* Whether the error is a guest's request to exit (WASI proc_exit); if so,
 * stores the status in *status (when status is not NULL). */
WASM_API_EXTERN bool wisp_error_exit_status(const wisp_error_t*, int* status);

/* Why the last failing call on this thread failed, or NULL if none has.
 * The string stays valid until the next failure on this thread. */
WASM_API_EXTERN const char* wisp_last_error_message(void);
WASM_API_EXTERN void wisp_last_error_clear(void);

/* ---- Engine configuration ------------------------------------------- */

typedef uint8_t wisp_strategy_t;
enum wisp_strategy_enum {
  WISP_STRATEGY_AUTO = 0,        /* the best available tier (today: interpreter) */
  WISP_STRATEGY_INTERPRETER = 1, /* starts instantly; translates lazily */
  WISP_STRATEGY_CRANELIFT = 2,   /* compiles modules to native code */
};

/* Returns false for an unknown strategy. */
WASM_API_EXTERN bool wisp_config_strategy_set(wasm_config_t*, wisp_strategy_t);
/* Meter execution with fuel (see wisp_store_fuel_set). Default: off. */
WASM_API_EXTERN void wisp_config_consume_fuel_set(wasm_config_t*, bool);
/* Let guests be interrupted by the engine's epoch (see
 * wisp_store_epoch_deadline_set). Default: off. */
WASM_API_EXTERN void wisp_config_epoch_interruption_set(wasm_config_t*, bool);
/* Most bytes of Wasm value stack one call may use. */
WASM_API_EXTERN void wisp_config_max_wasm_stack_set(wasm_config_t*, size_t bytes);
/* Most bytes any one linear memory of the engine's stores may have;
 * memory.grow beyond it fails (returns -1 in the guest). */
WASM_API_EXTERN void wisp_config_max_memory_bytes_set(wasm_config_t*, uint64_t bytes);
/* Whether compiled code relies on reserved address space instead of
 * explicit bounds checks. Default: on. */
WASM_API_EXTERN void wisp_config_memory_reservation_set(wasm_config_t*, bool);

/* WebAssembly proposals (defaults: the WebAssembly 2.0 set is on). */
WASM_API_EXTERN void wisp_config_wasm_multi_value_set(wasm_config_t*, bool);
WASM_API_EXTERN void wisp_config_wasm_bulk_memory_set(wasm_config_t*, bool);
WASM_API_EXTERN void wisp_config_wasm_reference_types_set(wasm_config_t*, bool);
WASM_API_EXTERN void wisp_config_wasm_simd_set(wasm_config_t*, bool);
WASM_API_EXTERN void wisp_config_wasm_relaxed_simd_set(wasm_config_t*, bool);
WASM_API_EXTERN void wisp_config_wasm_tail_call_set(wasm_config_t*, bool);
WASM_API_EXTERN void wisp_config_wasm_multi_memory_set(wasm_config_t*, bool);
WASM_API_EXTERN void wisp_config_wasm_memory64_set(wasm_config_t*, bool);
WASM_API_EXTERN void wisp_config_wasm_extended_const_set(wasm_config_t*, bool);

/* Like wasm_engine_new_with_config (consumes the config), saying why it
 * failed; on success stores the engine in *out. */
WASM_API_EXTERN own wisp_error_t* wisp_engine_new(own wasm_config_t*, own wasm_engine_t** out);

/* Advances the engine's epoch by one; safe from any thread. */
WASM_API_EXTERN void wisp_engine_increment_epoch(const wasm_engine_t*);
WASM_API_EXTERN uint64_t wisp_engine_current_epoch(const wasm_engine_t*);

/* ---- Stores ---------------------------------------------------------- */

/* Sets the fuel guests of the store may use; fails unless fuel is on. */
WASM_API_EXTERN own wisp_error_t* wisp_store_fuel_set(wasm_store_t*, uint64_t fuel);
/* The fuel left; false (and the last error set) unless fuel is on. */
WASM_API_EXTERN bool wisp_store_fuel_get(const wasm_store_t*, uint64_t* fuel);
/* Guests trap once the engine's epoch has advanced `ticks` from now. */
WASM_API_EXTERN void wisp_store_epoch_deadline_set(wasm_store_t*, uint64_t ticks);
/* Limits on what the store may allocate from now on: bytes per memory,
 * elements per table, and counts of instances, tables and memories. */
WASM_API_EXTERN void wisp_store_limits_set(wasm_store_t*, uint64_t memory_bytes,
                                           uint64_t table_elements, size_t instances,
                                           size_t tables, size_t memories);

/* ---- Modules, values, traps ----------------------------------------- */

/* A module of `engine` from a binary; on success stores it in *out. */
WASM_API_EXTERN own wisp_error_t* wisp_module_new(const wasm_engine_t*, const uint8_t* wasm,
                                                  size_t len, own wasm_module_t** out);
/* The binary of a module written in the text format. */
WASM_API_EXTERN own wisp_error_t* wisp_wat2wasm(const char* wat, size_t len,
                                                own wasm_byte_vec_t* out);

/* The kind of a v128 value type. A wasm_val_t cannot hold a v128: values
 * of this kind carry no payload, and calls passing one fail. */
#define WISP_V128 4

/* Like wasm_global_set, returning whether the global was set. */
WASM_API_EXTERN bool wisp_global_set(wasm_global_t*, const wasm_val_t*);

/* Whether the trap is a guest's request to exit (WASI proc_exit); if so,
 * stores the status in *status (when status is not NULL). */
WASM_API_EXTERN bool wisp_trap_exit_status(const wasm_trap_t*, int* status);

/* ---- WASI ------------------------------------------------------------ */

/* What a WASI guest may see and reach. Nothing is granted by default: no
 * arguments, environment, files, or output. */
typedef struct wisp_wasi_config_t wisp_wasi_config_t;

WASM_API_EXTERN own wisp_wasi_config_t* wisp_wasi_config_new(void);
WASM_API_EXTERN void wisp_wasi_config_delete(own wisp_wasi_config_t*);
WASM_API_EXTERN void wisp_wasi_config_set_argv(wisp_wasi_config_t*, size_t argc,
                                               const char* const argv[]);
WASM_API_EXTERN void wisp_wasi_config_set_env(wisp_wasi_config_t*, size_t n,
                                              const char* const names[],
                                              const char* const values[]);
WASM_API_EXTERN void wisp_wasi_config_inherit_env(wisp_wasi_config_t*);
WASM_API_EXTERN void wisp_wasi_config_inherit_stdin(wisp_wasi_config_t*);
WASM_API_EXTERN void wisp_wasi_config_inherit_stdout(wisp_wasi_config_t*);
WASM_API_EXTERN void wisp_wasi_config_inherit_stderr(wisp_wasi_config_t*);
/* The guest's stdin is the file's contents (read now). */
WASM_API_EXTERN bool wisp_wasi_config_set_stdin_file(wisp_wasi_config_t*, const char* path);
/* The guest's stdout or stderr is appended to the file (created if need be). */
WASM_API_EXTERN bool wisp_wasi_config_set_stdout_file(wisp_wasi_config_t*, const char* path);
WASM_API_EXTERN bool wisp_wasi_config_set_stderr_file(wisp_wasi_config_t*, const char* path);
/* Grants the host directory as `guest_path`; read-only unless `writable`.
 * Nothing outside it is reachable through it. */
WASM_API_EXTERN bool wisp_wasi_config_preopen_dir(wisp_wasi_config_t*, const char* host_path,
                                                  const char* guest_path, bool writable);

/* Gives the store a WASI context made from the config (consumed). */
WASM_API_EXTERN own wisp_error_t* wisp_store_set_wasi(wasm_store_t*, own wisp_wasi_config_t*);

/* ---- Linker ---------------------------------------------------------- */

/* Definitions by module and name, used to instantiate modules. A linker
 * belongs to one engine and may be used with any store of it (one thread
 * at a time). */
typedef struct wisp_linker_t wisp_linker_t;

WASM_API_EXTERN own wisp_linker_t* wisp_linker_new(const wasm_engine_t*);
WASM_API_EXTERN void wisp_linker_delete(own wisp_linker_t*);
/* Whether a definition may replace an earlier one of the same name
 * (default: no, that is an error). */
WASM_API_EXTERN void wisp_linker_allow_shadowing(wisp_linker_t*, bool allow);
/* Defines `module::name` as an external of `store`. */
WASM_API_EXTERN own wisp_error_t* wisp_linker_define(wisp_linker_t*, wasm_store_t*,
                                                     const char* module, const char* name,
                                                     const wasm_extern_t* item);
/* Defines `module::name` as a host function, made in each store the linker
 * instantiates in. `finalizer` runs on `env` once the linker and every
 * such store are gone. */
WASM_API_EXTERN own wisp_error_t* wisp_linker_define_func(
    wisp_linker_t*, const char* module, const char* name, const wasm_functype_t* type,
    wasm_func_callback_with_env_t callback, void* env, void (*finalizer)(void*));
/* Defines every wasi_snapshot_preview1 function over the WASI context of
 * the store they run in (see wisp_store_set_wasi; a store without one
 * grants nothing). */
WASM_API_EXTERN own wisp_error_t* wisp_linker_define_wasi(wisp_linker_t*);
/* Defines every export of `instance` under the module name `module`. */
WASM_API_EXTERN own wisp_error_t* wisp_linker_define_instance(wisp_linker_t*, wasm_store_t*,
                                                              const char* module,
                                                              const wasm_instance_t* instance);
/* Instantiates `module` in `store`; on success stores the instance in
 * *out. A trap in the start function (including a WASI exit) is stored in
 * *trap if `trap` is not NULL, with NULL returned; other failures are the
 * returned error. */
WASM_API_EXTERN own wisp_error_t* wisp_linker_instantiate(const wisp_linker_t*, wasm_store_t*,
                                                          const wasm_module_t*,
                                                          own wasm_instance_t** out,
                                                          own wasm_trap_t** trap);

#undef own

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* WISP_H */
