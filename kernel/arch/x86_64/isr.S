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

/*
 * Call-frame information for gdb (and any DWARF unwinder): trap_common's
 * frame is a signal frame, whose "caller" is whatever the CPU interrupted.
 * Its registers are all in the trap frame, so the rules below say where
 * each one is, relative to a CFA at the top of the hardware frame (just
 * above ss): rip, rflags, rsp, cs and ss where the CPU pushed them, the
 * general registers where we pushed them, xmm0-15 in the fxsave area
 * (the psABI's DWARF numbers 17-32). The CFA is rsp-based while
 * pushing and popping and %rbx-based around the call (rbx holds the frame
 * and is callee-saved, so the unwinder recovers it from trap_dispatch's
 * own CFI). .cfi_signal_frame tells the unwinder that the interrupted rip
 * is exact, not a return address: it must not step back into the previous
 * instruction to find the function and line.
 * The isr_N stubs above have no CFI: nothing stops in them.
 */
#define DW_RFLAGS 49    /* DWARF register numbers (x86_64 psABI) */
#define DW_CS 51
#define DW_SS 52

.macro save reg
    pushq %\reg
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %\reg, 0
.endm
/* xmm\n is in the fxsave area below the frame, at
 * ((rbx - 512) & -16) + 160 + 16 * n: DW_CFA_expression (0x10) with
 * DW_OP_breg3 -512, DW_OP_const1s -16, DW_OP_and, DW_OP_plus_uconst. */
.macro xmm_saved n
    .cfi_escape 0x10, 17 + \n, 9, 0x73, 0x80, 0x7c, 0x09, 0xf0, 0x1a, 0x23, 0x80 | ((160 + 16 * \n) & 0x7f), (160 + 16 * \n) >> 7
.endm
.macro xmm_all what
    .irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    \what \n
    .endr
.endm
.macro xmm_restored n
    .cfi_restore 17 + \n
.endm
.macro restore reg
    popq %\reg
    .cfi_adjust_cfa_offset -8
    .cfi_restore %\reg
.endm

    .p2align 4
    .globl trap_common
    .type trap_common, @function
trap_common:
    .cfi_startproc simple
    .cfi_signal_frame
    .cfi_def_cfa %rsp, 7 * 8        /* vector, error, rip, cs, rflags, rsp, ss */
    .cfi_offset %rip, -5 * 8
    .cfi_offset DW_CS, -4 * 8
    .cfi_offset DW_RFLAGS, -3 * 8
    .cfi_offset %rsp, -2 * 8
    .cfi_offset DW_SS, -1 * 8
    save rax
    save rbx
    save rcx
    save rdx
    save rsi
    save rdi
    save rbp
    save r8
    save r9
    save r10
    save r11
    save r12
    save r13
    save r14
    save r15
    movq %rsp, %rdi                 /* struct trap_frame * */
    movq %rsp, %rbx
    .cfi_def_cfa_register %rbx
    subq $512, %rsp
    andq $-16, %rsp
    fxsave64 (%rsp)
    xmm_all xmm_saved
    /* A frame-pointer link through the interrupted context, so that a
     * backtrace taken in a handler continues into the code it stopped
     * (the kernel's own backtraces, backtrace.c, walk %rbp). */
    pushq 17*8(%rdi)                /* rip */
    pushq 8*8(%rdi)                 /* rbp */
    movq %rsp, %rbp
    cld
    call trap_dispatch
    movq %rbx, %rsp
    subq $512, %rsp
    andq $-16, %rsp
    fxrstor64 (%rsp)
    xmm_all xmm_restored
    movq %rbx, %rsp
    .cfi_def_cfa_register %rsp
    restore r15
    restore r14
    restore r13
    restore r12
    restore r11
    restore r10
    restore r9
    restore r8
    restore rbp
    restore rdi
    restore rsi
    restore rdx
    restore rcx
    restore rbx
    restore rax
    addq $16, %rsp                  /* vector, error */
    .cfi_adjust_cfa_offset -16
    iretq
    .cfi_endproc
    .size trap_common, . - trap_common

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
