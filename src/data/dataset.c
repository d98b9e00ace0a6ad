/* The dataset: labels, the model inputs of MODEL.md by year, derived quantities,
 * the consistency report and rebalancing. */
#include "dataset.h"

#include <math.h>
#include <string.h>
#include <sys/mman.h>

size_t tq__array_len(tq_array a, int N, int J)
{
    size_t n = (size_t)N, j = (size_t)J;
    switch (a) {
    case TQ_Z:
    case TQ_TARIFF:
    case TQ_X:
    case TQ_PI: return n * n * j;
    case TQ_GAMMA: return n * j * j;
    case TQ_BETA:
    case TQ_ALPHA:
    case TQ_XJ:
    case TQ_Y: return n * j;
    case TQ_VA:
    case TQ_DEFICIT:
    case TQ_R:
    case TQ_I: return n;
    case TQ_THETA: return j;
    case TQ_ARRAY_COUNT: break;
    }
    return 0;
}

tq_status tq_dataset_new(tq_context *ctx, int N, int J, int years, tq_dataset **out)
{
    *out = NULL;
    if (N < 1 || J < 1 || years < 1 || N > 100000 || J > 100000 || years > 1000)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, NULL, "bad dataset dimensions: %d regions, %d sectors, %d years",
                         N, J, years);
    tq_dataset *ds = tq__calloc(ctx, 1, sizeof *ds);
    if (!ds)
        return TQ_ERR_NOMEM;
    ds->ctx = ctx;
    ds->N = N;
    ds->J = J;
    ds->Y = years;
    ds->has_io = 1;
    ds->name = tq__strdup(ctx, "");
    ds->source = tq__strdup(ctx, "");
    ds->rcode = tq__calloc(ctx, (size_t)N, sizeof(char *));
    ds->rname = tq__calloc(ctx, (size_t)N, sizeof(char *));
    ds->scode = tq__calloc(ctx, (size_t)J, sizeof(char *));
    ds->sname = tq__calloc(ctx, (size_t)J, sizeof(char *));
    ds->tradable = tq__calloc(ctx, (size_t)J, sizeof(int));
    ds->year = tq__calloc(ctx, (size_t)years, sizeof(int));
    if (!ds->name || !ds->source || !ds->rcode || !ds->rname || !ds->scode || !ds->sname || !ds->tradable || !ds->year)
        goto nomem;
    for (int a = 0; a < TQ_ARRAY_COUNT; a++) {
        ds->len[a] = tq__array_len((tq_array)a, N, J);
        size_t total = (a == TQ_THETA) ? ds->len[a] : ds->len[a] * (size_t)years;
        ds->arr[a] = tq__calloc(ctx, total, sizeof(double));
        if (!ds->arr[a])
            goto nomem;
    }
    ds->theta = ds->arr[TQ_THETA];
    for (int j = 0; j < J; j++) {
        ds->theta[j] = 1.0;
        ds->tradable[j] = 1;
    }
    *out = ds;
    return TQ_OK;
nomem:
    tq_dataset_free(ds);
    return tq__error(ctx, TQ_ERR_NOMEM, NULL, 0, NULL, "out of memory for a %d x %d x %d dataset", N, J, years);
}

/* Whether ds->hash is still its content hash (see dataset.h). */
static int stored_hash_holds(const tq_dataset *ds)
{
    return ds->hash_valid && ds->hash_theta && memcmp(ds->hash_theta, ds->theta, sizeof(double) * (size_t)ds->J) == 0;
}

static void bcache_release(tq__bcache *c)
{
    if (!c || atomic_fetch_sub(&c->refs, 1) > 1)
        return;
    if (c->map)
        munmap(c->map, c->map_len);
    else
        c->alloc.free_fn(c->alloc.ud, c->data);
    c->alloc.free_fn(c->alloc.ud, c);
}

static void free_strs(tq_context *ctx, char **v, int n)
{
    if (!v)
        return;
    for (int k = 0; k < n; k++)
        tq__free(ctx, v[k]);
    tq__free(ctx, v);
}

