/*
 * Kernel-internal interfaces, grouped by the file that implements them.
 * Nothing here is visible to apps: their contract is include/lucent/plat.h
 * plus POSIX through newlib.
 */
#ifndef LU_KERNEL_H
#define LU_KERNEL_H
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <lucent/plat.h>

#define PAGE_SIZE 4096UL
#define ALIGN_UP(x, a) (((x) + (a)-1) & ~((uintptr_t)(a)-1))
#define ALIGN_DOWN(x, a) ((x) & ~((uintptr_t)(a)-1))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Linker-script symbols (arch/x86_64/lucent.ld). */
extern char __image_start[], __image_end[], __text_start[], __text_end[];
extern char __rodata_start[], __rodata_end[], __data_start[], __data_end[];
extern char __syms_start[], __syms_end[];
extern char boot_stack_guard[], boot_stack_bottom[], boot_stack_top[];

/* PVH boot information (Xen's hvm_start_info, version 1). */
struct hvm_start_info {
    uint32_t magic;
    uint32_t version;
    uint32_t flags;
    uint32_t nr_modules;
    uint64_t modlist_paddr;
    uint64_t cmdline_paddr;
    uint64_t rsdp_paddr;
    uint64_t memmap_paddr;
    uint32_t memmap_entries;
    uint32_t reserved;
};
struct hvm_memmap_entry {
    uint64_t addr, size;
    uint32_t type, reserved;
};
#define HVM_START_MAGIC 0x336ec578
#define E820_RAM 1

/* What the CPU pushed plus what isr.S saved: the state of an interrupted
 * context. gdb's register view and fault reports read it. */
struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss;
};

/* boot/main.c */
extern struct hvm_start_info *boot_info;
const char *boot_cmdline(void);

/* drivers/uart.c: COM1, polled. */
void uart_init(void);
void uart_write(const char *s, size_t n);
int uart_read_byte(void); /* -1 when nothing is waiting */

/* lib/kprintf.c: a formatter that never allocates, for any context. */
int kvsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void console_write(const char *s, size_t n);

/* lib/symbols.c */
int sym_lookup(uintptr_t addr, const char **name, uintptr_t *off);

/* arch/x86_64/backtrace.c */
void backtrace_print(uintptr_t rip, uintptr_t rbp);
void backtrace_print_from(uintptr_t rip, uintptr_t rbp, uintptr_t caller);
struct trap_frame;
void backtrace_print_trap(const struct trap_frame *tf);
bool addr_is_mapped_ram(uintptr_t addr, size_t len);

/* arch/x86_64/gdt.c */
void gdt_init(void);

/* arch/x86_64/idt.c, isr.S */
void idt_init(void);
void trap_dispatch(struct trap_frame *tf);
typedef void (*irq_handler_fn)(struct trap_frame *tf, void *arg);

/* arch/x86_64/mmu.c */
void mmu_init(void);
/* Changes the protection of [va, va+len) (page-aligned). */
#define MMU_W (1u << 0)
#define MMU_X (1u << 1)
#define MMU_NONE (1u << 2) /* unmapped */
int mmu_protect(uintptr_t va, size_t len, unsigned prot);
/* Where the page at va is mapped and how; -EFAULT when it is not. */
int mmu_query(uintptr_t va, unsigned *prot);

/* arch/x86_64/tsc.c */
void tsc_init(void);
uint64_t tsc_hz(void);

/* arch/x86_64/rtc.c */
uint64_t rtc_read_epoch(void); /* seconds since 1970 from the CMOS RTC */

/* mm/heap.c */
void heap_init(void);
uintptr_t mem_top(void);
size_t heap_used(void);
size_t heap_free(void);

/* exit.c */
__attribute__((noreturn)) void kernel_exit(int status);
__attribute__((noreturn)) void kernel_fatal(int signo, struct trap_frame *tf);

/* time.c */
uint64_t time_boot_epoch_ns(void);

/* mm/pages.c: whole pages, from the top of RAM down. */
void *pages_alloc(size_t n);
void pages_free(void *p, size_t n);

/* lib/klog.c: log lines kept off the console unless loglevel=debug. */
bool klog_debug_enabled(void);
void klog_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* drivers/drivers.c: PCI and the drivers registered with PCI_DRIVER,
 * started from kmain once threads and interrupts are up. kernel_wait_event
 * is how a driver waits for its device, until @deadline_ns at most: with
 * interrupts on the thread naps in the scheduler so others run; with them
 * off (gdb stub, panic path) it spins. */
void drivers_init(void);
void kernel_wait_event(uint64_t deadline_ns);

#endif
