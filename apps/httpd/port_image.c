/* The image listens on 80: QEMU forwards the host port to it. */
#include "server.h"
const int httpd_default_port = 80;
/* A connection thread's stack. Its deepest path (a response sent through
 * lwIP down to the virtio-net driver, under the core lock) needs a few KiB;
 * 16 KiB (PTHREAD_STACK_MIN) passes every httpd test, and a guard page
 * below it turns an overflow into a fault naming the thread. Small stacks
 * are what lets a 4 MiB guest hold several connections at once. */
const unsigned long httpd_thread_stack = 16 * 1024;
