#define _GNU_SOURCE /* pthread_setname_np */
/* POSIX threads behave the same in both builds: glibc's in the hostbuild,
 * the kernel's in the image. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <lucent/plat.h>
#include <lucent/test.h>

static uint64_t now_ms(void) { return lu_plat_now_ns() / 1000000ULL; }

/* ---- preemption ---------------------------------------------------------- */

static volatile int spin_stop;
static volatile unsigned long spin_count[2];

static void *spinner(void *arg)
{
    int i = (int)(intptr_t)arg;
    while (!spin_stop)
        spin_count[i]++; /* never yields: only preemption lets the other run */
    return NULL;
}

LU_TEST(cpu_bound_threads_both_progress)
{
    pthread_t t[2];
    spin_stop = 0;
    spin_count[0] = spin_count[1] = 0;
    for (int i = 0; i < 2; i++)
        LU_CHECK_EQ(pthread_create(&t[i], NULL, spinner, (void *)(intptr_t)i), 0);
    usleep(300000);
    unsigned long a = spin_count[0], b = spin_count[1];
    spin_stop = 1;
    for (int i = 0; i < 2; i++)
        LU_CHECK_EQ(pthread_join(t[i], NULL), 0);
    LU_CHECK(a > 0 && b > 0);
}

/* ---- producer / consumer --------------------------------------------------- */

#define QCAP 8
#define ITEMS 2000
static struct {
    pthread_mutex_t m;
    pthread_cond_t not_empty, not_full;
    int buf[QCAP], head, count;
} q = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, {0}, 0, 0};

static void *producer(void *arg)
{
    for (int i = 1; i <= ITEMS; i++) {
        pthread_mutex_lock(&q.m);
        while (q.count == QCAP)
            pthread_cond_wait(&q.not_full, &q.m);
        q.buf[(q.head + q.count++) % QCAP] = i;
        pthread_cond_signal(&q.not_empty);
        pthread_mutex_unlock(&q.m);
    }
    return NULL;
}

static void *consumer(void *arg)
{
    long sum = 0;
    for (int i = 0; i < ITEMS; i++) {
        pthread_mutex_lock(&q.m);
        while (q.count == 0)
            pthread_cond_wait(&q.not_empty, &q.m);
        sum += q.buf[q.head];
        q.head = (q.head + 1) % QCAP;
        q.count--;
        pthread_cond_signal(&q.not_full);
        pthread_mutex_unlock(&q.m);
    }
    return (void *)sum;
}

LU_TEST(mutex_condvar_producer_consumer)
{
    pthread_t p, c;
    void *sum = NULL;
    LU_CHECK_EQ(pthread_create(&c, NULL, consumer, NULL), 0);
    LU_CHECK_EQ(pthread_create(&p, NULL, producer, NULL), 0);
    LU_CHECK_EQ(pthread_join(p, NULL), 0);
    LU_CHECK_EQ(pthread_join(c, &sum), 0);
    LU_CHECK_EQ((long)sum, (long)ITEMS * (ITEMS + 1) / 2);
}

/* ---- timed wait ------------------------------------------------------------ */

LU_TEST(cond_timedwait_times_out_within_tolerance)
{
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t c = PTHREAD_COND_INITIALIZER;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 100000000L; /* 100 ms */
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    uint64_t t0 = now_ms();
    pthread_mutex_lock(&m);
    int r = pthread_cond_timedwait(&c, &m, &ts);
    pthread_mutex_unlock(&m);
    uint64_t took = now_ms() - t0;
    LU_CHECK_EQ(r, ETIMEDOUT);
    LU_CHECK(took >= 95 && took < 250);
}

LU_TEST(sleep_duration_is_accurate)
{
    uint64_t t0 = now_ms();
    usleep(50000);
    uint64_t took = now_ms() - t0;
    LU_CHECK(took >= 50 && took < 150);
}

/* ---- join and return values ------------------------------------------------ */

static void *square(void *arg)
{
    long x = (long)arg;
    return (void *)(x * x);
}