void tq_dataset_free(tq_dataset *ds)
{
    if (!ds)
        return;
    tq_context *ctx = ds->ctx;
    free_strs(ctx, ds->rcode, ds->N);
    free_strs(ctx, ds->rname, ds->N);
    free_strs(ctx, ds->scode, ds->J);
    free_strs(ctx, ds->sname, ds->J);
    tq__free(ctx, ds->tradable);
    tq__free(ctx, ds->year);
    tq__free(ctx, ds->name);
    tq__free(ctx, ds->source);
    for (int a = 0; a < TQ_ARRAY_COUNT; a++)
        tq__free(ctx, ds->arr[a]);
    for (int g = 0; g < ds->ngroups; g++) {
        tq__free(ctx, ds->groups[g].name);
        tq__free(ctx, ds->groups[g].members);
    }
    tq__free(ctx, ds->groups);
    tq__free(ctx, ds->hash_theta);
    bcache_release(ds->bcache);
    tq__free(ctx, ds);
}

tq_status tq_dataset_clone(tq_context *ctx, const tq_dataset *ds, tq_dataset **out)
{
    tq_dataset *c;
    tq_status st = tq_dataset_new(ctx, ds->N, ds->J, ds->Y, &c);
    if (st)
        return st;
    c->has_io = ds->has_io;
    if ((st = tq_dataset_set_name(c, ds->name, ds->source)))
        goto fail;
    for (int n = 0; n < ds->N; n++)
        if ((st = tq_dataset_set_region(c, n, ds->rcode[n], ds->rname[n])))
            goto fail;
    for (int j = 0; j < ds->J; j++)
        if ((st = tq_dataset_set_sector(c, j, ds->scode[j], ds->sname[j], ds->tradable[j])))
            goto fail;
    memcpy(c->year, ds->year, sizeof(int) * (size_t)ds->Y);
    for (int a = 0; a < TQ_ARRAY_COUNT; a++) {
        size_t total = (a == TQ_THETA) ? ds->len[a] : ds->len[a] * (size_t)ds->Y;
        memcpy(c->arr[a], ds->arr[a], total * sizeof(double));
    }
    for (int g = 0; g < ds->ngroups; g++)
        if ((st = tq_dataset_add_group(c, (tq_group_kind)ds->groups[g].kind, ds->groups[g].name, ds->groups[g].members,
                                       ds->groups[g].count)))
            goto fail;
    /* the copy has the same content: it keeps the stored hash (if it still holds:
     * theta may have been changed in place since) and shares the cache */
    if (stored_hash_holds(ds) && (st = tq__dataset_store_hash(c, ds->hash)))
        goto fail;
    if (ds->bcache) {
        c->bcache = ds->bcache;
        atomic_fetch_add(&c->bcache->refs, 1);
    }
    *out = c;
    return TQ_OK;
fail:
    tq_dataset_free(c);
    return st;
}

int tq_dataset_regions(const tq_dataset *ds)
{
    return ds->N;
}
int tq_dataset_sectors(const tq_dataset *ds)
{
    return ds->J;
}
int tq_dataset_years(const tq_dataset *ds)
{
    return ds->Y;
}
int tq_dataset_has_io(const tq_dataset *ds)
{
    return ds->has_io;
}
void tq_dataset_set_has_io(tq_dataset *ds, int has_io)
{
    ds->hash_valid = 0;
    ds->has_io = has_io ? 1 : 0;
}

static tq_status replace_str(tq_dataset *ds, char **slot, const char *s)
{
    ds->hash_valid = 0;
    /* Labels are UTF-8 text without control bytes, whatever the source (a reader, a .tqb
     * file, a caller of the API): every writer (xlsx, .dta, JSON) passes them on as text. */
    long bad = s ? tq__text_check(s, strlen(s), 0) : -1;
    if (bad >= 0)
        return tq__error(ds->ctx, TQ_ERR_INVALID, NULL, 0, NULL,
                         "label '%s' is not UTF-8 text (byte %ld is 0x%02X): region and sector labels must be", s,
                         bad + 1, (unsigned)(unsigned char)s[bad]);
    char *d = tq__strdup(ds->ctx, s);
    if (!d)
        return TQ_ERR_NOMEM;
    tq__free(ds->ctx, *slot);
    *slot = d;
    return TQ_OK;
}

