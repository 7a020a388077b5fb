/*
 * Interrupt controllers: the local APIC (timer, EOI) and the I/O APIC (ISA
 * lines such as the UARTs). The legacy 8259 PICs are remapped out of the
 * exception range and masked: nothing uses them, but a spurious interrupt
 * from them must not look like a CPU exception. PCI devices use MSI-X and
 * bypass the I/O APIC entirely.
 *
 * The timer is one-shot and programmed for the next event only (tickless):
 * in TSC-deadline mode where the CPU has it (no calibration needed: the
 * deadline is a TSC value), otherwise in one-shot count mode calibrated
 * against the TSC for 1 ms at boot.
 */
#include <lucent/plat.h>
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/irq.h>
#include <arch/tsc.h>

#define LAPIC_BASE 0xFEE00000UL
#define IOAPIC_BASE 0xFEC00000UL
enum {
    LAPIC_ID = 0x20,
    LAPIC_EOI = 0xB0,
    LAPIC_SVR = 0xF0,
    LAPIC_ICR_LOW = 0x300,
    LAPIC_ICR_HIGH = 0x310,
    LAPIC_LVT_TIMER = 0x320,
    LAPIC_LVT_LINT0 = 0x350,
    LAPIC_LVT_LINT1 = 0x360,
    LAPIC_LVT_ERROR = 0x370,
    LAPIC_TIMER_INIT = 0x380,
    LAPIC_TIMER_CUR = 0x390,
    LAPIC_TIMER_DIV = 0x3E0,
};
#define LVT_MASKED (1u << 16)
#define LVT_TSC_DEADLINE (2u << 17)

static volatile uint32_t *const lapic = (volatile uint32_t *)LAPIC_BASE;
static bool tsc_deadline;
static uint64_t lapic_ticks_per_ms;

static uint32_t lapic_read(unsigned reg) { return lapic[reg / 4]; }
static void lapic_write(unsigned reg, uint32_t v) { lapic[reg / 4] = v; }

void lapic_eoi(void) { lapic_write(LAPIC_EOI, 0); }
unsigned lapic_id(void) { return lapic_read(LAPIC_ID) >> 24; }

/* An NMI to this CPU, addressed by its own ID: the "self" shorthand allows
 * only fixed delivery (Intel SDM 11.6.1, table of valid ICR combinations). */
void lapic_self_nmi(void)
{
    lapic_write(LAPIC_ICR_HIGH, lapic_id() << 24);
    lapic_write(LAPIC_ICR_LOW, (4u << 8) /* NMI */ | (1u << 14) /* assert */);
}

static void pic_disable(void)
{
    /* ICW1-4: remap master to 0xE0 and slave to 0xE8, then mask all. */
    outb(0x20, 0x11);
    outb(0xA0, 0x11);
    outb(0x21, IRQ_VEC_PIC);
    outb(0xA1, IRQ_VEC_PIC + 8);
    outb(0x21, 4);
    outb(0xA1, 2);
    outb(0x21, 1);
    outb(0xA1, 1);
    outb(0x21, 0xff);
    outb(0xA1, 0xff);
}

static void ioapic_write(unsigned reg, uint32_t v)
{
    *(volatile uint32_t *)IOAPIC_BASE = reg;
    *(volatile uint32_t *)(IOAPIC_BASE + 0x10) = v;
}

static uint32_t ioapic_read(unsigned reg)
{
    *(volatile uint32_t *)IOAPIC_BASE = reg;
    return *(volatile uint32_t *)(IOAPIC_BASE + 0x10);
}

/* Routes ISA line @irq (edge, active high) to @vector on this CPU. */
void ioapic_route(unsigned irq, unsigned vector, bool masked)
{
    unsigned pin = irq == 0 ? 2 : irq; /* the PIT is on pin 2 on PC machines */
    ioapic_write(0x11 + 2 * pin, lapic_id() << 24);
    ioapic_write(0x10 + 2 * pin, vector | (masked ? LVT_MASKED : 0));
}

static void ioapic_mask_all(void)
{
    unsigned n = ((ioapic_read(1) >> 16) & 0xff) + 1;
    for (unsigned pin = 0; pin < n; pin++)
        ioapic_write(0x10 + 2 * pin, LVT_MASKED);
}

void apic_init(void)
{
    pic_disable();
    uint64_t base = rdmsr(MSR_APIC_BASE);
    wrmsr(MSR_APIC_BASE, (base & ~0xfffULL) | LAPIC_BASE | (1 << 11)); /* global enable */
    lapic_write(LAPIC_SVR, 0x100 | IRQ_VEC_SPURIOUS);
    lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
    lapic_write(LAPIC_LVT_LINT1, LVT_MASKED);
    lapic_write(LAPIC_LVT_ERROR, IRQ_VEC_ERROR);
    ioapic_mask_all();

    uint32_t r[4];
    cpuid(1, 0, r);
    tsc_deadline = (r[2] >> 24) & 1;
    if (tsc_deadline) {
        lapic_write(LAPIC_LVT_TIMER, IRQ_VEC_TIMER | LVT_TSC_DEADLINE);
    } else {
        lapic_write(LAPIC_TIMER_DIV, 0xB); /* divide by 1 */
        lapic_write(LAPIC_LVT_TIMER, IRQ_VEC_TIMER | LVT_MASKED);
        lapic_write(LAPIC_TIMER_INIT, 0xffffffff);
        uint64_t t0 = lu_plat_cycles(), span = tsc_hz() / 1000;
        while (lu_plat_cycles() - t0 < span)
            ;
        lapic_ticks_per_ms = 0xffffffffULL - lapic_read(LAPIC_TIMER_CUR);
        lapic_write(LAPIC_TIMER_INIT, 0);
        lapic_write(LAPIC_LVT_TIMER, IRQ_VEC_TIMER);
    }
}

/* Arms the one-shot timer to fire at monotonic time @deadline_ns (0: off). */
void apic_timer_arm(uint64_t deadline_ns)
{
    if (tsc_deadline) {
        uint64_t tsc = 0;
        if (deadline_ns) {
            uint64_t now = lu_plat_now_ns();
            uint64_t delta = deadline_ns > now ? deadline_ns - now : 0;
            tsc = lu_plat_cycles() + (uint64_t)(((unsigned __int128)delta * tsc_hz()) / 1000000000ULL) + 1;
        }
        wrmsr(MSR_TSC_DEADLINE, tsc);
        return;
    }
    if (!deadline_ns) {
        lapic_write(LAPIC_TIMER_INIT, 0);
        return;
    }
    uint64_t now = lu_plat_now_ns();
    uint64_t delta = deadline_ns > now ? deadline_ns - now : 1000;
    uint64_t ticks = delta * lapic_ticks_per_ms / 1000000ULL;
    if (ticks == 0)
        ticks = 1;
    if (ticks > 0xffffffffULL)
        ticks = 0xffffffffULL;
    lapic_write(LAPIC_TIMER_INIT, (uint32_t)ticks);
}

bool apic_timer_is_tsc_deadline(void) { return tsc_deadline; }
