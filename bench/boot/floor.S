/* The floor for boot-time comparisons: a PVH image whose first instruction
 * asks QEMU to exit. Everything it measures is QEMU's own start-up and
 * teardown. The launcher also boots it to check that KVM really works. */
    .section .note.Xen, "a"
    .p2align 2
    .long 4, 8, 18
    .asciz "Xen"
    .p2align 2
    .quad floor_start

    .text
    .code32
    .globl floor_start
floor_start:
    movw $0xe9, %dx             /* "exit=0" on the debugcon, as the kernel does */
    movl $floor_msg, %esi
1:  lodsb
    testb %al, %al
    jz 2f
    outb %al, %dx
    jmp 1b
2:  xorl %eax, %eax
    movw $0xf4, %dx
    outl %eax, %dx
3:  hlt
    jmp 3b

    .section .rodata
floor_msg: .asciz "exit=0\n"
