/* Assertions and helpers shared by the C API's test programs. */
#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wasm.h>
#include <wisp.h>

#define CHECK(cond)                                                         \
  do {                                                                      \
    if (!(cond)) {                                                          \
      const char* why = wisp_last_error_message();                          \
      fprintf(stderr, "%s:%d: check failed: %s (last error: %s)\n", __FILE__, \
              __LINE__, #cond, why ? why : "none");                         \
      exit(1);                                                              \
    }                                                                       \
  } while (0)

/* A module from its text; exits on failure. */
static inline wasm_module_t* module_from_wat(wasm_store_t* store, const char* wat) {
  wasm_byte_vec_t binary;
  wisp_error_t* err = wisp_wat2wasm(wat, strlen(wat), &binary);
  if (err) {
    wasm_message_t msg;
    wisp_error_message(err, &msg);
    fprintf(stderr, "wat: %s\n", msg.data);
    exit(1);
  }
  wasm_module_t* module = wasm_module_new(store, &binary);
  wasm_byte_vec_delete(&binary);
  CHECK(module != NULL);
  return module;
}

/* Whether the trap's message contains `needle`; deletes the trap. */
static inline int trap_says(wasm_trap_t* trap, const char* needle) {
  if (!trap) return 0;
  wasm_message_t msg;
  wasm_trap_message(trap, &msg);
  int found = msg.size > 0 && msg.data[msg.size - 1] == '\0' && strstr(msg.data, needle) != NULL;
  if (!found) fprintf(stderr, "trap message: %.*s\n", (int)msg.size, msg.data);
  wasm_byte_vec_delete(&msg);
  wasm_trap_delete(trap);
  return found;
}

/* The export called `name` of an instance's exports, by the module's export types. */
static inline wasm_extern_t* export_named(const wasm_module_t* module, const wasm_extern_vec_t* exports,
                                          const char* name) {
  wasm_exporttype_vec_t types;
  wasm_module_exports(module, &types);
  wasm_extern_t* found = NULL;
  for (size_t i = 0; i < types.size && i < exports->size; i++) {
    const wasm_name_t* n = wasm_exporttype_name(types.data[i]);
    if (n->size == strlen(name) && memcmp(n->data, name, n->size) == 0) found = exports->data[i];
  }
  wasm_exporttype_vec_delete(&types);
  CHECK(found != NULL);
  return found;
}

#endif
