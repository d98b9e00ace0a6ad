/* The context: allocator, callbacks, cancellation and the last error. */
#if defined(__linux__) && !defined(_DEFAULT_SOURCE)
#define _DEFAULT_SOURCE /* madvise */
#endif
#include "internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

/* Map the pages of a large block in one call instead of one page fault each. The arrays
 * of a dataset, a baseline or a solve are written whole right after allocation, and on
 * virtual machines a page fault costs ~10 us: a `tradeq run` on wiod2014 touches ~27 MB
 * fresh, 6,800 faults, ~70 ms of its start. MADV_POPULATE_WRITE (Linux 5.14) does the
 * same work in ~1 us a page; an older kernel refuses it and nothing changes. */
static void populate(void *p, size_t size)
{
#if defined(__linux__)
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
    if (!p || size < ((size_t)256 << 10))
        return;
    uintptr_t a = ((uintptr_t)p + 4095) & ~(uintptr_t)4095, e = ((uintptr_t)p + size) & ~(uintptr_t)4095;
    if (e > a)
        (void)madvise((void *)a, e - a, MADV_POPULATE_WRITE);
#else
    (void)p;
    (void)size;
#endif
}

static void *std_malloc(void *ud, size_t size)
{
    (void)ud;
    void *p = malloc(size ? size : 1);
    populate(p, size);
    return p;
}
static void *std_realloc(void *ud, void *p, size_t size)
{
    (void)ud;
    return realloc(p, size ? size : 1);
}
static void std_free(void *ud, void *p)
{
    (void)ud;
    free(p);
}

const char *tq_version(void)
{
    return TQ_VERSION_STRING;
}

const char *tq_status_string(tq_status s)
{
    switch (s) {
    case TQ_OK: return "ok";
    case TQ_ERR_NOMEM: return "out of memory";
    case TQ_ERR_IO: return "input/output error";
    case TQ_ERR_PARSE: return "malformed input";
    case TQ_ERR_INVALID: return "invalid argument or data";
    case TQ_ERR_NOT_FOUND: return "not found";
    case TQ_ERR_NOT_CONVERGED: return "did not converge";
    case TQ_ERR_CANCELLED: return "cancelled";
    case TQ_ERR_EXISTS: return "already exists";
    case TQ_ERR_UNSUPPORTED: return "not supported by this data";
    }
    return "unknown status";
}

tq_status tq_context_new(tq_context **out, const tq_allocator *alloc)
{
    tq_allocator a = {std_malloc, std_realloc, std_free, NULL};
    if (!out)
        return TQ_ERR_INVALID;
    *out = NULL;
    if (alloc) {
        if (!alloc->malloc_fn || !alloc->realloc_fn || !alloc->free_fn)
            return TQ_ERR_INVALID;
        a = *alloc;
    }
    tq_context *ctx = a.malloc_fn(a.ud, sizeof *ctx);
    if (!ctx)
        return TQ_ERR_NOMEM;
    memset(ctx, 0, sizeof *ctx);
    ctx->alloc = a;
    atomic_init(&ctx->cancelled, 0);
    *out = ctx;
    return TQ_OK;
}

void tq_context_free(tq_context *ctx)
{
    if (ctx)
        ctx->alloc.free_fn(ctx->alloc.ud, ctx);
}

void tq_context_set_log(tq_context *ctx, tq_log_fn fn, void *ud)
{
    ctx->log_fn = fn;
    ctx->log_ud = ud;
}

void tq_context_set_progress(tq_context *ctx, tq_progress_fn fn, void *ud)
{
    ctx->progress_fn = fn;
    ctx->progress_ud = ud;
}

void tq_context_cancel(tq_context *ctx)
{
    atomic_store(&ctx->cancelled, 1);
}
void tq_context_reset_cancel(tq_context *ctx)
{
    atomic_store(&ctx->cancelled, 0);
}

const tq_error *tq_last_error(const tq_context *ctx)
{
    return &ctx->err;
}

int tq_error_format(const tq_context *ctx, char *buf, size_t n)
{
    const tq_error *e = &ctx->err;
    char where[700] = "";
    size_t w = 0;
    if (e->file[0]) {
        w += (size_t)snprintf(where + w, sizeof where - w, "%s", e->file);
        if (e->line > 0 && w < sizeof where)
            w += (size_t)snprintf(where + w, sizeof where - w, ":%ld", e->line);
        if (w < sizeof where)
            w += (size_t)snprintf(where + w, sizeof where - w, ": ");
    }
    if (e->field[0] && w < sizeof where)
        snprintf(where + w, sizeof where - w, "field '%s': ", e->field);
    return snprintf(buf, n, "%s%s", where, e->message[0] ? e->message : tq_status_string(e->status));
}

