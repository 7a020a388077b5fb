/* POSIX signals behave the same in both builds: Linux's own in the
 * hostbuild, kernel/libc/signal.c and itimer.c in the image. Handlers here
 * must run on the thread they were meant for, interrupting it wherever it
 * is (a loop that calls nothing included), and leave its state, floating
 * point included, as it was. */
#include <errno.h>
#include <fenv.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <lucent/plat.h>
#include <lucent/test.h>

static uint64_t now_ms(void) { return lu_plat_now_ns() / 1000000ULL; }

static volatile sig_atomic_t hits;
static volatile pthread_t hit_thread;
static volatile int last_sig;

static void count(int sig)
{
    hits++;
    last_sig = sig;
    hit_thread = pthread_self();
}

static void handle(int sig, void (*fn)(int), int flags, const sigset_t *mask)
{
    struct sigaction a;
    memset(&a, 0, sizeof a);
    a.sa_handler = fn;
    a.sa_flags = flags;
    if (mask)
        a.sa_mask = *mask;
    else
        sigemptyset(&a.sa_mask);
    sigaction(sig, &a, NULL);
}

static void reset(int sig) { handle(sig, SIG_DFL, 0, NULL); }

static void disarm(void)
{
    struct itimerval off;
    memset(&off, 0, sizeof off);
    setitimer(ITIMER_REAL, &off, NULL);
}

/* ---- asynchronous: the thread never calls anything ------------------------- */

LU_TEST(alarm_interrupts_a_busy_loop)
{
    hits = 0;
    handle(SIGALRM, count, 0, NULL);
    uint64_t t0 = now_ms();
    alarm(1);
    volatile unsigned long spins = 0;
    while (!hits && now_ms() - t0 < 5000)
        spins++; /* the handler must come to this loop: nothing here blocks */
    uint64_t took = now_ms() - t0;
    LU_CHECK_EQ(hits, 1);
    LU_CHECK(pthread_equal(hit_thread, pthread_self()));
    LU_CHECK(took >= 900 && took < 3000);
    LU_CHECK(spins > 0);
    reset(SIGALRM);
}

LU_TEST(setitimer_periodic_counts_deliveries)
{
    hits = 0;
    handle(SIGALRM, count, 0, NULL);
    struct itimerval v = {{0, 20000}, {0, 20000}}, got;
    LU_CHECK_EQ(setitimer(ITIMER_REAL, &v, NULL), 0);
    LU_CHECK_EQ(getitimer(ITIMER_REAL, &got), 0);
    LU_CHECK_EQ(got.it_interval.tv_usec, 20000);
    LU_CHECK(got.it_value.tv_sec == 0 && got.it_value.tv_usec > 0 && got.it_value.tv_usec <= 20000);
    uint64_t t0 = now_ms();
    while (hits < 10 && now_ms() - t0 < 10000)
        ;
    uint64_t took = now_ms() - t0;
    disarm();
    LU_CHECK_EQ(hits, 10);
    LU_CHECK(took >= 150); /* ten periods of 20 ms, give or take the first */
    LU_CHECK_EQ(getitimer(ITIMER_REAL, &got), 0);
    LU_CHECK(got.it_value.tv_sec == 0 && got.it_value.tv_usec == 0);
    int before = hits;
    usleep(100000);
    LU_CHECK_EQ(hits, before); /* disarmed means no more */
    reset(SIGALRM);
}

/* The handler wrecks every SSE register and the rounding mode; the loop it
 * interrupts must not notice. */
