/* A small stateless JSON API, served under a prefix route (/api/...):
 *
 *   GET  /api/                   the endpoints, as JSON
 *   GET  /api/add?a=1&b=2        {"sum":3}
 *   POST /api/reverse            {"text":"abc"} gives {"text":"cba"}
 *
 * Failures are JSON objects with an "error" member and a status line:
 * 400 for a bad query or body, 404 for an unknown endpoint, 405 (with an
 * Allow header) for a method an endpoint does not take, 413 for a body
 * over 64 KiB. Each request gets a fresh instance, so nothing is kept
 * between requests; the JSON reader below is written out by hand to keep
 * the module free of libraries beyond libc.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BODY (64 * 1024)
#define MAX_DEPTH 64

/* A growable byte string. Allocation failures end the request with a 500
 * rather than being threaded through every caller. */
typedef struct {
    char *data;
    size_t len;
    size_t cap;
} Buf;

static void fail_out_of_memory(void) {
    fputs("Status: 500 Internal Server Error\n"
          "Content-Type: application/json\n\n"
          "{\"error\":\"out of memory\"}\n",
          stdout);
    exit(0);
}

static void buf_push(Buf *buf, const char *bytes, size_t len) {
    if (buf->len + len + 1 > buf->cap) {
        size_t cap = buf->cap ? buf->cap : 64;
        while (cap < buf->len + len + 1) {
            cap *= 2;
        }
        char *data = realloc(buf->data, cap);
        if (data == NULL) {
            fail_out_of_memory();
        }
        buf->data = data;
        buf->cap = cap;
    }
    memcpy(buf->data + buf->len, bytes, len);
    buf->len += len;
    buf->data[buf->len] = '\0';
}

static void buf_str(Buf *buf, const char *text) {
    buf_push(buf, text, strlen(text));
}

static void buf_byte(Buf *buf, char byte) {
    buf_push(buf, &byte, 1);
}

/* Appends `text` as a JSON string literal, quotes included. */
static void buf_json_string(Buf *buf, const char *text, size_t len) {
    static const char hex[] = "0123456789abcdef";
    buf_byte(buf, '"');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        switch (c) {
        case '"': buf_str(buf, "\\\""); break;
        case '\\': buf_str(buf, "\\\\"); break;
        case '\n': buf_str(buf, "\\n"); break;
        case '\r': buf_str(buf, "\\r"); break;
        case '\t': buf_str(buf, "\\t"); break;
        default:
            if (c < 0x20) {
                char escape[] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
                buf_push(buf, escape, sizeof escape);
            } else {
                buf_byte(buf, (char)c);
            }
        }
    }
    buf_byte(buf, '"');
}

/* Writes the whole response. `extra` is an optional header line. */
static void respond(const char *status, const char *extra, const Buf *json) {
    if (status != NULL) {
        printf("Status: %s\n", status);
    }
    if (extra != NULL) {
        printf("%s\n", extra);
    }
    printf("Content-Type: application/json\n\n%s\n", json->data);
}

static void respond_error(const char *status, const char *extra, const char *message) {
    Buf json = {0};
    buf_str(&json, "{\"error\":");
    buf_json_string(&json, message, strlen(message));
    buf_byte(&json, '}');
    respond(status, extra, &json);
    free(json.data);
}

/* ---- The query string ---------------------------------------------------- */

static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes application/x-www-form-urlencoded text ('+' is a space, %XX a
 * byte) into a new string. A '%' not followed by two hex digits is kept. */
static char *url_decode(const char *text, size_t len) {
    char *out = malloc(len + 1);
    if (out == NULL) {
        fail_out_of_memory();
    }
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '+') {
            out[n++] = ' ';
        } else if (text[i] == '%' && i + 2 < len && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
            out[n++] = (char)(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
            i += 2;
        } else {
            out[n++] = text[i];
        }
    }
    out[n] = '\0';
    return out;
}

/* The decoded value of the first `name=value` pair in the query, or NULL. */
static char *query_param(const char *query, const char *name) {
    const char *pair = query;
    while (*pair != '\0') {
        size_t len = strcspn(pair, "&");
        const char *equals = memchr(pair, '=', len);
        size_t name_len = equals ? (size_t)(equals - pair) : len;
        char *key = url_decode(pair, name_len);
        bool match = strcmp(key, name) == 0;
        free(key);
        if (match) {
            return equals ? url_decode(equals + 1, len - name_len - 1) : url_decode("", 0);
        }
        pair += len;
        if (*pair == '&') {
            pair++;
        }
    }
    return NULL;
}

