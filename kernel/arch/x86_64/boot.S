/*
 * PVH entry: QEMU (or any PVH loader) finds XEN_ELFNOTE_PHYS32_ENTRY below,
 * loads our PT_LOAD segments, and jumps to pvh_start in 32-bit protected mode
 * with paging off and %ebx = physical address of struct hvm_start_info.
 *
 * We build just enough paging to reach long mode (the first 1 GiB, identity
 * mapped with 2 MiB pages, writable and executable), enable SSE because
 * newlib's printf needs it, and call kmain(start_info). mmu_init() replaces
 * these tables with W^X ones as soon as C runs.
 */
#define CR0_MP  (1 << 1)
#define CR0_NE  (1 << 5)
#define CR0_WP  (1 << 16)
#define CR0_PG  (1 << 31)
#define CR4_PAE (1 << 5)
#define CR4_OSFXSR (1 << 9)
#define CR4_OSXMMEXCPT (1 << 10)
#define MSR_EFER 0xC0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)

    .section .note.Xen, "a"
    .p2align 2
    .long 4                     /* namesz: "Xen\0" */
    .long 8                     /* descsz */
    .long 18                    /* XEN_ELFNOTE_PHYS32_ENTRY */
    .asciz "Xen"
    .p2align 2
    .quad pvh_start

    .section .boot.text, "ax"
    .code32
    .globl pvh_start
pvh_start:
    cli
    cld
    movl %ebx, %esi                         /* keep start_info across setup */
    movl $boot_stack_top, %esp

    /* PML4[0] -> PDPT, PDPT[0] -> PD, PD[i] -> i * 2 MiB (PS|RW|P). */
    movl $boot_pdpt, %eax
    orl $0x3, %eax
    movl %eax, boot_pml4
    movl $boot_pd, %eax
    orl $0x3, %eax
    movl %eax, boot_pdpt
    xorl %ecx, %ecx
1:  movl %ecx, %eax
    shll $21, %eax
    orl $0x83, %eax
    movl %eax, boot_pd(, %ecx, 8)
    incl %ecx
    cmpl $512, %ecx
    jne 1b

    movl %cr4, %eax
    orl $(CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT), %eax
    movl %eax, %cr4
    movl $boot_pml4, %eax
    movl %eax, %cr3
    movl $MSR_EFER, %ecx
    rdmsr
    orl $(EFER_LME | EFER_NXE), %eax
    wrmsr
    movl %cr0, %eax
    andl $~(1 << 2), %eax                   /* EM off: real FPU/SSE */
    orl $(CR0_PG | CR0_WP | CR0_MP | CR0_NE), %eax
    movl %eax, %cr0

    lgdt boot_gdt_ptr
    ljmp $0x08, $long_mode

    .code64
    /* The main thread's outermost frame: rip undefined in its CFI ends a
     * DWARF unwinder's chain here (gdb's `bt` past main), as thread_start
     * (switch.S) does for the other threads. */
    .type long_mode, @function
long_mode:
    .cfi_startproc
    .cfi_undefined %rip
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    xorw %ax, %ax
    movw %ax, %fs
    movw %ax, %gs
    movq $boot_stack_top, %rsp
    xorl %ebp, %ebp                         /* ends every backtrace */
    movl %esi, %edi                         /* kmain(start_info) */
    fninit
    call kmain
2:  hlt
    jmp 2b
    .cfi_endproc
    .size long_mode, . - long_mode

    .section .rodata
    .p2align 3
    .globl boot_gdt
boot_gdt:
    .quad 0                                 /* null */
    .quad 0x00af9a000000ffff                /* 0x08: 64-bit code */
    .quad 0x00cf92000000ffff                /* 0x10: data */
boot_gdt_end:
boot_gdt_ptr:
    .word boot_gdt_end - boot_gdt - 1
    .quad boot_gdt

    /* Page tables live in .data (not .bss) so that they are zero without
     * relying on anyone to clear memory before this code runs. */
    .section .data
    .p2align 12
boot_pml4:  .fill 512, 8, 0
boot_pdpt:  .fill 512, 8, 0
boot_pd:    .fill 512, 8, 0

    /* The boot stack becomes the main thread's stack. Its guard page below
     * is unmapped by mmu_init() (see lucent.ld). */
    .section .bss.stack, "aw", @nobits
    .p2align 12
    .globl boot_stack_guard, boot_stack_bottom, boot_stack_top
boot_stack_guard:
    .skip 4096
boot_stack_bottom:
    .skip 65536
boot_stack_top:
