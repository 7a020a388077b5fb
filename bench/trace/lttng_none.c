/* Built when liblttng-ust-dev is missing: the LTTng rows say so. */
int bench_have_lttng = 0;
void loop_lttng(long n) {}
