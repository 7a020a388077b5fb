/* <sys/dirent.h> in place of newlib's, which is only an #error: directory
 * streams over the image's namespace (kernel/libc/namespace.c). newlib's
 * <dirent.h> declares the functions. */
#ifndef LU_SYS_DIRENT_H
#define LU_SYS_DIRENT_H
#include <sys/types.h>

#define DT_UNKNOWN 0
#define DT_CHR 2
#define DT_DIR 4
#define DT_REG 8

struct dirent {
    ino_t d_ino;
    unsigned char d_type;
    char d_name[256];
};

typedef struct lu_dir DIR;

#endif