LU_TEST(join_returns_values)
{
    pthread_t t[8];
    for (long i = 0; i < 8; i++)
        LU_CHECK_EQ(pthread_create(&t[i], NULL, square, (void *)i), 0);
    for (long i = 0; i < 8; i++) {
        void *r;
        LU_CHECK_EQ(pthread_join(t[i], &r), 0);
        LU_CHECK_EQ((long)r, i * i);
    }
}

static void *exits_early(void *arg)
{
    pthread_exit((void *)77);
    return NULL;
}

LU_TEST(pthread_exit_value_reaches_join)
{
    pthread_t t;
    void *r;
    LU_CHECK_EQ(pthread_create(&t, NULL, exits_early, NULL), 0);
    LU_CHECK_EQ(pthread_join(t, &r), 0);
    LU_CHECK_EQ((long)r, 77);
}

/* ---- thread-specific data ---------------------------------------------------- */

static pthread_key_t key;
static volatile int dtor_calls;
static void key_dtor(void *v)
{
    __atomic_fetch_add(&dtor_calls, 1, __ATOMIC_SEQ_CST);
    free(v);
}

static void *tsd_worker(void *arg)
{
    int *mine = malloc(sizeof *mine);
    *mine = (int)(intptr_t)arg;
    pthread_setspecific(key, mine);
    sched_yield();
    int *back = pthread_getspecific(key);
    return (void *)(intptr_t)(back == mine && *back == (int)(intptr_t)arg);
}

LU_TEST(thread_specific_data_is_per_thread)
{
    dtor_calls = 0;
    LU_CHECK_EQ(pthread_key_create(&key, key_dtor), 0);
    LU_CHECK(pthread_getspecific(key) == NULL);
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, tsd_worker, (void *)(intptr_t)(i + 10));
    for (int i = 0; i < 4; i++) {
        void *ok;
        pthread_join(t[i], &ok);
        LU_CHECK(ok != NULL);
    }
    LU_CHECK_EQ(dtor_calls, 4);
    LU_CHECK_EQ(pthread_key_delete(key), 0);
}

/* ---- errno ----------------------------------------------------------------------- */

static void *errno_worker(void *arg)
{
    errno = (int)(intptr_t)arg;
    sched_yield();
    usleep(1000);
    return (void *)(intptr_t)(errno == (int)(intptr_t)arg);
}

LU_TEST(errno_is_per_thread)
{
    pthread_t t[4];
    errno = 1234;
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, errno_worker, (void *)(intptr_t)(100 + i));
    for (int i = 0; i < 4; i++) {
        void *ok;
        pthread_join(t[i], &ok);
        LU_CHECK(ok != NULL);
    }
    LU_CHECK_EQ(errno, 1234);
}

/* ---- mutex kinds, once, names ---------------------------------------------------- */

LU_TEST(recursive_mutex_nests)
{
    pthread_mutexattr_t a;
    pthread_mutex_t m;
    pthread_mutexattr_init(&a);
    LU_CHECK_EQ(pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE), 0);
    LU_CHECK_EQ(pthread_mutex_init(&m, &a), 0);
    LU_CHECK_EQ(pthread_mutex_lock(&m), 0);
    LU_CHECK_EQ(pthread_mutex_lock(&m), 0);
    LU_CHECK_EQ(pthread_mutex_trylock(&m), 0);
    for (int i = 0; i < 3; i++)
        LU_CHECK_EQ(pthread_mutex_unlock(&m), 0);
    LU_CHECK_EQ(pthread_mutex_destroy(&m), 0);
    pthread_mutexattr_destroy(&a);
}

static void *try_other(void *m) { return (void *)(intptr_t)pthread_mutex_trylock(m); }

LU_TEST(trylock_on_held_mutex_is_ebusy)
{
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    pthread_t t;
    void *r;
    pthread_mutex_lock(&m);
    pthread_create(&t, NULL, try_other, &m);
    pthread_join(t, &r);
    LU_CHECK_EQ((long)(intptr_t)r, EBUSY);
    pthread_mutex_unlock(&m);
}