static void clobber_fp(int sig)
{
    hits++;
#if defined(__x86_64__)
    unsigned zero_rounding = 0x7f80; /* round toward zero, exceptions masked */
    __asm__ volatile("ldmxcsr %0\n"
                     "pcmpeqd %%xmm0, %%xmm0\n movdqa %%xmm0, %%xmm1\n movdqa %%xmm0, %%xmm2\n"
                     "movdqa %%xmm0, %%xmm3\n movdqa %%xmm0, %%xmm4\n movdqa %%xmm0, %%xmm5\n"
                     "movdqa %%xmm0, %%xmm6\n movdqa %%xmm0, %%xmm7\n movdqa %%xmm0, %%xmm8\n"
                     "movdqa %%xmm0, %%xmm9\n movdqa %%xmm0, %%xmm10\n movdqa %%xmm0, %%xmm11\n"
                     "movdqa %%xmm0, %%xmm12\n movdqa %%xmm0, %%xmm13\n movdqa %%xmm0, %%xmm14\n"
                     "movdqa %%xmm0, %%xmm15\n" ::"m"(zero_rounding)
                     : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
                       "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
#endif
}

/* A bounded recurrence (each row's weights sum below 1) whose last bits
 * depend on every rounding: a register or the rounding mode changed under
 * it shows in the result. */
static double fp_work(unsigned long n)
{
    double a = 1.0, b = 0.5, c = 0.25, d = 3.0;
    for (unsigned long i = 0; i < n; i++) {
        a = a * 0.99991 + b * 0.00007 + 0.3;
        b = b * 0.99993 + c * 0.00005 + 0.1;
        c = c * 0.99997 + d * 0.00002 + 0.2;
        d = d * 0.99989 + a * 0.0001 + 0.05;
    }
    return a + b * 3 + c * 5 + d * 7;
}

LU_TEST(handler_clobbering_fp_state_leaves_the_thread_intact)
{
    hits = 0;
    handle(SIGALRM, clobber_fp, 0, NULL);
    struct itimerval v = {{0, 1000}, {0, 1000}};
    setitimer(ITIMER_REAL, &v, NULL);
    /* in rounds, until enough handlers have landed inside the loop */
    unsigned long n = 0;
    double with = 0;
    uint64_t t0 = now_ms();
    while (hits < 20 && now_ms() - t0 < 20000) {
        n += 200000;
        with = fp_work(n);
    }
    disarm();
    int landed = hits;
    LU_CHECK_EQ(fegetround(), FE_TONEAREST); /* the handler's rounding mode stayed its own */
    double without = fp_work(n);
    LU_CHECK(landed >= 20);
    LU_CHECK(with == without);
    if (with != without)
        printf("# %lu iterations: %.17g with handlers, %.17g without\n", n, with, without);
    reset(SIGALRM);
}

/* ---- synchronous ----------------------------------------------------------------- */

LU_TEST(raise_runs_the_handler_before_returning)
{
    hits = 0;
    handle(SIGUSR1, count, 0, NULL);
    LU_CHECK_EQ(raise(SIGUSR1), 0);
    LU_CHECK_EQ(hits, 1);
    LU_CHECK_EQ(last_sig, SIGUSR1);
    LU_CHECK_EQ(kill(getpid(), SIGUSR1), 0);
    LU_CHECK_EQ(hits, 2);
    LU_CHECK_EQ(raise(0), 0);
    LU_CHECK(raise(999) == -1 && errno == EINVAL);
    reset(SIGUSR1);
}

LU_TEST(ignored_signal_does_nothing)
{
    handle(SIGUSR2, SIG_IGN, 0, NULL);
    LU_CHECK_EQ(raise(SIGUSR2), 0); /* would end the test program if it were not ignored */
    sigset_t p;
    sigpending(&p);
    LU_CHECK(!sigismember(&p, SIGUSR2));
    LU_CHECK_EQ(raise(SIGCHLD), 0); /* ignored by default */
    reset(SIGUSR2);
}

LU_TEST(unblocking_delivers_the_pending_signal_once)
{
    hits = 0;
    handle(SIGUSR1, count, 0, NULL);
    sigset_t set, old, pend;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    LU_CHECK_EQ(sigprocmask(SIG_BLOCK, &set, &old), 0);
    raise(SIGUSR1);
    raise(SIGUSR1);
    LU_CHECK_EQ(hits, 0);
    sigpending(&pend);
    LU_CHECK(sigismember(&pend, SIGUSR1));
    LU_CHECK_EQ(sigprocmask(SIG_SETMASK, &old, NULL), 0);
    LU_CHECK_EQ(hits, 1); /* before sigprocmask returned, and once: a standard signal does not queue */
    sigpending(&pend);
    LU_CHECK(!sigismember(&pend, SIGUSR1));
    LU_CHECK_EQ(pthread_sigmask(SIG_BLOCK, &set, NULL), 0);
    raise(SIGUSR1);
    LU_CHECK_EQ(pthread_sigmask(SIG_UNBLOCK, &set, NULL), 0);
    LU_CHECK_EQ(hits, 2);
    LU_CHECK_EQ(pthread_sigmask(12345, &set, NULL), EINVAL);
    reset(SIGUSR1);
}

/* sa_mask: SIGUSR2 raised inside SIGUSR1's handler waits for it to end. */
static volatile int order[4], norder;
static void usr2(int sig) { order[norder++] = 2; }
static void usr1_raises_usr2(int sig)
{
    order[norder++] = 1;
    raise(SIGUSR2);
    order[norder++] = 11; /* end of the SIGUSR1 handler */
}

LU_TEST(sa_mask_blocks_during_the_handler)
{
    norder = 0;
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR2);
    handle(SIGUSR2, usr2, 0, NULL);
    handle(SIGUSR1, usr1_raises_usr2, 0, &m);
    raise(SIGUSR1);
    LU_CHECK_EQ(norder, 3);
    LU_CHECK(order[0] == 1 && order[1] == 11 && order[2] == 2);
    /* without sa_mask it nests */
    norder = 0;
    handle(SIGUSR1, usr1_raises_usr2, 0, NULL);
    raise(SIGUSR1);
    LU_CHECK(norder == 3 && order[0] == 1 && order[1] == 2 && order[2] == 11);
    reset(SIGUSR1);
    reset(SIGUSR2);
}

