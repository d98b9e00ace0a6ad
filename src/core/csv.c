/* Line-based CSV/TSV reader over zlib (reads plain and gzip files alike), and small
 * file and string-map helpers used by the readers. It sits in core/ under the
 * long-table reader (longtable.c), which every keyed table of the library goes through;
 * readers of wide or square layouts use it directly. */
#include "internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

tq_status tq__csv_open(tq_context *ctx, tq__csv *c, const char *path, char sep)
{
    memset(c, 0, sizeof *c);
    c->ctx = ctx;
    c->sep = sep;
    c->path = tq__strdup(ctx, path);
    if (!c->path)
        return TQ_ERR_NOMEM;
    if (!tq__file_exists(path)) {
        tq__error(ctx, TQ_ERR_IO, path, 0, NULL, "file not found");
        tq__csv_close(c);
        return TQ_ERR_IO;
    }
    gzFile gz = gzopen(path, "rb");
    if (!gz) {
        tq__error(ctx, TQ_ERR_IO, path, 0, NULL, "cannot open: %s", strerror(errno));
        tq__csv_close(c);
        return TQ_ERR_IO;
    }
    gzbuffer(gz, 1 << 18);
    c->gz = gz;
    c->cap = 4096;
    c->buf = tq__malloc(ctx, c->cap);
    c->capfields = 16;
    c->fields = tq__malloc(ctx, sizeof(char *) * (size_t)c->capfields);
    if (!c->buf || !c->fields) {
        tq__csv_close(c);
        return TQ_ERR_NOMEM;
    }
    return TQ_OK;
}

void tq__csv_close(tq__csv *c)
{
    if (!c || !c->ctx)
        return;
    if (c->gz)
        gzclose((gzFile)c->gz);
    for (int k = 0; k < c->nheader; k++)
        tq__free(c->ctx, c->header[k]);
    tq__free(c->ctx, c->header);
    tq__free(c->ctx, c->fields);
    tq__free(c->ctx, c->buf);
    tq__free(c->ctx, c->path);
    memset(c, 0, sizeof *c);
}

/* Read one physical line into c->buf (without the newline). 1 = line, 0 = EOF. */
static int read_line(tq__csv *c)
{
    size_t len = 0;
    for (;;) {
        if (!gzgets((gzFile)c->gz, c->buf + len, (int)(c->cap - len))) {
            int err;
            const char *msg = gzerror((gzFile)c->gz, &err);
            if (err != Z_OK && err != Z_STREAM_END) {
                tq__error(c->ctx, TQ_ERR_IO, c->path, c->line + 1, NULL, "read error (corrupt or truncated gzip?): %s",
                          msg);
                return TQ_ERR_IO;
            }
            if (len == 0)
                return 0;
            break;
        }
        len += strlen(c->buf + len);
        if (len > 0 && c->buf[len - 1] == '\n')
            break;
        if (len + 1 < c->cap) /* EOF without newline */
            break;
        if (c->cap > ((size_t)1 << 30)) {
            tq__error(c->ctx, TQ_ERR_PARSE, c->path, c->line + 1, NULL, "line longer than 1 GiB");
            return TQ_ERR_PARSE;
        }
        char *nb = tq__realloc(c->ctx, c->buf, c->cap * 2);
        if (!nb)
            return TQ_ERR_NOMEM;
        c->buf = nb;
        c->cap *= 2;
    }
    while (len > 0 && (c->buf[len - 1] == '\n' || c->buf[len - 1] == '\r'))
        c->buf[--len] = 0;
    if (memchr(c->buf, 0, len) != NULL) {
        /* an embedded NUL byte: not a text file */
        c->line++;
        tq__error(c->ctx, TQ_ERR_PARSE, c->path, c->line, NULL, "binary data (NUL byte) in a text file");
        return TQ_ERR_PARSE;
    }
    long bad = tq__text_check(c->buf, len, 1);
    if (bad >= 0 && c->buf[bad] != '\r') {
        /* Text files are UTF-8: a label in another encoding (Latin-1 names, say) would be
         * stored as bytes no writer can pass on (xlsx refuses them), so it is refused here,
         * where the line is known. The byte itself is named, never echoed. */
        c->line++;
        tq__error(c->ctx, TQ_ERR_PARSE, c->path, c->line, NULL,
                  "byte %ld of the line (0x%02X) is not UTF-8 text: save the file as UTF-8", bad + 1,
                  (unsigned)(unsigned char)c->buf[bad]);
        return TQ_ERR_PARSE;
    }
    if (memchr(c->buf, '\r', len) != NULL) {
        /* A carriage return not at the end of a line: the file ends its lines with CR alone
         * (classic Mac OS), so what was read as one line holds many. Refused rather than
         * guessed at: LF and CRLF are read; a lone CR inside a field is not data either. */
        c->line++;
        tq__error(c->ctx, TQ_ERR_PARSE, c->path, c->line, NULL,
                  "carriage return inside a line (CR-only line endings?): save the file with LF or CRLF "
                  "line endings");
        return TQ_ERR_PARSE;
    }
    c->line++;
    return 1;
}

