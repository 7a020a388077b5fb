/* The registry and the exposition, checked the same way in both builds. */
#include <stdlib.h>
#include <string.h>
#include <lucent/metrics.h>
#include <lucent/test.h>
#include "../internal.h"

LU_COUNTER(t_plain, "test_plain_total", "A plain counter.");
LU_COUNTER(t_get, "test_requests_total", "Requests by method.", LU_LABELS("method", "GET"));
LU_COUNTER(t_put, "test_requests_total", "Requests by method.", LU_LABELS("method", "PUT"));
LU_COUNTER_PERCPU(t_percpu, "test_percpu_total", "A per-CPU counter.");
LU_GAUGE(t_temp, "test_temperature_celsius", "A fixed-point gauge.", LU_DECIMALS_MS);
LU_GAUGE(t_weird, "test_weird_labels", "Help with a \\ backslash\nand a newline.", 0,
         LU_LABELS("path", "a\"b\\c\nd"));
LU_HISTOGRAM(t_lat, "test_latency_seconds", "A latency histogram.", LU_DECIMALS_NS,
             LU_BUCKETS(1000000, 5000000, 25000000));
LU_COUNTER_VEC(t_codes, "test_codes_total", "Responses by code.", 2, LU_LABEL_NAMES("code"));
LU_HISTOGRAM_VEC(t_sizes, "test_size_bytes", "Sizes by kind.", 0, LU_BUCKETS(10, 100), 4,
                 LU_LABEL_NAMES("kind"));

static void collect_two(struct lu_metrics_sink *s, const struct lu_metric *m)
{
    lu_metrics_emit(s, LU_VALUES("0"), 7);
    lu_metrics_emit(s, LU_VALUES("1"), -2);
}
LU_COLLECTOR(t_coll, "test_collected", "Emitted at scrape time.", LU_METRIC_GAUGE, 0,
             LU_LABEL_NAMES("vector"), collect_two);

/* Left out of every scrape: a bad name, and a type clash with its family. */
LU_COUNTER(t_badname, "test-bad-name_total", "Dashes are not allowed.");
LU_COUNTER(t_clash1, "test_clash_total", "Two types, one name.");
LU_GAUGE(t_clash2, "test_clash_total", "Two types, one name.", 0);

