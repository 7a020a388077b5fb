/* The Perfetto encoder, checked by walking its output with a minimal
 * protobuf reader (the integration tests check it with protoc and
 * trace_processor). Same tests in both builds. */
#include <errno.h>
#include <string.h>
#include <lucent/pftrace.h>
#include <lucent/test.h>

static uint64_t rd_varint(const uint8_t **p, const uint8_t *end)
{
    uint64_t v = 0;
    for (int s = 0; *p < end && s < 64; s += 7) {
        uint8_t b = *(*p)++;
        v |= (uint64_t)(b & 0x7f) << s;
        if (!(b & 0x80))
            break;
    }
    return v;
}

/* Counts top-level packets; -1 if the framing is broken. Also finds a
 * varint field @want inside any packet (first level) and stores it. */
static int walk(const uint8_t *p, const uint8_t *end, unsigned want, uint64_t *found)
{
    int n = 0;
    while (p < end) {
        if (*p++ != 0x0a)
            return -1;
        uint64_t len = rd_varint(&p, end);
        const uint8_t *q = p, *qend = p + len;
        if (qend > end)
            return -1;
        while (q < qend) {
            uint64_t key = rd_varint(&q, qend);
            switch (key & 7) {
            case 0: {
                uint64_t v = rd_varint(&q, qend);
                if ((key >> 3) == want && found)
                    *found = v;
                break;
            }
            case 1: q += 8; break;
            case 2: q += rd_varint(&q, qend); break;
            default: return -1;
            }
        }
        if (q != qend)
            return -1;
        p = qend;
        n++;
    }
    return n;
}

static struct lu_tracepoint tps[2] = {
    {.kind = LU_TRACE_BEGIN,
     .nargs = 5,
     .id = 0,
     .cat_id = 0,
     .name = "req",
     .category = "http",
     .arg_names = {"u", "i", "d", "s", "b"},
     .arg_types = {LU_TRACE_U64, LU_TRACE_I64, LU_TRACE_F64, LU_TRACE_STR, LU_TRACE_BOOL}},
    {.kind = LU_TRACE_COUNTER,
     .nargs = 1,
     .id = 1,
     .cat_id = 1,
     .name = "depth",
     .category = "q",
     .arg_names = {"v"},
     .arg_types = {LU_TRACE_I64}},
};

static const struct lu_tracepoint *lookup(void *ctx, uint32_t id)
{
    extern struct lu_tracepoint dyn_tp;
    return id < 2 ? &tps[id] : id == 2 ? &dyn_tp : NULL;
}
static const struct lu_pf_env env = {.pid = 42, .process_name = "unit", .tracepoint = lookup};

LU_TEST(pftrace_packets_frame_correctly)
{
    static uint8_t mem[4096];
    struct lu_pf_buf b;
    struct lu_pf_seq s;
    lu_pf_buf_init(&b, mem, sizeof mem);
    lu_pf_seq_reset(&s, 3);
    LU_CHECK_EQ(lu_pf_seq_start(&b, &s, 1000), 0);
    LU_CHECK(s.started);
    LU_CHECK_EQ(lu_pf_process_track(&b, 3, &env), 0);
    LU_CHECK_EQ(lu_pf_thread_track(&b, 3, &env, 7, "worker"), 0);
    LU_CHECK_EQ(lu_pf_counter_track(&b, 3, LU_PF_UUID_COUNTER(1), "depth"), 0);
    struct lu_trace_rec r = {
        .ts = 0,
        .id = 0,
        .tid = 7,
        .args = {5, (uint64_t)-3, 0x3ff0000000000000ULL, (uint64_t)(uintptr_t) "GET", 1}};
    LU_CHECK_EQ(lu_pf_event(&b, &s, &env, &r, 2000, 0), 0);
    size_t first = lu_pf_buf_len(&b);
    LU_CHECK_EQ(lu_pf_event(&b, &s, &env, &r, 3000, 0), 0);
    size_t second = lu_pf_buf_len(&b) - first;
    r.id = 1;
    r.args[0] = 9;
    LU_CHECK_EQ(lu_pf_event(&b, &s, &env, &r, 4000, 0), 0);
    r.id = 99;
    LU_CHECK_EQ(lu_pf_event(&b, &s, &env, &r, 5000, 0), -ENOENT);
    LU_CHECK_EQ(walk(mem, b.pos, 0, NULL), 7);
    /* the repeat is smaller: names were interned by the first */
    LU_CHECK(second < first - (size_t)(first > 200 ? 100 : 0) && second > 0);
    uint64_t seq = 0;
    walk(mem, b.pos, 10, &seq); /* trusted_packet_sequence_id */
    LU_CHECK_EQ(seq, 3);
}

