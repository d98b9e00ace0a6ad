/* tradeq's binary dataset file (.tqb, docs/formats/binary.md): the labels and input
 * arrays of a dataset as they sit in memory, plus the records of cached recalibrated
 * baselines, behind a header with a checksum. Reading is a few freads straight into the
 * dataset's arrays and one derive, instead of parsing gzipped CSV; reading back gives
 * the same dataset bit for bit (the derived arrays are recomputed by the same
 * tq_dataset_derive the CSV readers end with). */
#include "readers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

_Static_assert(sizeof(int) == 4 && sizeof(double) == 8, "the .tqb layout assumes 4-byte int, 8-byte double");

static const unsigned char MAGIC[8] = {0x89, 'T', 'Q', 'B', '\r', '\n', 0x1a, '\n'};
#define TQB_VERSION 1u
#define TQB_ENDIAN 0x01020304u
#define HEADER_SIZE 96
#define CHECKSUM_AT 88
#define FLAG_HAS_IO 1u

typedef struct header {
    uint32_t version, endian;
    int32_t N, J, Y;
    uint32_t flags;
    uint64_t hash, labels_size, arrays_size, cache_size, file_size, checksum;
} header;

/* ------------------------------------------------------------ checksum --- */
/* A word-wise 64-bit checksum with four independent lanes (fast enough to run over
 * every byte on load: ~1 cycle a word). It is for detecting truncation and damage,
 * not an adversary. Every section is a multiple of 8 bytes. */
typedef struct cksum {
    uint64_t h[4];
    uint64_t n; /* words so far */
} cksum;

#define CK_P 0x9E3779B97F4A7C15ULL

