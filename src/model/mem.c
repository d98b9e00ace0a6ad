/* Memory advice for the engine's large arrays. */
/* madvise and MADV_HUGEPAGE are not in POSIX */
#define _DEFAULT_SOURCE 1

#include "ge.h"

#include <stdint.h>
#include <string.h>
#ifdef __linux__
#include <sys/mman.h>
#endif

/* Ask for transparent huge pages on a large block (Linux; advisory, whatever allocator the
 * context has). A 2 MB page costs one page fault where 4 kB pages cost 512, and touching
 * a fresh N^2 J array was most of the cost of a new solver or result (0.4 s for the two
 * shock arrays at 300 x 65 on the development machine, 0.06 s with this). Only the 2 MB
 * pages wholly inside the block are advised. */
void tq__advise_huge(void *p, size_t bytes)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    const uintptr_t huge = (uintptr_t)2 << 20;
    if (!p || bytes < 4 * huge)
        return;
    const uintptr_t a = ((uintptr_t)p + huge - 1) & ~(huge - 1), e = ((uintptr_t)p + bytes) & ~(huge - 1);
    if (e > a)
        (void)madvise((void *)a, e - a, MADV_HUGEPAGE);
#else
    (void)p;
    (void)bytes;
#endif
}

double *tq__huge_zeroed(tq_context *ctx, size_t count)
{
    if (count > SIZE_MAX / sizeof(double))
        return NULL;
    double *p = tq__malloc(ctx, count * sizeof(double));
    if (p) {
        tq__advise_huge(p, count * sizeof(double));
        memset(p, 0, count * sizeof(double));
    }
    return p;
}