LU_TEST(pftrace_enospc_leaves_buffer_unchanged)
{
    uint8_t mem[40];
    struct lu_pf_buf b;
    struct lu_pf_seq s;
    lu_pf_buf_init(&b, mem, sizeof mem);
    lu_pf_seq_reset(&s, 1);
    struct lu_trace_rec r = {.id = 0, .tid = 1, .args = {1, 2, 0, (uint64_t)(uintptr_t) "x", 0}};
    LU_CHECK_EQ(lu_pf_event(&b, &s, &env, &r, 1, 0), -ENOSPC);
    LU_CHECK_EQ(lu_pf_buf_len(&b), 0);
    LU_CHECK(!(s.tp_interned[0] & 1)); /* not marked interned either */
    LU_CHECK_EQ(lu_pf_seq_start(&b, &s, 1), 0);
    size_t n = lu_pf_buf_len(&b);
    LU_CHECK_EQ(lu_pf_thread_track(&b, 1, &env, 1, "a-name-long-enough-to-not-fit-here"), -ENOSPC);
    LU_CHECK_EQ(lu_pf_buf_len(&b), n);
    LU_CHECK_EQ(walk(mem, b.pos, 0, NULL), 1);
}

LU_TEST(pftrace_drops_mark_previous_packet_dropped)
{
    static uint8_t mem[512];
    struct lu_pf_buf b;
    struct lu_pf_seq s;
    lu_pf_buf_init(&b, mem, sizeof mem);
    lu_pf_seq_reset(&s, 1);
    lu_pf_seq_start(&b, &s, 1);
    uint8_t *at = b.pos;
    LU_CHECK_EQ(lu_pf_drops(&b, &s, 0, 0, 2), 0);
    uint64_t flag = 0;
    walk(at, b.pos, 42, &flag);
    LU_CHECK_EQ(flag, 0);
    at = b.pos;
    LU_CHECK_EQ(lu_pf_drops(&b, &s, 0, 17, 3), 0);
    walk(at, b.pos, 42, &flag);
    LU_CHECK_EQ(flag, 1);
    LU_CHECK_EQ(s.drops_reported, 17);
}

/* Dynamic arguments: bytes after the record, lengths in args. */
struct lu_tracepoint dyn_tp = {.kind = LU_TRACE_INSTANT,
                               .nargs = 3,
                               .id = 2,
                               .cat_id = 0,
                               .dyn = 1,
                               .name = "open",
                               .category = "fs",
                               .arg_names = {"path", "n", "key"},
                               .arg_types = {LU_TRACE_DSTR, LU_TRACE_I64, LU_TRACE_DBYTES}};

static bool has(const uint8_t *p, const uint8_t *end, const char *s)
{
    size_t n = strlen(s);
    for (; p + n <= end; p++)
        if (memcmp(p, s, n) == 0)
            return true;
    return false;
}

static int count(const uint8_t *p, const uint8_t *end, const char *s)
{
    int c = 0;
    size_t n = strlen(s);
    for (; p + n <= end; p++)
        c += memcmp(p, s, n) == 0;
    return c;
}

