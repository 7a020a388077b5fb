/* Placeholder until chan_unix.c lands (issue C). */
#include <errno.h>
#include <lucent/plat.h>

struct lu_chan *lu_chan_open(const char *name) { return NULL; }
bool lu_chan_connected(struct lu_chan *ch) { return false; }
ssize_t lu_chan_read(struct lu_chan *ch, void *buf, size_t len, unsigned flags) { return -EPIPE; }
ssize_t lu_chan_write(struct lu_chan *ch, const void *buf, size_t len, unsigned flags) { return -EPIPE; }
int lu_chan_wait(struct lu_chan *ch, int events, int64_t timeout_ns) { return LU_CHAN_HANGUP; }
void lu_chan_get_stats(struct lu_chan *ch, struct lu_chan_stats *out) { *out = (struct lu_chan_stats){0}; }