void *tq__malloc(tq_context *ctx, size_t size)
{
    void *p = ctx->alloc.malloc_fn(ctx->alloc.ud, size);
    if (!p)
        tq__error(ctx, TQ_ERR_NOMEM, NULL, 0, NULL, "out of memory (%zu bytes)", size);
    return p;
}

void *tq__calloc(tq_context *ctx, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) {
        tq__error(ctx, TQ_ERR_NOMEM, NULL, 0, NULL, "allocation size overflow");
        return NULL;
    }
    void *p = tq__malloc(ctx, n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

void *tq__realloc(tq_context *ctx, void *p, size_t size)
{
    void *q = ctx->alloc.realloc_fn(ctx->alloc.ud, p, size);
    if (!q)
        tq__error(ctx, TQ_ERR_NOMEM, NULL, 0, NULL, "out of memory (%zu bytes)", size);
    return q;
}

void tq__free(tq_context *ctx, void *p)
{
    if (p)
        ctx->alloc.free_fn(ctx->alloc.ud, p);
}

char *tq__strdup(tq_context *ctx, const char *s)
{
    if (!s)
        s = "";
    size_t n = strlen(s) + 1;
    char *d = tq__malloc(ctx, n);
    if (d)
        memcpy(d, s, n);
    return d;
}

size_t tq__utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t k;
    unsigned min;
    unsigned cp;
    if ((c & 0xE0) == 0xC0)
        k = 2, min = 0x80, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0)
        k = 3, min = 0x800, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0)
        k = 4, min = 0x10000, cp = c & 0x07;
    else
        return 0;
    if (n < k)
        return 0;
    for (size_t q = 1; q < k; q++) {
        if ((s[q] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[q] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return k;
}

long tq__text_check(const char *s, size_t len, int allow_tab)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t k = 0;
    while (k < len) {
        if (u[k] >= 0x20 && u[k] < 0x7F) { /* the common case: printable ASCII */
            k++;
            continue;
        }
        if (u[k] == '\t' && allow_tab) {
            k++;
            continue;
        }
        size_t n = u[k] >= 0x80 ? tq__utf8_len(u + k, len - k) : 0;
        if (n == 0)
            return (long)k;
        k += n;
    }
    return -1;
}

/* Copy src into dst (capacity cap) so that the result is one line of valid UTF-8 a
 * terminal can show: control bytes, DEL and bytes that are not valid UTF-8 are written as
 * \xNN (raw bytes from a file never reach a message or a terminal as they are; issue 16,
 * item 3). A multi-byte character is never cut in half at the end of dst. */
static void copy_str(char *dst, size_t cap, const char *src)
{
    size_t o = 0;
    if (!src) {
        dst[0] = 0;
        return;
    }
    const unsigned char *s = (const unsigned char *)src;
    while (*s) {
        size_t n = tq__utf8_len(s, SIZE_MAX); /* the terminating 0 ends a sequence early */
        if (n == 1 && (*s < 0x20 || *s == 0x7F))
            n = 0;
        if (n == 0) {
            if (o + 4 >= cap)
                break;
            snprintf(dst + o, cap - o, "\\x%02X", (unsigned)*s);
            o += 4;
            s++;
            continue;
        }
        if (o + n >= cap)
            break;
        memcpy(dst + o, s, n);
        o += n;
        s += n;
    }
    dst[o] = 0;
}

tq_status tq__error(tq_context *ctx, tq_status st, const char *file, long line, const char *field, const char *fmt, ...)
{
    if (!ctx)
        return st;
    tq_error *e = &ctx->err;
    e->status = st;
    copy_str(e->file, sizeof e->file, file);
    e->line = line;
    copy_str(e->field, sizeof e->field, field);
    char raw[sizeof e->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    copy_str(e->message, sizeof e->message, raw);
    return st;
}

void tq__clear_error(tq_context *ctx)
{
    memset(&ctx->err, 0, sizeof ctx->err);
}

void tq__log(tq_context *ctx, int level, const char *fmt, ...)
{
    if (!ctx || !ctx->log_fn)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ctx->log_fn(ctx->log_ud, level, msg);
}

tq_status tq__progress(tq_context *ctx, const char *stage, double fraction)
{
    int stop = atomic_load(&ctx->cancelled);
    if (!stop && ctx->progress_fn)
        stop = ctx->progress_fn(ctx->progress_ud, stage, fraction);
    if (stop)
        return tq__error(ctx, TQ_ERR_CANCELLED, NULL, 0, NULL, "cancelled during %s", stage ? stage : "operation");
    return TQ_OK;
}