tq_status tq_dataset_set_region(tq_dataset *ds, int n, const char *code, const char *name)
{
    if (n < 0 || n >= ds->N)
        return tq__error(ds->ctx, TQ_ERR_INVALID, NULL, 0, NULL, "region index %d out of range", n);
    tq_status st = replace_str(ds, &ds->rcode[n], code);
    if (!st)
        st = replace_str(ds, &ds->rname[n], name && *name ? name : code);
    return st;
}

tq_status tq_dataset_set_sector(tq_dataset *ds, int j, const char *code, const char *name, int tradable)
{
    if (j < 0 || j >= ds->J)
        return tq__error(ds->ctx, TQ_ERR_INVALID, NULL, 0, NULL, "sector index %d out of range", j);
    tq_status st = replace_str(ds, &ds->scode[j], code);
    if (!st)
        st = replace_str(ds, &ds->sname[j], name && *name ? name : code);
    ds->tradable[j] = tradable ? 1 : 0;
    ds->hash_valid = 0;
    return st;
}

tq_status tq_dataset_set_year(tq_dataset *ds, int y, int year)
{
    if (y < 0 || y >= ds->Y)
        return tq__error(ds->ctx, TQ_ERR_INVALID, NULL, 0, NULL, "year index %d out of range", y);
    ds->year[y] = year;
    ds->hash_valid = 0;
    return TQ_OK;
}

tq_status tq_dataset_set_name(tq_dataset *ds, const char *name, const char *source)
{
    tq_status st = replace_str(ds, &ds->name, name);
    if (!st)
        st = replace_str(ds, &ds->source, source);
    return st;
}

const char *tq_dataset_name(const tq_dataset *ds)
{
    return ds->name;
}
const char *tq_dataset_source(const tq_dataset *ds)
{
    return ds->source;
}
const char *tq_dataset_region_code(const tq_dataset *ds, int n)
{
    return (n >= 0 && n < ds->N && ds->rcode[n]) ? ds->rcode[n] : "";
}
const char *tq_dataset_region_name(const tq_dataset *ds, int n)
{
    return (n >= 0 && n < ds->N && ds->rname[n]) ? ds->rname[n] : "";
}
const char *tq_dataset_sector_code(const tq_dataset *ds, int j)
{
    return (j >= 0 && j < ds->J && ds->scode[j]) ? ds->scode[j] : "";
}
const char *tq_dataset_sector_name(const tq_dataset *ds, int j)
{
    return (j >= 0 && j < ds->J && ds->sname[j]) ? ds->sname[j] : "";
}
int tq_dataset_sector_tradable(const tq_dataset *ds, int j)
{
    return (j >= 0 && j < ds->J) ? ds->tradable[j] : 0;
}
int tq_dataset_year(const tq_dataset *ds, int y)
{
    return (y >= 0 && y < ds->Y) ? ds->year[y] : 0;
}

int tq_dataset_find_region(const tq_dataset *ds, const char *code)
{
    for (int n = 0; n < ds->N; n++)
        if (ds->rcode[n] && strcmp(ds->rcode[n], code) == 0)
            return n;
    return -1;
}

int tq_dataset_find_sector(const tq_dataset *ds, const char *code)
{
    for (int j = 0; j < ds->J; j++)
        if (ds->scode[j] && strcmp(ds->scode[j], code) == 0)
            return j;
    return -1;
}

int tq_dataset_find_year(const tq_dataset *ds, int year)
{
    for (int y = 0; y < ds->Y; y++)
        if (ds->year[y] == year)
            return y;
    return -1;
}

static double *array_at(const tq_dataset *ds, tq_array which, int y, size_t *len)
{
    if ((int)which < 0 || which >= TQ_ARRAY_COUNT)
        return NULL;
    if (which == TQ_THETA)
        y = 0;
    if (y < 0 || y >= ds->Y)
        return NULL;
    if (len)
        *len = ds->len[which];
    return ds->arr[which] + ds->len[which] * (size_t)y;
}

double *tq_dataset_array(tq_dataset *ds, tq_array which, int y, size_t *len)
{
    /* a writable pointer may change the content: the stored hash no longer holds */
    ds->hash_valid = 0;
    return array_at(ds, which, y, len);
}