/* ---- A JSON reader ------------------------------------------------------- */

/* Reads (and so validates) one JSON text. The string value of the member
 * `wanted` of the top-level object, if there is one, is decoded into
 * `found`. Strings must be valid UTF-8; \u escapes are decoded, surrogate
 * pairs included. */
typedef struct {
    const char *at;
    const char *end;
    int depth;
    const char *wanted;
    Buf found;
    bool has_found;
} Reader;

static void skip_space(Reader *r) {
    while (r->at < r->end &&
           (*r->at == ' ' || *r->at == '\t' || *r->at == '\n' || *r->at == '\r')) {
        r->at++;
    }
}

static bool eat(Reader *r, char c) {
    skip_space(r);
    if (r->at < r->end && *r->at == c) {
        r->at++;
        return true;
    }
    return false;
}

static void push_utf8(Buf *out, uint32_t cp) {
    char bytes[4];
    size_t n;
    if (cp < 0x80) {
        bytes[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        bytes[0] = (char)(0xc0 | cp >> 6);
        bytes[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        bytes[0] = (char)(0xe0 | cp >> 12);
        bytes[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        bytes[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        bytes[0] = (char)(0xf0 | cp >> 18);
        bytes[1] = (char)(0x80 | (cp >> 12 & 0x3f));
        bytes[2] = (char)(0x80 | (cp >> 6 & 0x3f));
        bytes[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    if (out != NULL) {
        buf_push(out, bytes, n);
    }
}

static bool read_hex4(Reader *r, uint32_t *value) {
    if (r->end - r->at < 4) {
        return false;
    }
    *value = 0;
    for (int i = 0; i < 4; i++) {
        int digit = hex_value(r->at[i]);
        if (digit < 0) {
            return false;
        }
        *value = *value * 16 + (uint32_t)digit;
    }
    r->at += 4;
    return true;
}

/* Decodes one UTF-8 sequence at r->at, rejecting overlong forms, surrogates
 * and code points past U+10FFFF. */
static bool read_utf8(Reader *r, uint32_t *cp) {
    const unsigned char *s = (const unsigned char *)r->at;
    size_t left = (size_t)(r->end - r->at);
    size_t n;
    uint32_t min;
    if (s[0] < 0x80) {
        *cp = s[0];
        r->at++;
        return true;
    } else if ((s[0] & 0xe0) == 0xc0) {
        n = 2, min = 0x80, *cp = s[0] & 0x1f;
    } else if ((s[0] & 0xf0) == 0xe0) {
        n = 3, min = 0x800, *cp = s[0] & 0x0f;
    } else if ((s[0] & 0xf8) == 0xf0) {
        n = 4, min = 0x10000, *cp = s[0] & 0x07;
    } else {
        return false;
    }
    if (left < n) {
        return false;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return false;
        }
        *cp = *cp << 6 | (s[i] & 0x3f);
    }
    if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff)) {
        return false;
    }
    r->at += n;
    return true;
}

/* Reads a string literal; its decoded bytes go to `out` unless NULL. */
static bool read_string(Reader *r, Buf *out) {
    if (!eat(r, '"')) {
        return false;
    }
    while (r->at < r->end) {
        unsigned char c = (unsigned char)*r->at;
        uint32_t cp;
        if (c == '"') {
            r->at++;
            if (out != NULL && out->data == NULL) {
                buf_push(out, "", 0); /* an empty string is still a string */
            }
            return true;
        } else if (c < 0x20) {
            return false;
        } else if (c == '\\') {
            if (r->end - r->at < 2) {
                return false;
            }
            char escape = r->at[1];
            r->at += 2;
            const char *simple = strchr("\"\\/bfnrt", escape);
            if (escape != '\0' && simple != NULL) {
                static const char decoded[] = "\"\\/\b\f\n\r\t";
                cp = (unsigned char)decoded[simple - "\"\\/bfnrt"];
            } else if (escape == 'u') {
                if (!read_hex4(r, &cp)) {
                    return false;
                }
                if (cp >= 0xd800 && cp <= 0xdbff) {
                    uint32_t low;
                    if (r->end - r->at < 2 || r->at[0] != '\\' || r->at[1] != 'u') {
                        return false;
                    }
                    r->at += 2;
                    if (!read_hex4(r, &low) || low < 0xdc00 || low > 0xdfff) {
                        return false;
                    }
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
                } else if (cp >= 0xdc00 && cp <= 0xdfff) {
                    return false;
                }
            } else {
                return false;
            }
        } else if (!read_utf8(r, &cp)) {
            return false;
        }
        push_utf8(out, cp);
    }
    return false;
}

static bool is_digit(const Reader *r) {
    return r->at < r->end && *r->at >= '0' && *r->at <= '9';
}

static bool read_number(Reader *r) {
    if (r->at < r->end && *r->at == '-') {
        r->at++;
    }
    if (!is_digit(r)) {
        return false;
    }
    if (*r->at++ != '0') {
        while (is_digit(r)) r->at++;
    }
    if (r->at < r->end && *r->at == '.') {
        r->at++;
        if (!is_digit(r)) return false;
        while (is_digit(r)) r->at++;
    }
    if (r->at < r->end && (*r->at == 'e' || *r->at == 'E')) {
        r->at++;
        if (r->at < r->end && (*r->at == '+' || *r->at == '-')) r->at++;
        if (!is_digit(r)) return false;
        while (is_digit(r)) r->at++;
    }
    return true;
}

static bool read_word(Reader *r, const char *word) {
    size_t len = strlen(word);
    if ((size_t)(r->end - r->at) < len || memcmp(r->at, word, len) != 0) {
        return false;
    }
    r->at += len;
    return true;
}

static bool read_value(Reader *r);

static bool read_object(Reader *r) {
    bool top = r->depth == 1;
    if (eat(r, '}')) {
        return true;
    }
    do {
        Buf key = {0};
        if (!read_string(r, &key) || !eat(r, ':')) {
            free(key.data);
            return false;
        }
        bool wanted = top && r->wanted != NULL && strlen(key.data) == key.len &&
                      strcmp(key.data, r->wanted) == 0;
        free(key.data);
        skip_space(r);
        if (wanted && r->at < r->end && *r->at == '"') {
            /* A repeated member: the last one wins, as in most readers. */
            r->found.len = 0;
            if (!read_string(r, &r->found)) {
                return false;
            }
            r->has_found = true;
        } else {
            if (wanted) {
                r->has_found = false;
            }
            if (!read_value(r)) {
                return false;
            }
        }
    } while (eat(r, ','));
    return eat(r, '}');
}

static bool read_array(Reader *r) {
    if (eat(r, ']')) {
        return true;
    }
    do {
        if (!read_value(r)) {
            return false;
        }
    } while (eat(r, ','));
    return eat(r, ']');
}

static bool read_value(Reader *r) {
    skip_space(r);
    if (r->at >= r->end) {
        return false;
    }
    bool ok;
    switch (*r->at) {
    case '{':
    case '[':
        if (++r->depth > MAX_DEPTH) {
            return false;
        }
        ok = *r->at++ == '{' ? read_object(r) : read_array(r);
        r->depth--;
        return ok;
    case '"': return read_string(r, NULL);
    case 't': return read_word(r, "true");
    case 'f': return read_word(r, "false");
    case 'n': return read_word(r, "null");
    default: return read_number(r);
    }
}

/* ---- Endpoints ------------------------------------------------------------ */

static void endpoint_index(const char *query) {
    (void)query;
    Buf json = {0};
    buf_str(&json, "{\"endpoints\":["
                   "\"GET /api/add?a=INT&b=INT\","
                   "\"POST /api/reverse {\\\"text\\\":STRING}\"]}");
    respond(NULL, NULL, &json);
    free(json.data);
}

static bool parse_integer(const char *text, long long *value) {
    if (text == NULL || *text == '\0') {
        return false;
    }
    char *end;
    errno = 0;
    *value = strtoll(text, &end, 10);
    return errno == 0 && *end == '\0';
}

static void endpoint_add(const char *query) {
    char *a_text = query_param(query, "a");
    char *b_text = query_param(query, "b");
    long long a, b, sum;
    if (!parse_integer(a_text, &a) || !parse_integer(b_text, &b)) {
        respond_error("400 Bad Request", NULL,
                      "a and b must be integers: /api/add?a=1&b=2");
    } else if (__builtin_add_overflow(a, b, &sum)) {
        respond_error("400 Bad Request", NULL, "the sum does not fit in 64 bits");
    } else {
        Buf json = {0};
        char number[32];
        snprintf(number, sizeof number, "%lld", sum);
        buf_str(&json, "{\"sum\":");
        buf_str(&json, number);
        buf_byte(&json, '}');
        respond(NULL, NULL, &json);
        free(json.data);
    }
    free(a_text);
    free(b_text);
}

/* Reads the request body; false when it is longer than MAX_BODY. */
static bool read_body(Buf *body) {
    char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, stdin)) > 0) {
        if (body->len + got > MAX_BODY) {
            return false;
        }
        buf_push(body, chunk, got);
    }
    if (body->data == NULL) {
        buf_push(body, "", 0);
    }
    return true;
}

