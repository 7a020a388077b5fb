/*
 * Processes: the image is one process (pid 1 as the kernel reports it,
 * plat.h's lu_plat_process_id) with one user, root. What needs a second
 * process (fork, exec, wait for a child, a shell for system or popen)
 * fails with the errno POSIX gives for it and a one-time note
 * (unsupported.h); asking who we are answers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include "unsupported.h"

/* No second process can be made: fork and its relatives are not
 * implementable here, which ENOSYS says (EAGAIN would invite a retry). */
pid_t fork(void) { return lu_unsupported("fork", ENOSYS); }
pid_t vfork(void) { return lu_unsupported("vfork", ENOSYS); }
int execve(const char *path, char *const argv[], char *const envp[])
{
    return lu_unsupported("execve", ENOSYS);
}

/* There is never a child to wait for: ECHILD, as for a process that has
 * none. */
pid_t wait(int *status) { return lu_unsupported("wait", ECHILD); }
pid_t waitpid(pid_t pid, int *status, int options) { return lu_unsupported("waitpid", ECHILD); }

/* system(NULL) asks whether a shell exists: 0, no. A command cannot run:
 * -1 with ENOSYS, as when the child cannot be made. */
int system(const char *command)
{
    if (!command)
        return 0;
    return lu_unsupported("system", ENOSYS);
}

FILE *popen(const char *command, const char *mode)
{
    lu_unsupported("popen", ENOSYS);
    return NULL;
}

/* No stream popen made can exist, so any stream here is not one. */
int pclose(FILE *stream) { return lu_unsupported("pclose", ECHILD); }

/* A pipe is in-process plumbing that could exist; it does not yet, and its
 * use in ported programs is to talk to a child. */
int pipe(int fds[2]) { return lu_unsupported("pipe", ENOSYS); }

/* The boot flow has no parent process; 0 is what a process without one
 * (the first, on Linux) sees. */
pid_t getppid(void) { return 0; }
uid_t getuid(void) { return 0; }
uid_t geteuid(void) { return 0; }
gid_t getgid(void) { return 0; }
gid_t getegid(void) { return 0; }
