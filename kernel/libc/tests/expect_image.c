#include "expect.h"

const struct posix_expect expect = {
    .sysname = "Lucent",
    .processes = false,
    .writable_root = false,
    .hard_limit_is_machine = true,
    .wx_mappings = false, /* the kernel keeps W^X */
};
