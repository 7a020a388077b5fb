/*
 * kmain: from the PVH entry to the app's main(). Order matters: the console
 * first (so anything later can report), then traps (so faults are
 * reported), memory map and page tables, then clocks, then the C library.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <lucent/plat.h>
#include <arch/apic.h>
#include <arch/gdt.h>
#include <arch/mmu.h>
#include <arch/pvh.h>
#include <arch/trap.h>
#include <arch/tsc.h>
#include "../drivers/drivers.h"
#include "../drivers/uart.h"
#include "../exit.h"
#include "../ktime.h"
#include "../lib/kprintf.h"
#include "../libc/entropy.h"
#include "../libc/locks.h"
#include "../libc/stdin.h"
#include "../mm/heap.h"
#include "../sched/sched.h"
#include "boot.h"

struct hvm_start_info *boot_info;
void __libc_init_array(void); /* newlib runs the constructors here; no newlib header declares it */

/* Weak: the first of an image's two links has no name; tools/mksyms.py
 * defines the real one in the second. */
__attribute__((weak)) const char lu_image_name[] = "app";

#define MAX_OPTS 32
static char cmdline[2048];
/* The words after "--" when there is no argv file (args.c): a word takes at
 * least two bytes of the line, so this many always fit. */
static char *argv_buf[sizeof cmdline / 2 + 2];
static char *opts[MAX_OPTS];
static int nopts;

const char *boot_cmdline(void) { return cmdline; }

/* Splits the command line in place on spaces, honouring "double quotes".
 * Words before a lone "--" are kernel options (key=value); words after it
 * are the app's arguments. */
static int parse_cmdline(void)
{
    int argc = 0;
    argv_buf[argc++] = (char *)lu_image_name;
    bool app = false;
    char *p = cmdline;
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        char *w = p, *o = p;
        bool quoted = false;
        while (*p && (quoted || *p != ' ')) {
            if (*p == '"')
                quoted = !quoted;
            else
                *o++ = *p;
            p++;
        }
        if (*p)
            p++;
        *o = '\0';
        if (!app && strcmp(w, "--") == 0)
            app = true;
        else if (app)
            argv_buf[argc++] = w;
        else if (!app && nopts < MAX_OPTS)
            opts[nopts++] = w;
    }
    argv_buf[argc] = NULL;
    return argc;
}

const char *boot_getopt(const char *key)
{
    size_t n = strlen(key);
    for (int i = 0; i < nopts; i++)
        if (strncmp(opts[i], key, n) == 0 && opts[i][n] == '=')
            return opts[i] + n + 1;
    return NULL;
}

void kmain(struct hvm_start_info *si)
{
    boot_info = si;
    uart_init();
    gdt_init();
    idt_init();
    if (si->magic != HVM_START_MAGIC) {
        kprintf("lucent: not booted through PVH (start info magic %x)\n", si->magic);
        kernel_exit(125);
    }
    if (si->cmdline_paddr) {
        const char *c = (const char *)(uintptr_t)si->cmdline_paddr;
        strncpy(cmdline, c, sizeof cmdline - 1);
    }
    heap_init();
    mmu_init();
    tsc_init();
    time_init();
    int argc = parse_cmdline();
    char **argv = argv_buf;
    int r = boot_args(&argc, &argv); /* the launcher's exact argv, if it gave one */
    if (r < 0 && r != -ENOENT && r != -ENODEV) {
        kprintf("lucent: cannot read the app's arguments (%d)\n", r);
        kernel_exit(125);
    }
    boot_environ(); /* before the constructors: they may read it */
    stdin_init();
    entropy_init();
    sched_init(); /* this flow becomes thread 1, "main" */
    locks_threads_up();
    apic_init();
    __asm__ volatile("sti");
    drivers_init(); /* PCI and its drivers: virtio-console carries the channels */
    __libc_init_array();
    exit(main(argc, argv));
}
