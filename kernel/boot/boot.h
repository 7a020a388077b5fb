/* What kmain (main.c) keeps from the boot: the PVH start info and the
 * command line, and the app's main() it ends by calling. */
#ifndef LU_KERNEL_BOOT_H
#define LU_KERNEL_BOOT_H

extern struct hvm_start_info *boot_info;
const char *boot_cmdline(void);
const char *boot_getopt(const char *key); /* lu_plat_getopt (plat.c) */
/* The app's argv from the launcher's fw_cfg file (args.c): 0, or -ENODEV or
 * -ENOENT when there is none (*argc and *argv unchanged), -ENOMEM. */
int boot_args(int *argc, char ***argv);
/* Sets newlib's environ: the launcher's variables, then the defaults. */
void boot_environ(void);
/* The app's name: main.c's weak "app", or tools/mksyms.py's in the second link. */
extern const char lu_image_name[];

/* The app's entry point. */
int main(int argc, char **argv);

#endif