LU_TEST(pftrace_dynamic_values_interned_per_sequence)
{
    static uint8_t mem[4096];
    static struct lu_pf_strtab tab;
    struct lu_pf_buf b;
    struct lu_pf_seq s;
    lu_pf_buf_init(&b, mem, sizeof mem);
    lu_pf_seq_reset(&s, 5);
    s.strs = &tab;
    LU_CHECK_EQ(lu_pf_seq_start(&b, &s, 1), 0);
    LU_CHECK(s.strs == &tab);
    const uint8_t data[] = "/a/b/file.txt\x01\xab";
    struct lu_trace_rec r = {.id = 2, .tid = 7, .args = {13, 9, 2}};
    LU_CHECK_EQ(lu_pf_event_data(&b, &s, &env, &r, data, 10, 0), 0);
    size_t first = lu_pf_buf_len(&b);
    LU_CHECK_EQ(lu_pf_event_data(&b, &s, &env, &r, data, 20, 0), 0);
    size_t second = lu_pf_buf_len(&b) - first;
    LU_CHECK(second + 13 + 4 <= first - 20); /* the repeat carries iids, not the bytes */
    LU_CHECK_EQ(count(mem, b.pos, "/a/b/file.txt"), 1);
    LU_CHECK(has(mem, b.pos, "01ab")); /* the byte array as hex */
    /* a value cut at its bound is marked */
    r.args[0] = 5 | LU_TRACE_DTRUNC;
    LU_CHECK(!has(mem, b.pos, "path_truncated"));
    LU_CHECK_EQ(lu_pf_event_data(&b, &s, &env, &r, data, 30, 0), 0);
    LU_CHECK(has(mem, b.pos, "path_truncated"));
    LU_CHECK_EQ(walk(mem, b.pos, 0, NULL), 4);
    /* a new incremental state forgets them: written again */
    size_t before = lu_pf_buf_len(&b);
    LU_CHECK_EQ(lu_pf_seq_start(&b, &s, 40), 0);
    r.args[0] = 13;
    LU_CHECK_EQ(lu_pf_event_data(&b, &s, &env, &r, data, 50, 0), 0);
    LU_CHECK_EQ(count(mem + before, b.pos, "/a/b/file.txt"), 1);
    /* no table: inline each time, still valid */
    lu_pf_seq_reset(&s, 6);
    LU_CHECK(s.strs == NULL);
    before = lu_pf_buf_len(&b);
    LU_CHECK_EQ(lu_pf_event_data(&b, &s, &env, &r, data, 60, 0), 0);
    LU_CHECK_EQ(lu_pf_event_data(&b, &s, &env, &r, data, 70, 0), 0);
    LU_CHECK_EQ(count(mem + before, b.pos, "/a/b/file.txt"), 2);
    LU_CHECK_EQ(walk(mem, b.pos, 0, NULL), 8);
}

LU_TEST(pftrace_dynamic_enospc_forgets_iids)
{
    static uint8_t mem[60];
    static struct lu_pf_strtab tab;
    struct lu_pf_buf b;
    struct lu_pf_seq s;
    lu_pf_buf_init(&b, mem, sizeof mem);
    lu_pf_seq_reset(&s, 1);
    s.strs = &tab;
    memset(&tab, 0, sizeof tab);
    const uint8_t data[] = "/a/rather/long/path/that/does/not/fit/in/sixty/bytes";
    struct lu_trace_rec r = {.id = 2, .tid = 7, .args = {sizeof data - 1, 1, 0}};
    LU_CHECK_EQ(lu_pf_event_data(&b, &s, &env, &r, data, 1, 0), -ENOSPC);
    LU_CHECK_EQ(lu_pf_buf_len(&b), 0);
    LU_CHECK_EQ(tab.next_iid, 0); /* nothing interned by a packet that was not written */
    for (unsigned i = 0; i < LU_PF_STRTAB; i++)
        LU_CHECK_EQ(tab.iid[i], 0);
}
