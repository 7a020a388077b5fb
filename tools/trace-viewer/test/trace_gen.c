/*
 * trace-gen: writes a synthetic trace of any size with Lucent's own Perfetto
 * encoder (include/lucent/pftrace.h), for the viewer's tests and
 * bench/viewer. A real app records what it does; this one records what we
 * ask for, exactly and without ring drops, so a test can count on it.
 *
 *   trace-gen OUT EVENTS [THREADS [drops]]
 *
 * Each thread ("worker-N", one sequence each, like one ring per CPU) serves
 * "request" slices (args method, path, status) holding nested "parse" and
 * "write" slices and an "accept" instant; a process-wide "queue_depth"
 * counter moves every 4th request, and every 8th request an "irq" slice
 * lands on that ring's IRQ track. With "drops", each ring reports 5 lost
 * records halfway (a drop counter and previous_packet_dropped), as the drain
 * does when a ring overflows.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lucent/pftrace.h>

enum { REQ_B, REQ_E, PARSE_B, PARSE_E, WRITE_B, WRITE_E, ACCEPT, QUEUE, IRQ_B, IRQ_E, NTP };

#define TP(i, n, c, k, na, ...)                                                                              \
    [i] = {.kind = LU_TRACE_##k, .nargs = na, .id = i, .name = n, .category = c, __VA_ARGS__}
static struct lu_tracepoint tps[NTP] = {
    TP(REQ_B, "request", "http", BEGIN, 3, .arg_names = {"method", "path", "status"},
       .arg_types = {LU_TRACE_STR, LU_TRACE_STR, LU_TRACE_U64}, .cat_id = 1),
    TP(REQ_E, "request", "http", END, 0, .cat_id = 1),
    TP(PARSE_B, "parse", "http", BEGIN, 1, .arg_names = {"bytes"}, .arg_types = {LU_TRACE_I64}, .cat_id = 1),
    TP(PARSE_E, "parse", "http", END, 0, .cat_id = 1),
    TP(WRITE_B, "write", "net", BEGIN, 1, .arg_names = {"len"}, .arg_types = {LU_TRACE_I64}, .cat_id = 2),
    TP(WRITE_E, "write", "net", END, 0, .cat_id = 2),
    TP(ACCEPT, "accept", "net", INSTANT, 1, .arg_names = {"fd"}, .arg_types = {LU_TRACE_I64}, .cat_id = 2),
    TP(QUEUE, "queue_depth", "http", COUNTER, 1, .arg_names = {"depth"}, .arg_types = {LU_TRACE_I64},
       .cat_id = 1),
    TP(IRQ_B, "timer", "irq", IRQ_BEGIN, 1, .arg_names = {"vector"}, .arg_types = {LU_TRACE_I64},
       .cat_id = 3),
    TP(IRQ_E, "timer", "irq", IRQ_END, 0, .cat_id = 3),
};

static const char *paths[] = {"/", "/index.html", "/api/items", "/static/app.js", "/health"};
static const char *methods[] = {"GET", "GET", "POST", "GET", "HEAD"};

static const struct lu_tracepoint *tp_of(void *ctx, uint32_t id) { return id < NTP ? &tps[id] : NULL; }

static uint64_t rng = 88172645463325252ULL;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static FILE *out;
static uint8_t mem[1 << 20];
static struct lu_pf_buf buf;
static long events, requests;

/* Every encoder call goes through here: write out the buffer when full. */
#define PUT(call)                                                                                            \
    do {                                                                                                     \
        if ((call) == -ENOSPC) {                                                                             \
            fwrite(buf.start, 1, lu_pf_buf_len(&buf), out);                                                  \
            lu_pf_buf_init(&buf, mem, sizeof mem);                                                           \
            if ((call) != 0) {                                                                               \
                fprintf(stderr, "trace-gen: a packet does not fit\n");                                       \
                exit(1);                                                                                     \
            }                                                                                                \
        }                                                                                                    \
    } while (0)

static struct lu_pf_env env = {.pid = 4242, .process_name = "trace-gen", .tracepoint = tp_of};

