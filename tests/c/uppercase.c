/* Copies standard input to standard output in upper case, then reports on
 * standard error how many bytes and lines it copied.
 *
 * Reads in small chunks with read(2) so a long input takes many calls.
 */
#include <ctype.h>
#include <stdio.h>
#include <unistd.h>

int main(void) {
    char buffer[100];
    unsigned long bytes = 0, lines = 0;
    for (;;) {
        ssize_t n = read(STDIN_FILENO, buffer, sizeof buffer);
        if (n < 0) {
            perror("read");
            return 1;
        }
        if (n == 0) {
            break;
        }
        for (ssize_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)buffer[i];
            lines += c == '\n';
            buffer[i] = (char)toupper(c);
        }
        for (ssize_t done = 0; done < n;) {
            ssize_t written = write(STDOUT_FILENO, buffer + done, (size_t)(n - done));
            if (written < 0) {
                perror("write");
                return 1;
            }
            done += written;
        }
        bytes += (unsigned long)n;
    }
    fprintf(stderr, "copied %lu bytes, %lu lines\n", bytes, lines);
    return 0;
}
