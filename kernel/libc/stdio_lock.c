/*
 * flockfile and funlockfile: newlib declares them, and locks every stream
 * internally with a recursive lock (locks.c), but the x86_64-elf build
 * leaves the public calls out. Lua's io.lines and getc_unlocked loops take
 * them around a run of reads. A stream's lock exists once stdio is set up
 * for the thread (__sinit), which newlib's own functions make sure of
 * first; so do these.
 */
#include <reent.h>
#include <stdio.h>
#include <sys/stdio.h>

void __sinit(struct _reent *); /* newlib's, in its private local.h */

static void setup(FILE *fp)
{
    struct _reent *r = _REENT;
    if (!r->__sdidinit)
        __sinit(r);
}

void flockfile(FILE *fp)
{
    setup(fp);
    if (fp->_lock)
        _flockfile(fp);
}

void funlockfile(FILE *fp)
{
    if (fp->_lock)
        _funlockfile(fp);
}
