#include <math.h>
#include "stats.h"

double stats_rms(const double *v, int n)
{
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += v[i] * v[i];
    return n ? sqrt(sum / n) : 0;
}
