/* A program as a build system sees it: a static library, libm, a thread and
 * a Lucent tracepoint whose header pkg-config finds (lucent.pc). It prints
 * one line whose numbers only the library, libm and the thread give. */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <lucent/trace.h>
#include "stats.h"

LU_TRACEPOINT(ccproject_rms, "ccproject", INSTANT, (int64_t, n));

struct job {
    int n;
    double rms;
};

static void *worker(void *arg)
{
    struct job *job = arg;
    double v[64];
    for (int i = 0; i < job->n; i++)
        v[i] = i + 1;
    job->rms = stats_rms(v, job->n);
    lu_trace_ccproject_rms(job->n);
    return NULL;
}

int main(int argc, char **argv)
{
    struct job job = {.n = 10 + (argc > 1)};
    pthread_t t;
    if (pthread_create(&t, NULL, worker, &job) || pthread_join(t, NULL))
        return 1;
    printf("ccproject: rms(1..%d) = %.4f, floor %.0f, on a thread\n", job.n, job.rms, floor(job.rms));
    return 0;
}
