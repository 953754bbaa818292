/* Echoes the request back as plain text: what a WAGI guest is given.
 *
 * The host describes the request in CGI variables (REQUEST_METHOD,
 * SCRIPT_NAME for the part of the path the route names and PATH_INFO for
 * the rest, QUERY_STRING, one HTTP_* variable per header, ...), passes
 * the query string split on '&' as arguments after the route, and the
 * body on standard input. This guest prints each of them in turn.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static const char *env_or(const char *name, const char *fallback) {
    const char *value = getenv(name);
    return value != NULL ? value : fallback;
}

static int compare_strings(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Prints HTTP_USER_AGENT=curl/8 as "user-agent: curl/8", the way the
 * header arrived (CGI upper-cases names and turns '-' into '_'). */
static void print_header(const char *variable) {
    const char *name = variable + strlen("HTTP_");
    const char *equals = strchr(name, '=');
    fputs("  ", stdout);
    for (const char *c = name; c < equals; c++) {
        if (*c == '_') {
            putchar('-');
        } else if (*c >= 'A' && *c <= 'Z') {
            putchar(*c - 'A' + 'a');
        } else {
            putchar(*c);
        }
    }
    printf(": %s\n", equals + 1);
}

static void print_headers(void) {
    size_t count = 0;
    for (char **variable = environ; *variable != NULL; variable++) {
        count += strncmp(*variable, "HTTP_", 5) == 0;
    }
    char **headers = malloc((count + 1) * sizeof *headers);
    if (headers == NULL) {
        return;
    }
    size_t n = 0;
    for (char **variable = environ; *variable != NULL; variable++) {
        if (strncmp(*variable, "HTTP_", 5) == 0) {
            headers[n++] = *variable;
        }
    }
    qsort(headers, n, sizeof *headers, compare_strings);
    printf("headers (%zu):\n", n);
    for (size_t i = 0; i < n; i++) {
        print_header(headers[i]);
    }
    free(headers);
}

int main(int argc, char **argv) {
    fputs("Content-Type: text/plain; charset=utf-8\n\n", stdout);

    printf("method: %s\n", env_or("REQUEST_METHOD", "(unset)"));
    printf("script: %s\n", env_or("SCRIPT_NAME", "(unset)"));
    printf("path: %s\n", env_or("PATH_INFO", "(unset)"));
    printf("query: %s\n", env_or("QUERY_STRING", ""));
    printf("route: %s\n", env_or("X_MATCHED_ROUTE", "(unset)"));
    printf("client: %s\n", env_or("REMOTE_ADDR", "(unset)"));
    printf("server: %s:%s (%s)\n", env_or("SERVER_NAME", "?"), env_or("SERVER_PORT", "?"),
           env_or("SERVER_PROTOCOL", "?"));

    printf("arguments (%d):\n", argc);
    for (int i = 0; i < argc; i++) {
        printf("  [%d] %s\n", i, argv[i]);
    }

    print_headers();
    const char *content_type = getenv("CONTENT_TYPE");
    if (content_type != NULL && *content_type != '\0') {
        printf("content-type: %s\n", content_type);
    }

    /* Read the body to the end rather than trusting CONTENT_LENGTH: the
     * host closes standard input after the last byte. */
    char buffer[4096];
    size_t total = 0;
    size_t got;
    char last = '\n';
    fputs("body:\n", stdout);
    while ((got = fread(buffer, 1, sizeof buffer, stdin)) > 0) {
        fwrite(buffer, 1, got, stdout);
        total += got;
        last = buffer[got - 1];
    }
    if (last != '\n') {
        putchar('\n');
    }
    printf("(%zu bytes)\n", total);
    return 0;
}