static volatile int depth, max_depth, calls;
static void recurse(int sig)
{
    calls++;
    if (++depth > max_depth)
        max_depth = depth;
    if (calls < 3)
        raise(sig); /* runs inside this handler only with SA_NODEFER */
    depth--;
}

LU_TEST(sa_nodefer_and_sa_resethand)
{
    /* by default a signal is blocked in its own handler: no nesting */
    depth = max_depth = calls = 0;
    handle(SIGUSR1, recurse, 0, NULL);
    raise(SIGUSR1);
    LU_CHECK_EQ(calls, 3);
    LU_CHECK_EQ(max_depth, 1);
    depth = max_depth = calls = 0;
    handle(SIGUSR1, recurse, SA_NODEFER, NULL);
    raise(SIGUSR1);
    LU_CHECK_EQ(calls, 3);
    LU_CHECK_EQ(max_depth, 3);

    hits = 0;
    handle(SIGUSR1, count, SA_RESETHAND, NULL);
    raise(SIGUSR1);
    LU_CHECK_EQ(hits, 1);
    struct sigaction now;
    sigaction(SIGUSR1, NULL, &now);
    LU_CHECK(now.sa_handler == SIG_DFL);
    reset(SIGUSR1);
}

static volatile int info_signo;
static void with_info(int sig, siginfo_t *si, void *ctx)
{
    (void)ctx;
    info_signo = si->si_signo;
    hits++;
}

LU_TEST(sa_siginfo_handler_gets_siginfo)
{
    hits = 0;
    info_signo = 0;
    struct sigaction a;
    memset(&a, 0, sizeof a);
    a.sa_sigaction = with_info;
    a.sa_flags = SA_SIGINFO;
    sigemptyset(&a.sa_mask);
    LU_CHECK_EQ(sigaction(SIGUSR2, &a, NULL), 0);
    kill(getpid(), SIGUSR2);
    LU_CHECK_EQ(hits, 1);
    LU_CHECK_EQ(info_signo, SIGUSR2);
    reset(SIGUSR2);
    LU_CHECK(sigaction(SIGKILL, &a, NULL) == -1 && errno == EINVAL);
}

/* ---- blocking calls that a signal ends --------------------------------------- */

