/*
 * Frame-pointer backtraces (everything is built with
 * -fno-omit-frame-pointer). Each step checks that the next frame is mapped,
 * so a corrupt chain ends the trace instead of faulting inside the fault
 * handler.
 */
#include <arch/backtrace.h>
#include <arch/mmu.h>
#include <arch/sections.h>
#include <arch/trap.h>
#include "../../kernel.h"
#include "../../lib/kprintf.h"
#include "../../lib/symbols.h"
#include "../../mm/heap.h"

bool addr_is_mapped_ram(uintptr_t addr, size_t len)
{
    if (addr < PAGE_SIZE || addr + len < addr || addr + len > mem_top())
        return false;
    for (uintptr_t p = ALIGN_DOWN(addr, PAGE_SIZE); p < addr + len; p += PAGE_SIZE)
        if (mmu_query(p, NULL))
            return false;
    return true;
}

static void frame(int n, uintptr_t pc)
{
    const char *name;
    uintptr_t off;
    if (sym_lookup(pc, &name, &off) == 0)
        kprintf("  #%-2d 0x%lx %s+0x%lx\n", n, (unsigned long)pc, name, (unsigned long)off);
    else
        kprintf("  #%-2d 0x%lx ?\n", n, (unsigned long)pc);
}

static bool in_text(uintptr_t a) { return a >= (uintptr_t)__text_start && a < (uintptr_t)__text_end; }

void backtrace_print_trap(const struct trap_frame *tf)
{
    /* A fault in a function's first instructions happens before it pushed
     * %rbp (gcc may even schedule the fault before the push), so its
     * caller is not on the %rbp chain yet: take it from the top of the
     * stack instead. */
    const char *name;
    uintptr_t off;
    if (sym_lookup(tf->rip, &name, &off) == 0 && off < 16 && addr_is_mapped_ram(tf->rsp, 8)) {
        uintptr_t ret = *(uintptr_t *)tf->rsp;
        if (in_text(ret) && ret != tf->rip) {
            backtrace_print_from(tf->rip, tf->rbp, ret);
            return;
        }
    }
    backtrace_print_from(tf->rip, tf->rbp, 0);
}

void backtrace_print(uintptr_t rip, uintptr_t rbp) { backtrace_print_from(rip, rbp, 0); }

void backtrace_print_from(uintptr_t rip, uintptr_t rbp, uintptr_t caller)
{
    kprintf("backtrace:\n");
    frame(0, rip);
    int n = 1;
    if (caller)
        frame(n++, caller - 1);
    for (; n < 32 && rbp; n++) {
        if ((rbp & 7) || !addr_is_mapped_ram(rbp, 16))
            break;
        uintptr_t ret = ((uintptr_t *)rbp)[1];
        if (!ret)
            break;
        frame(n, ret - 1); /* inside the call instruction, for the right line */
        uintptr_t next = ((uintptr_t *)rbp)[0];
        if (next <= rbp)
            break; /* stacks grow down: a frame above must be higher */
        rbp = next;
    }
}
