/*
 * Where a thread redirected by arch_signal_redirect (sigframe.c) resumes:
 * interrupts off, every register the interrupted code's, the stack below
 * its red zone. Pushes the frame an interrupt would have (ss, rsp, rflags,
 * cs, rip of the interrupted code, then error 0 and vector
 * TRAP_VEC_SIGNAL) and joins trap_common, so the handler runs under a
 * full trap frame and trap_common's iretq resumes the interrupted code
 * with every register, SSE included, as it was. Only %rax is borrowed, and
 * given back before trap_common saves it.
 */
    .text
    .code64
    .globl sig_trampoline
    .type sig_trampoline, @function
    .p2align 4
sig_trampoline:
    subq $40, %rsp                      /* rip, cs, rflags, rsp, ss */
    pushq %rax
    movq sig_resume_rip(%rip), %rax
    movq %rax, 8(%rsp)
    movq %cs, %rax
    movq %rax, 16(%rsp)
    movq sig_resume_rflags(%rip), %rax
    movq %rax, 24(%rsp)
    movq sig_resume_rsp(%rip), %rax
    movq %rax, 32(%rsp)
    movq %ss, %rax
    movq %rax, 40(%rsp)
    popq %rax
    pushq $0                            /* error */
    pushq $256                          /* TRAP_VEC_SIGNAL (arch/signal.h) */
    jmp trap_common
    .size sig_trampoline, . - sig_trampoline
