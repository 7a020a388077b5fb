/*
 * httpd's metrics. Status codes and methods are a small closed set here,
 * but they are labels taken from the wire, so they live in capped vecs: a
 * surprise can only land in the overflow series.
 */
#include <string.h>
#include <lucent/metrics.h>
#include "http_parse.h"
#include "httpd_metrics.h"

LU_COUNTER_VEC(requests, "httpd_requests_total", "HTTP requests answered, by method and status code.", 32,
               LU_LABEL_NAMES("method", "code"));
/* From a complete request head to the last byte of the response handed to
 * the socket: 100 µs to 5 s, since under TCG a request takes milliseconds. */
LU_HISTOGRAM(latency, "httpd_request_duration_seconds",
             "Time from a complete request head to its response sent.", LU_DECIMALS_NS,
             LU_BUCKETS(100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000, 25000000, 50000000,
                        100000000, 250000000, 500000000, 1000000000, 5000000000));

static const char *method_name(int m)
{
    return m == HTTP_GET ? "GET" : m == HTTP_HEAD ? "HEAD" : m == HTTP_OTHER ? "other" : "unknown";
}

/* The three digits after "HTTP/1.x ", or "000" for a head that has none. */
static void status_of(const char *head, size_t len, char code[4])
{
    memcpy(code, "000", 4);
    if (len < 12 || memcmp(head, "HTTP/1.", 7) != 0)
        return;
    for (int i = 0; i < 3; i++)
        if (head[9 + i] < '0' || head[9 + i] > '9')
            return;
    memcpy(code, head + 9, 3);
}

void httpd_metrics_request(int method, const char *head, size_t len, uint64_t t0_ns)
{
    char code[4];
    status_of(head, len, code);
    lu_counter_inc(lu_counter_vec_at(&requests, LU_VALUES(method_name(method), code)));
    lu_histogram_observe(&latency, lu_plat_now_ns() - t0_ns);
}

void httpd_metrics_error(int status)
{
    char code[4] = "000";
    if (status >= 100 && status <= 999)
        for (int i = 2; i >= 0; i--, status /= 10)
            code[i] = (char)('0' + status % 10);
    lu_counter_inc(lu_counter_vec_at(&requests, LU_VALUES("unknown", code)));
}
