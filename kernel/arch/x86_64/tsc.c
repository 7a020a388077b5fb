/*
 * The TSC is the clock: cheap to read (one instruction, no exit under KVM)
 * and constant-rate on every CPU QEMU models. Its rate is measured once at
 * boot against PIT channel 2. The window is short (5 ms) because boot time
 * is a feature: FACTS.md measured 100 ms windows as the largest avoidable
 * boot cost of comparable unikernels. Five ms against a 1.19 MHz PIT gives
 * about 0.02% error, far below what scheduling needs.
 *
 * A vCPU can be descheduled by the host at any instant, for tens of ms on a
 * loaded machine. So the rate is not taken from "cycles until the PIT's
 * terminal count" (a vCPU that misses the end by 40 ms would read a rate 9x
 * too high, and the image's clock would run 9x slow), but from two samples of
 * the PIT's own counter, each paired with the TSC readings just before and
 * just after it: a pause between the samples moves both clocks alike, and a
 * pause inside a sample shows as a wide pair and the sample is taken again.
 */
#include <lucent/plat.h>
#include <arch/cpu.h>
#include <arch/tsc.h>

#define PIT_HZ 1193182ULL
#define CAL_MS 5
#define CAL_TICKS (PIT_HZ * CAL_MS / 1000)
#define TRIES 8        /* a try whose samples were cut by a host pause is taken again */
#define GOOD_PPM 10000 /* 1%: a quiet try is well inside it, a paused one far outside */

static uint64_t hz;

struct sample {
    uint64_t tsc;   /* midpoint of the TSC readings around the PIT read */
    uint64_t width; /* cycles between them: the sample's uncertainty */
    uint16_t pit;   /* channel 2's counter, counting down */
};

static struct sample sample(void)
{
    uint64_t a = lu_plat_cycles();
    outb(0x43, 0x80); /* latch channel 2's count */
    uint8_t lo = inb(0x42);
    uint8_t hi = inb(0x42);
    uint64_t b = lu_plat_cycles();
    return (struct sample){.tsc = a + (b - a) / 2, .width = b - a, .pit = (uint16_t)(hi << 8 | lo)};
}

/* The narrowest of a few samples. */
static struct sample best_sample(void)
{
    struct sample best = sample();
    for (int i = 1; i < 3; i++) {
        struct sample s = sample();
        if (s.width < best.width)
            best = s;
    }
    return best;
}

static bool pit_wrapped(void) { return inb(0x61) & 0x20; } /* OUT went high: the count passed 0 */

/* One measurement: cycles per second, and its relative uncertainty in parts
 * per million through @ppm; 0 if the counter wrapped meanwhile. */
static uint64_t measure(uint64_t *ppm)
{
    uint8_t gate = inb(0x61);
    outb(0x61, (gate & ~0x03) | 0x00); /* gate low, speaker off */
    outb(0x43, 0xB0);                  /* channel 2, lo/hi, mode 0 */
    outb(0x42, 0xff);
    outb(0x42, 0xff);                  /* the longest count: 55 ms before it wraps */
    outb(0x61, (gate & ~0x03) | 0x01); /* gate high: counting starts */
    struct sample s0 = best_sample();
    struct sample s1;
    do
        s1 = sample();
    while ((uint16_t)(s0.pit - s1.pit) < CAL_TICKS && !pit_wrapped());
    s1 = best_sample();
    bool wrapped = pit_wrapped();
    outb(0x61, gate);
    uint64_t ticks = (uint16_t)(s0.pit - s1.pit);
    if (wrapped || ticks < CAL_TICKS || s1.tsc <= s0.tsc)
        return 0;
    uint64_t cycles = s1.tsc - s0.tsc;
    /* Each PIT read is also uncertain by one tick. */
    *ppm = (s0.width + s1.width) * 1000000 / cycles + 2 * 1000000 / ticks;
    return cycles * PIT_HZ / ticks;
}

void tsc_init(void)
{
    uint64_t best_ppm = ~0ULL;
    for (int i = 0; i < TRIES && best_ppm > GOOD_PPM; i++) {
        uint64_t ppm = 0, r = measure(&ppm);
        if (r && ppm < best_ppm)
            hz = r, best_ppm = ppm;
    }
    if (hz < 1000000)
        hz = 1000000000; /* absurd reading: assume 1 GHz rather than divide by ~0 */
}

uint64_t tsc_hz(void) { return hz; }
