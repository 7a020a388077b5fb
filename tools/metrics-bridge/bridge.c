/*
 * lucent-metrics-bridge: serves a Lucent guest's metrics over HTTP for
 * Prometheus. Each GET /metrics asks the guest over its lucent.metrics
 * channel (<run dir>/lucent.metrics.sock, the same path for an image under
 * QEMU and for a hostbuild process) with a deadline, then appends the
 * bridge's own metrics. A guest that does not answer (paused in gdb,
 * stopped, gone) costs a scrape at most the timeout, and shows up as
 * lucent_bridge_guest_up 0; the HTTP side keeps answering.
 *
 *   lucent-metrics-bridge [--port P] [--bind ADDR] [--timeout MS]
 *                         [--port-file FILE] (RUN_DIR | --socket PATH)
 *
 * HTTP is libmicrohttpd's: it parses requests, answers malformed ones with
 * 400 and drops idle clients. Scrapes are serialized (the channel serves
 * one peer); a scrape that cannot get its turn within the timeout answers
 * without the guest instead of queueing.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <lucent/metrics.h>
#include "guest.h"

#define CT_TEXT "text/plain; version=0.0.4; charset=utf-8"
#define CT_OM "application/openmetrics-text; version=1.0.0; charset=utf-8"

LU_GAUGE(guest_up, "lucent_bridge_guest_up", "1 if the guest answered the last scrape in time, else 0.", 0);
LU_GAUGE(scrape_seconds, "lucent_bridge_guest_scrape_duration_seconds",
         "How long the last scrape of the guest took.", LU_DECIMALS_NS);
LU_HISTOGRAM(scrape_hist, "lucent_bridge_guest_scrape_seconds", "Scrapes of the guest, by duration.",
             LU_DECIMALS_NS,
             LU_BUCKETS(500000, 1000000, 2000000, 5000000, 10000000, 50000000, 100000000, 500000000,
                        1000000000, 5000000000));
LU_COUNTER(scrapes, "lucent_bridge_guest_scrapes_total", "Scrapes of the guest attempted.");
LU_COUNTER_VEC(scrape_errors, "lucent_bridge_guest_scrape_errors_total",
               "Scrapes of the guest that failed, by reason.", 8, LU_LABEL_NAMES("reason"));
LU_GAUGE(reply_bytes, "lucent_bridge_guest_reply_bytes", "Size of the guest's last exposition.", 0);
LU_COUNTER_VEC(http_requests, "lucent_bridge_http_requests_total", "HTTP requests answered, by status code.",
               16, LU_LABEL_NAMES("code"));

static struct guest guest;
static pthread_mutex_t guest_lock = PTHREAD_MUTEX_INITIALIZER;
static int timeout_ms = 1000;

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void count_error(const char *reason)
{
    lu_counter_inc(lu_counter_vec_at(&scrape_errors, LU_VALUES(reason)));
}

/* The guest's exposition, or NULL when it did not answer in time. */
static char *scrape_guest(bool om, size_t *len)
{
    int64_t t0 = mono_ns();
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    lu_counter_inc(&scrapes);
    if (pthread_mutex_timedlock(&guest_lock, &until)) {
        count_error("busy");
        return NULL;
    }
    /* what is left of the budget after waiting for our turn */
    int left = timeout_ms - (int)((mono_ns() - t0) / 1000000);
    char *body = NULL;
    enum guest_error e = left > 0 ? guest_scrape(&guest, om, left, &body, len) : GUEST_TIMEOUT;
    pthread_mutex_unlock(&guest_lock);
    int64_t dt = mono_ns() - t0;
    lu_gauge_set(&scrape_seconds, dt);
    lu_histogram_observe(&scrape_hist, (uint64_t)dt);
    lu_gauge_set(&guest_up, e == GUEST_OK);
    if (e) {
        count_error(guest_error_name(e));
        return NULL;
    }
    lu_gauge_set(&reply_bytes, (int64_t)*len);
    /* OpenMetrics ends in "# EOF": drop the guest's, ours follows ours. */
    if (om && *len >= 6 && memcmp(body + *len - 6, "# EOF\n", 6) == 0)
        *len -= 6;
    return body;
}

static enum MHD_Result respond(struct MHD_Connection *c, unsigned code, const char *ctype, char *body,
                               size_t len, enum MHD_ResponseMemoryMode mode)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    char codestr[8];
    snprintf(codestr, sizeof codestr, "%u", code);
    lu_counter_inc(lu_counter_vec_at(&http_requests, LU_VALUES(codestr)));
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result text(struct MHD_Connection *c, unsigned code, const char *msg)
{
    return respond(c, code, "text/plain; charset=utf-8", (char *)msg, strlen(msg), MHD_RESPMEM_PERSISTENT);
}

