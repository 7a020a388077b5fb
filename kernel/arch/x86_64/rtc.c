/* Wall-clock seed: the CMOS real-time clock, read once at boot. */
#include <arch/cpu.h>
#include <arch/rtc.h>

static uint8_t cmos(uint8_t reg)
{
    outb(0x70, reg);
    return inb(0x71);
}

static unsigned bcd(uint8_t v, int binary) { return binary ? v : (v & 0x0f) + (v >> 4) * 10; }

static uint64_t days_from_civil(int y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (uint64_t)(era * 146097 + (int)doe - 719468);
}

uint64_t rtc_read_epoch(void)
{
    while (cmos(0x0A) & 0x80) /* update in progress */
        ;
    uint8_t sec = cmos(0x00), min = cmos(0x02), hour = cmos(0x04);
    uint8_t day = cmos(0x07), mon = cmos(0x08), year = cmos(0x09), regb = cmos(0x0B);
    int bin = regb & 0x04;
    unsigned h = bcd(hour & 0x7f, bin);
    if (!(regb & 0x02) && (hour & 0x80))
        h = (h % 12) + 12; /* 12-hour mode, PM */
    uint64_t days = days_from_civil(2000 + (int)bcd(year, bin), bcd(mon, bin), bcd(day, bin));
    return days * 86400 + h * 3600 + bcd(min, bin) * 60 + bcd(sec, bin);
}