static char *unquote(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' '))
        s[--n] = 0;
    while (*s == ' ')
        s++, n--;
    if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
        s[n - 1] = 0;
        s++;
    }
    return s;
}

int tq__csv_next(tq__csv *c)
{
    for (;;) {
        int r = read_line(c);
        if (r <= 0)
            return r;
        char *p = c->buf;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == 0)
            continue; /* blank line */
        c->nfields = 0;
        p = c->buf;
        for (;;) {
            if (c->nfields == c->capfields) {
                char **nf = tq__realloc(c->ctx, c->fields, sizeof(char *) * (size_t)c->capfields * 2);
                if (!nf)
                    return TQ_ERR_NOMEM;
                c->fields = nf;
                c->capfields *= 2;
            }
            char *end = strchr(p, c->sep);
            if (end)
                *end = 0;
            c->fields[c->nfields++] = unquote(p);
            if (!end)
                break;
            p = end + 1;
        }
        return 1;
    }
}

int tq__csv_col(const tq__csv *c, const char *name)
{
    for (int k = 0; k < c->nheader; k++)
        if (strcmp(c->header[k], name) == 0)
            return k;
    return -1;
}

tq_status tq__csv_read_header(tq__csv *c, const char *const *want, int n, int *col)
{
    int r = tq__csv_next(c);
    if (r < 0)
        return (tq_status)r;
    if (r == 0)
        return tq__error(c->ctx, TQ_ERR_PARSE, c->path, 1, NULL, "empty file: expected a header line");
    c->header = tq__calloc(c->ctx, (size_t)c->nfields, sizeof(char *));
    if (!c->header)
        return TQ_ERR_NOMEM;
    c->nheader = 0;
    for (int k = 0; k < c->nfields; k++) {
        /* strip a UTF-8 byte-order mark from the first name */
        const char *f = c->fields[k];
        if (k == 0 && (unsigned char)f[0] == 0xEF && (unsigned char)f[1] == 0xBB && (unsigned char)f[2] == 0xBF)
            f += 3;
        c->header[k] = tq__strdup(c->ctx, f);
        if (!c->header[k])
            return TQ_ERR_NOMEM;
        c->nheader = k + 1;
    }
    for (int k = 0; k < n; k++) {
        col[k] = tq__csv_col(c, want[k]);
        if (col[k] < 0)
            return tq__error(c->ctx, TQ_ERR_PARSE, c->path, c->line, want[k], "missing column '%s' in the header",
                             want[k]);
    }
    return TQ_OK;
}

const char *tq__csv_colname(const tq__csv *c, int k)
{
    static _Thread_local char buf[32];
    if (k >= 0 && k < c->nheader)
        return c->header[k];
    snprintf(buf, sizeof buf, "column %d", k + 1);
    return buf;
}

