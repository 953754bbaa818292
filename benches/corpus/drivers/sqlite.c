/* sqlite: an in-memory database of 10,000 orders and 1,000 customers,
 * filled through prepared statements in one transaction, indexed, then
 * queried (aggregates, a join, sorting, LIKE, a correlated subquery) and
 * updated. Money is kept in integer cents so that the results print the
 * same everywhere. */
#include "common.h"
#include <sqlite3.h>

static sqlite3 *db;

static void exec(const char *sql) {
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", sql, err);
        exit(1);
    }
}

static sqlite3_stmt *prepare(const char *sql) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
        exit(1);
    }
    return st;
}

/* Runs a query and prints every row, columns separated by '|'; returns a
 * hash of the printed text so long results need not be printed whole. */
static uint64_t query(const char *title, const char *sql, int print_rows) {
    sqlite3_stmt *st = prepare(sql);
    uint64_t h = FNV_INIT;
    int rows = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char line[512];
        size_t len = 0;
        for (int c = 0; c < sqlite3_column_count(st); c++) {
            const unsigned char *t = sqlite3_column_text(st, c);
            len += (size_t)snprintf(line + len, sizeof line - len, "%s%s", c ? "|" : "", t ? (const char *)t : "NULL");
            if (len >= sizeof line) len = sizeof line - 1;
        }
        h = fnv1a(line, len, h);
        if (rows < print_rows) printf("  %s\n", line);
        rows++;
    }
    check(rc == SQLITE_DONE, "query step");
    sqlite3_finalize(st);
    printf("%s: %d rows, hash %016llx\n", title, rows, (unsigned long long)h);
    return h;
}

int main(void) {
    static const char *const cities[] = {"Lisbon", "Oslo", "Kyoto", "Lima", "Accra", "Perth", "Quebec", "Tartu"};
    rng_seed(6);
    check(sqlite3_open(":memory:", &db) == SQLITE_OK, "open");

    bench_start();
    exec("CREATE TABLE customer(id INTEGER PRIMARY KEY, name TEXT NOT NULL, city TEXT NOT NULL, since INTEGER);"
         "CREATE TABLE orders(id INTEGER PRIMARY KEY, customer INTEGER NOT NULL REFERENCES customer(id),"
         " item TEXT NOT NULL, qty INTEGER NOT NULL, cents INTEGER NOT NULL, day INTEGER NOT NULL);");
    exec("BEGIN");
    sqlite3_stmt *ins = prepare("INSERT INTO customer(id, name, city, since) VALUES (?1, ?2, ?3, ?4)");
    for (int i = 1; i <= 1000; i++) {
        char name[32];
        /* One draw per statement: argument order is unspecified in C. */
        const char *first = corpus_words[rng_below(CORPUS_NWORDS)];
        const char *last = corpus_words[rng_below(CORPUS_NWORDS)];
        snprintf(name, sizeof name, "%s %s-%d", first, last, i);
        sqlite3_bind_int(ins, 1, i);
        sqlite3_bind_text(ins, 2, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 3, cities[rng_below(8)], -1, SQLITE_STATIC);
        sqlite3_bind_int(ins, 4, 2000 + (int)rng_below(25));
        check(sqlite3_step(ins) == SQLITE_DONE, "insert customer");
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    ins = prepare("INSERT INTO orders(customer, item, qty, cents, day) VALUES (?1, ?2, ?3, ?4, ?5)");
    for (int i = 0; i < 10000; i++) {
        sqlite3_bind_int(ins, 1, 1 + (int)rng_below(1000));
        sqlite3_bind_text(ins, 2, corpus_words[rng_below(CORPUS_NWORDS)], -1, SQLITE_STATIC);
        sqlite3_bind_int(ins, 3, 1 + (int)rng_below(20));
        sqlite3_bind_int(ins, 4, 50 + (int)rng_below(100000));
        sqlite3_bind_int(ins, 5, (int)rng_below(3650));
        check(sqlite3_step(ins) == SQLITE_DONE, "insert order");
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    exec("COMMIT");
    exec("CREATE INDEX orders_customer ON orders(customer);"
         "CREATE INDEX orders_item_day ON orders(item, day);"
         "CREATE INDEX customer_city ON customer(city)");

    query("revenue by city",
          "SELECT c.city, count(*), sum(o.qty * o.cents), max(o.cents), min(o.day)"
          " FROM orders o JOIN customer c ON c.id = o.customer GROUP BY c.city ORDER BY c.city", 8);
    query("top customers",
          "SELECT c.name, sum(o.qty * o.cents) AS total FROM customer c JOIN orders o ON o.customer = c.id"
          " GROUP BY c.id ORDER BY total DESC, c.id LIMIT 5", 5);
    query("items by year",
          "SELECT item, day / 365 AS year, count(*), sum(qty) FROM orders"
          " GROUP BY item, year ORDER BY item, year", 3);
    query("like", "SELECT count(*), sum(cents) FROM orders WHERE item LIKE '%er%' OR item GLOB 'c*'", 1);
    query("above own average",
          "SELECT count(*) FROM orders o WHERE o.cents >"
          " (SELECT avg(cents) FROM orders p WHERE p.customer = o.customer)", 1);
    query("sorted page", "SELECT id, item, cents FROM orders ORDER BY cents DESC, id LIMIT 20 OFFSET 1000", 2);
    query("distinct",
          "SELECT count(DISTINCT item || '/' || qty), count(DISTINCT customer) FROM orders WHERE day BETWEEN 100 AND 2000", 1);
    query("window",
          "SELECT customer, day, sum(cents) OVER (PARTITION BY customer ORDER BY day ROWS 3 PRECEDING)"
          " FROM orders WHERE customer <= 300 ORDER BY customer, day, id", 2);
    exec("UPDATE orders SET cents = cents * 11 / 10 WHERE item IN ('memory', 'module', 'store');"
         "DELETE FROM orders WHERE qty = 1 AND day % 7 = 0");
    query("after update",
          "SELECT count(*), sum(cents), total(qty) FROM orders", 1);
    query("integrity", "PRAGMA integrity_check", 1);
    bench_end();
    sqlite3_close(db);
    return 0;
}