static uint64_t rotl(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

static void ck_init(cksum *c)
{
    c->h[0] = 0x243F6A8885A308D3ULL;
    c->h[1] = 0x13198A2E03707344ULL;
    c->h[2] = 0xA4093822299F31D0ULL;
    c->h[3] = 0x082EFA98EC4E6C89ULL;
    c->n = 0;
}

static void ck_words(cksum *c, const void *p, size_t nbytes)
{
    const unsigned char *b = p;
    size_t nw = nbytes / 8, k = 0;
    uint64_t w;
    for (; k < nw && (c->n & 3); k++, c->n++) {
        memcpy(&w, b + 8 * k, 8);
        c->h[c->n & 3] = rotl(c->h[c->n & 3] ^ w, 27) * CK_P;
    }
    uint64_t h0 = c->h[0], h1 = c->h[1], h2 = c->h[2], h3 = c->h[3];
    for (; k + 4 <= nw; k += 4, c->n += 4) {
        uint64_t w4[4];
        memcpy(w4, b + 8 * k, 32);
        h0 = rotl(h0 ^ w4[0], 27) * CK_P;
        h1 = rotl(h1 ^ w4[1], 27) * CK_P;
        h2 = rotl(h2 ^ w4[2], 27) * CK_P;
        h3 = rotl(h3 ^ w4[3], 27) * CK_P;
    }
    c->h[0] = h0, c->h[1] = h1, c->h[2] = h2, c->h[3] = h3;
    for (; k < nw; k++, c->n++) {
        memcpy(&w, b + 8 * k, 8);
        c->h[c->n & 3] = rotl(c->h[c->n & 3] ^ w, 27) * CK_P;
    }
}

static uint64_t ck_final(const cksum *c)
{
    uint64_t h = c->n * CK_P;
    for (int k = 0; k < 4; k++) {
        h ^= rotl(c->h[k], 17 * k + 5);
        h *= 0xBF58476D1CE4E5B9ULL;
        h ^= h >> 31;
    }
    return h;
}

/* -------------------------------------------------------------- labels --- */
/* The labels section: strings as u32 length + bytes; then i32 tradable[J], i32
 * year[Y], i32 ngroups and per group i32 kind, i32 count, string name, i32
 * members[count]; zero-padded to a multiple of 8. */

typedef struct wbuf {
    tq_context *ctx;
    unsigned char *p;
    size_t n, cap;
    int failed;
} wbuf;

static void put(wbuf *w, const void *src, size_t len)
{
    if (w->failed)
        return;
    if (w->n + len > w->cap) {
        size_t cap = w->cap ? w->cap : 4096;
        while (cap < w->n + len)
            cap *= 2;
        unsigned char *q = tq__realloc(w->ctx, w->p, cap);
        if (!q) {
            w->failed = 1;
            return;
        }
        w->p = q;
        w->cap = cap;
    }
    memcpy(w->p + w->n, src, len);
    w->n += len;
}

static void put_i32(wbuf *w, int32_t v)
{
    put(w, &v, 4);
}

static void put_str(wbuf *w, const char *s)
{
    size_t len = s ? strlen(s) : 0;
    put_i32(w, (int32_t)len);
    put(w, s, len);
}

static void put_labels(wbuf *w, const tq_dataset *ds)
{
    put_str(w, ds->name);
    put_str(w, ds->source);
    for (int n = 0; n < ds->N; n++) {
        put_str(w, ds->rcode[n]);
        put_str(w, ds->rname[n]);
    }
    for (int j = 0; j < ds->J; j++) {
        put_str(w, ds->scode[j]);
        put_str(w, ds->sname[j]);
    }
    for (int j = 0; j < ds->J; j++)
        put_i32(w, ds->tradable[j]);
    for (int y = 0; y < ds->Y; y++)
        put_i32(w, ds->year[y]);
    put_i32(w, ds->ngroups);
    for (int g = 0; g < ds->ngroups; g++) {
        put_i32(w, ds->groups[g].kind);
        put_i32(w, ds->groups[g].count);
        put_str(w, ds->groups[g].name);
        put(w, ds->groups[g].members, sizeof(int32_t) * (size_t)ds->groups[g].count);
    }
    static const unsigned char zero[8] = {0};
    put(w, zero, (8 - w->n % 8) % 8);
}

/* Bounds-checked reader over the labels section. */
typedef struct rbuf {
    const unsigned char *p;
    size_t n, at;
    int bad;
} rbuf;

static int32_t get_i32(rbuf *r)
{
    int32_t v = 0;
    if (r->bad || r->n - r->at < 4) {
        r->bad = 1;
        return 0;
    }
    memcpy(&v, r->p + r->at, 4);
    r->at += 4;
    return v;
}

/* A string copied into buf (cap bytes, NUL-terminated); longer ones mark the buffer bad. */
static const char *get_str(rbuf *r, char *buf, size_t cap)
{
    int32_t len = get_i32(r);
    if (r->bad || len < 0 || (size_t)len >= cap || r->n - r->at < (size_t)len) {
        r->bad = 1;
        buf[0] = 0;
        return buf;
    }
    memcpy(buf, r->p + r->at, (size_t)len);
    buf[len] = 0;
    r->at += (size_t)len;
    return buf;
}

#define STR_CAP 65536

static tq_status get_labels(tq_context *ctx, rbuf *r, tq_dataset *ds, const char *path)
{
    tq_status st = TQ_OK;
    char *a = tq__malloc(ctx, STR_CAP), *b = tq__malloc(ctx, STR_CAP);
    int *members = tq__malloc(ctx, sizeof(int) * (size_t)(ds->N > ds->J ? ds->N : ds->J));
    if (!a || !b || !members) {
        st = TQ_ERR_NOMEM;
        goto done;
    }
    get_str(r, a, STR_CAP);
    get_str(r, b, STR_CAP);
    if (!r->bad)
        st = tq_dataset_set_name(ds, a, b);
    for (int n = 0; n < ds->N && !st && !r->bad; n++) {
        get_str(r, a, STR_CAP);
        get_str(r, b, STR_CAP);
        st = tq_dataset_set_region(ds, n, a, b);
    }
    for (int j = 0; j < ds->J && !st && !r->bad; j++) {
        get_str(r, a, STR_CAP);
        get_str(r, b, STR_CAP);
        st = tq_dataset_set_sector(ds, j, a, b, 1);
    }
    for (int j = 0; j < ds->J && !st; j++)
        ds->tradable[j] = get_i32(r) ? 1 : 0;
    for (int y = 0; y < ds->Y && !st; y++)
        ds->year[y] = get_i32(r);
    int ng = st ? 0 : get_i32(r);
    for (int g = 0; g < ng && !st && !r->bad; g++) {
        int kind = get_i32(r), count = get_i32(r);
        get_str(r, a, STR_CAP);
        int lim = kind == TQ_GROUP_REGION ? ds->N : ds->J;
        if (r->bad || (kind != TQ_GROUP_REGION && kind != TQ_GROUP_SECTOR) || count < 1 || count > lim) {
            r->bad = 1;
            break;
        }
        for (int k = 0; k < count; k++)
            members[k] = get_i32(r);
        if (!r->bad)
            st = tq_dataset_add_group(ds, (tq_group_kind)kind, a, members, count);
    }
    if (!st && r->bad)
        st = tq__error(ctx, TQ_ERR_PARSE, path, 0, "labels",
                       "malformed labels section (a string, group or count runs past its end)");
done:
    tq__free(ctx, a);
    tq__free(ctx, b);
    tq__free(ctx, members);
    return st;
}

/* ------------------------------------------------------------- header --- */

static void encode_header(unsigned char *h, const header *x)
{
    memset(h, 0, HEADER_SIZE);
    memcpy(h, MAGIC, 8);
    memcpy(h + 8, &x->version, 4);
    memcpy(h + 12, &x->endian, 4);
    memcpy(h + 16, &x->N, 4);
    memcpy(h + 20, &x->J, 4);
    memcpy(h + 24, &x->Y, 4);
    memcpy(h + 28, &x->flags, 4);
    memcpy(h + 32, &x->hash, 8);
    memcpy(h + 40, &x->labels_size, 8);
    memcpy(h + 48, &x->arrays_size, 8);
    memcpy(h + 56, &x->cache_size, 8);
    /* 64..79 reserved (zero) */
    memcpy(h + 80, &x->file_size, 8);
    memcpy(h + CHECKSUM_AT, &x->checksum, 8);
}

static void decode_header(const unsigned char *h, header *x)
{
    memcpy(&x->version, h + 8, 4);
    memcpy(&x->endian, h + 12, 4);
    memcpy(&x->N, h + 16, 4);
    memcpy(&x->J, h + 20, 4);
    memcpy(&x->Y, h + 24, 4);
    memcpy(&x->flags, h + 28, 4);
    memcpy(&x->hash, h + 32, 8);
    memcpy(&x->labels_size, h + 40, 8);
    memcpy(&x->arrays_size, h + 48, 8);
    memcpy(&x->cache_size, h + 56, 8);
    memcpy(&x->file_size, h + 80, 8);
    memcpy(&x->checksum, h + CHECKSUM_AT, 8);
}

/* Bytes of the stored (input) arrays: TQ_Z .. TQ_DEFICIT for every year, then theta;
 * 0 when the dimensions overflow. */
static uint64_t arrays_bytes(int N, int J, int Y)
{
    uint64_t n = (uint64_t)N, j = (uint64_t)J, y = (uint64_t)Y;
    if (n > 100000 || j > 100000 || y > 1000)
        return 0;
    uint64_t per_year = 2 * n * n * j + n * j * j + 2 * n * j + 2 * n;
    if (per_year > UINT64_MAX / 8 / (y + 1))
        return 0;
    return 8 * (per_year * y + j);
}

uint64_t tq__binary_checksum(const void *file, size_t len)
{
    cksum c;
    ck_init(&c);
    if (len >= HEADER_SIZE) {
        ck_words(&c, file, CHECKSUM_AT);
        ck_words(&c, (const unsigned char *)file + HEADER_SIZE, (len - HEADER_SIZE) & ~(size_t)7);
    }
    return ck_final(&c);
}

int tq__is_binary(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    unsigned char m[8];
    int ok = fread(m, 1, 8, f) == 8 && memcmp(m, MAGIC, 8) == 0;
    fclose(f);
    return ok;
}

/* -------------------------------------------------------------- write --- */

static size_t block_total(const tq_dataset *ds, int a)
{
    return a == TQ_THETA ? ds->len[a] : ds->len[a] * (size_t)ds->Y;
}

tq_status tq_dataset_write_binary(tq_context *ctx, const tq_dataset *ds, const char *path, int overwrite)
{
    if (!ctx || !ds || !path)
        return TQ_ERR_INVALID;
    tq__clear_error(ctx);
    struct stat sb;
    if (!overwrite && stat(path, &sb) == 0)
        return tq__error(ctx, TQ_ERR_EXISTS, path, 0, NULL, "already exists; refusing to overwrite");
    wbuf lab = {ctx, NULL, 0, 0, 0};
    put_labels(&lab, ds);
    if (lab.failed) {
        tq__free(ctx, lab.p);
        return TQ_ERR_NOMEM;
    }
    header x = {0};
    x.version = TQB_VERSION;
    x.endian = TQB_ENDIAN;
    x.N = ds->N, x.J = ds->J, x.Y = ds->Y;
    x.flags = ds->has_io ? FLAG_HAS_IO : 0;
    x.hash = tq__dataset_hash(ds);
    x.labels_size = lab.n;
    x.arrays_size = arrays_bytes(ds->N, ds->J, ds->Y);
    x.cache_size = ds->bcache ? ds->bcache->size : 0;
    x.file_size = HEADER_SIZE + x.labels_size + x.arrays_size + x.cache_size;
    unsigned char h[HEADER_SIZE];
    encode_header(h, &x);
    cksum c;
    ck_init(&c);
    ck_words(&c, h, CHECKSUM_AT);
    ck_words(&c, lab.p, lab.n);
    for (int a = 0; a <= TQ_THETA; a++)
        ck_words(&c, ds->arr[a], block_total(ds, a) * sizeof(double));
    if (x.cache_size)
        ck_words(&c, ds->bcache->data, x.cache_size);
    x.checksum = ck_final(&c);
    encode_header(h, &x);

    /* write under a temporary name and rename: a reader never sees half a file */
    size_t plen = strlen(path);
    char *tmp = tq__malloc(ctx, plen + 16);
    if (!tmp) {
        tq__free(ctx, lab.p);
        return TQ_ERR_NOMEM;
    }
    snprintf(tmp, plen + 16, "%s.tmp%ld", path, (long)getpid() % 1000000);
    tq_status st = TQ_OK;
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        st = tq__error(ctx, TQ_ERR_IO, path, 0, NULL, "cannot write: %s", strerror(errno));
        goto done;
    }
    int ok = fwrite(h, 1, HEADER_SIZE, f) == HEADER_SIZE && fwrite(lab.p, 1, lab.n, f) == lab.n;
    for (int a = 0; a <= TQ_THETA && ok; a++)
        ok = fwrite(ds->arr[a], sizeof(double), block_total(ds, a), f) == block_total(ds, a);
    if (ok && x.cache_size)
        ok = fwrite(ds->bcache->data, 1, x.cache_size, f) == x.cache_size;
    if (fclose(f) != 0)
        ok = 0;
    if (!ok || rename(tmp, path) != 0) {
        st = tq__error(ctx, TQ_ERR_IO, path, 0, NULL, "cannot write: %s", strerror(errno));
        remove(tmp);
    }
done:
    tq__free(ctx, tmp);
    tq__free(ctx, lab.p);
    return st;
}

