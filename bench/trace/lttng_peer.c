/* Calls into the LTTng-UST peer, in its own file so bench_trace.c needs no
 * LTTng headers when LTTng is absent (lttng_none.c stands in). */
#include <stdint.h>
#include "lttng_tp.h"

int bench_have_lttng = 1;

__attribute__((noinline)) void loop_lttng(long n)
{
    for (long i = 0; i < n; i++)
        lttng_ust_tracepoint(lubench, ev, (uint64_t)i, 7);
}