const double *tq_dataset_array_const(const tq_dataset *ds, tq_array which, int y, size_t *len)
{
    return array_at(ds, which, y, len);
}

/* ---------------------------------------------------------------- derive --- */

tq_status tq_dataset_derive(tq_context *ctx, tq_dataset *ds)
{
    (void)ctx;
    const int N = ds->N, J = ds->J;
    for (int y = 0; y < ds->Y; y++) {
        const double *Z = tq_dataset_array(ds, TQ_Z, y, NULL);
        const double *t = tq_dataset_array(ds, TQ_TARIFF, y, NULL);
        const double *VA = tq_dataset_array(ds, TQ_VA, y, NULL);
        const double *D = tq_dataset_array(ds, TQ_DEFICIT, y, NULL);
        double *X = tq_dataset_array(ds, TQ_X, y, NULL);
        double *XJ = tq_dataset_array(ds, TQ_XJ, y, NULL);
        double *pi = tq_dataset_array(ds, TQ_PI, y, NULL);
        double *Yo = tq_dataset_array(ds, TQ_Y, y, NULL);
        double *R = tq_dataset_array(ds, TQ_R, y, NULL);
        double *I = tq_dataset_array(ds, TQ_I, y, NULL);
        memset(XJ, 0, sizeof(double) * (size_t)N * (size_t)J);
        memset(Yo, 0, sizeof(double) * (size_t)N * (size_t)J);
        for (int n = 0; n < N; n++) {
            R[n] = 0;
            for (int i = 0; i < N; i++)
                for (int j = 0; j < J; j++) {
                    size_t a = TQ_NIJ(N, J, n, i, j);
                    X[a] = (1.0 + t[a]) * Z[a];
                    XJ[TQ_NJ(J, n, j)] += X[a];
                    Yo[TQ_NJ(J, i, j)] += Z[a];
                    R[n] += t[a] * Z[a];
                }
        }
        for (int n = 0; n < N; n++) {
            I[n] = VA[n] + R[n] + D[n];
            for (int i = 0; i < N; i++)
                for (int j = 0; j < J; j++) {
                    size_t a = TQ_NIJ(N, J, n, i, j);
                    double tot = XJ[TQ_NJ(J, n, j)];
                    pi[a] = tot > 0 ? X[a] / tot : 0.0;
                }
        }
    }
    return TQ_OK;
}

/* Imports and exports of region n in year y (pre-tariff, all sectors). */
static void trade_totals(const tq_dataset *ds, int y, int n, double *imp, double *exp_)
{
    const int N = ds->N, J = ds->J;
    const double *Z = tq_dataset_array_const(ds, TQ_Z, y, NULL);
    double m = 0, x = 0;
    for (int i = 0; i < N; i++) {
        if (i == n)
            continue;
        for (int j = 0; j < J; j++) {
            m += Z[TQ_NIJ(N, J, n, i, j)];
            x += Z[TQ_NIJ(N, J, i, n, j)];
        }
    }
    *imp = m;
    *exp_ = x;
}

tq_status tq_dataset_fill_no_io(tq_context *ctx, tq_dataset *ds)
{
    const int N = ds->N, J = ds->J;
    tq_status st = tq_dataset_derive(ctx, ds);
    if (st)
        return st;
    for (int y = 0; y < ds->Y; y++) {
        double *gamma = tq_dataset_array(ds, TQ_GAMMA, y, NULL);
        double *beta = tq_dataset_array(ds, TQ_BETA, y, NULL);
        double *alpha = tq_dataset_array(ds, TQ_ALPHA, y, NULL);
        double *VA = tq_dataset_array(ds, TQ_VA, y, NULL);
        double *D = tq_dataset_array(ds, TQ_DEFICIT, y, NULL);
        const double *XJ = tq_dataset_array(ds, TQ_XJ, y, NULL);
        const double *Yo = tq_dataset_array(ds, TQ_Y, y, NULL);
        memset(gamma, 0, sizeof(double) * ds->len[TQ_GAMMA]);
        for (int n = 0; n < N; n++) {
            double va = 0, tot = 0;
            for (int j = 0; j < J; j++) {
                beta[TQ_NJ(J, n, j)] = 1.0;
                va += Yo[TQ_NJ(J, n, j)];
                tot += XJ[TQ_NJ(J, n, j)];
            }
            for (int j = 0; j < J; j++)
                alpha[TQ_NJ(J, n, j)] = tot > 0 ? XJ[TQ_NJ(J, n, j)] / tot : 1.0 / J;
            VA[n] = va;
            double m, x;
            trade_totals(ds, y, n, &m, &x);
            D[n] = m - x;
        }
    }
    ds->has_io = 0;
    return tq_dataset_derive(ctx, ds);
}

