/* The platform contract (include/lucent/plat.h) for the image: the parts
 * that are not owned by a subsystem of their own. */
#include <errno.h>
#include <string.h>
#include <lucent/plat.h>

unsigned lu_plat_cpu_id(void) { return 0; }
unsigned lu_plat_cpu_count(void) { return 1; }
uint32_t lu_plat_process_id(void) { return 1; }
