/* Leaving the VM (exit.c): with a status, or fatally after a trap. */
#ifndef LU_KERNEL_EXIT_H
#define LU_KERNEL_EXIT_H

struct trap_frame;

__attribute__((noreturn)) void kernel_exit(int status);
__attribute__((noreturn)) void kernel_fatal(int signo, struct trap_frame *tf);

#endif
