/*
 * Dynamic loading: an image is one statically linked program with no
 * loader, so dlopen fails (Lua's require of a C module, SQLite's
 * load_extension) and dlerror says why; a module must be linked in. Not an
 * unsupported-call note: failing dlopen is a path these programs handle and
 * report themselves.
 */
#include <dlfcn.h>
#include <stddef.h>

static char *last_error;

static char no_loader[] = "dynamic loading is not supported in the image: link the module into the program";
static char no_handle[] = "invalid handle: dlopen never succeeds in the image";

void *dlopen(const char *file, int mode)
{
    last_error = no_loader;
    return NULL;
}

void *dlsym(void *handle, const char *name)
{
    last_error = no_handle;
    return NULL;
}

int dlclose(void *handle)
{
    last_error = no_handle;
    return -1;
}

/* The last error since the last call, then NULL, as POSIX says. */
char *dlerror(void)
{
    char *e = last_error;
    last_error = NULL;
    return e;
}
