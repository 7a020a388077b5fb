/*
 * kernel/gdb_chan.c as kernel/gdb.c uses it: the stub's transport over the
 * lucent.gdb virtio-serial port.
 */
#ifndef LU_KERNEL_GDB_CHAN_H
#define LU_KERNEL_GDB_CHAN_H
#include <stdbool.h>
#include <gdbstub.h>

/* Opens the lucent.gdb port and fills @io with its transport. Returns
 * false when the image has no such port. */
bool gdb_chan_transport(struct lu_gdb_transport *io);

/* Turns on what stops a running image, once the stub is ready for it:
 * @on_rx runs from the port's interrupt, with interrupts off, when gdb
 * sent something while the image ran (@vector is that interrupt's, for
 * gdb_arch_irq_frame); and the NMI (gdb_chan_nmi_mode). */
void gdb_chan_start(void (*on_rx)(unsigned vector));

/* Whether the port interrupts (MSI-X): without it ^C goes unseen. */
bool gdb_chan_has_irq(void);

/* The port's receive queue signals by NMI (gdb_chan.c says why): every
 * NMI is then offered to the stub first. */
bool gdb_chan_nmi_mode(void);
/* An NMI while the stub serves: a wake-up; returns it past a pending hlt. */
struct trap_frame;
void gdb_chan_nmi_wake(struct trap_frame *tf);
/* gdb sent bytes (or left) and the stub has not read them yet. */
bool gdb_chan_rx_pending(void);
/* gdb sent bytes not read yet (a peer that came and went silently: no). */
bool gdb_chan_has_bytes(void);
/* The image resumes: the control queue goes back to the shared vector. */
void gdb_chan_resumed(void);
/* The device lock, from an NMI: a thread it interrupted may hold it. */
bool gdb_chan_lock(void);
void gdb_chan_unlock(void);

#endif