/* ----------------------------------------------------------------- check --- */

tq_status tq_dataset_check(tq_context *ctx, const tq_dataset *ds, int y, tq_consistency *out)
{
    const int N = ds->N, J = ds->J;
    memset(out, 0, sizeof *out);
    out->e0_worst_region = out->e0_worst_sector = out->deficit_worst_region = out->va_worst_region = -1;
    if (y < 0 || y >= ds->Y)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, NULL, "year index %d out of range", y);
    const double *Z = tq_dataset_array_const(ds, TQ_Z, y, NULL);
    const double *gamma = tq_dataset_array_const(ds, TQ_GAMMA, y, NULL);
    const double *beta = tq_dataset_array_const(ds, TQ_BETA, y, NULL);
    const double *alpha = tq_dataset_array_const(ds, TQ_ALPHA, y, NULL);
    const double *VA = tq_dataset_array_const(ds, TQ_VA, y, NULL);
    const double *D = tq_dataset_array_const(ds, TQ_DEFICIT, y, NULL);
    const double *XJ = tq_dataset_array_const(ds, TQ_XJ, y, NULL);
    const double *pi = tq_dataset_array_const(ds, TQ_PI, y, NULL);
    const double *Yo = tq_dataset_array_const(ds, TQ_Y, y, NULL);
    const double *I = tq_dataset_array_const(ds, TQ_I, y, NULL);
    double world_va = 0, dsum = 0;
    for (size_t a = 0; a < ds->len[TQ_Z]; a++)
        if (Z[a] < 0)
            out->negative_flows++;
    for (int n = 0; n < N; n++) {
        world_va += VA[n];
        dsum += D[n];
        double asum = 0, vafit = 0;
        for (int j = 0; j < J; j++) {
            asum += alpha[TQ_NJ(J, n, j)];
            double b = beta[TQ_NJ(J, n, j)];
            vafit += b * Yo[TQ_NJ(J, n, j)];
            double gsum = 0;
            for (int k = 0; k < J; k++) {
                double g = gamma[TQ_NKJ(J, n, k, j)];
                if (g < 0)
                    out->beta_range_violations++;
                gsum += g;
            }
            if (!(b > 0 && b <= 1.0 + 1e-12))
                out->beta_range_violations++;
            if (Yo[TQ_NJ(J, n, j)] > 0) {
                double dev = fabs(b + gsum - 1.0);
                if (dev > out->cost_share_max_dev)
                    out->cost_share_max_dev = dev;
            }
            /* (E0): X[n,j] = sum_k gamma[n,j,k] Y[n,k] + alpha[n,j] I[n] */
            double rhs = alpha[TQ_NJ(J, n, j)] * I[n];
            for (int k = 0; k < J; k++)
                rhs += gamma[TQ_NKJ(J, n, j, k)] * Yo[TQ_NJ(J, n, k)];
            double x = XJ[TQ_NJ(J, n, j)];
            double res = fabs(x - rhs);
            double rel = x > 0 ? res / x : (res > 0 ? INFINITY : 0);
            if (rel > out->e0_max_rel) {
                out->e0_max_rel = rel;
                out->e0_worst_region = n;
                out->e0_worst_sector = j;
            }
            double sva = VA[n] > 0 ? res / VA[n] : 0;
            if (sva > out->e0_max_share_va)
                out->e0_max_share_va = sva;
            if (x > 0) {
                double ps = 0;
                for (int i = 0; i < N; i++)
                    ps += pi[TQ_NIJ(N, J, n, i, j)];
                if (fabs(ps - 1) > out->pi_sum_max_dev)
                    out->pi_sum_max_dev = fabs(ps - 1);
            }
        }
        if (fabs(asum - 1) > out->alpha_sum_max_dev)
            out->alpha_sum_max_dev = fabs(asum - 1);
        double m, x;
        trade_totals(ds, y, n, &m, &x);
        double scale = VA[n] > 0 ? VA[n] : 1;
        double dev = fabs(D[n] - (m - x)) / scale;
        if (dev > out->deficit_flow_max_rel) {
            out->deficit_flow_max_rel = dev;
            out->deficit_worst_region = n;
        }
        double vdev = fabs(VA[n] - vafit) / scale;
        if (vdev > out->va_max_rel) {
            out->va_max_rel = vdev;
            out->va_worst_region = n;
        }
    }
    out->deficit_sum_rel = world_va > 0 ? fabs(dsum) / world_va : fabs(dsum);
    return TQ_OK;
}

