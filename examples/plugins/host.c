/* The plugin host, in C over the Wasm C API (wasm.h) and Wisp's
 * extensions (wisp.h).
 *
 * Usage: host PLUGINS_DIR TEXT
 *
 * Loads every plugin under PLUGINS_DIR (a directory with a plugin.toml),
 * runs each on TEXT in a fresh store with the limits its manifest asks
 * for, and prints one line per plugin: "NAME: ok: OUTPUT" or
 * "NAME: error: WHY". Details of failures go to stderr. See README.md. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wisp.h"

typedef struct {
  char name[128];
  char module[256];
  char export_[128];
  uint64_t fuel;         /* 0: unmetered */
  uint64_t memory_bytes; /* cap of each memory */
  uint64_t timeout_ms;
} manifest_t;

/* Reads the flat `key = value` lines of a plugin.toml (strings in double
 * quotes, integers, `#` comments): all a manifest needs. */
static int read_manifest(const char *path, manifest_t *m) {
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  memset(m, 0, sizeof *m);
  strcpy(m->export_, "transform");
  m->memory_bytes = 16u << 20;
  m->timeout_ms = 1000;
  char line[512];
  while (fgets(line, sizeof line, f)) {
    char key[64], value[400];
    if (line[0] == '#' || sscanf(line, " %63[a-z_] = %399[^\n]", key, value) != 2) continue;
    char *text = value;
    if (text[0] == '"') {
      text++;
      char *end = strchr(text, '"');
      if (end) *end = '\0';
    }
    uint64_t number = strtoull(value, NULL, 10);
    if (!strcmp(key, "name")) snprintf(m->name, sizeof m->name, "%.127s", text);
    else if (!strcmp(key, "module")) snprintf(m->module, sizeof m->module, "%.255s", text);
    else if (!strcmp(key, "export")) snprintf(m->export_, sizeof m->export_, "%.127s", text);
    else if (!strcmp(key, "fuel")) m->fuel = number;
    else if (!strcmp(key, "memory_bytes")) m->memory_bytes = number;
    else if (!strcmp(key, "timeout_ms")) m->timeout_ms = number;
  }
  fclose(f);
  return m->name[0] && m->module[0];
}

static int read_file(const char *path, wasm_byte_vec_t *out) {
  FILE *f = fopen(path, "rb");
  if (!f) return 0;
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  wasm_byte_vec_new_uninitialized(out, (size_t)len);
  int ok = fread(out->data, 1, (size_t)len, f) == (size_t)len;
  fclose(f);
  return ok;
}

static void print_error(const char *what, wisp_error_t *error) {
  wasm_message_t message;
  wisp_error_message(error, &message);
  fprintf(stderr, "%s: %s\n", what, message.data);
  wasm_byte_vec_delete(&message);
  wisp_error_delete(error);
}

/* Loads the plugin's module (binary, or text when it ends in .wat). */
static wasm_module_t *load_module(wasm_engine_t *engine, const char *dir, const manifest_t *m) {
  char path[1400];
  snprintf(path, sizeof path, "%s/%s", dir, m->module);
  wasm_byte_vec_t bytes;
  if (!read_file(path, &bytes)) {
    fprintf(stderr, "%s: cannot read %s\n", m->name, path);
    return NULL;
  }
  size_t len = strlen(path);
  if (len > 4 && !strcmp(path + len - 4, ".wat")) {
    wasm_byte_vec_t binary;
    wisp_error_t *error = wisp_wat2wasm(bytes.data, bytes.size, &binary);
    wasm_byte_vec_delete(&bytes);
    if (error) {
      print_error(m->name, error);
      return NULL;
    }
    bytes = binary;
  }
  wasm_module_t *module = NULL;
  wisp_error_t *error = wisp_module_new(engine, (const uint8_t *)bytes.data, bytes.size, &module);
  wasm_byte_vec_delete(&bytes);
  if (error) print_error(m->name, error);
  return module;
}

/* The epoch advances every millisecond, so deadlines are in ms. */
static atomic_bool ticking = true;

