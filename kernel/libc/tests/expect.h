/* What the POSIX tests expect where the two builds differ by design: the
 * image is one process without a filesystem (expect_image.c), the
 * hostbuild is a Linux process (expect_host.c). meson picks the file. */
#ifndef LU_POSIX_EXPECT_H
#define LU_POSIX_EXPECT_H
#include <stdbool.h>

struct posix_expect {
    const char *sysname;        /* uname() */
    bool processes;             /* fork, exec and a shell exist */
    bool writable_root;         /* mkdir in / may succeed (Linux, as root) */
    bool hard_limit_is_machine; /* raising a hard rlimit fails with EPERM */
    bool wx_mappings;           /* PROT_WRITE|PROT_EXEC is allowed */
};

extern const struct posix_expect expect;

#endif
