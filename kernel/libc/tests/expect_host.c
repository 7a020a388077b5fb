#include "expect.h"

const struct posix_expect expect = {
    .sysname = "Linux",
    .processes = true,
    .writable_root = true,          /* the tests may run as root */
    .hard_limit_is_machine = false, /* root may raise a hard limit */
    .wx_mappings = true,
};
