/*
 * tools/bpftrace/lbt.h: what the files of lucent-bpftrace share.
 *
 *   main.c    the command line and the drain loop
 *   target.c  the traced process: find or start it, see it exit, read its memory
 *   elfmeta.c the target's ELF: its lucent USDT probes and their tracepoint metadata
 *   attach.c  load probes.bpf.c, attach USDT and sched_switch (tracefs namespace)
 *   out.c     records -> Perfetto packets through trace/'s encoder -> the file
 *
 * Functions return 0 or -errno, and print their own message where the
 * reason is more than an errno.
 */
#ifndef LUCENT_BPFTRACE_LBT_H
#define LUCENT_BPFTRACE_LBT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/types.h>
#include <lucent/trace.h>
#include "events.h"

#define LBT_MAX_TPS 4000 /* below the encoder's LU_PF_MAX_TPS, room for our own */

/* ---- target.c */
struct lbt_target {
    pid_t pid;
    bool child;     /* we started it (BINARY mode) */
    int pidfd;      /* readable once it exits (PID mode); -1 if unsupported */
    int go_fd;      /* child: write a byte to let it exec */
    char exe[4096]; /* its executable, as a path this process can open */
    char name[64];  /* comm of the main thread */
    uint64_t base;  /* load bias of the executable; valid if base_known */
    bool base_known;
    bool exited;
    int status; /* child: wait status once exited */
};
int lbt_target_pid(struct lbt_target *t, pid_t pid);
int lbt_target_spawn(struct lbt_target *t, const char *path, char **argv);
int lbt_target_release(struct lbt_target *t); /* child: exec now */
bool lbt_target_alive(struct lbt_target *t);
void lbt_target_stop(struct lbt_target *t); /* child: SIGTERM, then reap */
int lbt_target_read(struct lbt_target *t, uint64_t addr, void *buf, size_t len);
int lbt_thread_name(struct lbt_target *t, uint32_t tid, char *buf, size_t len);
void lbt_target_find_base(struct lbt_target *t, uint64_t first_load_vaddr);
int lbt_target_tids(struct lbt_target *t, uint32_t *tids, int max);

/* ---- elfmeta.c */
struct lbt_probe {
    char name[64]; /* USDT name under provider "lucent" */
    uint32_t tp;   /* index into lbt_meta.tps */
};
struct lbt_meta {
    struct lu_tracepoint tps[LBT_MAX_TPS + 8];
    unsigned ntps;
    struct lbt_probe *probes;
    unsigned nprobes;
    void *elf_data; /* the whole file, for strings after the target is gone */
    size_t elf_len;
    uint64_t first_load_vaddr;
    uint64_t first_exec_vaddr; /* lowest executable PT_LOAD: mm->start_code minus the load bias */
};
int lbt_meta_load(struct lbt_meta *m, const char *path);
/* a string at link-time address @vaddr, from the file: length or -errno */
int lbt_meta_str(const struct lbt_meta *m, uint64_t vaddr, char *buf, size_t len);
/* a tracepoint the tool adds itself (the scheduler's); returns its index */
int lbt_meta_add(struct lbt_meta *m, const char *name, const char *cat, int kind, int nargs,
                 const char *const *arg_names, const uint8_t *arg_types);

/* ---- attach.c */
struct probes_bpf;
struct lbt_bpf {
    struct probes_bpf *skel;
    struct ring_buffer *rb;
    const char *sched_how; /* which sched_switch program attached, or NULL */
    unsigned usdt_links;
    struct bpf_link **links;
    uint64_t start_ns, stop_ns; /* the window records are kept in (CLOCK_BOOTTIME) */
    int (*on_event)(void *ctx, void *data, size_t len);
    void *ctx;
};
/* Attaches everything, then opens the window: @on_event sees only records
 * from then until lbt_stop. */
int lbt_attach(struct lbt_bpf *b, struct lbt_target *t, struct lbt_meta *m, bool wakeup,
               int (*on_event)(void *ctx, void *data, size_t len), void *ctx);
/* Closes the window now, for every probe at once (the first call counts);
 * returns its end. The ring keeps what came before, to be consumed. */
uint64_t lbt_stop(struct lbt_bpf *b);
uint64_t lbt_dropped(struct lbt_bpf *b);
uint64_t lbt_code_start(struct lbt_bpf *b); /* the target's mm->start_code, 0 until its first probe */
/* timeout_ms 0: take what is there (ring_buffer__consume); else wait for a
 * wake-up (ring_buffer__poll, which never returns records submitted with
 * BPF_RB_NO_WAKEUP until a woken one arrives). Returns records or -errno. */
int lbt_consume(struct lbt_bpf *b, int timeout_ms);
void lbt_unlink(struct lbt_bpf *b); /* lbt_stop, then the links go; the ring stays readable */
void lbt_detach(struct lbt_bpf *b);

/* ---- out.c */
struct lbt_out;
struct lbt_out *lbt_out_open(const char *path, struct lbt_target *t, struct lbt_meta *m);
int lbt_out_event(struct lbt_out *o, const struct lbt_event *e);
int lbt_out_drops(struct lbt_out *o, uint64_t total);
int lbt_out_flush(struct lbt_out *o);
/* ends open sched slices at @end_ns (0, or earlier than the last event:
 * at the last event), flushes */
int lbt_out_close(struct lbt_out *o, uint64_t end_ns);
void lbt_out_counts(const struct lbt_out *o, uint64_t *app, uint64_t *sched, uint64_t *bytes);

#endif
