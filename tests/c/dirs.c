/* Makes a small tree of directories and files, lists it in sorted order,
 * then takes it down again.
 *
 * Works in the current directory with relative paths: the test runs the
 * native build with a fresh empty directory as its working directory and
 * grants `wisp run` another fresh empty directory as `.`.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void check(int ok, const char *what) {
    if (!ok) {
        perror(what);
        exit(1);
    }
}

static int compare_strings(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Prints the entries of `path` sorted by name, with their kind, and recurses
 * into subdirectories. Directory order differs between file systems, so the
 * names are collected and sorted first; `.` and `..` are left out because
 * not every WASI host lists them. */
static void list(const char *path, int depth) {
    DIR *dir = opendir(path);
    check(dir != NULL, "opendir");
    char *names[64];
    size_t count = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) {
            continue;
        }
        check(count < 64, "too many entries");
        names[count] = strdup(entry->d_name);
        check(names[count] != NULL, "strdup");
        count++;
    }
    check(closedir(dir) == 0, "closedir");
    qsort(names, count, sizeof names[0], compare_strings);
    for (size_t i = 0; i < count; i++) {
        char child[256];
        snprintf(child, sizeof child, "%s/%s", path, names[i]);
        struct stat st;
        check(stat(child, &st) == 0, "stat");
        if (S_ISDIR(st.st_mode)) {
            printf("%*s%s/\n", depth * 2, "", names[i]);
            list(child, depth + 1);
        } else {
            printf("%*s%s (%ld bytes)\n", depth * 2, "", names[i], (long)st.st_size);
        }
        free(names[i]);
    }
}

static void make_file(const char *path, int bytes) {
    FILE *f = fopen(path, "w");
    check(f != NULL, "fopen");
    for (int i = 0; i < bytes; i++) {
        fputc('x', f);
    }
    check(fclose(f) == 0, "fclose");
}

int main(void) {
    check(mkdir("tree", 0755) == 0, "mkdir tree");
    check(mkdir("tree/b", 0755) == 0, "mkdir tree/b");
    check(mkdir("tree/a", 0755) == 0, "mkdir tree/a");
    check(mkdir("tree/a/deep", 0755) == 0, "mkdir tree/a/deep");
    const char *files[] = {"tree/zeta.txt", "tree/alpha.txt", "tree/Mid.txt",
                           "tree/a/one", "tree/a/deep/two", "tree/b/three"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        make_file(files[i], (int)(i * 3 + 1));
    }
    /* Enough entries that readdir has to fetch more than once. */
    for (int i = 0; i < 40; i++) {
        char name[64];
        snprintf(name, sizeof name, "tree/b/file-with-a-longish-name-%02d", (i * 17) % 40);
        make_file(name, i % 5);
    }

    printf("tree/\n");
    list("tree", 1);

    struct stat st;
    check(stat("tree/a/deep", &st) == 0 && S_ISDIR(st.st_mode), "stat of a directory");
    printf("tree/a/deep is a directory\n");

    check(rmdir("tree/a") != 0, "rmdir of a non-empty directory fails");
    printf("rmdir tree/a failed while it held files\n");

    check(rename("tree/a/deep", "tree/moved") == 0, "rename a directory");
    printf("after moving tree/a/deep to tree/moved:\n");
    list("tree", 1);

    /* Take everything down, deepest first. */
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        const char *path = strcmp(files[i], "tree/a/deep/two") == 0 ? "tree/moved/two" : files[i];
        check(unlink(path) == 0, "unlink");
    }
    for (int i = 0; i < 40; i++) {
        char name[64];
        snprintf(name, sizeof name, "tree/b/file-with-a-longish-name-%02d", i);
        check(unlink(name) == 0, "unlink");
    }
    check(rmdir("tree/moved") == 0, "rmdir tree/moved");
    check(rmdir("tree/a") == 0, "rmdir tree/a");
    check(rmdir("tree/b") == 0, "rmdir tree/b");
    printf("left in tree:\n");
    list("tree", 1);
    check(rmdir("tree") == 0, "rmdir tree");
    printf("tree %s\n", access("tree", F_OK) == 0 ? "still exists" : "is gone");
    return 0;
}
