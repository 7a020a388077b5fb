/*
 * The hostbuild's channels up close: this process is both the Lucent side
 * (lu_chan_*) and the host tool (a plain UNIX socket client), so each rule
 * of plat.h's channel contract can be checked exactly, threads included.
 * The same rules are checked through the launcher, in both builds, by
 * tests/integration/test_chan_*.py.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <lucent/plat.h>
#include <lucent/test.h>

static char dir[64];

static void remove_dir(void) { rmdir(dir); }

/* Every channel of this process goes in one private run dir, chosen before
 * anything (trace/, metrics/ open theirs early) reads LUCENT_RUN_DIR. */
__attribute__((constructor(101))) static void make_run_dir(void)
{
    strcpy(dir, "/tmp/lu-chan-test-XXXXXX");
    if (!mkdtemp(dir))
        abort();
    setenv("LUCENT_RUN_DIR", dir, 1);
    atexit(remove_dir); /* runs after the channels' cleanup, registered later */
}

static struct lu_chan *open_chan(const char *name) { return lu_chan_open(name); }

static void sock_path(const char *name, char *out, size_t len)
{
    snprintf(out, len, "%s/%s.sock", dir, name);
}

static int client(const char *name)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    sock_path(name, a.sun_path, sizeof a.sun_path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0)
        return -1;
    return fd;
}

static uint64_t ms_since(uint64_t t0) { return (lu_plat_now_ns() - t0) / 1000000; }

LU_TEST(chan_open_by_name)
{
    struct lu_chan *a = open_chan("t.open");
    LU_CHECK(a != NULL);
    LU_CHECK(open_chan("t.open") == a);
    LU_CHECK(open_chan("") == NULL);
    LU_CHECK(open_chan("../escape") == NULL);
    LU_CHECK(open_chan(".hidden") == NULL);
    char p[128];
    struct stat st;
    sock_path("t.open", p, sizeof p);
    LU_CHECK(stat(p, &st) == 0 && S_ISSOCK(st.st_mode));
}

LU_TEST(chan_without_peer_never_waits)
{
    struct lu_chan *ch = open_chan("t.nopeer");
    char b[4096] = {0};
    uint64_t t0 = lu_plat_now_ns();
    LU_CHECK_EQ(lu_chan_write(ch, b, sizeof b, LU_CHAN_NONBLOCK), -EPIPE);
    LU_CHECK_EQ(lu_chan_write(ch, b, sizeof b, 0), -EPIPE);
    LU_CHECK_EQ(lu_chan_read(ch, b, sizeof b, LU_CHAN_NONBLOCK), -EPIPE);
    LU_CHECK(!lu_chan_connected(ch));
    LU_CHECK(ms_since(t0) < 100);
    t0 = lu_plat_now_ns();
    LU_CHECK_EQ(lu_chan_wait(ch, LU_CHAN_READABLE | LU_CHAN_WRITABLE, 30000000), 0);
    uint64_t ms = ms_since(t0);
    LU_CHECK(ms >= 29 && ms < 1000);
    struct lu_chan_stats s;
    lu_chan_get_stats(ch, &s);
    LU_CHECK_EQ(s.writes_dropped, 1); /* the non-blocking one */
    LU_CHECK_EQ(s.connects, 0);
}

LU_TEST(chan_read_write_and_stats)
{
    struct lu_chan *ch = open_chan("t.rw");
    int c = client("t.rw");
    LU_CHECK(c >= 0);
    LU_CHECK(lu_chan_connected(ch));
    char b[16];
    LU_CHECK_EQ(lu_chan_read(ch, b, sizeof b, LU_CHAN_NONBLOCK), -EAGAIN);
    LU_CHECK_EQ(write(c, "abc", 3), 3);
    LU_CHECK_EQ(lu_chan_wait(ch, LU_CHAN_READABLE, 1000000000), LU_CHAN_READABLE);
    LU_CHECK_EQ(lu_chan_read(ch, b, sizeof b, 0), 3);
    LU_CHECK(memcmp(b, "abc", 3) == 0);
    LU_CHECK_EQ(lu_chan_write(ch, "wxyz", 4, 0), 4);
    LU_CHECK_EQ(read(c, b, sizeof b), 4);
    LU_CHECK(memcmp(b, "wxyz", 4) == 0);
    struct lu_chan_stats s;
    lu_chan_get_stats(ch, &s);
    LU_CHECK_EQ(s.bytes_in, 3);
    LU_CHECK_EQ(s.bytes_out, 4);
    LU_CHECK_EQ(s.connects, 1);
    LU_CHECK_EQ(s.disconnects, 0);
    close(c);
}

