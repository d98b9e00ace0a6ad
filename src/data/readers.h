/* Reader entry points, one per input layout (see docs/formats.md). Each reads the
 * folder `dir` into a new dataset (*out owned by the caller), records file, line and
 * field of any failure in ctx, and leaves *out NULL on failure. Readers call
 * tq_dataset_derive() before returning. */
#ifndef TQ_READERS_H
#define TQ_READERS_H

#include "dataset.h"

tq_status tq__read_tradeq(tq_context *ctx, const char *dir, tq_dataset **out);  /* own format */
tq_status tq__read_kite(tq_context *ctx, const char *dir, tq_dataset **out);    /* wiod2014 */
tq_status tq__read_cp2015(tq_context *ctx, const char *dir, tq_dataset **out);  /* cp2015 long */
tq_status tq__read_cp_base(tq_context *ctx, const char *dir, tq_dataset **out); /* cp2015/base1993_with_deficits */
tq_status tq__read_wiot(tq_context *ctx, const char *dir, tq_dataset **out);    /* wiod2013 wide */
tq_status tq__read_square(tq_context *ctx, const char *dir, tq_dataset **out);  /* liberation2025 */
tq_status tq__read_flows(tq_context *ctx, const char *dir, tq_dataset **out);   /* icio, wiod16 */
tq_status tq__read_ossa(tq_context *ctx, const char *dir, tq_dataset **out);    /* ossa2014 (tests only) */
tq_status tq__read_binary(tq_context *ctx, const char *path, tq_dataset **out); /* .tqb file */
/* 1 if path is a file that starts with the .tqb signature. */
int tq__is_binary(const char *path);
/* The checksum a .tqb header carries for a file image of len bytes (the fuzz target
 * uses it to get past the checksum to the parser). */
uint64_t tq__binary_checksum(const void *file, size_t len);

#endif
