/* Switching kernel threads (switch.S). */
#ifndef LU_ARCH_SWITCH_H
#define LU_ARCH_SWITCH_H
#include <stdint.h>

/* Saves the callee-saved state on the current stack, stores its pointer
 * in *@save_rsp and resumes the stack at @new_rsp. Interrupts off. */
void ctx_switch(uint64_t *save_rsp, uint64_t new_rsp);
/* Where a new thread's first switch lands; it calls the thread's entry. */
void thread_start(void);

#endif