static int once_runs;
static void once_fn(void) { once_runs++; }

LU_TEST(pthread_once_runs_once)
{
    static pthread_once_t o = PTHREAD_ONCE_INIT;
    for (int i = 0; i < 3; i++)
        LU_CHECK_EQ(pthread_once(&o, once_fn), 0);
    LU_CHECK_EQ(once_runs, 1);
}

static void *named(void *arg)
{
    pthread_setname_np(pthread_self(), "lu-named");
    char buf[32];
    lu_plat_thread_name(lu_plat_thread_id(), buf, sizeof buf);
    return (void *)(intptr_t)(strcmp(buf, "lu-named") == 0);
}

LU_TEST(setname_is_visible_to_the_platform)
{
    pthread_t t;
    void *ok;
    pthread_create(&t, NULL, named, NULL);
    pthread_join(t, &ok);
    LU_CHECK(ok != NULL);
    LU_CHECK(pthread_equal(pthread_self(), pthread_self()));
    LU_CHECK(!pthread_equal(pthread_self(), t));
}

/* ---- bad arguments get POSIX errors, not hangs ------------------------------------------- */

static void *nap(void *arg)
{
    usleep(20000);
    return NULL;
}

LU_TEST(invalid_uses_return_posix_errors)
{
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&m);
    LU_CHECK_EQ(pthread_mutex_destroy(&m), EBUSY);
    pthread_mutex_unlock(&m);
    LU_CHECK_EQ(pthread_mutex_destroy(&m), 0);

    pthread_mutex_t e;
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
    pthread_mutex_init(&e, &a);
    LU_CHECK_EQ(pthread_mutex_unlock(&e), EPERM);
    pthread_mutex_lock(&e);
    LU_CHECK_EQ(pthread_mutex_lock(&e), EDEADLK);
    pthread_mutex_unlock(&e);
    pthread_mutex_destroy(&e);
    LU_CHECK_EQ(pthread_mutexattr_settype(&a, 99), EINVAL);

    pthread_t t;
    pthread_create(&t, NULL, nap, NULL);
    LU_CHECK_EQ(pthread_detach(t), 0);
    LU_CHECK_EQ(pthread_join(t, NULL), EINVAL);
    LU_CHECK_EQ(pthread_join(pthread_self(), NULL), EDEADLK);

    pthread_attr_t at;
    pthread_attr_init(&at);
    LU_CHECK_EQ(pthread_attr_setdetachstate(&at, 42), EINVAL);
    pthread_attr_destroy(&at);

    struct timespec bad = {0, 2000000000L};
    pthread_cond_t c = PTHREAD_COND_INITIALIZER;
    pthread_mutex_lock(&m);
    LU_CHECK_EQ(pthread_cond_timedwait(&c, &m, &bad), EINVAL);
    pthread_mutex_unlock(&m);
    usleep(40000); /* let the detached thread finish */
}

/* ---- many threads, malloc from all of them ------------------------------------------ */

static void *malloc_worker(void *arg)
{
    for (int i = 0; i < 500; i++) {
        size_t n = (size_t)((i * 37) % 900 + 16);
        unsigned char *p = malloc(n);
        if (!p)
            return NULL;
        memset(p, (int)(intptr_t)arg, n);
        for (size_t j = 0; j < n; j++)
            if (p[j] != (unsigned char)(intptr_t)arg)
                return NULL;
        if (i % 7 == 0)
            sched_yield();
        free(p);
    }
    return (void *)1;
}

LU_TEST(malloc_from_many_threads)
{
    pthread_t t[6];
    for (int i = 0; i < 6; i++)
        LU_CHECK_EQ(pthread_create(&t[i], NULL, malloc_worker, (void *)(intptr_t)(i + 1)), 0);
    for (int i = 0; i < 6; i++) {
        void *ok;
        pthread_join(t[i], &ok);
        LU_CHECK(ok != NULL);
    }
}
