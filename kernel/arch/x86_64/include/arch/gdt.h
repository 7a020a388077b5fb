/* Segments and the TSS (gdt.c): set once at boot. */
#ifndef LU_ARCH_GDT_H
#define LU_ARCH_GDT_H

void gdt_init(void);

#endif
