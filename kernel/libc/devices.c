/*
 * The character devices (devices.h), each an fd_ops struct over no state:
 * /dev/null reads end of file and swallows writes, /dev/zero reads zeros,
 * /dev/random and /dev/urandom read the kernel's random source (random.h:
 * virtio-rng where QEMU offers it, else getentropy's). Writes to the random
 * devices are accepted and dropped, as Linux mixes them into a pool we do
 * not have. Their numbers are Linux's, so a program comparing st_rdev
 * against 1:3 (null) still recognises them.
 */
#include <errno.h>
#include <string.h>
#include "devices.h"
#include "fd.h"
#include "random.h"

static ssize_t read_eof(void *obj, void *buf, size_t n) { return 0; }
static ssize_t write_all(void *obj, const void *buf, size_t n) { return (ssize_t)n; }

static ssize_t read_zero(void *obj, void *buf, size_t n)
{
    memset(buf, 0, n);
    return (ssize_t)n;
}

static ssize_t read_random(void *obj, void *buf, size_t n)
{
    int r = random_fill(buf, n);
    return r < 0 ? r : (ssize_t)n;
}

static int fstat_dev(void *obj, struct stat *st)
{
    dev_stat(obj, st);
    return 0;
}

static const struct fd_ops null_ops = {read_eof, write_all, fstat_dev, NULL};
static const struct fd_ops zero_ops = {read_zero, write_all, fstat_dev, NULL};
static const struct fd_ops random_ops = {read_random, write_all, fstat_dev, NULL};

static const struct dev_node nodes[] = {
    {"null", 1, 3, &null_ops},
    {"zero", 1, 5, &zero_ops},
    {"random", 1, 8, &random_ops},
    {"urandom", 1, 9, &random_ops},
};

const struct dev_node *dev_find(const char *name)
{
    for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++)
        if (!strcmp(nodes[i].name, name))
            return &nodes[i];
    return NULL;
}

const struct dev_node *dev_at(unsigned i) { return i < sizeof nodes / sizeof nodes[0] ? &nodes[i] : NULL; }

void dev_stat(const struct dev_node *node, struct stat *st)
{
    *st = (struct stat){
        .st_mode = S_IFCHR | 0666,
        .st_rdev = (dev_t)(node->major << 8 | node->minor),
        .st_ino = (ino_t)(node - nodes + 3), /* after / and /dev */
        .st_nlink = 1,
        .st_blksize = 4096,
    };
}
