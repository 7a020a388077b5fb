/* The CMOS real-time clock (rtc.c), read once at boot for wall time. */
#ifndef LU_ARCH_RTC_H
#define LU_ARCH_RTC_H
#include <stdint.h>

uint64_t rtc_read_epoch(void); /* seconds since 1970 */

#endif