static void *tick(void *engine) {
  struct timespec ms = {0, 1000000};
  while (atomic_load(&ticking)) {
    nanosleep(&ms, NULL);
    wisp_engine_increment_epoch(engine);
  }
  return NULL;
}

/* One run of a plugin: its store, instance and exports. */
typedef struct {
  const manifest_t *m;
  wasm_store_t *store;
  wasm_instance_t *instance;
  wasm_module_t *module;
  wasm_extern_vec_t exports;
  wasm_memory_t *memory;
} run_t;

static wasm_extern_t *export_named(run_t *r, const char *name) {
  wasm_exporttype_vec_t types;
  wasm_module_exports(r->module, &types);
  wasm_extern_t *found = NULL;
  for (size_t i = 0; i < types.size && i < r->exports.size; i++) {
    const wasm_name_t *n = wasm_exporttype_name(types.data[i]);
    if (n->size == strlen(name) && !memcmp(n->data, name, n->size)) found = r->exports.data[i];
  }
  wasm_exporttype_vec_delete(&types);
  return found;
}

/* The reason a trap stopped the plugin. */
static const char *trap_reason(run_t *r, wasm_trap_t *trap) {
  wasm_message_t message;
  wasm_trap_message(trap, &message);
  fprintf(stderr, "%s: %s\n", r->m->name, message.data);
  const char *reason = "trap";
  if (strstr(message.data, "fuel")) reason = "out of fuel";
  else if (strstr(message.data, "interrupted")) reason = "timed out";
  else if (r->memory && wasm_memory_data_size(r->memory) * 4 >= r->m->memory_bytes * 3)
    reason = "memory limit";
  wasm_byte_vec_delete(&message);
  wasm_trap_delete(trap);
  return reason;
}

/* Calls export `name` with `args`; NULL and the result in *result, or why
 * it failed. */
static const char *call(run_t *r, const char *name, wasm_val_t *args, size_t n, wasm_val_t *result) {
  wasm_extern_t *e = export_named(r, name);
  wasm_func_t *f = e ? wasm_extern_as_func(e) : NULL;
  if (!f) {
    fprintf(stderr, "%s: no function export %s\n", r->m->name, name);
    return "bad plugin";
  }
  wasm_val_vec_t params = {n, args};
  wasm_val_vec_t results = {result ? 1 : 0, result};
  wasm_trap_t *trap = wasm_func_call(f, &params, &results);
  return trap ? trap_reason(r, trap) : NULL;
}

/* Whether s[0..len) is UTF-8: no overlong forms, surrogates or values
 * beyond U+10FFFF. */
