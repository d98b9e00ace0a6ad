/* Cached recalibrated baselines: a tq_baseline serialised into a record of the
 * dataset's baseline cache (carried by .tqb files, docs/formats/binary.md), and the
 * lookup tq_baseline_new() makes before solving.
 *
 * Recalibrating wiod2014 costs ~34 ms, more than the rest of a run's start; the build
 * solves it once per closure and the record hands back the very same arrays. A record
 * is used only when its key matches exactly: the dataset's current content hash, the
 * year, the closure, every solver option that shapes a baseline and the library
 * version, so a changed dataset (an elasticity override) or option recomputes. */
#include "ge.h"

#include <string.h>

#define REC_MAGIC 0x4C425154u /* "TQBL" */
#define REC_VERSION 1u
#define VERSION_BYTES 16

/* The record: a fixed head (below, offsets in bytes) and then the arrays in the order of
 * the baseline's single block: pi, t [NNJ]; gamma [NJJ]; beta, alpha, X [NJ]; theta
 * [J]; VA, D, I, R [N]. */
typedef struct rec_head {
    uint32_t magic, version;
    char lib[VERSION_BYTES];
    /* key */
    uint64_t hash;
    int32_t year, closure, baseline_mode, method;
    double tol;
    int32_t max_iter, anderson_m;
    double damping;
    int32_t numeraire, N, J;
    /* tq_solve_info of the recalibration, and how far the data moved */
    int32_t status, iterations, sweeps, info_method, threads;
    double residual, res_e2, res_e4, res_e5, seconds;
    double moved_w, moved_p;
} rec_head;

/* Field-by-field encoding, so that the record's layout does not depend on padding. */
#define HEAD_BYTES (8 + VERSION_BYTES + 8 + 4 * 4 + 8 + 2 * 4 + 8 + 3 * 4 + 5 * 4 + 7 * 8)

typedef struct cur {
    unsigned char *p;
    size_t at;
} cur;

static void w(cur *c, const void *v, size_t n)
{
    memcpy(c->p + c->at, v, n);
    c->at += n;
}

/* Encode (write = 1) or decode the head at c. */
static void head_io(cur *c, rec_head *h, int write)
{
#define F(field, n)                                                                                                    \
    do {                                                                                                               \
        if (write)                                                                                                     \
            memcpy(c->p + c->at, (field), (n));                                                                        \
        else                                                                                                           \
            memcpy((field), c->p + c->at, (n));                                                                        \
        c->at += (n);                                                                                                  \
    } while (0)
    F(&h->magic, 4);
    F(&h->version, 4);
    F(h->lib, VERSION_BYTES);
    F(&h->hash, 8);
    F(&h->year, 4);
    F(&h->closure, 4);
    F(&h->baseline_mode, 4);
    F(&h->method, 4);
    F(&h->tol, 8);
    F(&h->max_iter, 4);
    F(&h->anderson_m, 4);
    F(&h->damping, 8);
    F(&h->numeraire, 4);
    F(&h->N, 4);
    F(&h->J, 4);
    F(&h->status, 4);
    F(&h->iterations, 4);
    F(&h->sweeps, 4);
    F(&h->info_method, 4);
    F(&h->threads, 4);
    F(&h->residual, 8);
    F(&h->res_e2, 8);
    F(&h->res_e4, 8);
    F(&h->res_e5, 8);
    F(&h->seconds, 8);
    F(&h->moved_w, 8);
    F(&h->moved_p, 8);
#undef F
}

static size_t block_doubles(int N, int J)
{
    const size_t NN = (size_t)N, JJ = (size_t)J;
    return 2 * NN * NN * JJ + NN * JJ * JJ + 3 * NN * JJ + JJ + 4 * NN;
}

/* The key fields of a head from the lookup's arguments. */
static void key_of(rec_head *h, uint64_t hash, int y, tq_closure closure, const tq_solver_options *o)
{
    memset(h, 0, sizeof *h);
    h->magic = REC_MAGIC;
    h->version = REC_VERSION;
    strncpy(h->lib, TQ_VERSION_STRING, VERSION_BYTES - 1);
    h->hash = hash;
    h->year = y;
    h->closure = (int32_t)closure;
    h->baseline_mode = (int32_t)o->baseline_mode;
    h->method = (int32_t)o->method;
    h->tol = o->tol;
    h->max_iter = o->max_iter;
    h->anderson_m = o->anderson_m;
    h->damping = o->damping;
    h->numeraire = o->numeraire_region;
}