/* ------------------------------------------------------------- rebalance --- */

tq_status tq_dataset_rebalance(tq_context *ctx, tq_dataset *ds, int y, double *clipped_share)
{
    const int N = ds->N, J = ds->J;
    tq_status st = tq_dataset_derive(ctx, ds);
    if (st)
        return st;
    double moved = 0, total_f = 0;
    for (int yy = 0; yy < ds->Y; yy++) {
        if (y >= 0 && yy != y)
            continue;
        double *gamma = tq_dataset_array(ds, TQ_GAMMA, yy, NULL);
        double *beta = tq_dataset_array(ds, TQ_BETA, yy, NULL);
        double *alpha = tq_dataset_array(ds, TQ_ALPHA, yy, NULL);
        double *VA = tq_dataset_array(ds, TQ_VA, yy, NULL);
        double *D = tq_dataset_array(ds, TQ_DEFICIT, yy, NULL);
        const double *XJ = tq_dataset_array(ds, TQ_XJ, yy, NULL);
        const double *Yo = tq_dataset_array(ds, TQ_Y, yy, NULL);
        for (int n = 0; n < N; n++) {
            double m, x;
            trade_totals(ds, yy, n, &m, &x);
            D[n] = m - x;
            double fsum = 0;
            for (int j = 0; j < J; j++) {
                double use = 0;
                for (int k = 0; k < J; k++)
                    use += gamma[TQ_NKJ(J, n, j, k)] * Yo[TQ_NJ(J, n, k)];
                double f = XJ[TQ_NJ(J, n, j)] - use;
                if (f < 0) {
                    /* More of good j is used as an input than n buys: scale j's input
                     * shares down so that intermediate use equals spending, and give the
                     * cost share to value added (cost shares still sum to one). */
                    double s = use > 0 ? XJ[TQ_NJ(J, n, j)] / use : 0;
                    for (int k = 0; k < J; k++) {
                        double g = gamma[TQ_NKJ(J, n, j, k)];
                        gamma[TQ_NKJ(J, n, j, k)] = g * s;
                        beta[TQ_NJ(J, n, k)] += g * (1 - s);
                    }
                    moved += -f;
                    f = 0;
                }
                total_f += fabs(f);
                alpha[TQ_NJ(J, n, j)] = f;
                fsum += f;
            }
            double va = 0;
            for (int j = 0; j < J; j++)
                va += beta[TQ_NJ(J, n, j)] * Yo[TQ_NJ(J, n, j)];
            VA[n] = va;
            if (fsum <= 0)
                return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, ds->rcode[n],
                                 "cannot rebalance region %s: no final demand left after "
                                 "intermediate use",
                                 ds->rcode[n]);
            for (int j = 0; j < J; j++)
                alpha[TQ_NJ(J, n, j)] /= fsum;
        }
    }
    if (clipped_share)
        *clipped_share = total_f > 0 ? moved / total_f : 0;
    return tq_dataset_derive(ctx, ds);
}

/* ------------------------------------------------------------------ hash --- */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t k = 0; k < n; k++) {
        h ^= b[k];
        h *= 1099511628211ULL;
    }
    return h;
}

uint64_t tq_dataset_hash(const tq_dataset *ds)
{
    return tq__dataset_hash(ds);
}

