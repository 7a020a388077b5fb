/* The hostbuild listens on the host itself: an unprivileged port. */
#include "server.h"
const int httpd_default_port = 8080;
/* A connection thread's stack: glibc carves TLS out of it, and ASan and
 * valgrind runs need more; untouched pages cost nothing on Linux. */
const unsigned long httpd_thread_stack = 64 * 1024;
