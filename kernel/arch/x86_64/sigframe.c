/*
 * Redirecting an interrupted thread into its signal handlers. The interrupt
 * frame being returned from cannot hold a second frame (it sits right below
 * the thread's stack pointer, and the thread's own registers are restored
 * from it), so the redirect only swaps where the interrupt returns to:
 * sig_trampoline (sigtramp.S), with interrupts still off, a stack pointer
 * below the interrupted one, and every register as it was. The trampoline
 * builds the hardware frame the CPU would have pushed, from the three
 * values kept here, and enters trap_common, which saves the rest (SSE
 * included) exactly as for an interrupt and calls signal_trap. The handler
 * returns there; trap_common restores everything and irets into the code
 * that was interrupted.
 *
 * One CPU, and interrupts stay off from the redirect until trap_common has
 * copied the three values into the new frame, so one set is enough.
 */
#include <stdint.h>
#include <arch/signal.h>

#define RFLAGS_TF (1UL << 8)
#define RFLAGS_IF (1UL << 9)
#define RFLAGS_DF (1UL << 10)
#define RFLAGS_AC (1UL << 18)
#define RED_ZONE 128 /* the psABI's, left alone in case code below us uses it */

uint64_t sig_resume_rip, sig_resume_rsp, sig_resume_rflags; /* read by sigtramp.S */
extern char sig_trampoline[];

void arch_signal_redirect(struct trap_frame *tf)
{
    sig_resume_rip = tf->rip;
    sig_resume_rsp = tf->rsp;
    sig_resume_rflags = tf->rflags;
    tf->rip = (uintptr_t)sig_trampoline;
    tf->rsp = (tf->rsp - RED_ZONE) & ~15UL;
    /* IF off until the state is saved; the handler's own flags are set by
     * signal_trap (the psABI wants DF clear at a call) */
    tf->rflags &= ~(RFLAGS_IF | RFLAGS_TF | RFLAGS_DF | RFLAGS_AC);
}

void arch_signal_fpu_reset(void)
{
    static const uint32_t mxcsr_default = 0x1f80;
    __asm__ volatile("fninit; ldmxcsr %0" ::"m"(mxcsr_default));
}
