/*
 * metrics-demo: an app that declares metrics the way a real one would and
 * counts the requests it handles, so tests can watch a known count reach
 * Prometheus. The same source in both builds.
 *
 *   metrics-demo [--requests N] [--interval-ms MS] [--series K] [--exit]
 *   metrics-demo --dump [--series K]     print one exposition and exit
 *
 * Requests: N simulated ones at start, then one per line received on the
 * `lucent.test` channel ("METHOD PATH"; the reply is "ok COUNT"), which is
 * how tests drive it from the host. Without --exit it stays up, serving
 * metrics, until it is killed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <lucent/metrics.h>

LU_COUNTER_VEC(requests, "demo_requests_total", "Requests handled, by method and status code.", 16,
               LU_LABEL_NAMES("method", "code"));
LU_HISTOGRAM(latency, "demo_request_duration_seconds", "Time to handle a request.", LU_DECIMALS_NS,
             LU_BUCKETS(100000, 500000, 1000000, 5000000, 10000000, 50000000));
LU_GAUGE(in_flight, "demo_requests_in_flight", "Requests being handled now.", 0);
LU_GAUGE(done, "demo_done", "1 once every requested request was handled.", 0);
/* Filler for scrape benchmarks: K series of one family. */
LU_COUNTER_VEC(filler, "demo_filler_total", "Filler series for benchmarks.", 4096, LU_LABEL_NAMES("id"));

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void handle(unsigned i, const char *method, const char *code)
{
    lu_gauge_inc(&in_flight);
    uint64_t t0 = lu_plat_now_ns();
    /* a deterministic spread of latencies, 50 us to ~20 ms */
    uint64_t fake_ns = 50000 + (uint64_t)(i * 2654435761u % 20000) * 1000;
    lu_counter_inc(lu_counter_vec_at(&requests, LU_VALUES(method, code)));
    lu_histogram_observe(&latency, fake_ns + (lu_plat_now_ns() - t0));
    lu_gauge_dec(&in_flight);
}

/* One request line from the host: "METHOD PATH". Methods outside a small
 * set count as "other", as a real server would bound its labels. */
static void handle_line(unsigned i, char *line)
{
    static const char *const known[] = {"GET", "POST", "PUT", "DELETE"};
    const char *method = "other";
    char *path = strchr(line, ' ');
    if (path)
        *path++ = '\0';
    for (unsigned k = 0; k < sizeof known / sizeof known[0]; k++)
        if (strcmp(line, known[k]) == 0)
            method = known[k];
    handle(i, method, path && strstr(path, "missing") ? "404" : "200");
}

/* Serves request lines on lucent.test until the program is killed. */
static void serve_requests(struct lu_chan *ch, unsigned count)
{
    char line[256];
    size_t len = 0;
    for (;;) {
        char buf[256];
        ssize_t n = lu_chan_read(ch, buf, sizeof buf, 0);
        if (n == -EPIPE) {
            len = 0; /* the host left mid-line */
            continue;
        }
        if (n < 0)
            return;
        for (ssize_t k = 0; k < n; k++) {
            if (buf[k] != '\n') {
                if (len < sizeof line - 1)
                    line[len++] = buf[k];
                continue;
            }
            line[len] = '\0';
            len = 0;
            handle_line(count, line);
            char reply[32];
            int r = snprintf(reply, sizeof reply, "ok %u\n", ++count);
            lu_chan_write(ch, reply, (size_t)r, 0);
        }
    }
}

int main(int argc, char **argv)
{
    unsigned n = 0, interval = 0, series = 0;
    int dump = 0, exit_after = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--requests") == 0 && i + 1 < argc)
            n = (unsigned)atoi(argv[++i]);
        else if (strcmp(argv[i], "--interval-ms") == 0 && i + 1 < argc)
            interval = (unsigned)atoi(argv[++i]);
        else if (strcmp(argv[i], "--series") == 0 && i + 1 < argc)
            series = (unsigned)atoi(argv[++i]);
        else if (strcmp(argv[i], "--dump") == 0)
            dump = 1;
        else if (strcmp(argv[i], "--exit") == 0)
            exit_after = 1;
        else {
            fprintf(stderr,
                    "usage: metrics-demo [--requests N] [--interval-ms MS] [--series K] [--exit] [--dump]\n");
            return 2;
        }
    }
    for (unsigned k = 0; k < series; k++) {
        char id[16];
        snprintf(id, sizeof id, "%u", k);
        lu_counter_add(lu_counter_vec_at(&filler, LU_VALUES(id)), k);
    }
    if (dump) {
        char *text;
        size_t len;
        if (lu_metrics_render(LU_METRICS_PROMETHEUS, &text, &len))
            return 1;
        fwrite(text, 1, len, stdout);
        free(text);
        return 0;
    }
    printf("metrics-demo: metrics server: %s\n", lu_metrics_server_status());
    fflush(stdout);
    static const char *const methods[] = {"GET", "GET", "POST", "GET", "PUT"};
    for (unsigned i = 0; i < n; i++) {
        handle(i, methods[i % 5], i % 7 == 6 ? "404" : "200");
        if (interval)
            sleep_ms(interval);
    }
    lu_gauge_set(&done, 1);
    printf("metrics-demo: handled %u requests\n", n);
    fflush(stdout);
    if (exit_after)
        return 0;
    struct lu_chan *ch = lu_chan_open("lucent.test");
    printf("metrics-demo: %s\n", ch ? "taking requests on lucent.test" : "no lucent.test channel");
    fflush(stdout);
    if (ch)
        serve_requests(ch, n);
    for (;;)
        sleep_ms(1000);
}
