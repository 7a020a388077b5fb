/* hex.c: the protocol's hex numbers and hex-encoded bytes. */
#include <errno.h>
#include "gdbstub.h"

int lu_gdb_hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int lu_gdb_parse_hex(const char **p, uint64_t *v)
{
    const char *s = *p;
    uint64_t x = 0;
    int n = 0;
    for (int d; (d = lu_gdb_hexval((unsigned char)*s)) >= 0; s++, n++) {
        if (n == 16)
            return -ERANGE; /* more than 64 bits */
        x = (x << 4) | (unsigned)d;
    }
    if (n == 0)
        return -EINVAL;
    *p = s;
    *v = x;
    return 0;
}

int lu_gdb_unhex(const char *s, size_t digits, uint8_t *out)
{
    if (digits & 1)
        return -EINVAL;
    for (size_t i = 0; i < digits; i += 2) {
        int hi = lu_gdb_hexval((unsigned char)s[i]), lo = lu_gdb_hexval((unsigned char)s[i + 1]);
        if (hi < 0 || lo < 0)
            return -EINVAL;
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    return (int)(digits / 2);
}
