/* Makes calls that must fail and prints the errno each one sets, by name.
 *
 * The names come from comparing errno with the constants in <errno.h>, not
 * from strerror(), whose wording differs between C libraries. Works in the
 * current directory with relative paths, like files.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *errno_name(int e) {
    switch (e) {
    case 0: return "no error";
    case ENOENT: return "ENOENT";
    case EEXIST: return "EEXIST";
    case EISDIR: return "EISDIR";
    case ENOTDIR: return "ENOTDIR";
    case ENOTEMPTY: return "ENOTEMPTY";
    case EBADF: return "EBADF";
    case EINVAL: return "EINVAL";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    default: return "some other errno";
    }
}

static void expect_failure(const char *what, int result) {
    if (result >= 0) {
        printf("%-40s succeeded unexpectedly\n", what);
        return;
    }
    printf("%-40s %s\n", what, errno_name(errno));
    errno = 0;
}

int main(void) {
    char byte;

    expect_failure("open a missing file", open("missing.txt", O_RDONLY));
    expect_failure("fopen a missing file", fopen("missing.txt", "r") == NULL ? -1 : 0);
    expect_failure("open in a missing directory", open("nowhere/x.txt", O_WRONLY | O_CREAT, 0644));
    expect_failure("stat a missing file", stat("missing.txt", &(struct stat){0}));
    expect_failure("unlink a missing file", unlink("missing.txt"));
    expect_failure("rmdir a missing directory", rmdir("missing"));

    if (mkdir("dir", 0755) != 0 || close(open("dir/file", O_WRONLY | O_CREAT, 0644)) != 0) {
        perror("setting up");
        return 1;
    }
    expect_failure("mkdir an existing directory", mkdir("dir", 0755));
    expect_failure("O_CREAT|O_EXCL an existing file", open("dir/file", O_WRONLY | O_CREAT | O_EXCL, 0644));
    expect_failure("open a directory for writing", open("dir", O_WRONLY));
    expect_failure("rmdir a non-empty directory", rmdir("dir"));
    expect_failure("rmdir a file", rmdir("dir/file"));
    expect_failure("open through a file as a directory", open("dir/file/x", O_RDONLY));
    expect_failure("open a file with O_DIRECTORY", open("dir/file", O_RDONLY | O_DIRECTORY));

    int fd = open("dir/file", O_WRONLY);
    expect_failure("read a write-only descriptor", (int)read(fd, &byte, 1));
    close(fd);
    expect_failure("read a closed descriptor", (int)read(fd, &byte, 1));
    expect_failure("close a closed descriptor", close(fd));
    expect_failure("lseek a descriptor never opened", (int)lseek(100, 0, SEEK_SET));

    fd = open("dir/file", O_RDONLY);
    expect_failure("lseek before the start", (int)lseek(fd, -1, SEEK_SET));
    close(fd);

    unlink("dir/file");
    rmdir("dir");

    errno = 0;
    FILE *f = fopen("missing.txt", "r");
    fprintf(stderr, "errno after fopen of a missing file: %s\n",
            f == NULL ? errno_name(errno) : "it opened");
    return 0;
}
