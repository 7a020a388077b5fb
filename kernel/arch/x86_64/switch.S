/*
 * Context switch between kernel threads:
 *     void ctx_switch(uint64_t *save_rsp, uint64_t new_rsp)
 * Saves the callee-saved registers, MXCSR and the x87 control word (the
 * only SSE/FPU state the ABI says survives a call) on the old stack,
 * stores the old stack pointer, and resumes the new stack. Always called
 * with interrupts off; the resumed code restores its own interrupt state.
 * An interrupted thread's full register and SSE state is already on its
 * stack in its trap frame (isr.S), so preemption needs nothing more.
 */
    .text
    .globl ctx_switch
ctx_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $8, %rsp
    stmxcsr (%rsp)
    fnstcw 4(%rsp)
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    ldmxcsr (%rsp)
    fldcw 4(%rsp)
    addq $8, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret

/* First code of every new thread: ctx_switch "returns" here with the
 * thread in %rbx (see thread_create's initial frame). It is the outermost
 * frame of every thread but main: its CFI says there is no return address
 * (rip undefined), which is how a DWARF unwinder (gdb's `bt`) knows the
 * chain ends here instead of reading on into whatever is above. */
    .globl thread_start
    .type thread_start, @function
thread_start:
    .cfi_startproc
    .cfi_undefined %rip
    movq %rbx, %rdi
    xorl %ebp, %ebp             /* ends frame-pointer backtraces (backtrace.c) */
    andq $-16, %rsp             /* the ABI: rsp % 16 == 0 at a call (SSE spills use movaps) */
    call thread_main
    ud2
    .cfi_endproc
    .size thread_start, . - thread_start