/* --------------------------------------------------------------- read --- */

static tq_status corrupt(tq_context *ctx, const char *path, const char *what)
{
    return tq__error(ctx, TQ_ERR_PARSE, path, 0, NULL, "corrupt tradeq binary dataset: %s; rebuild it", what);
}

tq_status tq__read_binary(tq_context *ctx, const char *path, tq_dataset **out)
{
    *out = NULL;
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return tq__error(ctx, TQ_ERR_IO, path, 0, NULL, "cannot open: %s", strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0 || sb.st_size < HEADER_SIZE) {
        close(fd);
        return corrupt(ctx, path, "truncated header");
    }
    /* The file is mapped, not read: its pages come from the page cache without being
     * copied, and the cached baselines stay there until a lookup copies the one it
     * needs (fresh memory is what a start pays for most). */
    const size_t flen = (size_t)sb.st_size;
    void *map = mmap(NULL, flen, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return tq__error(ctx, TQ_ERR_IO, path, 0, NULL, "cannot map: %s", strerror(errno));
    const unsigned char *m = map;
    tq_status st = TQ_OK;
    tq_dataset *ds = NULL;
    header x;
    if (memcmp(m, MAGIC, 8) != 0) {
        st = tq__error(ctx, TQ_ERR_PARSE, path, 0, NULL, "not a tradeq binary dataset (no .tqb signature)");
        goto fail;
    }
    decode_header(m, &x);
    if (x.endian != TQB_ENDIAN) {
        st = tq__error(ctx, TQ_ERR_UNSUPPORTED, path, 0, NULL,
                       "written on a machine of the other byte order; rebuild it here from the CSV dataset");
        goto fail;
    }
    if (x.version != TQB_VERSION) {
        st = tq__error(ctx, TQ_ERR_UNSUPPORTED, path, 0, NULL,
                       "binary dataset version %u, this library reads version %u; rebuild it from the CSV dataset",
                       (unsigned)x.version, TQB_VERSION);
        goto fail;
    }
    if ((uint64_t)flen != x.file_size) {
        char what[160];
        snprintf(what, sizeof what, "%s: the header says %llu bytes, the file has %llu",
                 (uint64_t)flen < x.file_size ? "truncated" : "trailing bytes", (unsigned long long)x.file_size,
                 (unsigned long long)flen);
        st = corrupt(ctx, path, what);
        goto fail;
    }
    uint64_t ab = arrays_bytes(x.N, x.J, x.Y);
    if (x.N < 1 || x.J < 1 || x.Y < 1 || ab == 0 || x.arrays_size != ab || x.labels_size % 8 || x.cache_size % 8 ||
        x.labels_size > x.file_size || x.cache_size > x.file_size ||
        HEADER_SIZE + x.labels_size + x.arrays_size + x.cache_size != x.file_size) {
        st = corrupt(ctx, path, "inconsistent sizes in the header");
        goto fail;
    }
    const unsigned char *labels = m + HEADER_SIZE, *arrays = labels + x.labels_size;
    const unsigned char *cache = arrays + x.arrays_size;
    cksum c;
    ck_init(&c);
    ck_words(&c, m, CHECKSUM_AT);
    ck_words(&c, labels, (size_t)(x.labels_size + x.arrays_size + x.cache_size));
    if (ck_final(&c) != x.checksum) {
        st = corrupt(ctx, path, "checksum mismatch (the file is damaged)");
        goto fail;
    }
    if ((st = tq_dataset_new(ctx, x.N, x.J, x.Y, &ds)))
        goto fail;
    rbuf r = {labels, (size_t)x.labels_size, 0, 0};
    if ((st = get_labels(ctx, &r, ds, path)))
        goto fail;
    const unsigned char *at = arrays;
    for (int a = 0; a <= TQ_THETA; a++) {
        size_t nb = block_total(ds, a) * sizeof(double);
        memcpy(ds->arr[a], at, nb);
        at += nb;
    }
    ds->has_io = (x.flags & FLAG_HAS_IO) ? 1 : 0;
    if ((st = tq_dataset_derive(ctx, ds)))
        goto fail;
    if (x.cache_size) {
        st = tq__dataset_cache_adopt(ds, map, flen, cache, (size_t)x.cache_size);
        map = NULL; /* owned by ds now (or unmapped on failure) */
        if (st)
            goto fail;
    } else {
        munmap(map, flen);
        map = NULL;
    }
    /* the checksum vouches that the content is what was hashed when it was written */
    if ((st = tq__dataset_store_hash(ds, x.hash)))
        goto fail;
    *out = ds;
    return TQ_OK;
fail:
    if (map)
        munmap(map, flen);
    tq_dataset_free(ds);
    return st;
}
