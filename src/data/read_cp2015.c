/* Placeholder until this reader lands (being written now); overwritten by it. */
#include "readers.h"
tq_status tq__read_cp2015(tq_context *ctx, const char *dir, tq_dataset **out)
{
    *out = NULL;
    return tq__error(ctx, TQ_ERR_UNSUPPORTED, dir, 0, NULL, "this layout (cp2015) has no reader yet");
}
tq_status tq__read_cp_base(tq_context *ctx, const char *dir, tq_dataset **out)
{
    *out = NULL;
    return tq__error(ctx, TQ_ERR_UNSUPPORTED, dir, 0, NULL, "this layout (cp_base) has no reader yet");
}