static void endpoint_reverse(const char *query) {
    (void)query;
    Buf body = {0};
    if (!read_body(&body)) {
        respond_error("413 Content Too Large", NULL, "the body is over 64 KiB");
        free(body.data);
        return;
    }
    Reader r = {.at = body.data, .end = body.data + body.len, .wanted = "text"};
    skip_space(&r);
    bool object = r.at < r.end && *r.at == '{';
    bool valid = read_value(&r);
    skip_space(&r);
    if (!valid || r.at != r.end) {
        respond_error("400 Bad Request", NULL, "the body is not valid JSON");
    } else if (!object || !r.has_found) {
        respond_error("400 Bad Request", NULL,
                      "expected an object with a string member \"text\"");
    } else {
        /* Reverse by code point, so multi-byte characters stay whole. The
         * reader checked the UTF-8, so lead bytes give the lengths. */
        const char *text = r.found.data;
        size_t len = r.found.len;
        char *reversed = malloc(len + 1);
        if (reversed == NULL) {
            fail_out_of_memory();
        }
        size_t i = 0;
        while (i < len) {
            unsigned char lead = (unsigned char)text[i];
            size_t n = lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
            memcpy(reversed + len - i - n, text + i, n);
            i += n;
        }
        Buf json = {0};
        buf_str(&json, "{\"text\":");
        buf_json_string(&json, reversed, len);
        buf_byte(&json, '}');
        respond(NULL, NULL, &json);
        free(json.data);
        free(reversed);
    }
    free(r.found.data);
    free(body.data);
}

