/*
 * Connections: an accept loop and a thread per connection, on blocking
 * sockets with receive/send timeouts. Owns connections, their buffers,
 * their deadlines and the connection limit; not what is answered (routes.c).
 */
#ifndef HTTPD_SERVER_H
#define HTTPD_SERVER_H
#include <stddef.h>

struct server_config {
    int port;
    int max_conns;       /* past it, new connections get 503 and are closed */
    int request_timeout; /* seconds a request head may take to arrive (slowloris) */
    int idle_timeout;    /* seconds a kept-alive connection may sit idle */
    size_t max_head;     /* bytes of request head accepted (431/414 past it) */
    size_t max_body;     /* bytes of request body discarded (413 past it) */
};

/* Listens on 0.0.0.0:port and serves until a fatal error; returns -errno. */
int server_run(const struct server_config *cfg);

/* port_{image,host}.c: a connection thread's stack size (bytes). */
extern const unsigned long httpd_thread_stack;

/* stats_{image,host}.c: the platform's network counters, appended to /stats. */
int net_stats_text(char *buf, size_t len);

#endif