static char *render(enum lu_metrics_format fmt)
{
    char *out = NULL;
    size_t len = 0;
    LU_CHECK_EQ(lu_metrics_render(fmt, &out, &len), 0);
    LU_CHECK(out && strlen(out) == len);
    return out;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

LU_TEST(metrics_fixed_point_formatting)
{
    char b[48];
    struct {
        uint64_t v;
        bool neg;
        unsigned dec;
        const char *want;
    } cases[] = {{0, false, 0, "0"},
                 {0, true, 9, "0"},
                 {5000000, false, 9, "0.005"},
                 {1500, false, 3, "1.5"},
                 {1234, true, 2, "-12.34"},
                 {7, false, 9, "0.000000007"},
                 {UINT64_MAX, false, 0, "18446744073709551615"},
                 {2000000000, false, 9, "2"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        b[fmt_fixed(b, cases[i].v, cases[i].neg, cases[i].dec)] = '\0';
        if (strcmp(b, cases[i].want))
            printf("# got %s want %s\n", b, cases[i].want);
        LU_CHECK(strcmp(b, cases[i].want) == 0);
    }
}

LU_TEST(metrics_render_counters_and_families)
{
    lu_counter_add(&t_plain, 41);
    lu_counter_inc(&t_plain);
    lu_counter_inc(&t_get);
    lu_counter_add(&t_put, 3);
    lu_counter_percpu_add(&t_percpu, 5);
    LU_CHECK_EQ(lu_counter_percpu_get(&t_percpu), 5);
    char *s = render(LU_METRICS_PROMETHEUS);
    LU_CHECK(strstr(s, "# HELP test_plain_total A plain counter.\n# TYPE test_plain_total counter\n"
                       "test_plain_total 42\n") != NULL);
    /* one family block for two declarations, its series together */
    LU_CHECK_EQ(count(s, "# TYPE test_requests_total counter"), 1);
    LU_CHECK(
        strstr(s, "test_requests_total{method=\"GET\"} 1\ntest_requests_total{method=\"PUT\"} 3\n") != NULL ||
        strstr(s, "test_requests_total{method=\"PUT\"} 3\ntest_requests_total{method=\"GET\"} 1\n") != NULL);
    LU_CHECK(strstr(s, "test_percpu_total 5\n") != NULL);
    free(s);
}

LU_TEST(metrics_gauges_fixed_point_and_escaping)
{
    lu_gauge_set(&t_temp, -12500);
    lu_gauge_set(&t_weird, 3);
    char *s = render(LU_METRICS_PROMETHEUS);
    LU_CHECK(strstr(s, "test_temperature_celsius -12.5\n") != NULL);
    LU_CHECK(strstr(s, "# HELP test_weird_labels Help with a \\\\ backslash\\nand a newline.\n") != NULL);
    LU_CHECK(strstr(s, "test_weird_labels{path=\"a\\\"b\\\\c\\nd\"} 3\n") != NULL);
    free(s);
}

LU_TEST(metrics_histogram_is_cumulative)
{
    lu_histogram_observe(&t_lat, 500000);    /* 0.5 ms -> le 0.001 */
    lu_histogram_observe(&t_lat, 1000000);   /* exactly on a bound: le is inclusive */
    lu_histogram_observe(&t_lat, 20000000);  /* -> le 0.025 */
    lu_histogram_observe(&t_lat, 900000000); /* -> +Inf only */
    char *s = render(LU_METRICS_PROMETHEUS);
    LU_CHECK(strstr(s, "# TYPE test_latency_seconds histogram\n"
                       "test_latency_seconds_bucket{le=\"0.001\"} 2\n"
                       "test_latency_seconds_bucket{le=\"0.005\"} 2\n"
                       "test_latency_seconds_bucket{le=\"0.025\"} 3\n"
                       "test_latency_seconds_bucket{le=\"+Inf\"} 4\n"
                       "test_latency_seconds_sum 0.9215\n"
                       "test_latency_seconds_count 4\n") != NULL);
    free(s);
}

LU_TEST(metrics_vec_caps_and_counts_overflow)
{
    struct lu_counter *a = lu_counter_vec_at(&t_codes, LU_VALUES("200"));
    LU_CHECK(a == lu_counter_vec_at(&t_codes, LU_VALUES("200")));
    lu_counter_inc(a);
    lu_counter_inc(lu_counter_vec_at(&t_codes, LU_VALUES("404")));
    /* the cap is 2: a third value set lands in the overflow child */
    struct lu_counter *o = lu_counter_vec_at(&t_codes, LU_VALUES("500"));
    LU_CHECK(o != a);
    LU_CHECK(o == lu_counter_vec_at(&t_codes, LU_VALUES("503")));
    lu_counter_add(o, 10);
    /* a value too long for a slot overflows too */
    char big[LU_METRICS_LABEL_BYTES + 8];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    LU_CHECK(o == lu_counter_vec_at(&t_codes, LU_VALUES(big)));
    char *s = render(LU_METRICS_PROMETHEUS);
    LU_CHECK(strstr(s, "test_codes_total{code=\"200\"} 1\n") != NULL);
    LU_CHECK(strstr(s, "test_codes_total{code=\"404\"} 1\n") != NULL);
    LU_CHECK(strstr(s, "test_codes_total{code=\"__overflow__\"} 10\n") != NULL);
    LU_CHECK_EQ(t_codes.v.overflows, 3);
    free(s);
}

LU_TEST(metrics_histogram_vec_children_have_their_own_buckets)
{
    lu_histogram_observe(lu_histogram_vec_at(&t_sizes, LU_VALUES("small")), 5);
    lu_histogram_observe(lu_histogram_vec_at(&t_sizes, LU_VALUES("big")), 500);
    char *s = render(LU_METRICS_PROMETHEUS);
    LU_CHECK(strstr(s, "test_size_bytes_bucket{kind=\"small\",le=\"10\"} 1\n") != NULL);
    LU_CHECK(strstr(s, "test_size_bytes_bucket{kind=\"big\",le=\"100\"} 0\n") != NULL);
    LU_CHECK(strstr(s, "test_size_bytes_bucket{kind=\"big\",le=\"+Inf\"} 1\n") != NULL);
    LU_CHECK(strstr(s, "test_size_bytes_sum{kind=\"big\"} 500\n") != NULL);
    free(s);
}

LU_TEST(metrics_collectors_and_invalid_declarations)
{
    char *s = render(LU_METRICS_PROMETHEUS);
    LU_CHECK(strstr(s, "test_collected{vector=\"0\"} 7\ntest_collected{vector=\"1\"} -2\n") != NULL);
    LU_CHECK(strstr(s, "test-bad-name") == NULL);
    LU_CHECK_EQ(count(s, "# TYPE test_clash_total"), 1);
    LU_CHECK_EQ(count(s, "\ntest_clash_total "), 1);
    LU_CHECK(lu_metrics_invalid_count() >= 2);
    free(s);
}

LU_TEST(metrics_builtins_present)
{
    char *s = render(LU_METRICS_PROMETHEUS);
    LU_CHECK(strstr(s, "\nlucent_uptime_seconds ") != NULL);
    LU_CHECK(strstr(s, "\nlucent_boot_time_seconds 1") != NULL);
    LU_CHECK(strstr(s, "lucent_threads{state=\"running\"} ") != NULL);
    LU_CHECK(strstr(s, "lucent_thread_cpu_seconds_total{tid=\"") != NULL);
    LU_CHECK(strstr(s, "lucent_build_info{build=\"") != NULL);
    LU_CHECK(strstr(s, "lucent_metrics_label_overflow_total{metric=\"test_codes_total\"}") != NULL);
    LU_CHECK(strstr(s, " NaN\n") == NULL && strstr(s, " nan\n") == NULL && strstr(s, "Inf\n") == NULL);
    free(s);
}

LU_TEST(metrics_openmetrics)
{
    char *s = render(LU_METRICS_OPENMETRICS);
    LU_CHECK(strstr(s, "# TYPE test_plain counter\ntest_plain_total ") != NULL);
    size_t n = strlen(s);
    LU_CHECK(n > 6 && strcmp(s + n - 6, "# EOF\n") == 0);
    free(s);
}