tq_status tq__csv_verror(const tq__csv *c, tq_status st, const char *field, const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    return tq__error(c->ctx, st, c->path, c->line, field, "%s", msg);
}

tq_status tq__csv_error(tq__csv *c, tq_status st, int k, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    st = tq__csv_verror(c, st, k >= 0 ? tq__csv_colname(c, k) : NULL, fmt, ap);
    va_end(ap);
    return st;
}

tq_status tq__csv_need(tq__csv *c, int n)
{
    if (c->nfields >= n)
        return TQ_OK;
    return tq__csv_error(c, TQ_ERR_PARSE, c->nfields, "truncated row: %d fields, expected %d", c->nfields, n);
}

tq_status tq__csv_exact(tq__csv *c, int n)
{
    if (c->nfields < n)
        return tq__csv_need(c, n);
    if (c->nfields > n)
        return tq__csv_error(c, TQ_ERR_PARSE, n, "extra field: %d fields, expected %d", c->nfields, n);
    return TQ_OK;
}

const char *tq__csv_str(const tq__csv *c, int k)
{
    return (k >= 0 && k < c->nfields) ? c->fields[k] : "";
}

int tq__parse_double(const char *s, double *out)
{
    if (!s || !*s)
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s)
        return -1;
    while (*end == ' ')
        end++;
    if (*end)
        return -1;
    if (!isfinite(v))
        return -2;
    *out = v;
    return 0;
}

int tq__parse_long(const char *s, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || errno)
        return -1;
    *out = v;
    return 0;
}

tq_status tq__csv_double_or(tq__csv *c, int k, double empty_value, double *out)
{
    if (k >= c->nfields)
        return tq__csv_error(c, TQ_ERR_PARSE, k, "truncated row: %d fields, column %d missing", c->nfields, k + 1);
    const char *s = c->fields[k];
    if (!*s) {
        if (isnan(empty_value))
            return tq__csv_error(c, TQ_ERR_PARSE, k, "empty value, expected a number");
        *out = empty_value;
        return TQ_OK;
    }
    int r = tq__parse_double(s, out);
    if (r == -2)
        return tq__csv_error(c, TQ_ERR_PARSE, k, "not a finite number: '%s'", s);
    if (r)
        return tq__csv_error(c, TQ_ERR_PARSE, k, "not a number: '%.40s'", s);
    return TQ_OK;
}

tq_status tq__csv_double(tq__csv *c, int k, double *out)
{
    return tq__csv_double_or(c, k, NAN, out);
}

tq_status tq__csv_int(tq__csv *c, int k, long *out)
{
    if (k >= c->nfields)
        return tq__csv_error(c, TQ_ERR_PARSE, k, "truncated row: %d fields, column %d missing", c->nfields, k + 1);
    const char *s = c->fields[k];
    if (tq__parse_long(s, out))
        return tq__csv_error(c, TQ_ERR_PARSE, k, "not an integer: '%.40s'", s);
    return TQ_OK;
}

/* ------------------------------------------------------------------ files --- */

char *tq__path_join(tq_context *ctx, const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *p = tq__malloc(ctx, a + b + 2);
    if (!p)
        return NULL;
    memcpy(p, dir, a);
    size_t o = a;
    if (a > 0 && dir[a - 1] != '/')
        p[o++] = '/';
    memcpy(p + o, name, b + 1);
    return p;
}

int tq__file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

char *tq__find_file(tq_context *ctx, const char *dir, const char *name)
{
    char *p = tq__path_join(ctx, dir, name);
    if (!p)
        return NULL;
    if (tq__file_exists(p))
        return p;
    size_t n = strlen(p);
    char *q = tq__realloc(ctx, p, n + 4);
    if (!q) {
        tq__free(ctx, p);
        return NULL;
    }
    memcpy(q + n, ".gz", 4);
    if (tq__file_exists(q))
        return q;
    tq__free(ctx, q);
    return NULL;
}