/* The endpoint's name: PATH_INFO, the part of the request path after the
 * route's prefix (SCRIPT_NAME), without its leading '/'. */
static const char *endpoint_name(void) {
    const char *path = getenv("PATH_INFO");
    if (path == NULL) {
        path = "";
    }
    while (*path == '/') {
        path++;
    }
    return path;
}

int main(void) {
    const char *method = getenv("REQUEST_METHOD");
    const char *query = getenv("QUERY_STRING");
    const char *name = endpoint_name();
    if (method == NULL) {
        method = "GET";
    }
    if (query == NULL) {
        query = "";
    }

    static const struct {
        const char *name;
        const char *method;
        void (*handle)(const char *query);
    } endpoints[] = {
        {"", "GET", endpoint_index},
        {"add", "GET", endpoint_add},
        {"reverse", "POST", endpoint_reverse},
    };
    for (size_t i = 0; i < sizeof endpoints / sizeof endpoints[0]; i++) {
        if (strcmp(name, endpoints[i].name) != 0) {
            continue;
        }
        if (strcmp(method, endpoints[i].method) != 0) {
            char allow[32];
            snprintf(allow, sizeof allow, "Allow: %s", endpoints[i].method);
            respond_error("405 Method Not Allowed", allow, "method not allowed");
        } else {
            endpoints[i].handle(query);
        }
        return 0;
    }

    Buf message = {0};
    buf_str(&message, "no such endpoint: ");
    buf_str(&message, name);
    respond_error("404 Not Found", NULL, message.data);
    free(message.data);
    return 0;
}
