/*
 * lucent/panic.h: what runs on the way down. A subsystem that must act when
 * the program panics or dies of a fatal trap (a debugger that stops it, a
 * recorder that writes out what it holds) or, in the image, when the VM
 * stops at all (channels that must hand their bytes to the host) registers
 * a step where it lives, like a tracepoint or a metric:
 *
 *   static void flush(const struct lu_panic_info *why) { ... }
 *   LU_PANIC_STEP(trace_flush, LU_PANIC_FLUSH, flush);
 *
 * The platform's panic paths (lu_plat_panic, the image's fatal-trap report)
 * and the image's kernel_exit run the stages (LU_PANIC_RUN) in the order
 * below. Steps of one stage run in link order: none may depend on another
 * of its stage.
 *
 * What this header owns: the stages and the registration. It does not own
 * the report (message, registers, backtrace), which the platform prints
 * between LU_PANIC_STOP and LU_PANIC_FLUSH.
 */
#ifndef LUCENT_PANIC_H
#define LUCENT_PANIC_H

#ifdef __cplusplus
extern "C" {
#endif

enum lu_panic_stage {
    /* First, before the backtrace: a debugger stops the program here, so
     * that it sees the panic with the stack intact (the image's gdb stub,
     * with a debugger attached or `gdb=panic`). */
    LU_PANIC_STOP = 1,
    /* After the report is printed: recorders write out what they hold (the
     * trace's flight recorder). May take a while; must not need threads. */
    LU_PANIC_FLUSH = 2,
    /* Last, on every exit of the image, a panic's or a normal one: bytes a
     * writer queued must reach the host before the VM stops. */
    LU_PANIC_EXIT = 3,
};

struct lu_panic_info {
    int signo;   /* the signal the program dies of (SIGABRT for a panic); 0 at a normal exit */
    void *frame; /* the fatal trap's saved registers (the arch's trap frame); NULL otherwise */
};

/* One step, in the `lu_panic_steps` linker section. */
struct lu_panic_step {
    int stage; /* enum lu_panic_stage */
    void (*fn)(const struct lu_panic_info *why);
    const char *name;
} __attribute__((aligned(8)));

#define LU_PANIC_STEP(ident, stage_, fn_)                                                                    \
    __attribute__((used, section("lu_panic_steps"),                                                          \
                   aligned(8))) static const struct lu_panic_step lu_panic_step_##ident = {                  \
        .stage = (stage_), .fn = (fn_), .name = #ident}

/* Weak: a program may register no step at all, and then the section and
 * its bounds do not exist. */
extern const struct lu_panic_step __start_lu_panic_steps[] __attribute__((weak));
extern const struct lu_panic_step __stop_lu_panic_steps[] __attribute__((weak));

/* Runs every step of @stage with @why (a const struct lu_panic_info *). For
 * the platform's panic and exit paths only. A macro, not a function: a
 * debugger stopped in a step finds the panicking function one frame up, not
 * this loop (gdb shows even an inlined function as a frame). */
#define LU_PANIC_RUN(stage_, why_)                                                                           \
    do {                                                                                                     \
        for (const struct lu_panic_step *s_ = __start_lu_panic_steps; s_ < __stop_lu_panic_steps; s_++)      \
            if (s_->stage == (int)(stage_))                                                                  \
                s_->fn(why_);                                                                                \
    } while (0)

#ifdef __cplusplus
}
#endif
#endif