LU_TEST(chan_full_channel_gives_short_writes_then_eagain)
{
    struct lu_chan *ch = open_chan("t.full");
    int c = client("t.full");
    static char b[1 << 16];
    size_t total = 0;
    ssize_t n;
    int shorts = 0;
    uint64_t t0 = lu_plat_now_ns();
    while ((n = lu_chan_write(ch, b, sizeof b, LU_CHAN_NONBLOCK)) > 0) {
        total += (size_t)n;
        shorts += n < (ssize_t)sizeof b;
    }
    LU_CHECK_EQ(n, -EAGAIN);
    LU_CHECK(total > 0);
    LU_CHECK(shorts <= 1); /* the one that filled it */
    LU_CHECK(ms_since(t0) < 1000);
    LU_CHECK_EQ(lu_chan_wait(ch, LU_CHAN_WRITABLE, 10000000), 0);
    for (size_t got = 0; got < total;)
        got += (size_t)read(c, b, sizeof b);
    LU_CHECK_EQ(lu_chan_wait(ch, LU_CHAN_WRITABLE, 1000000000), LU_CHAN_WRITABLE);
    close(c);
}

static void *blocking_read(void *arg)
{
    char b[8];
    return (void *)(intptr_t)lu_chan_read(arg, b, sizeof b, 0);
}

LU_TEST(chan_hangup_then_next_peer)
{
    struct lu_chan *ch = open_chan("t.hup");
    int c = client("t.hup");
    LU_CHECK_EQ(write(c, "x", 1), 1);
    close(c);
    /* What the peer sent before leaving is still read, then -EPIPE once. */
    char b[8];
    LU_CHECK(lu_chan_wait(ch, LU_CHAN_READABLE, 1000000000) & LU_CHAN_READABLE);
    LU_CHECK_EQ(lu_chan_read(ch, b, sizeof b, 0), 1);
    LU_CHECK_EQ(lu_chan_read(ch, b, sizeof b, 0), -EPIPE);
    LU_CHECK_EQ(lu_chan_wait(ch, LU_CHAN_HANGUP, 0), LU_CHAN_HANGUP);
    LU_CHECK_EQ(lu_chan_wait(ch, LU_CHAN_HANGUP, 0), 0); /* reported once */
    LU_CHECK(!lu_chan_connected(ch));
    /* ...and after that, a blocking read waits for the next peer. */
    pthread_t t;
    pthread_create(&t, NULL, blocking_read, ch);
    usleep(50000);
    c = client("t.hup");
    LU_CHECK_EQ(write(c, "q", 1), 1);
    void *r;
    pthread_join(t, &r);
    LU_CHECK_EQ((intptr_t)r, 1);
    struct lu_chan_stats s;
    lu_chan_get_stats(ch, &s);
    LU_CHECK_EQ(s.connects, 2);
    LU_CHECK_EQ(s.disconnects, 1);
    close(c);
}

LU_TEST(chan_second_peer_waits_for_the_first)
{
    struct lu_chan *ch = open_chan("t.two");
    int a = client("t.two");
    LU_CHECK(lu_chan_connected(ch));
    int b = client("t.two"); /* accepted by the kernel's backlog, not by us */
    LU_CHECK(b >= 0);
    LU_CHECK_EQ(write(b, "B", 1), 1);
    LU_CHECK_EQ(write(a, "A", 1), 1);
    char buf[8];
    LU_CHECK_EQ(lu_chan_read(ch, buf, sizeof buf, 0), 1);
    LU_CHECK_EQ(buf[0], 'A');
    close(a);
    LU_CHECK_EQ(lu_chan_read(ch, buf, sizeof buf, 0), -EPIPE);
    LU_CHECK_EQ(lu_chan_read(ch, buf, sizeof buf, 0), 1);
    LU_CHECK_EQ(buf[0], 'B');
    close(b);
}

