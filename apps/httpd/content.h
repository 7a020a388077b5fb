/* The static files httpd serves, compiled in (content.c). */
#ifndef HTTPD_CONTENT_H
#define HTTPD_CONTENT_H
#include <stddef.h>

struct file {
    const char *path;
    const char *type;
    const char *data;
    size_t len;
};

/* The file at @path (exact match), or NULL. */
const struct file *content_find(const char *path, size_t len);

#endif
