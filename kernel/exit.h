/* Leaving the VM (exit.c), and the start of every panic path. A fatal
 * trap's report is arch/trap.h's kernel_fatal. */
#ifndef LU_KERNEL_EXIT_H
#define LU_KERNEL_EXIT_H

__attribute__((noreturn)) void kernel_exit(int status);
/* Starts a panic path; entered again (a fault while reporting one), it
 * exits at once with @status. */
void panic_begin(int status);

#endif
