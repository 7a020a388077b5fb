/*
 * The x86_64 side of the gdb stub (gdb_target.c), as kernel/gdb.c uses it.
 * The stub's protocol core is gdbstub/; its target interface is
 * gdbstub/gdbstub.h.
 */
#ifndef LU_ARCH_GDB_TARGET_H
#define LU_ARCH_GDB_TARGET_H
#include <stdbool.h>
#include <gdbstub.h>

struct trap_frame;

extern const struct lu_gdb_target_ops gdb_x86_ops;

/* The stopped thread and its full register state, for the ops. Turns the
 * debug registers off until gdb_arch_resume: the stub's own memory reads
 * must not trip gdb's watchpoints. */
void gdb_arch_stopped(struct trap_frame *tf, uint32_t tid);

/* Classifies a #DB or #BP. Fills @stop and returns true when it is ours
 * (a breakpoint, watchpoint or step gdb asked for; the PC is adjusted past
 * nothing: a software breakpoint reports the int3's own address). */
bool gdb_arch_classify(struct trap_frame *tf, struct lu_gdb_stop *stop);

/* After lu_gdb_serve(): applies what gdb asked for (step flag, resume flag,
 * debug registers). Returns the signal gdb wants delivered to the stopped
 * thread (0: none). */
int gdb_arch_resume(struct trap_frame *tf);

/* A one-shot hardware breakpoint of our own (gdb=wait: stop at main). */
void gdb_arch_break_once(uintptr_t addr);

/* The trap frame of the device interrupt being handled right now, found
 * from inside its handler; NULL if the stack does not look as expected. */
struct trap_frame *gdb_arch_irq_frame(unsigned vector);

/* For a stop that came in (NMI) while a device interrupt's handler ran:
 * the frame of the context that interrupt interrupted, which is where gdb
 * should see the thread. @tf itself otherwise. */
struct trap_frame *gdb_arch_outer_frame(struct trap_frame *tf);

#endif
