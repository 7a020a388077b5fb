/*
 * Signals inside the kernel (libc/signal.c): what the scheduler, the
 * interrupt path and the timers ask of them. The POSIX calls themselves
 * (sigaction, kill, sigprocmask ...) are the app's, declared by newlib's
 * <signal.h> and kernel/include/sys/signal.h.
 */
#ifndef LU_KERNEL_KSIGNAL_H
#define LU_KERNEL_KSIGNAL_H
#include <stdbool.h>
#include <stdint.h>

struct lu_thread;
struct trap_frame;

/* Signals that @t would handle now: pending for it or for the process,
 * and not blocked by it. Interrupts off. */
uint64_t signal_deliverable(const struct lu_thread *t);

/* Posts @sig to the process (as kill and the interval timer do): one thread
 * that does not block it takes it. @code is the siginfo si_code. Safe from
 * an interrupt handler (interrupts off). */
void signal_post_process(int sig, int code);

/* Runs the handlers of every signal deliverable to the calling thread, or
 * ends the image for one whose default action is to terminate. Thread
 * context; interrupts on or off. */
void signal_deliver_pending(void);

/* The return path of every device interrupt (arch irq.c), interrupts off:
 * if the thread about to resume has a deliverable signal, @tf is rewritten
 * so that it first enters the handler (arch_signal_redirect) and then
 * resumes where it was. A default action that terminates ends the image
 * from here, whatever the CPU was running. */
void signal_irq_return(struct trap_frame *tf);

/* The redirected thread arrives here through the trap path (arch idt.c),
 * with its whole interrupted state saved in @tf: runs its handlers. */
void signal_trap(struct trap_frame *tf);

/* How many signals of number @sig were delivered (metrics). */
uint64_t signal_delivered(int sig);

#endif
