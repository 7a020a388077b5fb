/*
 * packet.c: the framing layer. Packets are `$payload#cs`, cs being the sum
 * of the payload's bytes as sent, mod 256, in two hex digits. Inside a
 * payload `}` escapes the next byte (xor 0x20) and `*` repeats the previous
 * byte (the next byte minus 29 times); gdb only sends the escapes, but we
 * decode both, since the protocol allows either in both directions.
 *
 * Receiving is a byte-at-a-time state machine, so the same code serves a
 * polled UART, an interrupt handler and the fuzzer; nothing in it can fail
 * on any input, it only reports what the bytes amount to.
 */
#include <errno.h>
#include <string.h>
#include "gdbstub.h"

enum { IDLE, DATA, ESCAPE, REPEAT, CSUM1, CSUM2 };

void lu_gdb_rx_reset(struct lu_gdb_rx *rx)
{
    rx->state = IDLE;
    rx->len = 0;
    rx->sum = 0;
    rx->overflow = rx->malformed = false;
    rx->buf[0] = 0;
}

bool lu_gdb_rx_busy(const struct lu_gdb_rx *rx) { return rx->state != IDLE; }

static void put(struct lu_gdb_rx *rx, uint8_t c)
{
    if (rx->len < LU_GDB_PKT_MAX)
        rx->buf[rx->len++] = c;
    else
        rx->overflow = true; /* keep reading to the '#', then refuse it */
}

enum lu_gdb_rx_event lu_gdb_rx_byte(struct lu_gdb_rx *rx, uint8_t c)
{
    switch (rx->state) {
    case IDLE:
        switch (c) {
        case '$':
            lu_gdb_rx_reset(rx);
            rx->state = DATA;
            return LU_GDB_RX_NONE;
        case 0x03: return LU_GDB_RX_INTERRUPT;
        case '+': return LU_GDB_RX_ACK;
        case '-': return LU_GDB_RX_NACK;
        default: return LU_GDB_RX_NONE; /* line noise between packets */
        }
    case DATA:
        if (c == '$') { /* the sender gave up on the last packet: restart */
            lu_gdb_rx_reset(rx);
            rx->state = DATA;
            return LU_GDB_RX_NONE;
        }
        if (c == '#') {
            rx->state = CSUM1;
            return LU_GDB_RX_NONE;
        }
        rx->sum += c;
        if (c == '}')
            rx->state = ESCAPE;
        else if (c == '*')
            rx->state = REPEAT;
        else
            put(rx, c);
        return LU_GDB_RX_NONE;
    case ESCAPE:
        rx->sum += c;
        put(rx, c ^ 0x20);
        rx->state = DATA;
        return LU_GDB_RX_NONE;
    case REPEAT: {
        rx->sum += c;
        rx->state = DATA;
        /* Counts run from 3 (' ' + 3 = '#' is excluded by the protocol,
         * but accept what decodes sanely) up to 126 - 29. */
        int n = (int)c - 29;
        if (rx->len == 0 || n < 0 || c > 126) {
            rx->malformed = true;
            return LU_GDB_RX_NONE;
        }
        uint8_t prev = rx->buf[rx->len - 1];
        while (n-- > 0)
            put(rx, prev);
        return LU_GDB_RX_NONE;
    }
    case CSUM1:
    case CSUM2: {
        int d = lu_gdb_hexval(c);
        if (d < 0) {
            /* Not a checksum: the packet is garbage. Report it as such so
             * the caller can ask for it again. */
            rx->state = IDLE;
            return LU_GDB_RX_MALFORMED;
        }
        if (rx->state == CSUM1) {
            rx->csum = (uint8_t)(d << 4);
            rx->state = CSUM2;
            return LU_GDB_RX_NONE;
        }
        rx->csum |= (uint8_t)d;
        rx->state = IDLE;
        rx->buf[rx->len < LU_GDB_PKT_MAX ? rx->len : LU_GDB_PKT_MAX] = 0;
        if (rx->csum != rx->sum)
            return LU_GDB_RX_BADCSUM;
        if (rx->malformed)
            return LU_GDB_RX_MALFORMED;
        if (rx->overflow)
            return LU_GDB_RX_OVERSIZE;
        return LU_GDB_RX_PACKET;
    }
    }
    rx->state = IDLE; /* unreachable; keeps the machine total */
    return LU_GDB_RX_NONE;
}

/* ---- building replies --------------------------------------------------------- */

static const char hexdig[] = "0123456789abcdef";

void lu_gdb_out_reset(struct lu_gdb *g)
{
    g->outlen = 0;
    g->out_binary = false;
}

size_t lu_gdb_out_room(const struct lu_gdb *g) { return LU_GDB_PKT_MAX - g->outlen; }

static void out_c(struct lu_gdb *g, char c)
{
    if (g->outlen < LU_GDB_PKT_MAX)
        g->out[g->outlen++] = c;
}

void lu_gdb_out_str(struct lu_gdb *g, const char *s)
{
    while (*s)
        out_c(g, *s++);
}

/* Replies are mostly hex, and under emulation each instruction here is
 * time in a gdb round trip (bench/gdb --core counts them): so the room is
 * checked once per call, and each byte is one load of its two digits. */
static char hexpair[256][2];

void lu_gdb_out_hex(struct lu_gdb *g, const void *p, size_t n)
{
    if (!hexpair[255][0]) /* filled on first use; idempotent, so no lock */
        for (int i = 0; i < 256; i++) {
            hexpair[i][0] = hexdig[i >> 4];
            hexpair[i][1] = hexdig[i & 15];
        }
    const uint8_t *b = p;
    size_t room = (LU_GDB_PKT_MAX - g->outlen) / 2;
    if (n > room)
        n = room;
    char *o = g->out + g->outlen;
    for (size_t i = 0; i < n; i++)
        memcpy(o + 2 * i, hexpair[b[i]], 2);
    g->outlen += 2 * n;
}