#define MSG 256
#define PER_THREAD 400
#define WRITERS 4

static void *writer(void *arg)
{
    struct lu_chan *ch = lu_chan_open("t.threads");
    char m[MSG];
    memset(m, 'a' + (int)(intptr_t)arg, sizeof m);
    for (int i = 0; i < PER_THREAD; i++)
        if (lu_chan_write(ch, m, sizeof m, 0) != MSG)
            return (void *)1;
    return NULL;
}

static void *reader(void *arg)
{
    struct lu_chan *ch = lu_chan_open("t.threads");
    static char b[4096];
    size_t want = (size_t)(intptr_t)arg;
    while (want) {
        ssize_t n = lu_chan_read(ch, b, sizeof b, 0);
        if (n <= 0)
            return (void *)1;
        want -= (size_t)n;
    }
    return NULL;
}

/* Blocking writes from several threads arrive whole, never interleaved,
 * while another thread reads the peer's stream. */
LU_TEST(chan_threads_write_whole_messages)
{
    open_chan("t.threads");
    int c = client("t.threads");
    pthread_t w[WRITERS], r;
    size_t in = 100000;
    pthread_create(&r, NULL, reader, (void *)(intptr_t)in);
    for (intptr_t i = 0; i < WRITERS; i++)
        pthread_create(&w[i], NULL, writer, (void *)i);
    static char feed[100000];
    LU_CHECK_EQ(write(c, feed, in), (ssize_t)in);
    static char got[WRITERS * PER_THREAD * MSG];
    size_t n = 0;
    while (n < sizeof got) {
        ssize_t k = read(c, got + n, sizeof got - n);
        if (k <= 0)
            break;
        n += (size_t)k;
    }
    LU_CHECK_EQ(n, sizeof got);
    int torn = 0, count[WRITERS] = {0};
    for (size_t m = 0; m < n / MSG; m++) {
        char first = got[m * MSG];
        for (size_t i = 1; i < MSG; i++)
            torn += got[m * MSG + i] != first;
        if (first >= 'a' && first < 'a' + WRITERS)
            count[first - 'a']++;
    }
    LU_CHECK_EQ(torn, 0);
    for (int i = 0; i < WRITERS; i++)
        LU_CHECK_EQ(count[i], PER_THREAD);
    void *res;
    for (int i = 0; i < WRITERS; i++) {
        pthread_join(w[i], &res);
        LU_CHECK(res == NULL);
    }
    pthread_join(r, &res);
    LU_CHECK(res == NULL);
    close(c);
}

static void *big_write(void *arg)
{
    static char b[4 << 20];
    return (void *)(intptr_t)lu_chan_write(arg, b, sizeof b, 0);
}

/* A blocked writer learns the peer left with -EPIPE; no SIGPIPE kills us. */
LU_TEST(chan_peer_leaves_during_blocking_write)
{
    signal(SIGPIPE, SIG_DFL);
    struct lu_chan *ch = open_chan("t.leave");
    int c = client("t.leave");
    LU_CHECK(lu_chan_connected(ch));
    pthread_t t;
    pthread_create(&t, NULL, big_write, ch);
    usleep(50000);
    close(c);
    void *r;
    pthread_join(t, &r);
    LU_CHECK_EQ((intptr_t)r, -EPIPE);
    LU_CHECK(!lu_chan_connected(ch));
}

/* A process removes its sockets when it exits, and only its own: a forked
 * child that exits must not take its parent's sockets with it. */
LU_TEST(chan_sockets_removed_at_exit_by_their_owner)
{
    open_chan("t.parent");
    fflush(stdout); /* or the child's exit prints the runner's buffered TAP twice */
    pid_t pid = fork();
    if (pid == 0)
        exit(lu_chan_open("t.child") ? 0 : 1);
    int st;
    waitpid(pid, &st, 0);
    LU_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    char p[128];
    sock_path("t.child", p, sizeof p);
    LU_CHECK(access(p, F_OK) < 0);
    sock_path("t.parent", p, sizeof p);
    LU_CHECK(access(p, F_OK) == 0);
}
