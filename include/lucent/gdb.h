/*
 * lucent/gdb.h: what the rest of Lucent may ask of the gdb stub.
 *
 * Only one thing: `monitor` commands. A subsystem declares its command where
 * it lives,
 *
 *   LU_GDB_MONITOR(trace, "trace <categories|off>", "enable or disable tracepoints")
 *   {
 *       lu_gdb_printf(out, "tracing %s\n", args);
 *       return 0;
 *   }
 *
 * and the stub finds it through the `lu_gdb_monitor` linker section: there is
 * no central list to edit. `args` is the rest of the command line after the
 * name and its spaces (never NULL). The handler runs with the image stopped,
 * in the stub's context: it must not block on other threads or on devices
 * that need interrupts. Output goes to the gdb console as it is produced.
 *
 * In the hostbuild there is no stub (stock gdb debugs the process), so these
 * commands are only reachable from the stub's unit tests there.
 */
#ifndef LUCENT_GDB_H
#define LUCENT_GDB_H
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Where a monitor command writes: the gdb console (qRcmd "O" packets). */
struct lu_gdb_out;

/* Formats into the gdb console. Returns the number of bytes written. Output
 * beyond what one command may print (a few hundred KiB) is dropped with a
 * note rather than blocking. */
int lu_gdb_printf(struct lu_gdb_out *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int lu_gdb_write(struct lu_gdb_out *out, const char *s, size_t n);

typedef int (*lu_gdb_monitor_fn)(struct lu_gdb_out *out, const char *args);

struct lu_gdb_monitor {
    const char *name;  /* the first word of the command */
    const char *usage; /* shown by `monitor help` */
    const char *help;
    lu_gdb_monitor_fn fn; /* returns 0, or -errno (gdb prints an error) */
};

#define LU_GDB_MONITOR(cname, cusage, chelp)                                                                 \
    static int lu_gdb_mon_fn_##cname(struct lu_gdb_out *out, const char *args);                              \
    static const struct lu_gdb_monitor lu_gdb_mon_##cname                                                    \
        __attribute__((used, section("lu_gdb_monitor"), aligned(8))) = {#cname, cusage, chelp,               \
                                                                        lu_gdb_mon_fn_##cname};              \
    static int lu_gdb_mon_fn_##cname(struct lu_gdb_out *out, const char *args)

#ifdef __cplusplus
}
#endif
#endif
