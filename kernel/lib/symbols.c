/*
 * Symbol lookup for backtraces and gdb-less crash reports. The table is
 * generated from the first link of the image by tools/mksyms.py and placed
 * in .lu_syms, after everything else, by the second link (see lucent.ld):
 *   u64 count; { u64 addr; u32 size; u32 name_off; } [count]; char names[]
 * sorted by address.
 */
#include <errno.h>
#include <lucent/plat.h>
#include <arch/sections.h>
#include "kprintf.h"
#include "symbols.h"

struct sym {
    uint64_t addr;
    uint32_t size, name_off;
};

int sym_lookup(uintptr_t addr, const char **name, uintptr_t *off)
{
    if (__syms_end - __syms_start < 8)
        return -ENOENT;
    uint64_t count = *(const uint64_t *)__syms_start;
    const struct sym *syms = (const void *)(__syms_start + 8);
    const char *names = (const char *)(syms + count);
    /* last symbol with addr <= target */
    uint64_t lo = 0, hi = count;
    while (lo < hi) {
        uint64_t mid = (lo + hi) / 2;
        if (syms[mid].addr <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return -ENOENT;
    const struct sym *s = &syms[lo - 1];
    if (s->size && addr >= s->addr + s->size)
        return -ENOENT;
    *name = names + s->name_off;
    *off = addr - s->addr;
    return 0;
}
