/*
 * Internal to hostbuild/chan_*.c: where channel sockets live.
 *
 * chan_rundir.c owns the run directory (choosing it, creating it safely,
 * removing it at exit when it made it) and the listening sockets in it.
 * chan_unix.c owns the channels themselves: connection state, reads, writes
 * and waits. Nothing outside hostbuild/ includes this.
 */
#ifndef LU_HOSTBUILD_CHAN_UNIX_H
#define LU_HOSTBUILD_CHAN_UNIX_H
#include <stddef.h>

/* The run directory, created on first use: LUCENT_RUN_DIR when set (the
 * launcher's), else ${XDG_RUNTIME_DIR:-/tmp/lucent-$UID}/lucent/<prog>-<pid>.
 * Returns the path, or NULL with *err set to a negative errno. */
const char *chan_run_dir(int *err);

/* Binds and listens on <dir>/<name>.sock (non-blocking, close-on-exec),
 * replacing a stale socket file that nobody listens on, and arranges for the
 * file to be unlinked at exit. Writes the path into @path. Returns the
 * listening fd or a negative errno (-EADDRINUSE: a live process owns it). */
int chan_listen(const char *dir, const char *name, char *path, size_t len);

#endif
