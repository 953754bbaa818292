/* yyjson: builds a JSON document of 40,000 generated records with the
 * mutable API, writes it out (pretty and minified), then parses the text
 * back eight times, walking every value and summing what it finds. */
#include "common.h"
#include <yyjson.h>

int main(void) {
    rng_seed(8);
    uint64_t h = FNV_INIT;

    bench_start();
    yyjson_mut_doc *mdoc = yyjson_mut_doc_new(NULL);
    yyjson_mut_val *root = yyjson_mut_obj(mdoc);
    yyjson_mut_doc_set_root(mdoc, root);
    yyjson_mut_obj_add_str(mdoc, root, "generator", "wisp corpus");
    yyjson_mut_val *recs = yyjson_mut_arr(mdoc);
    yyjson_mut_obj_add_val(mdoc, root, "records", recs);
    for (int i = 0; i < 40000; i++) {
        yyjson_mut_val *r = yyjson_mut_arr_add_obj(mdoc, recs);
        yyjson_mut_obj_add_int(mdoc, r, "id", i);
        yyjson_mut_obj_add_str(mdoc, r, "word", corpus_words[rng_below(CORPUS_NWORDS)]);
        yyjson_mut_obj_add_real(mdoc, r, "score", (double)rng_below(1 << 20) / 64.0);
        yyjson_mut_obj_add_bool(mdoc, r, "flag", rng_below(2));
        yyjson_mut_val *tags = yyjson_mut_obj_add_arr(mdoc, r, "tags");
        for (uint32_t t = rng_below(5); t > 0; t--) yyjson_mut_arr_add_uint(mdoc, tags, rng_below(1000));
        if (rng_below(4) == 0) {
            yyjson_mut_val *nested = yyjson_mut_obj_add_obj(mdoc, r, "nested");
            yyjson_mut_obj_add_str(mdoc, nested, "note", "escaped \"quotes\" and \\ backslashes\n");
            yyjson_mut_obj_add_null(mdoc, nested, "none");
        }
    }
    size_t len, pretty_len;
    char *json = yyjson_mut_write(mdoc, 0, &len);
    char *pretty = yyjson_mut_write(mdoc, YYJSON_WRITE_PRETTY, &pretty_len);
    check(json && pretty, "write");
    h = fnv1a(json, len, h);
    printf("written: %zu bytes, %zu pretty\n", len, pretty_len);

    for (int rep = 0; rep < 8; rep++) {
        const char *src = rep % 2 ? pretty : json;
        size_t n = rep % 2 ? pretty_len : len;
        yyjson_doc *doc = yyjson_read(src, n, 0);
        check(doc != NULL, "read");
        yyjson_val *arr = yyjson_obj_get(yyjson_doc_get_root(doc), "records");
        size_t idx, max;
        yyjson_val *r;
        double score = 0;
        uint64_t ids = 0, tagsum = 0, flags = 0, nested = 0;
        yyjson_arr_foreach(arr, idx, max, r) {
            ids += (uint64_t)yyjson_get_int(yyjson_obj_get(r, "id"));
            score += yyjson_get_real(yyjson_obj_get(r, "score"));
            flags += yyjson_get_bool(yyjson_obj_get(r, "flag"));
            yyjson_val *t;
            size_t ti, tmax;
            yyjson_arr_foreach(yyjson_obj_get(r, "tags"), ti, tmax, t) tagsum += yyjson_get_uint(t);
            yyjson_val *ne = yyjson_obj_get(r, "nested");
            if (ne) nested += yyjson_get_len(yyjson_obj_get(ne, "note"));
        }
        if (rep < 2)
            printf("read %s: %zu records, ids %llu, score %.4f, flags %llu, tags %llu, nested %llu\n",
                   rep ? "pretty" : "minified", yyjson_arr_size(arr), (unsigned long long)ids, score,
                   (unsigned long long)flags, (unsigned long long)tagsum, (unsigned long long)nested);
        size_t back_len;
        char *back = yyjson_write(doc, 0, &back_len);
        check(back_len == len && memcmp(back, json, len) == 0, "write after read");
        free(back);
        yyjson_doc_free(doc);
    }
    bench_end();
    free(json);
    free(pretty);
    yyjson_mut_doc_free(mdoc);
    printf("checksum %016llx\n", (unsigned long long)h);
    return 0;
}
