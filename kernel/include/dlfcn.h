/* <dlfcn.h>, which newlib lacks (kernel/libc/dl.c): an image is one
 * static program, so dlopen finds only that program itself. */
#ifndef LU_DLFCN_H
#define LU_DLFCN_H

#define RTLD_LAZY 0x0001
#define RTLD_NOW 0x0002
#define RTLD_NOLOAD 0x0004
#define RTLD_GLOBAL 0x0100
#define RTLD_LOCAL 0
#define RTLD_DEFAULT ((void *)0)

void *dlopen(const char *file, int mode);
void *dlsym(void *handle, const char *name);
int dlclose(void *handle);
char *dlerror(void);

#endif
