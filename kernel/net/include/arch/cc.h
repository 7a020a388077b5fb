/*
 * lwIP's compiler/platform header for the image: newlib types, gcc
 * attributes, and assertions that panic through the kernel (with file:line
 * and a backtrace) instead of printing and carrying on.
 */
#ifndef LU_LWIP_ARCH_CC_H
#define LU_LWIP_ARCH_CC_H
#include <errno.h>
#include <fcntl.h> /* O_NONBLOCK/F_GETFL: lwIP must use newlib's values, not its own */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/time.h>
#include <sys/types.h>

#ifndef SSIZE_MAX
#define SSIZE_MAX LONG_MAX /* newlib's limits.h leaves it out */
#endif

#define LWIP_NO_INTTYPES_H 0
#define LWIP_RAND() lu_net_rand()
unsigned lu_net_rand(void);

void lu_plat_panic(const char *file, int line, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));
int printf(const char *fmt, ...);
#define LWIP_PLATFORM_DIAG(x) printf x
#define LWIP_PLATFORM_ASSERT(x) lu_plat_panic(__FILE__, __LINE__, "lwIP: %s", x)

#define PACK_STRUCT_FIELD(x) x
#define PACK_STRUCT_STRUCT __attribute__((packed))
#define PACK_STRUCT_BEGIN
#define PACK_STRUCT_END

#endif
