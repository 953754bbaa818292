/* The smallest WAGI handler: a plain-text greeting for every request.
 *
 * A WAGI guest answers on standard output the way a CGI script does:
 * header lines, an empty line, then the body. The response needs a
 * Content-Type (or a Location); without a Status line it is a 200.
 */
#include <stdio.h>

int main(void) {
    fputs("Content-Type: text/plain\n"
          "\n"
          "Hello from Wisp!\n",
          stdout);
    return 0;
}
