/* Randomness (entropy.c): getentropy() and the stack protector's canary. */
#ifndef LU_KERNEL_ENTROPY_H
#define LU_KERNEL_ENTROPY_H

/* Picks the source (RDRAND if the CPU has it) and sets the canary. */
void entropy_init(void);

#endif
