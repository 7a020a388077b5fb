/* The image's own symbol table (symbols.c), for backtraces and gdb. */
#ifndef LU_KERNEL_SYMBOLS_H
#define LU_KERNEL_SYMBOLS_H
#include <stdint.h>

int sym_lookup(uintptr_t addr, const char **name, uintptr_t *off);

#endif
