/* The platform contract, checked the same way in both builds. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <lucent/plat.h>
#include <lucent/test.h>

LU_TEST(monotonic_clock_advances)
{
    uint64_t a = lu_plat_now_ns();
    volatile unsigned x = 0;
    for (int i = 0; i < 100000; i++)
        x += i;
    uint64_t b = lu_plat_now_ns();
    LU_CHECK(b > a);
    LU_CHECK(b - a < 5000000000ULL);
}

LU_TEST(cycles_convert_to_ns)
{
    uint64_t hz = lu_plat_cycles_per_sec();
    LU_CHECK(hz > 100000000ULL); /* any x86_64 TSC runs above 100 MHz */
    uint64_t c = lu_plat_cycles(), n = lu_plat_now_ns();
    uint64_t cn = lu_plat_cycles_to_ns(c);
    /* the two clocks agree to within 50 ms */
    LU_CHECK(cn + 50000000ULL > n && n + 50000000ULL > cn);
}

LU_TEST(posix_clocks_agree_with_plat)
{
    struct timespec ts;
    LU_CHECK_EQ(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
    LU_CHECK(clock_gettime(CLOCK_REALTIME, &ts) == 0 && ts.tv_sec > 1600000000);
}

LU_TEST(thread_identity)
{
    uint32_t tid = lu_plat_thread_id();
    LU_CHECK(tid > 0);
    char name[32];
    LU_CHECK_EQ(lu_plat_thread_name(tid, name, sizeof name), 0);
    LU_CHECK(name[0] != '\0');
    LU_CHECK_EQ(lu_plat_thread_name(0x7ffffff0, name, sizeof name), -ESRCH);
    LU_CHECK(lu_plat_cpu_id() < lu_plat_cpu_count());
}

LU_TEST(ram_size)
{
    /* no guest or machine we run on has less */
    LU_CHECK(lu_plat_ram_bytes() >= (4u << 20));
}

static int count_threads(const struct lu_plat_thread_info *t, void *arg)
{
    ++*(int *)arg;
    return 0;
}

LU_TEST(thread_foreach_sees_this_thread)
{
    int n = 0;
    LU_CHECK_EQ(lu_plat_thread_foreach(count_threads, &n), 0);
    LU_CHECK(n >= 1);
}

__attribute__((noinline)) static int symbol_target(int x) { return x * 3 + 1; }

LU_TEST(symbolize_names_a_function)
{
    char buf[64];
    uintptr_t off = 99;
    int r = lu_plat_symbolize((uintptr_t)symbol_target + 2, buf, sizeof buf, &off);
    /* the hostbuild names only exported symbols (dladdr); the image names
     * every function */
    if (r == 0) {
        LU_CHECK(strstr(buf, "symbol_target") != NULL);
        LU_CHECK_EQ(off, 2);
    } else {
        LU_CHECK_EQ(r, -ENOENT);
    }
    LU_CHECK_EQ(symbol_target(1), 4);
}

LU_TEST(malloc_and_free_many)
{
    void *p[256];
    for (int i = 0; i < 256; i++) {
        p[i] = malloc((size_t)(i + 1) * 64);
        LU_CHECK(p[i] != NULL);
        if (p[i])
            memset(p[i], i, (size_t)(i + 1) * 64);
    }
    for (int i = 0; i < 256; i++)
        free(p[i]);
}

LU_TEST(program_name_is_set)
{
    const char *n = lu_plat_program_name();
    LU_CHECK(n && *n);
    const char *b = lu_plat_build_name();
    LU_CHECK(strcmp(b, "host") == 0 || strcmp(b, "image") == 0);
}
