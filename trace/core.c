/*
 * The tracepoint registry and runtime control: numbering the entries of the
 * `lu_tracepoints` section, switching categories on and off, drop counts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lucent/plat.h>
#include "internal.h"

/* Weak, so a program without a single tracepoint still links. */
extern struct lu_tracepoint __start_lu_tracepoints[] __attribute__((weak));
extern struct lu_tracepoint __stop_lu_tracepoints[] __attribute__((weak));

struct lu_tracepoint *lu_trace_tps;
unsigned lu_trace_ntps;
const char *lu_trace_cats[LU_TRACE_MAX_CATS];
unsigned lu_trace_ncats;
struct lu_trace_ring *lu_trace_rings[LU_TRACE_MAX_RINGS];
unsigned lu_trace_nrings;
static int inited;

const struct lu_tracepoint *lu_trace__tp(uint32_t id)
{
    return id < lu_trace_ntps ? &lu_trace_tps[id] : NULL;
}

static unsigned cat_index(const char *cat)
{
    for (unsigned i = 0; i < lu_trace_ncats; i++)
        if (strcmp(lu_trace_cats[i], cat) == 0)
            return i;
    if (lu_trace_ncats == LU_TRACE_MAX_CATS)
        return LU_TRACE_MAX_CATS - 1; /* shares the last name; still traced */
    lu_trace_cats[lu_trace_ncats] = cat;
    return lu_trace_ncats++;
}

struct lu_trace_ring *lu_trace_ring_new(uint32_t tid)
{
    static volatile int lock;
    static uint64_t nrec;
    if (!nrec) {
        const char *o = lu_plat_getopt("trace_ring");
        uint64_t n = o ? strtoull(o, NULL, 0) : 0;
        if (n < 4 || n > (1u << 24))
            n = lu_trace__default_ring();
        uint64_t p = 4;
        while (p < n)
            p <<= 1;
        nrec = p;
    }
    /* rings live until exit; aligned by hand (the image's libc lacks
     * posix_memalign) so writer and reader fields sit on their own lines */
    /* calloc: zeroed seq fields, and (hostbuild) pages only backed once used */
    void *mem = calloc(1, sizeof(struct lu_trace_ring) + nrec * sizeof(struct lu_trace_rec) + 128);
    if (!mem)
        return NULL;
    struct lu_trace_ring *r = (void *)(((uintptr_t)mem + 63) & ~(uintptr_t)63);
    /* the slots follow the header directly: writers find them from r alone */
    _Static_assert(sizeof(struct lu_trace_ring) % 64 == 0, "slots must stay cache-line aligned");
    struct lu_trace_rec *slots = (void *)(r + 1);
    r->slots = slots;
    r->mask = nrec - 1;
    r->limit = nrec;
    r->lapbase = (uintptr_t)slots;
    r->tid = tid;
    while (__atomic_exchange_n(&lock, 1, __ATOMIC_ACQUIRE))
        ;
    unsigned i = lu_trace_nrings;
    if (i == LU_TRACE_MAX_RINGS) {
        __atomic_store_n(&lock, 0, __ATOMIC_RELEASE);
        free(mem);
        return NULL;
    }
    r->index = i;
    lu_trace_rings[i] = r;
    __atomic_store_n(&lu_trace_nrings, i + 1, __ATOMIC_RELEASE);
    __atomic_store_n(&lock, 0, __ATOMIC_RELEASE);
    return r;
}

/* Does the list "a,b c" name @cat? */
static bool listed(const char *list, const char *cat)
{
    size_t n = strlen(cat);
    for (const char *p = list; *p;) {
        while (*p == ',' || *p == ' ')
            p++;
        size_t w = strcspn(p, ", \n");
        if (w == 0)
            break;
        if ((w == n && strncmp(p, cat, n) == 0) || (w == 1 && *p == '*') ||
            (w == 3 && strncmp(p, "all", 3) == 0))
            return true;
        p += w;
    }
    return false;
}

/* mode: 1 enable listed, 0 disable listed, 2 set exactly the listed */
static int apply(const char *cats, int mode)
{
    lu_trace_init();
    int n = 0;
    for (unsigned i = 0; i < lu_trace_ntps; i++) {
        struct lu_tracepoint *tp = &lu_trace_tps[i];
        bool in = listed(cats ? cats : "", tp->category);
        uint8_t want = mode == 2 ? in : (in ? mode : tp->on);
        if (want != tp->on) {
            tp->on = want;
            n++;
        }
    }
    return n;
}

int lu_trace_enable(const char *categories)
{
    int n = apply(categories, 1);
    lu_trace__drain_start(); /* the flight recorder needs the drain too */
    return n;
}
int lu_trace_disable(const char *categories) { return apply(categories, 0); }
int lu_trace_set(const char *categories) { return apply(categories, 2); }

int lu_trace_init(void)
{
    static volatile int busy;
    if (__atomic_load_n(&inited, __ATOMIC_ACQUIRE) || __atomic_exchange_n(&busy, 1, __ATOMIC_ACQ_REL))
        return 0;
    lu_trace_tps = __start_lu_tracepoints;
    lu_trace_ntps = lu_trace_tps ? (unsigned)(__stop_lu_tracepoints - __start_lu_tracepoints) : 0;
    for (unsigned i = 0; i < lu_trace_ntps; i++) {
        struct lu_tracepoint *tp = &lu_trace_tps[i];
        tp->id = (uint16_t)i;
        tp->cat_id = (uint16_t)cat_index(tp->category);
        /* dynamic arguments' bounds made explicit, so writers compare
         * with one load (0: the default; above the most allowed: that) */
        for (int a = 0; a < tp->nargs && a < LU_TRACE_MAX_ARGS; a++)
            if ((tp->arg_types[a] == LU_TRACE_DSTR || tp->arg_types[a] == LU_TRACE_DBYTES) &&
                (tp->arg_max[a] == 0 || tp->arg_max[a] > LU_TRACE_MAX_MAX))
                tp->arg_max[a] = tp->arg_max[a] ? LU_TRACE_MAX_MAX : LU_TRACE_DEFAULT_MAX;
        if (tp->nargs == 1 && tp->arg_types[0] == LU_TRACE_DSTR)
            tp->str_fast =
                tp->arg_max[0] < sizeof(struct lu_trace_rec) ? tp->arg_max[0] : sizeof(struct lu_trace_rec);
    }
    lu_trace__rings_init();
    lu_trace__drain_init();
    __atomic_store_n(&inited, 1, __ATOMIC_RELEASE);
    const char *cats = lu_plat_getopt("trace");
    if (cats)
        lu_trace_enable(cats);
    lu_trace__drain_start();
    return 0;
}

__attribute__((constructor)) static void trace_ctor(void) { lu_trace_init(); }

uint64_t lu_trace_dropped(unsigned ring)
{
    if (ring >= __atomic_load_n(&lu_trace_nrings, __ATOMIC_ACQUIRE))
        return 0;
    return ring_dropped(lu_trace_rings[ring]);
}

uint64_t lu_trace_dropped_total(void)
{
    uint64_t n = lu_trace__dropped_unattributed();
    for (unsigned i = 0; i < lu_trace_ring_count(); i++)
        n += lu_trace_dropped(i);
    return n;
}

unsigned lu_trace_ring_count(void) { return __atomic_load_n(&lu_trace_nrings, __ATOMIC_ACQUIRE); }
