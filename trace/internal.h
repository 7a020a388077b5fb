/*
 * trace/internal.h: what the files of trace/ share and nobody else sees.
 */
#ifndef LUCENT_TRACE_INTERNAL_H
#define LUCENT_TRACE_INTERNAL_H

#include <lucent/trace.h>
#include "ring.h"

#define LU_TRACE_MAX_CATS 64

/* core.c: the tracepoint table (the linker section, numbered). */
extern struct lu_tracepoint *lu_trace_tps;
extern unsigned lu_trace_ntps;
extern const char *lu_trace_cats[LU_TRACE_MAX_CATS];
extern unsigned lu_trace_ncats;
const struct lu_tracepoint *lu_trace__tp(uint32_t id);

/* emit_*.c; the default ring size (records) is the build's choice too */
unsigned lu_trace__default_ring(void);
void lu_trace__rings_init(void);
uint64_t lu_trace__dropped_unattributed(void);

/* drain.c */
void lu_trace__drain_init(void);
int lu_trace__drain_pass(bool final);     /* returns records consumed */
void lu_trace__control(const char *line); /* one control message line */
bool lu_trace__drain_has_sink(void);      /* a host channel or a file to write to */

/* drain_thread.c / drain_nothread.c: how the drain gets CPU time. */
void lu_trace__drain_start(void);
void lu_trace__drain_stop(bool join);

#endif