static int key_equal(const rec_head *a, const rec_head *b)
{
    return a->magic == b->magic && a->version == b->version && memcmp(a->lib, b->lib, VERSION_BYTES) == 0 &&
           a->hash == b->hash && a->year == b->year && a->closure == b->closure &&
           a->baseline_mode == b->baseline_mode && a->method == b->method &&
           memcmp(&a->tol, &b->tol, sizeof(double)) == 0 && a->max_iter == b->max_iter &&
           a->anderson_m == b->anderson_m && memcmp(&a->damping, &b->damping, sizeof(double)) == 0 &&
           a->numeraire == b->numeraire;
}

tq_status tq_dataset_cache_baseline(tq_context *ctx, tq_dataset *ds, const tq_baseline *b, const tq_solver_options *opt)
{
    if (!ctx || !ds || !b || !b->labels)
        return TQ_ERR_INVALID;
    if (b->model) /* the cache holds Caliendo-Parro baselines only (its key has no model) */
        return tq__error(ctx, TQ_ERR_UNSUPPORTED, NULL, 0, "model", "only Caliendo-Parro baselines can be cached");
    if (b->N != ds->N || b->J != ds->J)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, NULL, "the baseline (%d x %d) is not of this dataset (%d x %d)",
                         b->N, b->J, ds->N, ds->J);
    tq_solver_options defo;
    if (!opt) {
        tq_solver_options_default(&defo);
        opt = &defo;
    }
    rec_head h;
    /* keyed by the content of the dataset the baseline was made from */
    key_of(&h, tq__dataset_hash(b->labels), b->year, b->closure, opt);
    h.N = b->N;
    h.J = b->J;
    h.status = (int32_t)b->info.status;
    h.iterations = b->info.iterations;
    h.sweeps = b->info.sweeps;
    h.info_method = (int32_t)b->info.method;
    h.threads = b->info.threads;
    h.residual = b->info.residual;
    h.res_e2 = b->info.res_e2;
    h.res_e4 = b->info.res_e4;
    h.res_e5 = b->info.res_e5;
    h.seconds = b->info.seconds;
    h.moved_w = b->moved_w;
    h.moved_p = b->moved_p;

    const size_t NN = (size_t)b->N, JJ = (size_t)b->J;
    const size_t nd = block_doubles(b->N, b->J);
    cur c = {tq__malloc(ctx, HEAD_BYTES + nd * sizeof(double)), 0};
    if (!c.p)
        return TQ_ERR_NOMEM;
    head_io(&c, &h, 1);
    w(&c, b->pi, NN * NN * JJ * sizeof(double));
    w(&c, b->t, NN * NN * JJ * sizeof(double));
    w(&c, b->gamma, NN * JJ * JJ * sizeof(double));
    w(&c, b->beta, NN * JJ * sizeof(double));
    w(&c, b->alpha, NN * JJ * sizeof(double));
    w(&c, b->X, NN * JJ * sizeof(double));
    w(&c, b->theta, JJ * sizeof(double));
    w(&c, b->VA, NN * sizeof(double));
    w(&c, b->D, NN * sizeof(double));
    w(&c, b->I, NN * sizeof(double));
    w(&c, b->R, NN * sizeof(double));
    tq_status st = tq__dataset_cache_add(ds, c.p, c.at);
    tq__free(ctx, c.p);
    return st;
}

int tq__baseline_cache_lookup(tq_context *ctx, const tq_dataset *ds, int y, tq_closure closure,
                              const tq_solver_options *opt, tq_baseline **out)
{
    if (!ds || !ds->bcache)
        return 0;
    tq_solver_options defo;
    if (!opt) {
        tq_solver_options_default(&defo);
        opt = &defo;
    }
    rec_head want;
    key_of(&want, tq__dataset_hash(ds), y, closure, opt);
    const int N = ds->N, J = ds->J;
    const size_t nd = block_doubles(N, J);
    size_t off = 0, len = 0;
    const unsigned char *p;
    while ((p = tq__dataset_cache_next(ds, &off, &len)) != NULL) {
        if (len < HEAD_BYTES)
            continue;
        rec_head h;
        cur c = {(unsigned char *)p, 0};
        head_io(&c, &h, 0);
        if (!key_equal(&h, &want) || h.N != N || h.J != J || len != HEAD_BYTES + nd * sizeof(double))
            continue;
        /* the same layout as baseline.c's baseline_alloc: one block starting at pi, so
         * that tq_baseline_free releases it */
        tq_baseline *b = tq__calloc(ctx, 1, sizeof *b);
        double *blk = tq__malloc(ctx, nd * sizeof(double));
        if (!b || !blk) {
            tq__free(ctx, b);
            tq__free(ctx, blk);
            return 0; /* fall back to solving */
        }
        memcpy(blk, p + HEAD_BYTES, nd * sizeof(double));
        const size_t NN = (size_t)N, JJ = (size_t)J;
        b->ctx = ctx;
        b->N = N;
        b->J = J;
        b->pi = blk, blk += NN * NN * JJ;
        b->t = blk, blk += NN * NN * JJ;
        b->gamma = blk, blk += NN * JJ * JJ;
        b->beta = blk, blk += NN * JJ;
        b->alpha = blk, blk += NN * JJ;
        b->X = blk, blk += NN * JJ;
        b->theta = blk, blk += JJ;
        b->VA = blk, blk += NN;
        b->D = blk, blk += NN;
        b->I = blk, blk += NN;
        b->R = blk;
        b->closure = closure;
        b->year = y;
        b->info.status = (tq_status)h.status;
        b->info.iterations = h.iterations;
        b->info.sweeps = h.sweeps;
        b->info.method = (tq_method)h.info_method;
        b->info.threads = h.threads;
        b->info.residual = h.residual;
        b->info.res_e2 = h.res_e2;
        b->info.res_e4 = h.res_e4;
        b->info.res_e5 = h.res_e5;
        b->info.seconds = h.seconds;
        b->moved_w = h.moved_w;
        b->moved_p = h.moved_p;
        if (tq__baseline_labels(ctx, ds, &b->labels) != TQ_OK) {
            tq__free(ctx, b->pi); /* the one block (see above); no labels yet */
            tq__free(ctx, b);
            return 0;
        }
        *out = b;
        return 1;
    }
    return 0;
}