LU_TEST(nanosleep_interrupted_returns_eintr_and_the_time_left)
{
    hits = 0;
    handle(SIGALRM, count, 0, NULL);
    struct itimerval v = {{0, 0}, {0, 200000}};
    setitimer(ITIMER_REAL, &v, NULL);
    struct timespec req = {2, 0}, rem = {0, 0};
    uint64_t t0 = now_ms();
    int r = nanosleep(&req, &rem);
    int e = errno;
    uint64_t took = now_ms() - t0;
    LU_CHECK_EQ(r, -1);
    LU_CHECK_EQ(e, EINTR);
    LU_CHECK_EQ(hits, 1); /* the handler has run by the time it returns */
    LU_CHECK(took >= 150 && took < 1500);
    long rem_ms = (long)rem.tv_sec * 1000 + rem.tv_nsec / 1000000;
    LU_CHECK(rem_ms > 500 && rem_ms <= 1850);
    reset(SIGALRM);
}

LU_TEST(pause_and_sigsuspend_return_after_the_handler)
{
    hits = 0;
    handle(SIGALRM, count, 0, NULL);
    struct itimerval v = {{0, 0}, {0, 50000}};
    setitimer(ITIMER_REAL, &v, NULL);
    LU_CHECK_EQ(pause(), -1);
    LU_CHECK_EQ(errno, EINTR);
    LU_CHECK_EQ(hits, 1);

    /* sigsuspend: blocked outside, let through only while suspended */
    sigset_t block, old, wait;
    sigemptyset(&block);
    sigaddset(&block, SIGALRM);
    sigprocmask(SIG_BLOCK, &block, &old);
    setitimer(ITIMER_REAL, &v, NULL);
    usleep(150000); /* it fires meanwhile and stays pending */
    LU_CHECK_EQ(hits, 1);
    wait = old;
    sigdelset(&wait, SIGALRM);
    LU_CHECK_EQ(sigsuspend(&wait), -1);
    LU_CHECK_EQ(errno, EINTR);
    LU_CHECK_EQ(hits, 2);
    sigset_t now;
    sigprocmask(SIG_SETMASK, &old, &now);
    LU_CHECK(sigismember(&now, SIGALRM)); /* the mask before sigsuspend is back */
    reset(SIGALRM);
}

/* ---- threads ------------------------------------------------------------------------ */

static volatile int spin_stop;
static volatile pthread_t spinner_self;
static void *spinner(void *arg)
{
    spinner_self = pthread_self();
    while (!spin_stop)
        ;
    return NULL;
}

LU_TEST(pthread_kill_runs_the_handler_on_that_thread)
{
    hits = 0;
    hit_thread = 0;
    spin_stop = 0;
    handle(SIGUSR1, count, 0, NULL);
    pthread_t t;
    LU_CHECK_EQ(pthread_create(&t, NULL, spinner, NULL), 0);
    usleep(50000);
    LU_CHECK_EQ(pthread_kill(t, SIGUSR1), 0);
    uint64_t t0 = now_ms();
    while (!hits && now_ms() - t0 < 5000)
        usleep(1000);
    spin_stop = 1;
    pthread_join(t, NULL);
    LU_CHECK_EQ(hits, 1);
    LU_CHECK(pthread_equal(hit_thread, t));
    reset(SIGUSR1);
}

LU_TEST(process_signal_goes_to_a_thread_that_does_not_block_it)
{
    hits = 0;
    hit_thread = 0;
    spin_stop = 0;
    handle(SIGALRM, count, 0, NULL);
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGALRM);
    pthread_t t;
    LU_CHECK_EQ(pthread_create(&t, NULL, spinner, NULL), 0); /* before blocking: it inherits our mask */
    sigprocmask(SIG_BLOCK, &block, &old);
    struct itimerval v = {{0, 0}, {0, 100000}};
    setitimer(ITIMER_REAL, &v, NULL);
    uint64_t t0 = now_ms();
    while (!hits && now_ms() - t0 < 5000)
        usleep(1000);
    spin_stop = 1;
    pthread_join(t, NULL);
    LU_CHECK_EQ(hits, 1);
    LU_CHECK(pthread_equal(hit_thread, t));
    sigprocmask(SIG_SETMASK, &old, NULL);
    reset(SIGALRM);
}
