/* <setjmp.h>: newlib's, plus BSD's _setjmp/_longjmp, which it declares
 * only for Cygwin and RTEMS. They jump without saving a signal mask, which
 * is what newlib's setjmp/longjmp do: the link makes them the same
 * functions (kernel/meson.build, --defsym). */
#ifndef LU_SETJMP_H
#define LU_SETJMP_H
#include_next <setjmp.h>

int _setjmp(jmp_buf env) __attribute__((returns_twice));
void _longjmp(jmp_buf env, int val) __attribute__((noreturn));

#endif