tq_status tq__csv_open_in(tq_context *ctx, tq__csv *c, const char *dir, const char *name, const char *layout,
                          int *found)
{
    memset(c, 0, sizeof *c);
    if (found)
        *found = 0;
    tq_status before = ctx->err.status;
    ctx->err.status = TQ_OK;
    char *p = tq__find_file(ctx, dir, name);
    if (!p && ctx->err.status == TQ_ERR_NOMEM)
        return TQ_ERR_NOMEM;
    ctx->err.status = before;
    if (!p) {
        if (!layout)
            return TQ_OK;
        char *want = tq__path_join(ctx, dir, name);
        if (!want)
            return TQ_ERR_NOMEM;
        tq_status st = tq__error(ctx, TQ_ERR_IO, want, 0, NULL, "missing file (the %s layout needs %s or %s.gz)",
                                 layout, name, name);
        tq__free(ctx, want);
        return st;
    }
    if (found)
        *found = 1;
    tq_status st = tq__csv_open(ctx, c, p, ',');
    tq__free(ctx, p);
    return st;
}

/* -------------------------------------------------------------- string map --- */

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

tq_status tq__index_init(tq_context *ctx, tq__index *ix, size_t expected)
{
    memset(ix, 0, sizeof *ix);
    ix->ctx = ctx;
    size_t cap = 16;
    while (cap < expected * 2 + 1)
        cap *= 2;
    ix->keys = tq__calloc(ctx, cap, sizeof(char *));
    ix->vals = tq__calloc(ctx, cap, sizeof(int));
    if (!ix->keys || !ix->vals) {
        tq__index_free(ix);
        return TQ_ERR_NOMEM;
    }
    ix->cap = cap;
    return TQ_OK;
}

void tq__index_free(tq__index *ix)
{
    if (!ix || !ix->ctx)
        return;
    for (size_t k = 0; k < ix->cap && ix->keys; k++)
        tq__free(ix->ctx, ix->keys[k]);
    tq__free(ix->ctx, ix->keys);
    tq__free(ix->ctx, ix->vals);
    memset(ix, 0, sizeof *ix);
}

static tq_status index_grow(tq__index *ix)
{
    tq__index bigger;
    tq_status st = tq__index_init(ix->ctx, &bigger, ix->cap);
    if (st)
        return st;
    for (size_t k = 0; k < ix->cap; k++)
        if (ix->keys[k]) {
            size_t h = hash_str(ix->keys[k]) & (bigger.cap - 1);
            while (bigger.keys[h])
                h = (h + 1) & (bigger.cap - 1);
            bigger.keys[h] = ix->keys[k];
            bigger.vals[h] = ix->vals[k];
            bigger.count++;
            ix->keys[k] = NULL;
        }
    tq__index_free(ix);
    *ix = bigger;
    return TQ_OK;
}

tq_status tq__index_put(tq__index *ix, const char *key, int val)
{
    if ((ix->count + 1) * 2 > ix->cap) {
        tq_status st = index_grow(ix);
        if (st)
            return st;
    }
    size_t h = hash_str(key) & (ix->cap - 1);
    while (ix->keys[h]) {
        if (strcmp(ix->keys[h], key) == 0)
            return TQ_ERR_INVALID;
        h = (h + 1) & (ix->cap - 1);
    }
    ix->keys[h] = tq__strdup(ix->ctx, key);
    if (!ix->keys[h])
        return TQ_ERR_NOMEM;
    ix->vals[h] = val;
    ix->count++;
    return TQ_OK;
}

int tq__index_get(const tq__index *ix, const char *key)
{
    if (!ix->cap)
        return -1;
    size_t h = hash_str(key) & (ix->cap - 1);
    while (ix->keys[h]) {
        if (strcmp(ix->keys[h], key) == 0)
            return ix->vals[h];
        h = (h + 1) & (ix->cap - 1);
    }
    return -1;
}
