/*
 * virtq-bad (image only): plays a broken device against the split-ring
 * driver. It hands back one good completion, then a used-ring entry that
 * names a descriptor that is out of range ("range") or not in flight
 * ("stale"). The driver must panic with a message naming the queue and the
 * id, instead of freeing a descriptor it does not own.
 */
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
