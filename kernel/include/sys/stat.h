/* <sys/stat.h>: newlib's, plus lstat, which it declares only for a few
 * targets (kernel/libc/namespace.c defines it). */
#ifndef LU_SYS_STAT_H
#define LU_SYS_STAT_H
#include_next <sys/stat.h>

int lstat(const char *__restrict path, struct stat *__restrict st);

#endif
