/*
 * virtq-bad (image only): plays a broken device against the split-ring
 * driver. It hands back one good completion, then a used-ring entry that
 * names a descriptor that is out of range ("range") or not in flight
 * ("stale"). The driver must panic with a message naming the queue and the
 * id, instead of freeing a descriptor it does not own. Mode "chains" checks
 * the honest case instead: chains completed out of order return every
 * descriptor to the free list, and a longer chain then reuses them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "../../kernel/drivers/virtio.h"

#define N 8

static struct virtq_desc desc[N];
static struct {
    uint16_t flags, idx, ring[N];
} avail;
static struct {
    uint16_t flags, idx;
    struct virtq_used_elem ring[N];
} used;
static void *cookie[N];
static uint16_t chain[N];

#define FAIL(...) (printf("virtq-bad: " __VA_ARGS__), printf("\n"), 1)

/* The device completes the request whose head descriptor is @head. */
static void complete(uint16_t head, uint32_t len)
{
    used.ring[used.idx % N] = (struct virtq_used_elem){head, len};
    used.idx++;
}

static int chains(struct virtq *q)
{
    static int x[3], y[2], z[3], w[5];
    /* Device-writable descriptors follow readable ones, as virtio requires. */
    struct virtq_buf bx[3] = {{&x[0], 4, false}, {&x[1], 4, false}, {&x[2], 4, true}};
    struct virtq_buf by[2] = {{&y[0], 4, true}, {&y[1], 4, true}};
    struct virtq_buf bz[3] = {{&z[0], 4, false}, {&z[1], 4, false}, {&z[2], 4, false}};
    struct virtq_buf bw[5] = {
        {&w[0], 4, false}, {&w[1], 4, false}, {&w[2], 4, false}, {&w[3], 4, true}, {&w[4], 4, true}};
    struct virtq_buf one = {&x[0], 4, false};
    if (virtq_add(q, bx, 3, x) || virtq_add(q, by, 2, y) || virtq_add(q, bz, 3, z))
        return FAIL("adding 3 + 2 + 3 descriptors to a ring of %d failed", N);
    if (q->num_free != 0 || virtq_add(q, &one, 1, &one) != -ENOSPC)
        return FAIL("a full ring took another request");
    uint16_t hx = avail.ring[0], hy = avail.ring[1], hz = avail.ring[2];
    complete(hy, 8);
    complete(hx, 4);
    uint32_t len;
    if (virtq_get(q, &len) != y || len != 8 || virtq_get(q, &len) != x || virtq_get(q, &len))
        return FAIL("out-of-order completions came back wrong");
    if (q->num_free != 5)
        return FAIL("%u descriptors free after two chains came back, not 5", q->num_free);
    if (virtq_add(q, bw, 5, w))
        return FAIL("a 5-descriptor chain did not fit in the 5 freed");
    uint16_t hw = avail.ring[3], d = hw;
    for (int i = 0; i < 5; i++, d = desc[d].next) {
        bool last = i == 4;
        if (desc[d].addr != (uintptr_t)&w[i] || !(desc[d].flags & VIRTQ_DESC_F_NEXT) != last ||
            !!(desc[d].flags & VIRTQ_DESC_F_WRITE) != (i >= 3))
            return FAIL("descriptor %d of the reused chain is wrong", i);
        if (last)
            break;
    }
    complete(hz, 0);
    complete(hw, 0);
    if (virtq_get(q, NULL) != z || virtq_get(q, NULL) != w || q->num_free != N)
        return FAIL("the ring did not drain back to %d free descriptors", N);
    printf("virtq-bad: chains ok\n");
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "range";
    struct pci_dev pci = {.vendor = 0x1af4, .device = 0x1003};
    struct virtio_dev dev = {.pci = &pci};
    struct virtq q = {.dev = &dev,
                      .index = 5,
                      .size = N,
                      .desc = desc,
                      .avail = (void *)&avail,
                      .used = (void *)&used,
                      .cookie = cookie,
                      .chain_len = chain,
                      .num_free = N};
    for (int i = 0; i < N; i++)
        desc[i].next = (uint16_t)(i + 1);
    if (strcmp(mode, "chains") == 0)
        return chains(&q);

    int a, b;
    struct virtq_buf ba = {&a, sizeof a, true}, bb = {&b, sizeof b, true};
    if (virtq_add(&q, &ba, 1, &a) || virtq_add(&q, &bb, 1, &b)) {
        printf("virtq-bad: virtq_add failed\n");
        return 1;
    }
    /* The device completes the first request properly. */
    used.ring[0] = (struct virtq_used_elem){avail.ring[0], sizeof a};
    used.idx = 1;
    uint32_t len = 0;
    if (virtq_get(&q, &len) != &a || len != sizeof a || virtq_get(&q, &len) != NULL) {
        printf("virtq-bad: a good completion was mishandled\n");
        return 1;
    }
    /* Then lies. */
    used.ring[1] = (struct virtq_used_elem){strcmp(mode, "stale") == 0 ? avail.ring[0] : 200, 4};
    used.idx = 2;
    printf("virtq-bad: device returns a bad id (%s)\n", mode);
    fflush(stdout);
    virtq_get(&q, &len);
    printf("virtq-bad: the bad id was accepted\n");
    return 1;
}
