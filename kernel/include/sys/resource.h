/* <sys/resource.h>: newlib's (getrusage, struct rusage with the two CPU
 * times) plus what it lacks and programs use: RUSAGE_THREAD and resource
 * limits, with Linux's numbers (kernel/libc/sysinfo.c). */
#ifndef LU_SYS_RESOURCE_H
#define LU_SYS_RESOURCE_H
#include_next <sys/resource.h>

#define RUSAGE_THREAD 1

typedef unsigned long rlim_t;
#define RLIM_INFINITY (~0UL)
#define RLIM_SAVED_MAX RLIM_INFINITY
#define RLIM_SAVED_CUR RLIM_INFINITY

struct rlimit {
    rlim_t rlim_cur;
    rlim_t rlim_max;
};

#define RLIMIT_CPU 0
#define RLIMIT_FSIZE 1
#define RLIMIT_DATA 2
#define RLIMIT_STACK 3
#define RLIMIT_CORE 4
#define RLIMIT_RSS 5
#define RLIMIT_NPROC 6
#define RLIMIT_NOFILE 7
#define RLIMIT_MEMLOCK 8
#define RLIMIT_AS 9
#define RLIMIT_NLIMITS 10

int getrlimit(int resource, struct rlimit *rlim);
int setrlimit(int resource, const struct rlimit *rlim);

#endif