/* The source dataset without its derived [n,i,j] arrays (TQ_X, TQ_PI: length 0): the
 * labels (name, source, codes, names, tradable flags, years, groups) and the input
 * arrays, so that tq_dataset_hash of it is the source's. The baseline's t, gamma, beta
 * and alpha point into its year (never changed), so they are not stored twice. */
tq_status tq__baseline_labels(tq_context *ctx, const tq_dataset *ds, tq_dataset **out)
{
    *out = NULL;
    tq_dataset *c = tq__calloc(ctx, 1, sizeof *c);
    if (!c)
        return TQ_ERR_NOMEM;
    const int N = ds->N, J = ds->J, Y = ds->Y;
    c->ctx = ctx;
    c->N = N;
    c->J = J;
    c->Y = Y;
    c->has_io = ds->has_io;
    c->rcode = tq__calloc(ctx, (size_t)N, sizeof(char *));
    c->rname = tq__calloc(ctx, (size_t)N, sizeof(char *));
    c->scode = tq__calloc(ctx, (size_t)J, sizeof(char *));
    c->sname = tq__calloc(ctx, (size_t)J, sizeof(char *));
    c->tradable = tq__calloc(ctx, (size_t)J, sizeof(int));
    c->year = tq__calloc(ctx, (size_t)Y, sizeof(int));
    tq_status st = TQ_OK;
    if (!c->rcode || !c->rname || !c->scode || !c->sname || !c->tradable || !c->year)
        st = TQ_ERR_NOMEM;
    for (int a = 0; a < TQ_ARRAY_COUNT && !st; a++) {
        if (a == TQ_X || a == TQ_PI) {
            /* length 0, but a valid pointer for tq_dataset_array */
            if (!(c->arr[a] = tq__calloc(ctx, 1, sizeof(double))))
                st = TQ_ERR_NOMEM;
            continue;
        }
        c->len[a] = ds->len[a];
        const size_t total = (a == TQ_THETA) ? ds->len[a] : ds->len[a] * (size_t)Y;
        if (!(c->arr[a] = tq__malloc(ctx, total * sizeof(double)))) {
            st = TQ_ERR_NOMEM;
        } else {
            tq__advise_huge(c->arr[a], total * sizeof(double));
            memcpy(c->arr[a], ds->arr[a], total * sizeof(double));
        }
    }
    c->theta = c->arr[TQ_THETA];
    if (!st)
        st = tq_dataset_set_name(c, ds->name, ds->source);
    for (int n = 0; n < N && !st; n++)
        st = tq_dataset_set_region(c, n, ds->rcode[n], ds->rname[n]);
    for (int j = 0; j < J && !st; j++)
        st = tq_dataset_set_sector(c, j, ds->scode[j], ds->sname[j], ds->tradable[j]);
    if (!st)
        memcpy(c->year, ds->year, sizeof(int) * (size_t)Y);
    for (int g = 0; g < ds->ngroups && !st; g++)
        st = tq_dataset_add_group(c, (tq_group_kind)ds->groups[g].kind, ds->groups[g].name, ds->groups[g].members,
                                  ds->groups[g].count);
    if (st) {
        tq_dataset_free(c);
        return st;
    }
    *out = c;
    return TQ_OK;
}
