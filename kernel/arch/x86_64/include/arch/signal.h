/*
 * Running a signal handler on an interrupted thread (sigframe.c,
 * sigtramp.S). The kernel decides which signal and when (libc/signal.c);
 * the architecture only knows how to make an interrupted context call the
 * kernel back with its whole state saved, and resume it afterwards.
 */
#ifndef LU_ARCH_SIGNAL_H
#define LU_ARCH_SIGNAL_H
#include <arch/trap.h>

/* The vector number trap_common sees for a redirected thread: past the
 * 256 real ones, so nothing mistakes it for an interrupt. */
#define TRAP_VEC_SIGNAL 256

/* Rewrites @tf, the frame of an interrupt about to return, so that the
 * thread re-enters the trap path as vector TRAP_VEC_SIGNAL with the state
 * it was interrupted in (every register, the SSE state included), and
 * returns to it from there. Interrupts off. */
void arch_signal_redirect(struct trap_frame *tf);

/* The FPU and SSE state a handler starts with: the defaults (round to
 * nearest, all exceptions masked), as Linux gives a handler. */
void arch_signal_fpu_reset(void);

#endif
