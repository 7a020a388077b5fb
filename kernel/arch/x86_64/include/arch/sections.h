/* Where the linker script (lucent.ld) put the image and the boot stack. */
#ifndef LU_ARCH_SECTIONS_H
#define LU_ARCH_SECTIONS_H

extern char __image_start[], __image_end[], __text_start[], __text_end[];
extern char __rodata_start[], __rodata_end[], __data_start[], __data_end[];
extern char __syms_start[], __syms_end[];
extern char boot_stack_guard[], boot_stack_bottom[], boot_stack_top[];

#endif
