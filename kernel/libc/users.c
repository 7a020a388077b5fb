/*
 * Users: the image runs as root (process.c's getuid), the one user there
 * is, with "/" for a home (the working directory, namespace.c). Programs
 * look it up for a home directory (the SQLite shell's ~/.sqliterc) or a
 * name to print.
 */
#include <pwd.h>
#include <stddef.h>
#include <string.h>

static struct passwd root = {
    .pw_name = "root",
    .pw_passwd = "",
    .pw_uid = 0,
    .pw_gid = 0,
    .pw_comment = "",
    .pw_gecos = "root",
    .pw_dir = "/",
    .pw_shell = "",
};

/* NULL without errno for a user that does not exist, as POSIX says. */
struct passwd *getpwuid(uid_t uid) { return uid == 0 ? &root : NULL; }
struct passwd *getpwnam(const char *name) { return name && !strcmp(name, "root") ? &root : NULL; }