static void ev(struct lu_pf_seq *s, int id, uint32_t tid, uint64_t ts, uint64_t a0, uint64_t a1, uint64_t a2,
               uint32_t ring)
{
    struct lu_trace_rec r = {.id = (uint32_t)id, .tid = tid, .args = {a0, a1, a2}};
    PUT(lu_pf_event(&buf, s, &env, &r, ts, ring));
    events++;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: trace-gen OUT EVENTS [THREADS [drops]]\n");
        return 2;
    }
    long want = strtol(argv[2], NULL, 0);
    int nthreads = argc > 3 ? atoi(argv[3]) : 4;
    int drops = argc > 4 && strcmp(argv[4], "drops") == 0;
    if (nthreads < 1 || nthreads > 64 || want < 0)
        return 2;
    out = fopen(argv[1], "wb");
    if (!out) {
        perror(argv[1]);
        return 1;
    }
    lu_pf_buf_init(&buf, mem, sizeof mem);
    for (int i = 0; i < NTP; i++)
        tps[i].on = 1;

    struct lu_pf_seq meta, seq[64];
    uint64_t now[64];
    lu_pf_seq_reset(&meta, 0xffff);
    PUT(lu_pf_seq_start(&buf, &meta, 1000));
    PUT(lu_pf_process_track(&buf, meta.id, &env));
    PUT(lu_pf_counter_track(&buf, meta.id, LU_PF_UUID_COUNTER(QUEUE), "queue_depth"));
    for (int t = 0; t < nthreads; t++) {
        char name[32];
        lu_pf_seq_reset(&seq[t], (uint32_t)t + 1);
        PUT(lu_pf_seq_start(&buf, &seq[t], 1000));
        snprintf(name, sizeof name, "worker-%d", t + 1);
        PUT(lu_pf_thread_track(&buf, seq[t].id, &env, 5000 + (uint32_t)t, name));
        snprintf(name, sizeof name, "irq (ring %d)", t);
        PUT(lu_pf_irq_track(&buf, seq[t].id, (uint32_t)t, name));
        snprintf(name, sizeof name, "trace drops (ring %d)", t);
        PUT(lu_pf_counter_track(&buf, seq[t].id, LU_PF_UUID_DROPS(t), name));
        PUT(lu_pf_drops(&buf, &seq[t], (uint32_t)t, 0, 1000));
        now[t] = 10000 + (uint64_t)t * 1234;
    }
    long iter = 0;
    int dropped_done = 0;
    while (events < want) {
        for (int t = 0; t < nthreads && events < want; t++) {
            struct lu_pf_seq *s = &seq[t];
            uint32_t tid = 5000 + (uint32_t)t;
            uint64_t r = next(), *ts = &now[t];
            int k = (int)(r % 5);
            requests++;
            ev(s, REQ_B, tid, *ts, (uint64_t)(uintptr_t)methods[k], (uint64_t)(uintptr_t)paths[k],
               r % 17 ? 200 : 404, (uint32_t)t);
            *ts += 200 + r % 300;
            ev(s, PARSE_B, tid, *ts, 100 + r % 900, 0, 0, (uint32_t)t);
            *ts += 500 + (r >> 8) % 2000;
            ev(s, PARSE_E, tid, *ts, 0, 0, 0, (uint32_t)t);
            ev(s, ACCEPT, tid, *ts + 10, 3 + t, 0, 0, (uint32_t)t);
            *ts += 100;
            ev(s, WRITE_B, tid, *ts, 1000 + (r >> 16) % 60000, 0, 0, (uint32_t)t);
            *ts += 1000 + (r >> 20) % 8000;
            ev(s, WRITE_E, tid, *ts, 0, 0, 0, (uint32_t)t);
            *ts += 50;
            ev(s, REQ_E, tid, *ts, 0, 0, 0, (uint32_t)t);
            if (iter % 4 == 0)
                ev(s, QUEUE, tid, *ts, (r >> 24) % 32, 0, 0, (uint32_t)t);
            if (iter % 8 == 3) {
                ev(s, IRQ_B, tid, *ts + 20, 32, 0, 0, (uint32_t)t);
                ev(s, IRQ_E, tid, *ts + 20 + 300 + (r >> 28) % 700, 0, 0, 0, (uint32_t)t);
            }
            *ts += 1000 + (r >> 32) % 20000; /* idle until the next request */
        }
        iter++;
        if (drops && !dropped_done && events >= want / 2) {
            for (int t = 0; t < nthreads; t++)
                PUT(lu_pf_drops(&buf, &seq[t], (uint32_t)t, 5, now[t]));
            dropped_done = 1;
        }
    }
    fwrite(buf.start, 1, lu_pf_buf_len(&buf), out);
    if (fclose(out) != 0) {
        perror(argv[1]);
        return 1;
    }
    printf("trace-gen: %ld events, %d threads, %ld requests\n", events, nthreads, requests);
    return 0;
}