static enum MHD_Result serve_metrics(struct MHD_Connection *c)
{
    const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
    bool om = accept && strstr(accept, "application/openmetrics-text");
    size_t glen = 0;
    char *g = scrape_guest(om, &glen);
    char *own;
    size_t olen;
    if (lu_metrics_render(om ? LU_METRICS_OPENMETRICS : LU_METRICS_PROMETHEUS, &own, &olen)) {
        free(g);
        return text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
    }
    char *all = malloc(glen + olen + 1);
    if (!all) {
        free(g);
        free(own);
        return text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
    }
    if (g)
        memcpy(all, g, glen);
    memcpy(all + glen, own, olen);
    free(g);
    free(own);
    return respond(c, MHD_HTTP_OK, om ? CT_OM : CT_TEXT, all, glen + olen, MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *upload, size_t *upload_len, void **state)
{
    static int started;
    if (!*state) { /* headers only so far: wait for the body, if any */
        *state = &started;
        return MHD_YES;
    }
    if (*upload_len) { /* nobody should send us a body; swallow it */
        *upload_len = 0;
        return MHD_YES;
    }
    bool get = strcmp(method, MHD_HTTP_METHOD_GET) == 0 || strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
    if (strcmp(url, "/metrics") == 0) {
        if (!get)
            return text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n");
        return serve_metrics(c);
    }
    if (strcmp(url, "/") == 0 && get)
        return text(c, MHD_HTTP_OK, "lucent metrics bridge: see /metrics\n");
    return text(c, MHD_HTTP_NOT_FOUND, "not found; try /metrics\n");
}

static void usage(void)
{
    fprintf(stderr,
            "usage: lucent-metrics-bridge [--port P] [--bind ADDR] [--timeout MS] [--port-file FILE]\n"
            "                             (RUN_DIR | --socket PATH)\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *bind_addr = "127.0.0.1", *port_file = NULL, *run_dir = NULL, *sock = NULL;
    long port = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--port") && v)
            port = strtol(argv[++i], NULL, 10);
        else if (!strcmp(a, "--bind") && v)
            bind_addr = argv[++i];
        else if (!strcmp(a, "--timeout") && v)
            timeout_ms = atoi(argv[++i]);
        else if (!strcmp(a, "--port-file") && v)
            port_file = argv[++i];
        else if (!strcmp(a, "--socket") && v)
            sock = argv[++i];
        else if (a[0] != '-' && !run_dir)
            run_dir = a;
        else
            usage();
    }
    if ((!run_dir == !sock) || port < 0 || port > 65535 || timeout_ms <= 0)
        usage();
    char path[4096];
    snprintf(path, sizeof path, "%s%s", sock ? sock : run_dir, sock ? "" : "/lucent.metrics.sock");
    if (strlen(path) >= sizeof guest.path) {
        fprintf(stderr, "lucent-metrics-bridge: socket path too long: %s\n", path);
        return 2;
    }
    guest_init(&guest, path);

    /* Only the main thread takes the signals that end the bridge. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct sockaddr_storage ss = {0};
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, bind_addr, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
    } else if (inet_pton(AF_INET6, bind_addr, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        flags |= MHD_USE_IPv6;
    } else {
        fprintf(stderr, "lucent-metrics-bridge: --bind wants a numeric address, not %s\n", bind_addr);
        return 2;
    }
    struct MHD_Daemon *d =
        MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, handle, NULL, MHD_OPTION_SOCK_ADDR,
                         (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)5,
                         MHD_OPTION_STRICT_FOR_CLIENT, (int)1, MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
                         MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)32, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "lucent-metrics-bridge: cannot listen on %s:%ld\n", bind_addr, port);
        return 1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    unsigned bound = info ? info->port : (unsigned)port;
    if (port_file) {
        char tmp[4200];
        snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
        FILE *f = fopen(tmp, "w");
        if (!f || fprintf(f, "%u\n", bound) < 0 || fclose(f) || rename(tmp, port_file)) {
            fprintf(stderr, "lucent-metrics-bridge: cannot write %s\n", port_file);
            return 1;
        }
    }
    printf("lucent-metrics-bridge: serving http://%s%s%s:%u/metrics for %s (guest timeout %d ms)\n",
           flags & MHD_USE_IPv6 ? "[" : "", bind_addr, flags & MHD_USE_IPv6 ? "]" : "", bound, path,
           timeout_ms);
    fflush(stdout);
    int sig;
    sigwait(&stop, &sig);
    MHD_stop_daemon(d);
    return 0;
}
