/* What kmain (main.c) keeps from the boot: the PVH start info and the
 * command line, and the app's main() it ends by calling. */
#ifndef LU_KERNEL_BOOT_H
#define LU_KERNEL_BOOT_H

extern struct hvm_start_info *boot_info;
const char *boot_cmdline(void);

/* The app's entry point. */
int main(int argc, char **argv);

#endif
