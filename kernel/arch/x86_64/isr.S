/*
 * Interrupt and exception entry. Every vector gets a stub that pushes a
 * uniform (error, vector) pair, then trap_common saves the general registers
 * as a struct trap_frame (kernel.h) and the SSE state, and calls
 * trap_dispatch(frame). Saving SSE is not optional: newlib's string
 * functions and the compiler's own memcpy use XMM registers everywhere.
 */
    .text
    .code64

/* Vectors 8, 10-14, 17, 21, 29, 30 push an error code; the rest do not. */
.macro stub vec
    .p2align 4
isr_\vec:
    .if (\vec == 8) || (\vec >= 10 && \vec <= 14) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
    .else
    pushq $0
    .endif
    pushq $\vec
    jmp trap_common
.endm

    .altmacro
.macro stubs from, to
    stub \from
    .if \to-\from
    stubs %(\from+1), \to
    .endif
.endm
    stubs 0, 63
    stubs 64, 127
    stubs 128, 191
    stubs 192, 255

    .p2align 4
    .globl trap_common
trap_common:
    pushq %rax
    pushq %rbx
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbp
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, %rdi                 /* struct trap_frame * */
    movq %rsp, %rbx
    subq $512, %rsp
    andq $-16, %rsp
    fxsave64 (%rsp)
    /* A frame-pointer link through the interrupted context, so that a
     * backtrace taken in a handler continues into the code it stopped. */
    pushq 17*8(%rdi)                /* rip */
    pushq 8*8(%rdi)                 /* rbp */
    movq %rsp, %rbp
    cld
    call trap_dispatch
    movq %rbx, %rsp
    subq $512, %rsp
    andq $-16, %rsp
    fxrstor64 (%rsp)
    movq %rbx, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rbp
    popq %rdi
    popq %rsi
    popq %rdx
    popq %rcx
    popq %rbx
    popq %rax
    addq $16, %rsp                  /* vector, error */
    iretq

    .section .rodata
    .p2align 3
    .globl isr_table
isr_table:
.macro entry vec
    .quad isr_\vec
.endm
.macro entries from, to
    entry \from
    .if \to-\from
    entries %(\from+1), \to
    .endif
.endm
    entries 0, 63
    entries 64, 127
    entries 128, 191
    entries 192, 255
