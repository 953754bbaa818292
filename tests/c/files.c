/* Creates, writes, reads back, appends to, seeks in, truncates, renames and
 * removes files.
 *
 * Works in the current directory with relative paths: the test runs the
 * native build with a fresh empty directory as its working directory and
 * grants `wisp run` another fresh empty directory as `.`. Every file it
 * makes is gone again when it ends.
 */
#include <fcntl.h>
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

static long size_of(const char *path) {
    struct stat st;
    check(stat(path, &st) == 0, "stat");
    check(S_ISREG(st.st_mode), "S_ISREG");
    return (long)st.st_size;
}

static void print_contents(const char *path) {
    FILE *f = fopen(path, "r");
    check(f != NULL, "fopen for reading");
    char line[128];
    printf("%s holds:\n", path);
    while (fgets(line, sizeof line, f) != NULL) {
        printf("  | %s", line);
    }
    check(!ferror(f), "fgets");
    fclose(f);
}

int main(void) {
    /* stdio: create, write, read back. */
    FILE *f = fopen("notes.txt", "w");
    check(f != NULL, "fopen for writing");
    for (int i = 1; i <= 3; i++) {
        fprintf(f, "line %d\n", i);
    }
    check(fclose(f) == 0, "fclose");
    printf("notes.txt is %ld bytes\n", size_of("notes.txt"));
    print_contents("notes.txt");

    /* stdio: append. */
    f = fopen("notes.txt", "a");
    check(f != NULL, "fopen for appending");
    fputs("appended\n", f);
    check(fclose(f) == 0, "fclose");
    printf("after appending, %ld bytes\n", size_of("notes.txt"));

    /* File descriptors: seek and overwrite in place, read at an offset. */
    int fd = open("notes.txt", O_RDWR);
    check(fd >= 0, "open O_RDWR");
    check(lseek(fd, 5, SEEK_SET) == 5, "lseek SEEK_SET");
    check(write(fd, "I", 1) == 1, "write");
    off_t end = lseek(fd, 0, SEEK_END);
    printf("SEEK_END is at %ld\n", (long)end);
    check(lseek(fd, -9, SEEK_END) == end - 9, "lseek SEEK_END");
    char tail[16] = {0};
    check(read(fd, tail, 8) == 8, "read");
    printf("the last 9 bytes start with \"%s\"\n", tail);
    char middle[7] = {0};
    check(pread(fd, middle, 6, 7) == 6, "pread");
    printf("pread at 7: \"%s\"\n", middle);
    check(lseek(fd, 0, SEEK_CUR) == end - 1, "lseek SEEK_CUR after pread");
    check(close(fd) == 0, "close");
    print_contents("notes.txt");

    /* O_CREAT | O_EXCL, O_APPEND and ftruncate. */
    fd = open("log.txt", O_WRONLY | O_CREAT | O_EXCL, 0644);
    check(fd >= 0, "open O_CREAT|O_EXCL");
    check(write(fd, "0123456789", 10) == 10, "write");
    check(ftruncate(fd, 4) == 0, "ftruncate");
    check(close(fd) == 0, "close");
    fd = open("log.txt", O_WRONLY | O_APPEND);
    check(fd >= 0, "open O_APPEND");
    check(lseek(fd, 0, SEEK_SET) == 0, "lseek");
    check(write(fd, "+tail\n", 6) == 6, "write with O_APPEND");
    check(close(fd) == 0, "close");
    printf("log.txt is %ld bytes\n", size_of("log.txt"));
    print_contents("log.txt");

    /* A larger file written in one go and read back in pieces. */
    enum { BIG = 200000 };
    char *data = malloc(BIG);
    check(data != NULL, "malloc");
    for (int i = 0; i < BIG; i++) {
        data[i] = (char)('a' + (i * 7 + i / 13) % 26);
    }
    f = fopen("big.bin", "wb");
    check(f != NULL, "fopen big.bin");
    check(fwrite(data, 1, BIG, f) == BIG, "fwrite");
    check(fclose(f) == 0, "fclose");
    f = fopen("big.bin", "rb");
    check(f != NULL, "fopen big.bin");
    unsigned long sum = 0, total = 0;
    char piece[4096];
    size_t n;
    while ((n = fread(piece, 1, sizeof piece, f)) > 0) {
        check(memcmp(piece, data + total, n) == 0, "read back what was written");
        for (size_t i = 0; i < n; i++) {
            sum = sum * 31 + (unsigned char)piece[i];
            sum &= 0xffffffffUL;
        }
        total += n;
    }
    fclose(f);
    free(data);
    printf("big.bin: %lu bytes, checksum %08lx\n", total, sum);

    /* Rename over nothing, then over an existing file, then remove. */
    check(rename("notes.txt", "renamed.txt") == 0, "rename");
    printf("after rename, notes.txt %s, renamed.txt is %ld bytes\n",
           access("notes.txt", F_OK) == 0 ? "still exists" : "is gone",
           size_of("renamed.txt"));
    check(rename("log.txt", "renamed.txt") == 0, "rename over a file");
    printf("renamed.txt is now %ld bytes\n", size_of("renamed.txt"));
    check(unlink("renamed.txt") == 0, "unlink");
    check(remove("big.bin") == 0, "remove");
    printf("renamed.txt %s\n", access("renamed.txt", F_OK) == 0 ? "still exists" : "is gone");
    fprintf(stderr, "files: done\n");
    return 0;
}
