/* Tracepoints, categories and the ring, in both builds. */
#include <string.h>
#include <lucent/plat.h>
#include <lucent/test.h>
#include <lucent/trace.h>

LU_TRACEPOINT(ut_point, "unit-test", INSTANT, (uint32_t, a), (const char *, s));
LU_TRACEPOINT(ut_other, "unit-other", INSTANT);
LU_TRACE_SLICE(ut_slice, "unit-test", (int, x));
LU_TRACEPOINT(ut_dyn, "unit-dyn", INSTANT, (lu_trace_str, path), (int, n), (lu_trace_bytes, key, 8));
LU_TRACEPOINT(ut_dyn1, "unit-dyn", INSTANT, (lu_trace_str, name, 300));

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

LU_TEST(trace_dynamic_declarations)
{
    /* what the macros put in the tracepoint's metadata */
    LU_CHECK(lu_tp_ut_dyn.dyn && lu_tp_ut_dyn1.dyn && !lu_tp_ut_point.dyn);
    LU_CHECK_EQ(lu_tp_ut_dyn.nargs, 3);
    LU_CHECK_EQ(lu_tp_ut_dyn.arg_types[0], LU_TRACE_DSTR);
    LU_CHECK_EQ(lu_tp_ut_dyn.arg_types[1], LU_TRACE_I64);
    LU_CHECK_EQ(lu_tp_ut_dyn.arg_types[2], LU_TRACE_DBYTES);
    LU_CHECK_EQ(lu_tp_ut_dyn.arg_max[0], LU_TRACE_DEFAULT_MAX); /* made explicit by lu_trace_init */
    LU_CHECK_EQ(lu_tp_ut_dyn.arg_max[2], 8);
    LU_CHECK_EQ(lu_tp_ut_dyn1.arg_max[0], 300);
    LU_CHECK(strcmp(lu_tp_ut_dyn.arg_names[2], "key") == 0);
    lu_trace_set("");
    LU_CHECK(!lu_trace_ut_dyn_enabled());
    LU_CHECK_EQ(lu_trace_enable("unit-dyn"), 2);
    char buf[400];
    memset(buf, 'x', sizeof buf);
    buf[sizeof buf - 1] = 0;
    /* every size, across the ring's end many times: recorded or counted,
     * never a crash or a stuck ring */
    uint64_t lost0 = lu_trace_dropped_total();
    for (int i = 0; i < 20000; i++) {
        lu_trace_ut_dyn(lu_trace_strn(buf, (size_t)(i % 200)), i, lu_trace_bytes_of(buf, (size_t)(i % 12)));
        lu_trace_ut_dyn1(lu_trace_cstr(buf + (i % 399)));
        lu_trace_ut_dyn(lu_trace_cstr(NULL), i, lu_trace_bytes_of(NULL, 0));
    }
    lu_trace_set("");
    lu_trace_flush();
    LU_CHECK(lu_trace_dropped_total() >= lost0);
}