static uint64_t hash_content(const tq_dataset *ds)
{
    uint64_t h = 1469598103934665603ULL;
    int dims[4] = {ds->N, ds->J, ds->Y, ds->has_io};
    h = fnv(h, dims, sizeof dims);
    for (int n = 0; n < ds->N; n++)
        h = fnv(h, ds->rcode[n], strlen(ds->rcode[n]) + 1);
    for (int j = 0; j < ds->J; j++)
        h = fnv(h, ds->scode[j], strlen(ds->scode[j]) + 1);
    h = fnv(h, ds->year, sizeof(int) * (size_t)ds->Y);
    for (int a = 0; a <= TQ_THETA; a++) {
        size_t total = (a == TQ_THETA) ? ds->len[a] : ds->len[a] * (size_t)ds->Y;
        h = fnv(h, ds->arr[a], total * sizeof(double));
    }
    for (int g = 0; g < ds->ngroups; g++) {
        h = fnv(h, ds->groups[g].name, strlen(ds->groups[g].name) + 1);
        h = fnv(h, &ds->groups[g].kind, sizeof(int));
        h = fnv(h, ds->groups[g].members, sizeof(int) * (size_t)ds->groups[g].count);
    }
    return h;
}

uint64_t tq__dataset_hash(const tq_dataset *ds)
{
    return stored_hash_holds(ds) ? ds->hash : hash_content(ds);
}

tq_status tq__dataset_store_hash(tq_dataset *ds, uint64_t h)
{
    if (!ds->hash_theta && !(ds->hash_theta = tq__malloc(ds->ctx, sizeof(double) * (size_t)ds->J)))
        return TQ_ERR_NOMEM;
    memcpy(ds->hash_theta, ds->theta, sizeof(double) * (size_t)ds->J);
    ds->hash = h;
    ds->hash_valid = 1;
    return TQ_OK;
}

/* -------------------------------------------------------- baseline cache --- */

static size_t pad8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

static tq__bcache *bcache_new(tq_context *ctx, unsigned char *data, size_t size)
{
    tq__bcache *c = tq__malloc(ctx, sizeof *c);
    if (!c)
        return NULL;
    c->alloc = ctx->alloc;
    atomic_init(&c->refs, 1);
    c->size = size;
    c->data = data;
    c->map = NULL;
    c->map_len = 0;
    return c;
}

tq_status tq__dataset_cache_add(tq_dataset *ds, const void *rec, size_t len)
{
    tq_context *ctx = ds->ctx;
    size_t old = ds->bcache ? ds->bcache->size : 0;
    size_t size = old + 8 + pad8(len);
    /* copy on write: the old cache may be shared with clones */
    unsigned char *data = tq__calloc(ctx, size, 1);
    if (!data)
        return TQ_ERR_NOMEM;
    if (old)
        memcpy(data, ds->bcache->data, old);
    uint64_t l = len;
    memcpy(data + old, &l, 8);
    memcpy(data + old + 8, rec, len);
    tq__bcache *c = bcache_new(ctx, data, size);
    if (!c) {
        tq__free(ctx, data);
        return TQ_ERR_NOMEM;
    }
    bcache_release(ds->bcache);
    ds->bcache = c;
    return TQ_OK;
}

tq_status tq__dataset_cache_adopt(tq_dataset *ds, void *map, size_t map_len, const unsigned char *data, size_t size)
{
    tq__bcache *c = bcache_new(ds->ctx, (unsigned char *)data, size);
    if (!c) {
        munmap(map, map_len);
        return TQ_ERR_NOMEM;
    }
    c->map = map;
    c->map_len = map_len;
    bcache_release(ds->bcache);
    ds->bcache = c;
    return TQ_OK;
}

const unsigned char *tq__dataset_cache_next(const tq_dataset *ds, size_t *off, size_t *len)
{
    const tq__bcache *c = ds->bcache;
    if (!c || *off + 8 > c->size)
        return NULL;
    uint64_t l;
    memcpy(&l, c->data + *off, 8);
    if (l > c->size - *off - 8)
        return NULL;
    const unsigned char *p = c->data + *off + 8;
    *off += 8 + pad8((size_t)l);
    *len = (size_t)l;
    return p;
}

