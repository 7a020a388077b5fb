/*
 * Device nodes (devices.c): /dev/null, /dev/zero, /dev/random and
 * /dev/urandom, the character devices programs open by name without a
 * filesystem behind them.
 */
#ifndef LU_KERNEL_DEVICES_H
#define LU_KERNEL_DEVICES_H
#include <sys/stat.h>

struct fd_ops;
struct dev_node {
    const char *name; /* under /dev */
    unsigned major, minor;
    const struct fd_ops *ops;
};

/* The node called @name (no "/dev/" prefix), or NULL. */
const struct dev_node *dev_find(const char *name);
/* The @i-th node (0 up), or NULL past the last: readdir of /dev. */
const struct dev_node *dev_at(unsigned i);
/* A stat of @node as Linux gives it: S_IFCHR, rw for all, its device
 * number. */
void dev_stat(const struct dev_node *node, struct stat *st);

#endif
