/*
 * Anonymous memory mappings: mmap, munmap and mprotect over whole pages
 * from pages.c, with their rights set in the page tables (arch mmu.c), so
 * a PROT_NONE page faults like a guard page and a read-only one faults on a
 * write. The image is identity mapped, so an address is where the pages
 * happen to be: MAP_FIXED cannot be honoured, and files cannot be mapped
 * until a filesystem exists (ENODEV). The kernel keeps W^X: a mapping may
 * be writable or executable, not both (EACCES).
 *
 * mremap shrinks in place and grows by moving (MREMAP_MAYMOVE): the pages
 * above a mapping belong to someone else.
 *
 * Each mapping is a region on a list, so munmap and mprotect act only on
 * pages mmap handed out (anything else is never freed or reprotected), and
 * a partial munmap splits a region.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <arch/cpu.h>
#include <arch/mmu.h>
#include "../kernel.h"
#include "pages.h"

struct region {
    uintptr_t start, end;
    struct region *next;
};

static struct region *regions;
static pthread_mutex_t regions_lock = PTHREAD_MUTEX_INITIALIZER;

static int prot_to_mmu(int prot, unsigned *mmu)
{
    if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC))
        return -EINVAL;
    if ((prot & PROT_WRITE) && (prot & PROT_EXEC))
        return -EACCES;
    /* x86 cannot map write-only or execute-only: they read too */
    *mmu =
        prot == PROT_NONE ? MMU_NONE : ((prot & PROT_WRITE) ? MMU_W : 0) | ((prot & PROT_EXEC) ? MMU_X : 0);
    return 0;
}

static void *page_run(size_t pages)
{
    unsigned long f = irq_save(); /* pages.c's lists are guarded by interrupts off */
    void *p = pages_alloc(pages);
    irq_restore(f);
    return p;
}

static void page_run_free(uintptr_t start, uintptr_t end)
{
    mmu_protect(start, end - start, MMU_W); /* back to what pages.c hands out */
    unsigned long f = irq_save();
    pages_free((void *)start, (end - start) / PAGE_SIZE);
    irq_restore(f);
}

static int do_mmap(size_t len, int prot, int flags, int fd, void **out)
{
    unsigned mmu;
    int r = prot_to_mmu(prot, &mmu);
    if (r < 0)
        return r;
    if (!len || ((flags & MAP_SHARED) != 0) == ((flags & MAP_PRIVATE) != 0))
        return -EINVAL;
    if (!(flags & MAP_ANONYMOUS))
        return fd < 0 ? -EBADF : -ENODEV;
    if (flags & MAP_FIXED)
        return -ENOMEM; /* identity mapped: no other address for these pages */
    size_t pages = ALIGN_UP(len, PAGE_SIZE) / PAGE_SIZE;
    struct region *reg = malloc(sizeof *reg);
    void *p = reg ? page_run(pages) : NULL;
    if (!p) {
        free(reg);
        return -ENOMEM;
    }
    memset(p, 0, pages * PAGE_SIZE); /* freed runs (stacks, old mappings) are dirty */
    *reg = (struct region){(uintptr_t)p, (uintptr_t)p + pages * PAGE_SIZE, NULL};
    if (mmu != MMU_W)
        mmu_protect(reg->start, reg->end - reg->start, mmu);
    pthread_mutex_lock(&regions_lock);
    reg->next = regions;
    regions = reg;
    pthread_mutex_unlock(&regions_lock);
    *out = p;
    return 0;
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    void *p;
    int r = do_mmap(len, prot, flags, fd, &p);
    if (r < 0) {
        errno = -r;
        return MAP_FAILED;
    }
    return p;
}

static int check_range(void *addr, size_t len, uintptr_t *a, uintptr_t *b)
{
    *a = (uintptr_t)addr;
    if (!len || *a % PAGE_SIZE || ALIGN_UP(len, PAGE_SIZE) < len)
        return -EINVAL;
    *b = *a + ALIGN_UP(len, PAGE_SIZE);
    return *b < *a ? -EINVAL : 0;
}

