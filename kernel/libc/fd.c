/*
 * The descriptor table (fd.h). Slots are claimed and freed under the
 * table's mutex, so two threads opening at once never share a slot;
 * lookups go without it, as a slot changes only through its own close.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include "../net/net.h"
#include "fd.h"

struct fd_slot {
    const struct fd_ops *ops; /* NULL: free */
    void *obj;
    int flags;
};

static struct fd_slot table[LU_NET_FD_BASE];
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;

int fd_in_table(int fd) { return fd >= FD_FIRST && fd < LU_NET_FD_BASE; }

int fd_install(const struct fd_ops *ops, void *obj, int flags)
{
    int fd = -EMFILE;
    pthread_mutex_lock(&table_lock);
    for (int i = FD_FIRST; i < LU_NET_FD_BASE; i++)
        if (!table[i].ops) {
            table[i] = (struct fd_slot){ops, obj, flags};
            fd = i;
            break;
        }
    pthread_mutex_unlock(&table_lock);
    return fd;
}

int fd_lookup(int fd, const struct fd_ops **ops, void **obj, int *flags)
{
    if (!fd_in_table(fd) || !table[fd].ops)
        return -EBADF;
    *ops = table[fd].ops;
    *obj = table[fd].obj;
    if (flags)
        *flags = table[fd].flags;
    return 0;
}

int fd_release(int fd)
{
    pthread_mutex_lock(&table_lock);
    struct fd_slot s = fd_in_table(fd) ? table[fd] : (struct fd_slot){0};
    if (s.ops)
        table[fd].ops = NULL;
    pthread_mutex_unlock(&table_lock);
    if (!s.ops)
        return -EBADF;
    return s.ops->close ? s.ops->close(s.obj) : 0;
}
