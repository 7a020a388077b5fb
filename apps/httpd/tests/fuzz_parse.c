/* libFuzzer target for the request parser (hostbuild, clang only):
 *   build-X/host/apps/httpd/httpd-fuzz-parse -max_total_time=60
 * Beyond memory safety (ASan/UBSan), it checks the parser's contract: a
 * complete head's length lies within the input and the limit, and a
 * parsed path lies inside the head. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "http_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy, so reading one byte past it trips ASan. */
    char *buf = malloc(size ? size : 1);
    memcpy(buf, data, size);
    size_t max = size > 0 ? 1 + data[0] * 16u : 4096;
    struct http_request r;
    int rc = http_parse(buf, size, max, &r);
    if (rc > 0) {
        if ((size_t)rc > size || (size_t)rc > max || r.path < buf || r.path + r.path_len > buf + rc)
            abort();
    } else if (rc != 0 && rc != -400 && rc != -414 && rc != -431 && rc != -501 && rc != -505) {
        abort();
    }
    free(buf);
    return 0;
}
