/*
 * lucent/test.h: unit tests that run unchanged in both builds.
 *
 *   LU_TEST(clock_is_monotonic) { LU_CHECK(a <= b); }
 *
 * Each LU_TEST registers itself in the `lu_tests` linker section, so a test
 * program is just its test files plus tests/unit/runner.c, which runs every
 * registered test and prints TAP. In the image build the same program is an
 * image, booted by meson through the launcher.
 */
#ifndef LUCENT_TEST_H
#define LUCENT_TEST_H
#include <stdio.h>

struct lu_test {
    const char *name;
    void (*fn)(void);
    const char *file;
};

/* Set by a failing check; the runner reports and clears it. */
extern int lu_test_failed;

#define LU_TEST(tname)                                                                                       \
    static void lu_test_fn_##tname(void);                                                                    \
    static const struct lu_test lu_test_##tname                                                              \
        __attribute__((used, section("lu_tests"), aligned(8))) = {#tname, lu_test_fn_##tname, __FILE__};     \
    static void lu_test_fn_##tname(void)

#define LU_CHECK(cond)                                                                                       \
    do {                                                                                                     \
        if (!(cond)) {                                                                                       \
            printf("# %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                                \
            lu_test_failed = 1;                                                                              \
        }                                                                                                    \
    } while (0)

#define LU_CHECK_EQ(a, b)                                                                                    \
    do {                                                                                                     \
        long long lu_a_ = (long long)(a), lu_b_ = (long long)(b);                                            \
        if (lu_a_ != lu_b_) {                                                                                \
            printf("# %s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, lu_a_,    \
                   lu_b_);                                                                                   \
            lu_test_failed = 1;                                                                              \
        }                                                                                                    \
    } while (0)

#endif
