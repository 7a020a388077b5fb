/*
 * The one-time note, the metric and the tracepoint behind every unsupported
 * call (unsupported.h). The note goes straight to the console, not through
 * stdio: the program's own stdout buffering must not delay or reorder it.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <lucent/metrics.h>
#include <lucent/trace.h>
#include "../lib/kprintf.h"
#include "unsupported.h"

/* Functions that can fail this way number a few dozen; a name past the cap
 * still gets its errno, its count (in the family's overflow series) and a
 * note on every call, which errs on the side of telling. */
#define NOTED_MAX 48

LU_COUNTER_VEC(unsupported_calls, "lucent_unsupported_calls_total",
               "Calls of functions the image does not support (fork, exec, wait ...), by function.",
               NOTED_MAX, LU_LABEL_NAMES("function"));
LU_TRACEPOINT(unsupported, "libc", INSTANT, (const char *, function), (int, err));

static const char *noted[NOTED_MAX];

/* True the first time @function is seen. Threads may race here; a lost
 * race prints the note twice, never zero times, so no lock is taken. */
static bool first_call(const char *function)
{
    for (int i = 0; i < NOTED_MAX; i++) {
        if (!noted[i]) {
            noted[i] = function;
            return true;
        }
        if (noted[i] == function || !strcmp(noted[i], function))
            return false;
    }
    return true;
}

int lu_unsupported(const char *function, int err)
{
    lu_counter_inc(lu_counter_vec_at(&unsupported_calls, LU_VALUES(function)));
    lu_trace_unsupported(function, err);
    if (first_call(function))
        kprintf("lucent: %s is not supported in the image\n", function);
    errno = err;
    return -1;
}
