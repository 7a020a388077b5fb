/* Tracepoints, categories and the ring, in both builds. */
#include <string.h>
#include <lucent/plat.h>
#include <lucent/test.h>
#include <lucent/trace.h>

LU_TRACEPOINT(ut_point, "unit-test", INSTANT, (uint32_t, a), (const char *, s));
LU_TRACEPOINT(ut_other, "unit-other", INSTANT);
LU_TRACE_SLICE(ut_slice, "unit-test", (int, x));

void lu_trace__control(const char *line);

LU_TEST(trace_categories_switch)
{
    lu_trace_set("");
    LU_CHECK(!lu_trace_ut_point_enabled());
    LU_CHECK_EQ(lu_trace_enable("unit-test"), 3); /* ut_point, ut_slice begin and end */
    LU_CHECK(lu_trace_ut_point_enabled() && !lu_trace_ut_other_enabled());
    LU_CHECK_EQ(lu_trace_enable("nope, unit-other"), 1);
    LU_CHECK(lu_trace_ut_other_enabled());
    LU_CHECK_EQ(lu_trace_set("unit-other"), 3);
    LU_CHECK(!lu_trace_ut_point_enabled() && lu_trace_ut_other_enabled());
    lu_trace__control("garbage \x01\x02");
    lu_trace__control("enable all");
    LU_CHECK(lu_trace_ut_point_enabled() && lu_trace_ut_slice_begin_enabled());
    lu_trace__control("disable *");
    LU_CHECK(!lu_trace_ut_point_enabled() && !lu_trace_ut_other_enabled());
}

LU_TEST(trace_every_event_is_recorded_or_counted)
{
    /* With the rings' size unknown here, emit more than any default holds:
     * whatever the drain or the ring does with them, emitted == kept + lost. */
    lu_trace_set("unit-test");
    uint64_t lost0 = lu_trace_dropped_total();
    const long n = 100000;
    for (long i = 0; i < n; i++) {
        LU_TRACE_SCOPED(ut_slice, (int)i);
        lu_trace_ut_point((uint32_t)i, "s");
    }
    lu_trace_set("");
    lu_trace_flush();
    uint64_t lost = lu_trace_dropped_total() - lost0;
    LU_CHECK(lost > 0); /* 300000 events do not fit a ring */
    LU_CHECK(lu_trace_ring_count() >= 1);
    LU_CHECK(lu_trace_dropped(lu_trace_ring_count()) == 0); /* out of range: 0 */
}

LU_TEST(trace_disabled_records_nothing)
{
    lu_trace_set("");
    uint64_t lost0 = lu_trace_dropped_total();
    for (int i = 0; i < 100000; i++)
        lu_trace_ut_point(1, "s");
    LU_CHECK_EQ(lu_trace_dropped_total(), lost0);
}
