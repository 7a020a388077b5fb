/* <sys/utsname.h>, which newlib lacks: uname() (kernel/libc/sysinfo.c),
 * with Linux's field sizes. */
#ifndef LU_SYS_UTSNAME_H
#define LU_SYS_UTSNAME_H

#define _UTSNAME_LENGTH 65

struct utsname {
    char sysname[_UTSNAME_LENGTH];
    char nodename[_UTSNAME_LENGTH];
    char release[_UTSNAME_LENGTH];
    char version[_UTSNAME_LENGTH];
    char machine[_UTSNAME_LENGTH];
};

int uname(struct utsname *buf);

#endif