static int valid_utf8(const unsigned char *s, size_t len) {
  static const uint32_t smallest[] = {0, 0x80, 0x800, 0x10000};
  for (size_t i = 0; i < len;) {
    unsigned char c = s[i];
    size_t n;
    uint32_t cp;
    if (c < 0x80) {
      i++;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      n = 1, cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2, cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3, cp = c & 0x07;
    } else {
      return 0;
    }
    if (len - i <= n) return 0;
    for (size_t k = 1; k <= n; k++) {
      if ((s[i + k] & 0xc0) != 0x80) return 0;
      cp = cp << 6 | (s[i + k] & 0x3f);
    }
    if (cp < smallest[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    i += n + 1;
  }
  return 1;
}

/* Runs the plugin on `text`: NULL with the output printed, or why not. */
static const char *transform(run_t *r, wisp_linker_t *linker, const char *text) {
  wasm_trap_t *trap = NULL;
  wisp_error_t *error = wisp_linker_instantiate(linker, r->store, r->module, &r->instance, &trap);
  if (error) {
    print_error(r->m->name, error);
    return "bad plugin";
  }
  if (trap) return trap_reason(r, trap);
  wasm_instance_exports(r->instance, &r->exports);
  wasm_extern_t *mem = export_named(r, "memory");
  r->memory = mem ? wasm_extern_as_memory(mem) : NULL;
  if (!r->memory) return "bad plugin";
  const char *why;
  if (export_named(r, "_initialize") && (why = call(r, "_initialize", NULL, 0, NULL))) return why;
  size_t len = strlen(text);
  wasm_val_t arg = WASM_I32_VAL((int32_t)len), ptr;
  if ((why = call(r, "alloc", &arg, 1, &ptr))) return why;
  uint32_t at = (uint32_t)ptr.of.i32;
  if (at == 0) return "alloc failed";
  if ((uint64_t)at + len > wasm_memory_data_size(r->memory)) return "alloc out of bounds";
  memcpy(wasm_memory_data(r->memory) + at, text, len);
  wasm_val_t args[2] = {WASM_I32_VAL((int32_t)at), WASM_I32_VAL((int32_t)len)}, packed;
  if ((why = call(r, r->m->export_, args, 2, &packed))) return why;
  uint64_t p = (uint64_t)packed.of.i64, out = p >> 32, out_len = p & 0xffffffffu;
  if (out + out_len > wasm_memory_data_size(r->memory)) return "result out of bounds";
  const unsigned char *bytes = (const unsigned char *)wasm_memory_data(r->memory) + out;
  if (!valid_utf8(bytes, out_len)) return "invalid UTF-8";
  printf("%s: ok: %.*s\n", r->m->name, (int)out_len, (const char *)bytes);
  return NULL;
}

static int by_name(const struct dirent **a, const struct dirent **b) {
  return strcmp((*a)->d_name, (*b)->d_name);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s PLUGINS_DIR TEXT\n", argv[0]);
    return 2;
  }
  wasm_config_t *config = wasm_config_new();
  wisp_config_consume_fuel_set(config, true);
  wisp_config_epoch_interruption_set(config, true);
  wasm_engine_t *engine = NULL;
  wisp_error_t *error = wisp_engine_new(config, &engine);
  if (error) {
    print_error("engine", error);
    return 1;
  }
  /* Plugins built with wasi-libc import a few WASI functions; they are
   * granted nothing (no files, no output). */
  wisp_linker_t *linker = wisp_linker_new(engine);
  if ((error = wisp_linker_define_wasi(linker))) {
    print_error("linker", error);
    return 1;
  }
  pthread_t ticker;
  pthread_create(&ticker, NULL, tick, engine);

  struct dirent **entries;
  int n = scandir(argv[1], &entries, NULL, by_name);
  for (int i = 0; i < n; i++) {
    char dir[1024], path[1100];
    /* Names longer than that are not plugins of ours. */
    snprintf(dir, sizeof dir, "%s/%s", argv[1], entries[i]->d_name);
    snprintf(path, sizeof path, "%s/plugin.toml", dir);
    manifest_t m;
    int listed = entries[i]->d_name[0] != '.' && access(path, R_OK) == 0;
    if (!listed) {
      free(entries[i]);
      continue;
    }
    wasm_module_t *module = read_manifest(path, &m) ? load_module(engine, dir, &m) : NULL;
    if (!module) {
      printf("%s: error: load failed\n", entries[i]->d_name);
      free(entries[i]);
      continue;
    }
    run_t r = {&m, wasm_store_new(engine), NULL, module, WASM_EMPTY_VEC, NULL};
    wisp_store_fuel_set(r.store, m.fuel ? m.fuel : UINT64_MAX);
    wisp_store_epoch_deadline_set(r.store, m.timeout_ms);
    wisp_store_limits_set(r.store, m.memory_bytes, UINT64_MAX, SIZE_MAX, SIZE_MAX, SIZE_MAX);
    wisp_store_set_wasi(r.store, wisp_wasi_config_new());
    const char *why = transform(&r, linker, argv[2]);
    if (why) printf("%s: error: %s\n", m.name, why);
    fflush(stdout);
    wasm_extern_vec_delete(&r.exports);
    if (r.instance) wasm_instance_delete(r.instance);
    wasm_module_delete(module);
    wasm_store_delete(r.store);
    free(entries[i]);
  }
  free(entries);
  atomic_store(&ticking, false);
  pthread_join(ticker, NULL);
  wisp_linker_delete(linker);
  wasm_engine_delete(engine);
  return 0;
}