/* Unmaps what of [a, b) is mapped; the rest is not an error, as in POSIX. */
static int do_munmap(uintptr_t a, uintptr_t b)
{
    struct region *spare = malloc(sizeof *spare); /* for a split in two */
    if (!spare)
        return -ENOMEM;
    pthread_mutex_lock(&regions_lock);
    for (struct region **pp = &regions; *pp;) {
        struct region *r = *pp;
        uintptr_t lo = r->start > a ? r->start : a, hi = r->end < b ? r->end : b;
        if (lo >= hi) {
            pp = &r->next;
            continue;
        }
        page_run_free(lo, hi);
        if (lo == r->start && hi == r->end) {
            *pp = r->next;
            free(r);
            continue;
        }
        if (lo > r->start && hi < r->end) {
            *spare = (struct region){hi, r->end, r->next};
            r->next = spare;
            spare = NULL;
            r->end = lo;
        } else if (lo == r->start) {
            r->start = hi;
        } else {
            r->end = lo;
        }
        pp = &r->next;
    }
    pthread_mutex_unlock(&regions_lock);
    free(spare);
    return 0;
}

int munmap(void *addr, size_t len)
{
    uintptr_t a, b;
    int r = check_range(addr, len, &a, &b);
    if (r == 0)
        r = do_munmap(a, b);
    return r < 0 ? (errno = -r, -1) : 0;
}

/* Bytes of [a, b) that mmap handed out (regions_lock held). */
static uintptr_t mapped_bytes(uintptr_t a, uintptr_t b)
{
    uintptr_t n = 0;
    for (struct region *r = regions; r; r = r->next) {
        uintptr_t lo = r->start > a ? r->start : a, hi = r->end < b ? r->end : b;
        if (lo < hi)
            n += hi - lo;
    }
    return n;
}

int mprotect(void *addr, size_t len, int prot)
{
    uintptr_t a, b;
    unsigned mmu;
    if (len == 0 && (uintptr_t)addr % PAGE_SIZE == 0)
        return 0; /* nothing to change, as on Linux */
    int r = check_range(addr, len, &a, &b);
    if (r == 0)
        r = prot_to_mmu(prot, &mmu);
    if (r == 0) {
        pthread_mutex_lock(&regions_lock);
        /* Linux: ENOMEM when part of the range is not mapped */
        r = mapped_bytes(a, b) == b - a ? mmu_protect(a, b - a, mmu) : -ENOMEM;
        pthread_mutex_unlock(&regions_lock);
    }
    return r < 0 ? (errno = -r, -1) : 0;
}

/* The region holding all of [a, b), or NULL (regions_lock held). */
static struct region *region_of(uintptr_t a, uintptr_t b)
{
    for (struct region *r = regions; r; r = r->next)
        if (r->start <= a && b <= r->end)
            return r;
    return NULL;
}

void *mremap(void *old, size_t old_len, size_t new_len, int flags, ...)
{
    uintptr_t a, b;
    int r = check_range(old, old_len, &a, &b);
    size_t new_size = ALIGN_UP(new_len, PAGE_SIZE);
    if (r == 0 && (!new_len || new_size < new_len || (flags & ~MREMAP_MAYMOVE)))
        r = -EINVAL;
    if (r == 0) {
        pthread_mutex_lock(&regions_lock);
        if (!region_of(a, b))
            r = -EFAULT; /* Linux: the old range is not one mapping */
        pthread_mutex_unlock(&regions_lock);
    }
    if (r == 0 && new_size <= b - a) {
        if (new_size < b - a)
            r = do_munmap(a + new_size, b);
        return r < 0 ? (errno = -r, MAP_FAILED) : old;
    }
    if (r == 0 && !(flags & MREMAP_MAYMOVE))
        r = -ENOMEM;
    void *p = NULL;
    if (r == 0)
        r = do_mmap(new_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, &p);
    if (r < 0) {
        errno = -r;
        return MAP_FAILED;
    }
    memcpy(p, old, b - a); /* the old pages must be readable: PROT_NONE faults, as it would on Linux */
    do_munmap(a, b);
    return p;
}