/* --------------------------------------------------------------- balance --- */

tq_status tq_balance(tq_context *ctx, const tq_dataset *ds, int y, int a, int b, double *exports, double *imports)
{
    const int N = ds->N, J = ds->J;
    if (y < 0 || y >= ds->Y || a < 0 || a >= N || b < -1 || b >= N)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, NULL, "tq_balance: index out of range");
    if (a == b)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, NULL, "a region's balance with itself is not trade");
    const double *Z = tq_dataset_array_const(ds, TQ_Z, y, NULL);
    for (int j = 0; j < J; j++) {
        double x = 0, m = 0;
        for (int p = 0; p < N; p++) {
            if (p == a || (b >= 0 && p != b))
                continue;
            x += Z[TQ_NIJ(N, J, p, a, j)];
            m += Z[TQ_NIJ(N, J, a, p, j)];
        }
        exports[j] = x;
        imports[j] = m;
    }
    return TQ_OK;
}

/* ---------------------------------------------------------------- groups --- */

static int name_eq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = (*a >= 'A' && *a <= 'Z') ? (char)(*a + 32) : *a;
        char y = (*b >= 'A' && *b <= 'Z') ? (char)(*b + 32) : *b;
        if (x != y)
            return 0;
    }
    return *a == *b;
}

static tq__group *find_group(const tq_dataset *ds, tq_group_kind kind, const char *name)
{
    for (int g = 0; g < ds->ngroups; g++)
        if (ds->groups[g].kind == (int)kind && name_eq(ds->groups[g].name, name))
            return &ds->groups[g];
    return NULL;
}

tq_status tq_dataset_add_group(tq_dataset *ds, tq_group_kind kind, const char *name, const int *members, int count)
{
    int lim = kind == TQ_GROUP_REGION ? ds->N : ds->J;
    if (!name || !*name || count < 1 || count > lim)
        return tq__error(ds->ctx, TQ_ERR_INVALID, NULL, 0, NULL, "bad group '%s'", name ? name : "");
    for (int k = 0; k < count; k++)
        if (members[k] < 0 || members[k] >= lim)
            return tq__error(ds->ctx, TQ_ERR_INVALID, NULL, 0, NULL, "group '%s': member index %d out of range", name,
                             members[k]);
    int *m = tq__malloc(ds->ctx, sizeof(int) * (size_t)count);
    if (!m)
        return TQ_ERR_NOMEM;
    memcpy(m, members, sizeof(int) * (size_t)count);
    ds->hash_valid = 0;
    tq__group *g = find_group(ds, kind, name);
    if (g) {
        tq__free(ds->ctx, g->members);
        g->members = m;
        g->count = count;
        return TQ_OK;
    }
    tq__group *ng = tq__realloc(ds->ctx, ds->groups, sizeof(tq__group) * (size_t)(ds->ngroups + 1));
    if (!ng) {
        tq__free(ds->ctx, m);
        return TQ_ERR_NOMEM;
    }
    ds->groups = ng;
    char *nm = tq__strdup(ds->ctx, name);
    if (!nm) {
        tq__free(ds->ctx, m);
        return TQ_ERR_NOMEM;
    }
    ds->groups[ds->ngroups++] = (tq__group){nm, (int)kind, count, m};
    return TQ_OK;
}

int tq_dataset_group_count(const tq_dataset *ds, tq_group_kind kind)
{
    int c = 0;
    for (int g = 0; g < ds->ngroups; g++)
        c += ds->groups[g].kind == (int)kind;
    return c;
}

const char *tq_dataset_group_name(const tq_dataset *ds, tq_group_kind kind, int g)
{
    for (int k = 0; k < ds->ngroups; k++)
        if (ds->groups[k].kind == (int)kind && g-- == 0)
            return ds->groups[k].name;
    return NULL;
}

int tq_dataset_group(const tq_dataset *ds, tq_group_kind kind, const char *name, int *members)
{
    const tq__group *g = find_group(ds, kind, name);
    if (!g)
        return -1;
    if (members)
        memcpy(members, g->members, sizeof(int) * (size_t)g->count);
    return g->count;
}
