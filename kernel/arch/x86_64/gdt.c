/*
 * The long-mode GDT and the TSS. The TSS exists for its interrupt stack
 * table: a double fault (typically a thread running into its guard page,
 * where the CPU cannot push the #PF frame) and an NMI switch to a stack of
 * their own, so the fault can still be reported.
 */
#include <stdint.h>
#include <string.h>
#include <arch/gdt.h>

struct __attribute__((packed)) tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3, iomap_base;
};

static struct tss tss;
static uint64_t gdt[7];
static uint8_t ist_stack[2][8192] __attribute__((aligned(16)));

void gdt_init(void)
{
    gdt[0] = 0;
    gdt[1] = 0x00af9a000000ffffULL; /* 0x08 kernel code, 64-bit */
    gdt[2] = 0x00cf92000000ffffULL; /* 0x10 kernel data */
    uint64_t base = (uintptr_t)&tss, limit = sizeof tss - 1;
    gdt[5] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ULL << 40) | (((limit >> 16) & 0xf) << 48) |
             (((base >> 24) & 0xff) << 56);
    gdt[6] = base >> 32; /* 0x28: 64-bit TSS takes two slots */
    memset(&tss, 0, sizeof tss);
    tss.ist[0] = (uintptr_t)&ist_stack[0][sizeof ist_stack[0]]; /* IST1: #DF */
    tss.ist[1] = (uintptr_t)&ist_stack[1][sizeof ist_stack[1]]; /* IST2: NMI */
    tss.iomap_base = sizeof tss;

    struct __attribute__((packed)) {
        uint16_t limit;
        uint64_t base;
    } ptr = {sizeof gdt - 1, (uintptr_t)gdt};
    __asm__ volatile("lgdt %0\n\t"
                     "pushq $0x08\n\t"
                     "leaq 1f(%%rip), %%rax\n\t"
                     "pushq %%rax\n\t"
                     "lretq\n"
                     "1:\n\t"
                     "movw $0x10, %%ax\n\t"
                     "movw %%ax, %%ds\n\t"
                     "movw %%ax, %%es\n\t"
                     "movw %%ax, %%ss\n\t"
                     "movw $0x28, %%ax\n\t"
                     "ltr %%ax" ::"m"(ptr)
                     : "rax", "memory");
}
