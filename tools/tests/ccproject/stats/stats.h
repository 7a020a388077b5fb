/* A small static library: the root mean square of a series (libm's sqrt). */
#ifndef STATS_H
#define STATS_H
double stats_rms(const double *v, int n);
#endif