void lu_gdb_out_num(struct lu_gdb *g, uint64_t v)
{
    char tmp[17];
    int n = 0;
    do {
        tmp[n++] = hexdig[v & 15];
        v >>= 4;
    } while (v);
    while (n)
        out_c(g, tmp[--n]);
}

/* '#', '$', '*' and '}' (0x23, 0x24, 0x2a, 0x7d): the bytes binary data
 * must escape, as a bitmap indexed by byte value. */
static const uint64_t escaped[4] = {(1ull << 0x23) | (1ull << 0x24) | (1ull << 0x2a), 1ull << (0x7d - 64), 0,
                                    0};

static bool must_escape(uint8_t c) { return (escaped[c >> 6] >> (c & 63)) & 1; }

/* Runs of bytes that need no escape are copied whole. */
void lu_gdb_out_bin(struct lu_gdb *g, const void *p, size_t n)
{
    const uint8_t *b = p;
    g->out_binary = true;
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && !must_escape(b[j]))
            j++;
        size_t k = j - i, room = LU_GDB_PKT_MAX - g->outlen;
        if (k > room)
            k = room;
        memcpy(g->out + g->outlen, b + i, k);
        g->outlen += k;
        if (k < j - i || j == n || room - k < 2)
            return; /* done, or full */
        g->out[g->outlen++] = '}';
        g->out[g->outlen++] = (char)(b[j] ^ 0x20);
        i = j + 1;
    }
}

void lu_gdb_error(struct lu_gdb *g, int err)
{
    uint8_t e = (uint8_t)(err < 0 ? -err : err);
    lu_gdb_out_reset(g);
    out_c(g, 'E');
    lu_gdb_out_hex(g, &e, 1);
}

/* ---- sending -------------------------------------------------------------------- */

#define MAX_TRIES 4

/* The sum of @n bytes, modulo 256. Eight at a time: the bytes at even and
 * odd positions of each word add into 16-bit lanes, which cannot overflow
 * in the 128 words between folds (128 * 2 * 255 < 65536). */
static uint8_t checksum(const char *p, size_t n)
{
    const uint64_t lanes = 0x00FF00FF00FF00FFull;
    uint64_t total = 0;
    size_t i = 0;
    while (n - i >= 8) {
        uint64_t acc = 0;
        for (size_t k = 0; k < 128 && n - i >= 8; k++, i += 8) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            acc += (w & lanes) + ((w >> 8) & lanes);
        }
        for (int l = 0; l < 4; l++)
            total += (acc >> (16 * l)) & 0xFFFF;
    }
    for (; i < n; i++)
        total += (uint8_t)p[i];
    return (uint8_t)total;
}

static void transmit(struct lu_gdb *g)
{
    uint8_t sum = checksum(g->out, g->outlen);
    char tail[3] = {'#', hexdig[sum >> 4], hexdig[sum & 15]};
    g->io.write(g->io.ctx, "$", 1);
    g->io.write(g->io.ctx, g->out, g->outlen);
    g->io.write(g->io.ctx, tail, 3);
    g->stats.packets_out++;
}

/* Run-length encodes g->out in place: a run of 4 or more equal characters
 * becomes the character, '*' and a count (repeats + 29). Registers and
 * stacks are full of zeros, and every byte saved is an I/O instruction on
 * the UART. Binary payloads are left alone: gdb expands runs before it
 * undoes escapes, so a run could split an escape pair. */
static void compress(struct lu_gdb *g)
{
    if (g->out_binary)
        return;
    size_t r = 0, w = 0, n = g->outlen;
    while (r < n) {
        char c = g->out[r];
        size_t run = 1;
        while (r + run < n && g->out[r + run] == c && run < 98)
            run++;
        g->out[w++] = c;
        size_t rep = run - 1;
        if (rep >= 3 && c != '*' && c != '#' && c != '$' && c != '}') {
            if (rep + 29 == '#' || rep + 29 == '$')
                rep = '"' - 29; /* those two would end or start a packet */
            g->out[w++] = '*';
            g->out[w++] = (char)(rep + 29);
            r += rep + 1;
        } else {
            r++;
        }
    }
    g->outlen = w;
}

/* Sends g->out and, unless acks are off, waits for gdb's '+'. A '-' or
 * silence resends (a few times: then gdb is gone and we stop talking). A
 * '$' means gdb moved on without acking, which is as good as an ack; the
 * byte starts the next packet. */
void lu_gdb_send(struct lu_gdb *g)
{
    if (g->io.compress)
        compress(g);
    transmit(g);
    if (g->noack)
        return;
    for (int tries = 1;;) {
        int c = g->io.getc(g->io.ctx, g->ack_timeout_ns);
        if (c == -EPIPE)
            return;
        if (c == '+')
            return;
        if (c == '$') {
            lu_gdb_rx_byte(&g->rx, '$');
            return;
        }
        if (c == 0x03) {
            g->pending_intr = true;
            continue;
        }
        if (c == '-' || c == -ETIMEDOUT) {
            if (c == -ETIMEDOUT)
                g->stats.timeouts++;
            if (tries++ == MAX_TRIES)
                return;
            g->stats.retransmits++;
            transmit(g);
        }
        /* anything else is noise: keep waiting */
    }
}
