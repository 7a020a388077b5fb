/* Stack walks for fault and panic reports (backtrace.c), by frame pointer. */
#ifndef LU_ARCH_BACKTRACE_H
#define LU_ARCH_BACKTRACE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct trap_frame;

void backtrace_print(uintptr_t rip, uintptr_t rbp);
void backtrace_print_from(uintptr_t rip, uintptr_t rbp, uintptr_t caller);
void backtrace_print_trap(const struct trap_frame *tf);
/* Whether [addr, addr+len) is RAM a walk may read without faulting. */
bool addr_is_mapped_ram(uintptr_t addr, size_t len);

#endif
