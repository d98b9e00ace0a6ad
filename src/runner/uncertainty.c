/* Sweeps and uncertainty bands (include/tradeq.h, "uncertainty and sweeps";
 * docs/uncertainty.md, docs/scaling.md).
 *
 * A sweep is the cartesian product of axes (tariff values, closures, elasticity sets,
 * years, theta draws). Everything that needs the runner (datasets, baselines, the
 * scenario's shocks) is resolved once, serially, in tq_sweep_prepare: one "key" per
 * distinct (elasticity set, year, closure), each with its baseline, a template scenario
 * and the solution of the scenario's own point there. The points are then solved in
 * blocks of consecutive points by workers that touch nothing shared but read-only
 * baselines: each worker has its own context, a private shallow copy of the key's
 * baseline whose theta it may overwrite (theta is read by every solve, MODEL.md (E2),
 * (E3); the base equilibrium itself does not depend on theta: with unchanged tariffs,
 * hats of one solve (E1)-(E5) for any theta once the base is an equilibrium), its own
 * scenario and solver. Within a block each point starts from its neighbour's solution;
 * the first starts from the key's own solution. A block is solved the same way whoever
 * solves it, so the values are bitwise identical for any number of threads or processes
 * and after a resume.
 *
 * Theta draws are counter-based: draw d of sector j uses splitmix64 of (seed, d, j,
 * attempt), so a draw never depends on the order in which draws are made. The partial
 * effects of gravity shocks (their random variables r: one per estimated coefficient)
 * use the stream PE_STREAM + r in place of j, apart from every sector's, so switching
 * them on or off leaves the theta draws as they were. A draw makes the NTB iceberg
 * changes d^ = exp(-b/theta) again from the scenario's plan (src/scenario/spec.h) with
 * its own theta and b, into the worker's scenario: no allocation per point.
 */
#include "../core/internal.h"
#include "../model/ge.h"
#include "../report/report.h"
#include "../scenario/spec.h"
#include "runner.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#define MAX_AXES 8
#define METRICS 4
#define PE_STREAM (1ULL << 40) /* the partial effects' streams: far above any sector index */

enum { AX_TARIFF, AX_CLOSURE, AX_SET, AX_YEAR, AX_DRAW, AX_SETS };

typedef struct axis {
    int kind;
    char *text;   /* as given */
    char *label;  /* column name */
    int n;        /* values */
    double *v;    /* numeric values (tariff percent, year, closure, set index, draw number) */
    char *target; /* tariff: "IMP:EXP:SECTORS" */
    int *cells;   /* tariff: resolved (n, i, j) triples */
    int ncells;
} axis;

typedef struct key {
    int set, year, closure; /* set index in s->e (-1 own), year value (0 own), closure */
    const tq_dataset *ds;
    tq_dataset *own_ds;
    const tq_baseline *base;
    tq_scenario *sc;
    tq_result *res;     /* the key's own solution (NULL if it failed) */
    int borrowed;       /* ds, base, sc and res are the central outcome's */
    tq__ntb_plan *plan; /* the NTB entries' iceberg recipe (owned by the sweep) */
} key;

struct tq_sweep {
    tq_context *ctx;
    tq_runner *r;
    const tq_spec *sp;
    int k;
    tq_sweep_options o;
    double *se; /* [J] */
    axis ax[MAX_AXES];
    int nax;
    int prepared;
    int npoints, nblocks, block;
    int N, J, imp, exp_;
    size_t width;
    key *keys;
    int nkeys;
    int *pkey;           /* [npoints] key of each point */
    tq_elasticities *e;  /* sets (draw=sets, elasticities=, spread) */
    double *set_theta;   /* [nsets][J] for draw=sets */
    double *vals;        /* [npoints][width] */
    unsigned char *done; /* [npoints] */
    tq_outcome *central;
    char *ckpt;
    uint64_t ckey;
    char **colnames;
    int ncols;
    double *theta_buf; /* [J] for tq_sweep_theta */
    int dt, dp;        /* draws vary theta / the partial effects */
    int nrv;           /* random variables of the partial effects (the largest over keys) */
    double *pe_buf;    /* [nrv] for tq_sweep_partial_effects */
    tq_bands bands;
    double *band_mem;
    char valbuf[64];
};

/* -------------------------------------------------------------- helpers --- */

static uint64_t splitmix64(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

/* A uniform in (0,1) from a counter: 53 bits, never 0. */
static double uniform(uint64_t seed, uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t h = splitmix64(splitmix64(splitmix64(splitmix64(seed) ^ a) ^ b) ^ c);
    return ((double)(h >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

/* A standard normal for (seed, draw, stream, attempt) by Box-Muller; the stream of
 * sector j's theta is j, that of partial-effect variable r PE_STREAM + r. */
static double std_normal(uint64_t seed, int d, uint64_t stream, int attempt)
{
    double u1 = uniform(seed, (uint64_t)d, stream, 2 * (uint64_t)attempt);
    double u2 = uniform(seed, (uint64_t)d, stream, 2 * (uint64_t)attempt + 1);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t k = 0; k < n; k++)
        h = (h ^ c[k]) * 0x100000001b3ULL;
    return h;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Percentile q in [0,1] of sorted v[0..n-1], linear between order statistics. */
static double percentile(const double *v, int n, double q)
{
    if (n <= 0)
        return NAN;
    double h = q * (n - 1);
    int lo = (int)floor(h);
    if (lo >= n - 1)
        return v[n - 1];
    return v[lo] + (h - lo) * (v[lo + 1] - v[lo]);
}

static const char *const closure_names[] = {"fixed", "balanced", "share", "target"};

/* ------------------------------------------------------------ lifecycle --- */

void tq_sweep_options_default(tq_sweep_options *o)
{
    memset(o, 0, sizeof *o);
    tq_run_options_default(&o->run);
}

tq_status tq_sweep_new(tq_runner *r, const tq_spec *sp, int k, const tq_sweep_options *o, tq_sweep **out)
{
    if (!out)
        return TQ_ERR_INVALID;
    *out = NULL;
    if (!r || !sp)
        return TQ_ERR_INVALID;
    tq_context *ctx = tq__runner_context(r);
    if (k < 0 || k >= tq_spec_count(sp))
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, NULL, "no scenario %d in the spec", k);
    tq_sweep *s = tq__calloc(ctx, 1, sizeof *s);
    if (!s)
        return TQ_ERR_NOMEM;
    s->ctx = ctx;
    s->r = r;
    s->sp = sp;
    s->k = k;
    if (o)
        s->o = *o;
    else
        tq_sweep_options_default(&s->o);
    s->o.theta_se = NULL; /* copied in prepare, once J is known */
    s->se = NULL;
    if (o && o->theta_se)
        s->o.theta_se = o->theta_se; /* borrowed until prepare copies it */
    s->block = s->o.block > 0 ? s->o.block : 8;
    if (!(s->o.theta_floor > 0))
        s->o.theta_floor = 0.5;
    s->imp = s->exp_ = -1;
    *out = s;
    return TQ_OK;
}

tq_status tq_sweep_new_draws(tq_runner *r, const tq_spec *sp, int k, const tq_sweep_options *o, const char *draws,
                             const uint64_t *seed, tq_sweep **out)
{
    if (!out)
        return TQ_ERR_INVALID;
    *out = NULL;
    int fdraws = 0, fsets = 0;
    uint64_t fseed = 1;
    tq_status st = tq_spec_uncertainty(sp, k, &fdraws, &fsets, &fseed);
    if (st)
        return st;
    char ax[48];
    if (draws)
        snprintf(ax, sizeof ax, "draw=%.40s", draws);
    else if (fsets)
        snprintf(ax, sizeof ax, "draw=sets");
    else if (fdraws > 0)
        snprintf(ax, sizeof ax, "draw=%d", fdraws);
    else
        return TQ_OK; /* no draws asked for */
    tq_sweep_options so;
    if (o)
        so = *o;
    else
        tq_sweep_options_default(&so);
    so.seed = seed ? *seed : fseed;
    if ((st = tq_sweep_new(r, sp, k, &so, out)))
        return st;
    if ((st = tq_sweep_vary(*out, ax)))
        return st;
    return tq_sweep_prepare(*out);
}

void tq_sweep_free(tq_sweep *s)
{
    if (!s)
        return;
    tq_context *ctx = s->ctx;
    for (int a = 0; a < s->nax; a++) {
        tq__free(ctx, s->ax[a].text);
        tq__free(ctx, s->ax[a].label);
        tq__free(ctx, s->ax[a].v);
        tq__free(ctx, s->ax[a].target);
        tq__free(ctx, s->ax[a].cells);
    }
    for (int q = 0; q < s->nkeys; q++) {
        tq__ntb_plan_free(ctx, s->keys[q].plan);
        if (s->keys[q].borrowed)
            continue;
        tq_result_free(s->keys[q].res);
        tq_scenario_free(s->keys[q].sc);
        tq_dataset_free(s->keys[q].own_ds);
    }
    tq__free(ctx, s->keys);
    tq__free(ctx, s->pkey);
    tq_elasticities_free(s->e);
    tq__free(ctx, s->set_theta);
    tq__free(ctx, s->vals);
    tq__free(ctx, s->done);
    tq_outcome_free(s->central);
    tq__free(ctx, s->ckpt);
    for (int c = 0; c < s->ncols; c++)
        tq__free(ctx, s->colnames[c]);
    tq__free(ctx, s->colnames);
    tq__free(ctx, s->theta_buf);
    tq__free(ctx, s->pe_buf);
    tq__free(ctx, s->band_mem);
    tq__free(ctx, s->se);
    tq__free(ctx, s);
}

/* ----------------------------------------------------------------- axes --- */

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* "A..B [step S]" or "v1,v2,..." into a new array. */
static tq_status parse_values(tq_sweep *s, const char *text, const char *p, int need_int, double **out, int *n)
{
    tq_context *ctx = s->ctx;
    *out = NULL;
    *n = 0;
    p = skip_ws(p);
    const char *dots = strstr(p, "..");
    if (dots) {
        char a[64], b[64];
        size_t la = (size_t)(dots - p);
        const char *q = dots + 2;
        const char *st = strstr(q, "step");
        size_t lb = st ? (size_t)(st - q) : strlen(q);
        if (la == 0 || la >= sizeof a || lb == 0 || lb >= sizeof b)
            return tq__error(ctx, TQ_ERR_PARSE, NULL, 0, "vary", "'%s': a range is A..B or A..B step S", text);
        memcpy(a, p, la);
        a[la] = 0;
        memcpy(b, q, lb);
        b[lb] = 0;
        for (char *c = a + la; c > a && (c[-1] == ' ' || c[-1] == '%'); c--)
            c[-1] = 0;
        for (char *c = b + lb; c > b && (c[-1] == ' ' || c[-1] == '%'); c--)
            c[-1] = 0;
        double lo, hi, step = 1;
        if (tq__parse_double(a, &lo) || tq__parse_double(skip_ws(b), &hi) ||
            (st && tq__parse_double(skip_ws(st + 4), &step)) || !(step > 0) || !(hi >= lo) || !isfinite(hi))
            return tq__error(ctx, TQ_ERR_PARSE, NULL, 0, "vary",
                             "'%s': a range is A..B [step S] with numbers, A <= B and S > 0", text);
        double cnt = floor((hi - lo) / step + 1e-9) + 1;
        if (cnt > 10000000)
            return tq__error(ctx, TQ_ERR_PARSE, NULL, 0, "vary", "'%s': more than 10 million values", text);
        double *v = tq__calloc(ctx, (size_t)cnt, sizeof *v);
        if (!v)
            return TQ_ERR_NOMEM;
        for (int i = 0; i < (int)cnt; i++)
            v[i] = lo + i * step;
        *out = v;
        *n = (int)cnt;
    } else {
        int cnt = 1;
        for (const char *c = p; *c; c++)
            cnt += *c == ',';
        double *v = tq__calloc(ctx, (size_t)cnt, sizeof *v);
        if (!v)
            return TQ_ERR_NOMEM;
        const char *c = p;
        for (int i = 0; i < cnt; i++) {
            char tok[64];
            size_t len = strcspn(c, ",");
            while (len && (c[len - 1] == ' ' || c[len - 1] == '%'))
                len--;
            c = skip_ws(c);
            len = strcspn(c, ",");
            while (len && (c[len - 1] == ' ' || c[len - 1] == '%'))
                len--;
            if (len == 0 || len >= sizeof tok) {
                tq__free(ctx, v);
                return tq__error(ctx, TQ_ERR_PARSE, NULL, 0, "vary", "'%s': empty or overlong value", text);
            }
            memcpy(tok, c, len);
            tok[len] = 0;
            if (tq__parse_double(tok, &v[i]) || !isfinite(v[i])) {
                tq__free(ctx, v);
                return tq__error(ctx, TQ_ERR_PARSE, NULL, 0, "vary", "'%s': '%s' is not a number", text, tok);
            }
            c += strcspn(c, ",");
            if (*c == ',')
                c++;
        }
        *out = v;
        *n = cnt;
    }
    for (int i = 0; i < *n && need_int; i++)
        if (*out && (*out)[i] != floor((*out)[i])) {
            tq__free(ctx, *out);
            *out = NULL;
            return tq__error(ctx, TQ_ERR_PARSE, NULL, 0, "vary", "'%s': want whole numbers", text);
        }
    return TQ_OK;
}

tq_status tq_sweep_vary(tq_sweep *s, const char *text)
{
    if (!s || !text)
        return TQ_ERR_INVALID;
    tq_context *ctx = s->ctx;
    if (s->prepared)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, "vary", "axes are added before tq_sweep_prepare");
    if (s->nax == MAX_AXES)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, "vary", "at most %d axes", MAX_AXES);
    axis *a = &s->ax[s->nax];
    memset(a, 0, sizeof *a);
    const char *p = skip_ws(text);
    const char *eq = strchr(p, '=');
    if (!eq)
        return tq__error(ctx, TQ_ERR_PARSE, NULL, 0, "vary", "'%s': want NAME=VALUES (docs/uncertainty.md)", text);
    const char *vals = eq + 1;
    tq_status st = TQ_OK;
    char label[160];
    if (!strncmp(p, "tariff ", 7)) {
        const char *t = skip_ws(p + 7);
        size_t len = (size_t)(eq - t);
        while (len && t[len - 1] == ' ')
            len--;
        if (len == 0 || len > 100)
            return tq__error(ctx, TQ_ERR_PARSE, NULL, 0, "vary", "'%s': want tariff IMP:EXP:SECTORS=A..B step S", text);
        a->kind = AX_TARIFF;
        if (!(a->target = tq__malloc(ctx, len + 1)))
            return TQ_ERR_NOMEM;
        memcpy(a->target, t, len);
        a->target[len] = 0;
        snprintf(label, sizeof label, "tariff_%s_pct", a->target);
        for (char *c = label; *c; c++)
            if (*c == ':' || *c == ',' || *c == ' ')
                *c = '_';
        st = parse_values(s, text, vals, 0, &a->v, &a->n);
        for (int i = 0; i < a->n && !st; i++)
            if (!(a->v[i] > -100 && a->v[i] <= 100000))
                st = tq__error(ctx, TQ_ERR_PARSE, NULL, 0, "vary", "'%s': a tariff is above -100%%", text);
    } else if (!strncmp(p, "closure", 7) && skip_ws(p + 7) == eq) {
        a->kind = AX_CLOSURE;
        snprintf(label, sizeof label, "closure");
        int cnt = 1;
        for (const char *c = vals; *c; c++)
            cnt += *c == ',';
        if (!(a->v = tq__calloc(ctx, (size_t)cnt, sizeof *a->v)))
            return TQ_ERR_NOMEM;
        const char *c = vals;
        for (int i = 0; i < cnt && !st; i++) {
            c = skip_ws(c);
            size_t len = strcspn(c, ", ");
            int f = -1;
            for (int q = 0; q < 3; q++)
                if (strlen(closure_names[q]) == len && !strncmp(c, closure_names[q], len))
                    f = q;
            if (f < 0)
                st = tq__error(ctx, TQ_ERR_PARSE, NULL, 0, "vary",
                               "'%s': a closure axis takes fixed, balanced and share", text);
            a->v[i] = f;
            c += strcspn(c, ",");
            if (*c == ',')
                c++;
        }
        a->n = cnt;
    } else if (!strncmp(p, "elasticities", 12) && skip_ws(p + 12) == eq) {
        a->kind = AX_SET;
        snprintf(label, sizeof label, "elasticities");
        if (!(a->target = tq__strdup(ctx, skip_ws(vals)))) /* the set names, resolved in prepare */
            return TQ_ERR_NOMEM;
    } else if (!strncmp(p, "year", 4) && skip_ws(p + 4) == eq) {
        a->kind = AX_YEAR;
        snprintf(label, sizeof label, "year");
        st = parse_values(s, text, vals, 1, &a->v, &a->n);
    } else if (!strncmp(p, "draw", 4) && (skip_ws(p + 4) == eq || (p[4] == 's' && skip_ws(p + 5) == eq))) {
        snprintf(label, sizeof label, "draw");
        if (!strcmp(skip_ws(vals), "sets")) {
            a->kind = AX_SETS;
        } else {
            a->kind = AX_DRAW;
            const char *v = skip_ws(vals);
            if (!strstr(v, "..")) { /* draw=N means 1..N */
                double n;
                if (tq__parse_double(v, &n) || !(n >= 1 && n <= 10000000) || n != floor(n))
                    return tq__error(ctx, TQ_ERR_PARSE, NULL, 0, "vary", "'%s': want draw=N, draw=A..B or draw=sets",
                                     text);
                if (!(a->v = tq__calloc(ctx, (size_t)n, sizeof *a->v)))
                    return TQ_ERR_NOMEM;
                for (int i = 0; i < (int)n; i++)
                    a->v[i] = i + 1;
                a->n = (int)n;
            } else {
                st = parse_values(s, text, v, 1, &a->v, &a->n);
                for (int i = 0; i < a->n && !st; i++)
                    if (a->v[i] < 1)
                        st = tq__error(ctx, TQ_ERR_PARSE, NULL, 0, "vary", "'%s': draws are numbered from 1", text);
            }
        }
    } else {
        return tq__error(ctx, TQ_ERR_PARSE, NULL, 0, "vary",
                         "'%s': the axes are tariff IMP:EXP:SECTORS=..., closure=..., elasticities=..., year=..., "
                         "draw=N or draw=sets",
                         text);
    }
    for (int q = 0; q < s->nax && !st; q++) {
        int k1 = s->ax[q].kind, k2 = a->kind;
        if ((k1 == k2 && k1 != AX_TARIFF) || ((k1 == AX_DRAW || k1 == AX_SETS) && (k2 == AX_DRAW || k2 == AX_SETS)) ||
            ((k1 == AX_SETS || k1 == AX_SET) && (k2 == AX_SETS || k2 == AX_SET)))
            st = tq__error(ctx, TQ_ERR_PARSE, NULL, 0, "vary", "'%s': that parameter is varied twice", text);
    }
    if (!st && !(a->text = tq__strdup(ctx, text)))
        st = TQ_ERR_NOMEM;
    if (!st && !(a->label = tq__strdup(ctx, label)))
        st = TQ_ERR_NOMEM;
    if (st) {
        tq__free(ctx, a->text);
        tq__free(ctx, a->label);
        tq__free(ctx, a->v);
        tq__free(ctx, a->target);
        memset(a, 0, sizeof *a);
        return st;
    }
    s->nax++;
    return TQ_OK;
}

/* Indices named by one field of a tariff target: a code, a comma list, a group or all
 * (-1). Returns the count, or -1 with the error recorded. */
static int resolve_field(tq_sweep *s, const tq_dataset *ds, const char *f, size_t len, int sector, int *out,
                         const char *text)
{
    char buf[128];
    if (len >= sizeof buf)
        len = sizeof buf - 1;
    memcpy(buf, f, len);
    buf[len] = 0;
    if (!strcmp(buf, "all")) {
        out[0] = -1;
        return 1;
    }
    int cnt = 0;
    const int lim = sector ? tq_dataset_sectors(ds) : tq_dataset_regions(ds);
    for (char *tok = buf; tok && *tok;) {
        char *comma = strchr(tok, ',');
        if (comma)
            *comma = 0;
        int idx = sector ? tq_dataset_find_sector(ds, tok) : tq_dataset_find_region(ds, tok);
        if (idx >= 0) {
            out[cnt++] = idx;
        } else {
            int g = tq_dataset_group(ds, sector ? TQ_GROUP_SECTOR : TQ_GROUP_REGION, tok, NULL);
            if (g < 0) {
                tq__error(s->ctx, TQ_ERR_NOT_FOUND, NULL, 0, "vary", "'%s': no %s or group '%s' in dataset %s", text,
                          sector ? "sector" : "region", tok, tq_dataset_name(ds));
                return -1;
            }
            if (cnt + g > lim + 64) {
                tq__error(s->ctx, TQ_ERR_INVALID, NULL, 0, "vary", "'%s': too many codes", text);
                return -1;
            }
            cnt += tq_dataset_group(ds, sector ? TQ_GROUP_SECTOR : TQ_GROUP_REGION, tok, out + cnt);
        }
        tok = comma ? comma + 1 : NULL;
    }
    return cnt;
}

static tq_status resolve_tariff(tq_sweep *s, axis *a, const tq_dataset *ds)
{
    tq_context *ctx = s->ctx;
    const char *f[3];
    size_t len[3];
    f[0] = a->target;
    const char *c1 = strchr(f[0], ':');
    const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c1 || !c2)
        return tq__error(ctx, TQ_ERR_PARSE, NULL, 0, "vary", "'%s': want tariff IMP:EXP:SECTORS=...", a->text);
    len[0] = (size_t)(c1 - f[0]);
    f[1] = c1 + 1;
    len[1] = (size_t)(c2 - f[1]);
    f[2] = c2 + 1;
    len[2] = strlen(f[2]);
    const int N = tq_dataset_regions(ds), J = tq_dataset_sectors(ds);
    int *idx[3];
    int cnt[3];
    tq_status st = TQ_OK;
    idx[0] = tq__calloc(ctx, (size_t)N + 64, sizeof(int));
    idx[1] = tq__calloc(ctx, (size_t)N + 64, sizeof(int));
    idx[2] = tq__calloc(ctx, (size_t)J + 64, sizeof(int));
    if (!idx[0] || !idx[1] || !idx[2])
        st = TQ_ERR_NOMEM;
    for (int q = 0; q < 3 && !st; q++)
        if ((cnt[q] = resolve_field(s, ds, f[q], len[q], q == 2, idx[q], a->text)) < 0)
            st = tq_last_error(ctx)->status;
    if (!st) {
        size_t total = (size_t)cnt[0] * cnt[1] * cnt[2];
        if (!(a->cells = tq__calloc(ctx, 3 * total, sizeof(int))))
            st = TQ_ERR_NOMEM;
        size_t m = 0;
        for (int x = 0; x < cnt[0] && !st; x++)
            for (int y = 0; y < cnt[1]; y++)
                for (int z = 0; z < cnt[2]; z++, m++) {
                    a->cells[3 * m] = idx[0][x];
                    a->cells[3 * m + 1] = idx[1][y];
                    a->cells[3 * m + 2] = idx[2][z];
                }
        a->ncells = (int)total;
    }
    for (int q = 0; q < 3; q++)
        tq__free(ctx, idx[q]);
    return st;
}

/* -------------------------------------------------------------- prepare --- */

static tq_status make_key(tq_sweep *s, key *q, const tq_solver_options *so)
{
    tq_context *ctx = s->ctx;
    tq_spec_info si;
    tq_spec_get(s->sp, s->k, &si);
    if (q->set < 0 && q->year == 0 && q->closure == (int)si.closure) {
        /* the scenario's own point: the central run made by tq_sweep_prepare */
        q->borrowed = 1;
        q->ds = tq_outcome_dataset(s->central);
        q->base = tq_outcome_baseline(s->central);
        q->sc = tq_outcome_scenario(s->central);
        q->res = (tq_result *)tq_outcome_result(s->central);
        return TQ_OK;
    }
    const char *name = s->o.run.dataset ? s->o.run.dataset : si.dataset;
    const char *set = q->set >= 0             ? tq_elasticities_name(s->e, q->set)
                      : s->o.run.elasticities ? s->o.run.elasticities
                                              : si.elasticities;
    tq_status st = tq_runner_dataset_set(s->r, name, set, si.aggregate, si.sector_aggregate, &q->ds);
    if (st)
        return st;
    if (si.overrides) {
        if ((st = tq_dataset_clone(ctx, q->ds, &q->own_ds)) || (st = tq_spec_apply_data(ctx, s->sp, s->k, q->own_ds)))
            return st;
        q->ds = q->own_ds;
    }
    int year = q->year ? q->year : si.year;
    int y = tq_dataset_years(q->ds) - 1;
    if (year && (y = tq_dataset_find_year(q->ds, year)) < 0)
        return tq__error(ctx, TQ_ERR_NOT_FOUND, si.origin, 0, "year", "year %d is not in dataset %s", year,
                         tq_dataset_name(q->ds));
    tq_closure c = (tq_closure)q->closure;
    tq_closure bc = c == TQ_CLOSURE_BALANCED ? TQ_CLOSURE_BALANCED : TQ_CLOSURE_FIXED;
    if ((st = tq_runner_baseline(s->r, q->ds, y, bc, so, &q->base)) || (st = tq_scenario_new(ctx, q->base, &q->sc)) ||
        (st = tq_spec_apply(ctx, s->sp, s->k, q->ds, q->base, q->sc)))
        return st;
    if (c != si.closure && (st = tq_scenario_set_closure(q->sc, c, NULL)))
        return st;
    st = tq_solve(ctx, q->base, q->sc, so, &q->res);
    if (st == TQ_ERR_NOT_CONVERGED) { /* the workers start that key's blocks cold */
        tq_result_free(q->res);
        q->res = NULL;
        st = TQ_OK;
    }
    return st;
}

static void solver_options(const tq_sweep *s, tq_solver_options *so)
{
    tq_solver_options_default(so);
    so->method = s->o.run.method;
    if (s->o.run.tol > 0)
        so->tol = s->o.run.tol;
    so->max_iter = s->o.run.max_iter;
    so->max_seconds = s->o.run.max_seconds;
}

static int axis_of(const tq_sweep *s, int kind)
{
    for (int a = 0; a < s->nax; a++)
        if (s->ax[a].kind == kind)
            return a;
    return -1;
}

/* The index of axis a at point p (row-major, the last axis fastest). */
static int axis_index(const tq_sweep *s, int a, int p)
{
    for (int b = s->nax - 1; b > a; b--)
        p /= s->ax[b].n;
    return p % s->ax[a].n;
}

static tq_status make_columns(tq_sweep *s);

tq_status tq_sweep_prepare(tq_sweep *s)
{
    if (!s)
        return TQ_ERR_INVALID;
    tq_context *ctx = s->ctx;
    if (s->prepared)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, NULL, "the sweep is prepared already");
    tq_spec_info si;
    tq_spec_get(s->sp, s->k, &si);
    if (tq_spec_moves(s->sp, s->k) > 0)
        /* every point would need its moves played again (docs/strategic.md) */
        return tq__error(ctx, TQ_ERR_UNSUPPORTED, si.origin, 0, "strategy",
                         "scenario %s has strategic moves (strategy:): sweeps and draws of it are not supported; run "
                         "it with tradeq run, without --draws",
                         si.name);
    tq_status st = tq_runner_run(s->r, s->sp, s->k, &s->o.run, &s->central);
    if (st)
        return st;
    const tq_dataset *ds0 = tq_outcome_dataset(s->central);
    s->N = tq_dataset_regions(ds0);
    s->J = tq_dataset_sectors(ds0);
    tq_outcome_named_regions(s->central, NULL, &s->imp, &s->exp_);
    const int J = s->J;
    int u_theta = 1, u_pe = 1;
    tq_spec_uncertainty_params(s->sp, s->k, &u_theta, &u_pe);
    s->dt = s->o.draw_theta ? s->o.draw_theta > 0 : u_theta;
    s->dp = s->o.draw_partial ? s->o.draw_partial > 0 : u_pe;

    /* elasticity sets: for elasticities=, draw=sets, and the default spread */
    const int theta_spread = axis_of(s, AX_DRAW) >= 0 && !s->o.theta_se && s->dt;
    int need_sets = axis_of(s, AX_SET) >= 0 || axis_of(s, AX_SETS) >= 0 || theta_spread;
    if (need_sets) {
        const char *name = s->o.run.dataset ? s->o.run.dataset : si.dataset;
        if ((st = tq_runner_elasticities(s->r, name, &s->e))) {
            if (theta_spread)
                return tq__error(ctx, TQ_ERR_UNSUPPORTED, NULL, 0, "theta_se",
                                 "no standard errors given and no published elasticity sets for dataset %s to take "
                                 "the spread from (%s); draw the partial effects only with 'uncertainty: theta: "
                                 "false' or --draw-params partial_effects",
                                 tq_dataset_name(ds0), tq_last_error(ctx)->message);
            return st;
        }
    }
    if (!(s->se = tq__calloc(ctx, (size_t)J, sizeof *s->se)) ||
        !(s->theta_buf = tq__calloc(ctx, (size_t)J, sizeof(double))))
        return TQ_ERR_NOMEM;
    if (axis_of(s, AX_DRAW) >= 0 && s->dt) {
        if (s->o.theta_se) {
            memcpy(s->se, s->o.theta_se, sizeof(double) * (size_t)J);
            for (int j = 0; j < J; j++)
                if (!(s->se[j] >= 0) || !isfinite(s->se[j]))
                    return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, "theta_se", "sector %d: standard error %g", j + 1,
                                     s->se[j]);
        } else {
            /* the spread across the published sets: their sample standard deviation */
            const int K = tq_elasticities_count(s->e);
            for (int j = 0; j < J; j++) {
                const char *code = tq_dataset_sector_code(ds0, j);
                double sum = 0, sum2 = 0;
                for (int q = 0; q < K; q++) {
                    double th = tq_elasticities_theta(s->e, q, code);
                    if (isnan(th))
                        return tq__error(ctx, TQ_ERR_NOT_FOUND, NULL, 0, "sector",
                                         "set %s has no theta for sector %s (an aggregated dataset? give standard "
                                         "errors)",
                                         tq_elasticities_name(s->e, q), code);
                    sum += th;
                }
                double mean = sum / K;
                for (int q = 0; q < K; q++) {
                    double d = tq_elasticities_theta(s->e, q, code) - mean;
                    sum2 += d * d;
                }
                s->se[j] = K > 1 ? sqrt(sum2 / (K - 1)) : 0;
            }
        }
    }
    int ax_sets = axis_of(s, AX_SETS), ax_set = axis_of(s, AX_SET);
    if (ax_sets >= 0) {
        axis *a = &s->ax[ax_sets];
        const int K = tq_elasticities_count(s->e);
        if (!(s->set_theta = tq__calloc(ctx, (size_t)K * J, sizeof(double))) ||
            !(a->v = tq__calloc(ctx, (size_t)K, sizeof *a->v)))
            return TQ_ERR_NOMEM;
        a->n = K;
        for (int q = 0; q < K; q++) {
            a->v[q] = q;
            for (int j = 0; j < J; j++) {
                double th = tq_elasticities_theta(s->e, q, tq_dataset_sector_code(ds0, j));
                if (!(th > 0))
                    return tq__error(ctx, TQ_ERR_NOT_FOUND, NULL, 0, "sector",
                                     "set %s has no theta for sector %s (an aggregated dataset?)",
                                     tq_elasticities_name(s->e, q), tq_dataset_sector_code(ds0, j));
                s->set_theta[(size_t)q * J + j] = th;
            }
        }
    }
    if (ax_set >= 0) {
        axis *a = &s->ax[ax_set];
        const int K = tq_elasticities_count(s->e);
        int cnt = 1;
        if (strcmp(a->target, "all"))
            for (const char *c = a->target; *c; c++)
                cnt += *c == ',';
        else
            cnt = K;
        if (!(a->v = tq__calloc(ctx, (size_t)cnt, sizeof *a->v)))
            return TQ_ERR_NOMEM;
        a->n = cnt;
        const char *c = a->target;
        for (int i = 0; i < cnt; i++) {
            if (!strcmp(a->target, "all")) {
                a->v[i] = i;
                continue;
            }
            char tok[64];
            c = skip_ws(c);
            size_t len = strcspn(c, ",");
            while (len && c[len - 1] == ' ')
                len--;
            snprintf(tok, sizeof tok, "%.*s", (int)(len < 63 ? len : 63), c);
            int q = tq_elasticities_find(s->e, tok);
            if (q < 0)
                return tq__error(ctx, TQ_ERR_NOT_FOUND, NULL, 0, "vary", "elasticities: no set '%s' for dataset %s",
                                 tok, tq_dataset_name(ds0));
            a->v[i] = q;
            c += strcspn(c, ",");
            if (*c == ',')
                c++;
        }
        /* its label text becomes the list of set names */
    }
    if (s->nax == 0)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, "vary", "a sweep needs at least one axis");
    double np = 1;
    for (int a = 0; a < s->nax; a++)
        np *= s->ax[a].n;
    if (np > 10000000 || np < 1)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, "vary", "%.0f points: between 1 and 10 million", np);
    s->npoints = (int)np;
    s->nblocks = (s->npoints + s->block - 1) / s->block;

    /* the keys: distinct (set, year, closure) over the points, in order of appearance */
    int ax_year = axis_of(s, AX_YEAR), ax_cl = axis_of(s, AX_CLOSURE);
    if (!(s->pkey = tq__calloc(ctx, (size_t)s->npoints, sizeof(int))))
        return TQ_ERR_NOMEM;
    tq_solver_options so;
    solver_options(s, &so);
    for (int p = 0; p < s->npoints; p++) {
        int set = ax_set >= 0 ? (int)s->ax[ax_set].v[axis_index(s, ax_set, p)] : -1;
        int year = ax_year >= 0 ? (int)s->ax[ax_year].v[axis_index(s, ax_year, p)] : 0;
        int cl = ax_cl >= 0 ? (int)s->ax[ax_cl].v[axis_index(s, ax_cl, p)] : (int)si.closure;
        int q = 0;
        while (q < s->nkeys && !(s->keys[q].set == set && s->keys[q].year == year && s->keys[q].closure == cl))
            q++;
        if (q == s->nkeys) {
            key *grown = tq__realloc(ctx, s->keys, sizeof *grown * (size_t)(s->nkeys + 1));
            if (!grown)
                return TQ_ERR_NOMEM;
            s->keys = grown;
            memset(&s->keys[q], 0, sizeof s->keys[q]);
            s->keys[q].set = set;
            s->keys[q].year = year;
            s->keys[q].closure = cl;
            s->nkeys++;
            if ((st = make_key(s, &s->keys[q], &so)) ||
                (st = tq__spec_ntb_plan(ctx, s->sp, s->k, s->keys[q].ds, &s->keys[q].plan)))
                return st;
            if (s->keys[q].plan->nrv > s->nrv)
                s->nrv = s->keys[q].plan->nrv;
            if (tq_dataset_regions(s->keys[q].ds) != s->N || tq_dataset_sectors(s->keys[q].ds) != J)
                return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, "vary", "the points differ in regions or sectors");
        }
        s->pkey[p] = q;
    }
    for (int a = 0; a < s->nax; a++)
        if (s->ax[a].kind == AX_TARIFF && (st = resolve_tariff(s, &s->ax[a], s->keys[0].ds)))
            return st;
    s->width = TQ_SWEEP_REGIONS + (size_t)METRICS * s->N + 1 + (size_t)J + (size_t)s->N * J;
    if (!(s->vals = tq__calloc(ctx, (size_t)s->npoints * s->width, sizeof(double))) ||
        !(s->done = tq__calloc(ctx, (size_t)s->npoints, 1)))
        return TQ_ERR_NOMEM;

    /* the checkpoint key: what the values depend on */
    uint64_t h = 0xcbf29ce484222325ULL;
    h = fnv(h, si.name, strlen(si.name));
    for (int a = 0; a < s->nax; a++) {
        h = fnv(h, s->ax[a].text, strlen(s->ax[a].text));
        h = fnv(h, s->ax[a].v, sizeof(double) * (size_t)s->ax[a].n);
    }
    for (int q = 0; q < s->nkeys; q++) {
        uint64_t dh = tq_dataset_hash(s->keys[q].ds);
        h = fnv(h, &dh, sizeof dh);
    }
    h = fnv(h, s->se, sizeof(double) * (size_t)J);
    h = fnv(h, &s->o.seed, sizeof s->o.seed);
    h = fnv(h, &s->o.theta_floor, sizeof(double));
    h = fnv(h, &s->block, sizeof(int));
    h = fnv(h, &so.tol, sizeof(double));
    h = fnv(h, &so.method, sizeof so.method);
    h = fnv(h, &so.max_iter, sizeof(int));
    h = fnv(h, &s->width, sizeof s->width);
    for (int q = 0; q < s->nkeys; q++) {
        /* with partial effects, what the draws make of them (sweeps without any hash as
         * before) */
        const tq__ntb_plan *pl = s->keys[q].plan;
        if (pl->nb == 0)
            continue;
        h = fnv(h, "ntb-plan-1", 10);
        h = fnv(h, &s->dt, sizeof s->dt);
        h = fnv(h, &s->dp, sizeof s->dp);
        h = fnv(h, pl->se, sizeof(double) * (size_t)pl->nrv);
        h = fnv(h, pl->fb, sizeof(double) * pl->start[pl->ncells]);
    }
    if (!(s->pe_buf = tq__calloc(ctx, (size_t)s->nrv + 1, sizeof(double))))
        return TQ_ERR_NOMEM;
    s->ckey = h;
    s->prepared = 1;
    return make_columns(s);
}

int tq_sweep_points(const tq_sweep *s)
{
    return s ? s->npoints : 0;
}

int tq_sweep_blocks(const tq_sweep *s)
{
    return s ? s->nblocks : 0;
}

size_t tq_sweep_width(const tq_sweep *s)
{
    return s ? s->width : 0;
}

/* theta of point p under key q into th[J]. */
static void point_theta(const tq_sweep *s, int p, const key *q, double *th)
{
    const int J = s->J;
    int ad = axis_of(s, AX_DRAW), as = axis_of(s, AX_SETS);
    const double *central = q->base->theta;
    if (as >= 0) {
        int k = (int)s->ax[as].v[axis_index(s, as, p)];
        memcpy(th, s->set_theta + (size_t)k * J, sizeof(double) * (size_t)J);
    } else if (ad >= 0) {
        int d = (int)s->ax[ad].v[axis_index(s, ad, p)];
        for (int j = 0; j < J; j++) {
            double v = central[j];
            if (s->se[j] > 0) {
                /* normal truncated below at the floor: redraw (a new counter) until above it */
                int att = 0;
                do
                    v = central[j] + s->se[j] * std_normal(s->o.seed, d, (uint64_t)j, att);
                while (!(v > s->o.theta_floor) && ++att < 1000);
                if (!(v > s->o.theta_floor))
                    v = s->o.theta_floor;
            }
            th[j] = v;
        }
    } else {
        memcpy(th, central, sizeof(double) * (size_t)J);
    }
}

/* The standard normals z[nrv] of point p's partial effects: each truncated (redrawn with a
 * new counter) so that every b of its factors stays within |b| <= 20. Returns z, or NULL
 * when point p does not draw them (no draw axis, or partial effects not drawn). */
static const double *point_z(const tq_sweep *s, int p, const key *q, double *z)
{
    int ad = axis_of(s, AX_DRAW);
    const tq__ntb_plan *pl = q->plan;
    if (ad < 0 || !s->dp || !pl || pl->nrv == 0)
        return NULL;
    int d = (int)s->ax[ad].v[axis_index(s, ad, p)];
    for (int r = 0; r < pl->nrv; r++) {
        double v = 0;
        int att = 0, ok;
        do {
            v = std_normal(s->o.seed, d, PE_STREAM + (uint64_t)r, att);
            ok = fabs(pl->bmin[r] + pl->se[r] * v) <= 20 && fabs(pl->bmax[r] + pl->se[r] * v) <= 20;
        } while (!ok && ++att < 1000);
        z[r] = ok ? v : 0;
    }
    return z;
}

const double *tq_sweep_partial_effects(const tq_sweep *s, int p, int *count)
{
    if (count)
        *count = 0;
    if (!s || !s->prepared || p < 0 || p >= s->npoints)
        return NULL;
    const key *q = &s->keys[s->pkey[p]];
    if (!q->plan || q->plan->nrv == 0)
        return NULL;
    double *pe = ((tq_sweep *)s)->pe_buf;
    const double *z = point_z(s, p, q, pe);
    for (int r = 0; r < q->plan->nrv; r++)
        pe[r] = q->plan->b0[r] + (z ? q->plan->se[r] * z[r] : 0);
    if (count)
        *count = q->plan->nrv;
    return pe;
}

tq_status tq_sweep_drawn(const tq_sweep *s, int *theta, int *partial)
{
    if (!s || !s->prepared)
        return TQ_ERR_INVALID;
    const int draw = axis_of(s, AX_DRAW) >= 0;
    if (theta)
        *theta = (draw && s->dt) || axis_of(s, AX_SETS) >= 0;
    if (partial)
        *partial = draw && s->dp && s->nrv > 0;
    return TQ_OK;
}

const double *tq_sweep_theta(const tq_sweep *s, int p)
{
    if (!s || !s->prepared || p < 0 || p >= s->npoints)
        return NULL;
    if (axis_of(s, AX_DRAW) < 0 && axis_of(s, AX_SETS) < 0)
        return NULL;
    point_theta(s, p, &s->keys[s->pkey[p]], s->theta_buf);
    return s->theta_buf;
}

/* --------------------------------------------------------------- workers --- */

typedef struct worker {
    tq_context *ctx;
    int key;               /* the key bl, sc and solver are for; -1 none */
    struct tq_baseline bl; /* shallow copy of the key's baseline with its own theta */
    double *theta;         /* [J] */
    double *z;             /* [nrv] the partial effects' normals */
    tq_scenario *sc;
    tq_solver *solver;
    tq_result *res[2];
    tq_status st;
} worker;

static void worker_reset(worker *w)
{
    for (int q = 0; q < 2; q++) {
        tq_result_free(w->res[q]);
        w->res[q] = NULL;
    }
    tq_solver_free(w->solver);
    w->solver = NULL;
    tq_scenario_free(w->sc);
    w->sc = NULL;
    w->key = -1;
}

static tq_status worker_key(tq_sweep *s, worker *w, int q)
{
    if (w->key == q)
        return TQ_OK;
    worker_reset(w);
    const key *k = &s->keys[q];
    w->bl = *k->base;
    w->bl.ctx = w->ctx;
    w->bl.theta = w->theta;
    memcpy(w->theta, k->base->theta, sizeof(double) * (size_t)s->J);
    tq_status st = tq_scenario_new(w->ctx, &w->bl, &w->sc);
    if (!st && k->sc->d) {
        double *d = tq_scenario_iceberg(w->sc);
        if (!d)
            st = TQ_ERR_NOMEM;
        else
            memcpy(d, k->sc->d, sizeof(double) * (size_t)s->N * s->N * s->J);
    }
    if (!st)
        st = tq_scenario_set_closure(w->sc, k->sc->closure, k->sc->target);
    if (!st)
        st = tq_solver_new(w->ctx, &w->bl, &w->solver);
    if (!st)
        w->key = q;
    return st;
}

/* The headline values of a solved point into v (layout TQ_SWEEP_*). */
static void point_values(const tq_sweep *s, const tq_scenario *sc, const tq_result *res, double *v)
{
    const int N = s->N, J = s->J;
    const tq_solve_info *info = tq_result_info(res);
    v[TQ_SWEEP_CONVERGED] = info->status == TQ_OK;
    v[TQ_SWEEP_ITERATIONS] = info->iterations;
    v[TQ_SWEEP_RESIDUAL] = info->residual;
    const double *wel = tq_result_array(res, TQ_RES_WELFARE, NULL), *ev = tq_result_array(res, TQ_RES_EV, NULL);
    const double *rw = tq_result_array(res, TQ_RES_REAL_WAGE, NULL), *cpi = tq_result_array(res, TQ_RES_CPI, NULL);
    const double *what = tq_result_array(res, TQ_RES_WHAT, NULL), *X1 = tq_result_array(res, TQ_RES_X, NULL);
    const double *pi = tq_result_array(res, TQ_RES_PI, NULL);
    double *r = v + TQ_SWEEP_REGIONS;
    for (int n = 0; n < N; n++) {
        r[METRICS * n] = wel[n];
        r[METRICS * n + 1] = ev[n];
        r[METRICS * n + 2] = rw[n];
        /* as the regions table: nominal value added over the CPI */
        r[METRICS * n + 3] = 100.0 * (what[n] / (1.0 + cpi[n] / 100.0) - 1.0);
    }
    double *pair = r + (size_t)METRICS * N, *out = pair + 1 + J;
    const double *t1 = sc->t;
    memset(out, 0, sizeof(double) * (size_t)N * J);
    if (!pi) { /* out of memory for pi': the trade numbers are missing */
        for (int j = 0; j <= J; j++)
            pair[j] = NAN;
        for (size_t c = 0; c < (size_t)N * J; c++)
            out[c] = NAN;
        return;
    }
    for (int n = 0; n < N; n++)
        for (int i = 0; i < N; i++)
            for (int j = 0; j < J; j++) {
                size_t a = TQ_NIJ(N, J, n, i, j);
                out[TQ_NJ(J, i, j)] += pi[a] * X1[TQ_NJ(J, n, j)] / (1.0 + t1[a]);
            }
    double tot = 0;
    for (int j = 0; j < J; j++) {
        double b = NAN;
        if (s->imp >= 0 && s->exp_ >= 0) {
            const int m = s->imp, x = s->exp_;
            size_t ax = TQ_NIJ(N, J, x, m, j), am = TQ_NIJ(N, J, m, x, j);
            b = pi[ax] * X1[TQ_NJ(J, x, j)] / (1.0 + t1[ax]) - pi[am] * X1[TQ_NJ(J, m, j)] / (1.0 + t1[am]);
        }
        pair[1 + j] = b;
        tot += b;
    }
    pair[0] = tot;
}

static tq_status solve_block(tq_sweep *s, worker *w, int blk)
{
    const int first = blk * s->block, last = first + s->block < s->npoints ? first + s->block : s->npoints;
    const size_t NNJ = (size_t)s->N * s->N * s->J;
    tq_solver_options so;
    solver_options(s, &so);
    so.threads = 1; /* threads are the workers; one solve runs on one */
    const tq_result *prev = NULL;
    int cur = 0;
    const int redraw = axis_of(s, AX_DRAW) >= 0 || axis_of(s, AX_SETS) >= 0; /* theta or b move */
    for (int p = first; p < last; p++) {
        tq_status st = worker_key(s, w, s->pkey[p]);
        if (st)
            return st;
        const key *k = &s->keys[w->key];
        if (p == first || s->pkey[p] != s->pkey[p - 1])
            prev = k->res;
        point_theta(s, p, k, w->theta);
        if (k->plan->nb > 0 && k->sc->d && redraw) {
            /* the NTB iceberg changes with this draw's theta and partial effects */
            tq__ntb_plan_apply(k->plan, w->theta, point_z(s, p, k, w->z), tq_scenario_iceberg(w->sc));
        }
        double *t = tq_scenario_tariffs(w->sc);
        memcpy(t, k->sc->t, sizeof(double) * NNJ);
        for (int a = 0; a < s->nax; a++) {
            const axis *ax = &s->ax[a];
            if (ax->kind != AX_TARIFF)
                continue;
            double rate = ax->v[axis_index(s, a, p)] / 100.0;
            for (int c = 0; c < ax->ncells; c++)
                if ((st = tq_scenario_set_tariff(w->sc, ax->cells[3 * c], ax->cells[3 * c + 1], ax->cells[3 * c + 2],
                                                 rate)))
                    return st;
        }
        so.start = prev;
        if ((st = tq_solver_set_options(w->solver, &so)))
            return st;
        if (w->res[cur])
            st = tq_solver_solve_into(w->solver, w->sc, w->res[cur]);
        else
            st = tq_solver_solve(w->solver, w->sc, &w->res[cur]);
        if (st && st != TQ_ERR_NOT_CONVERGED)
            return st;
        point_values(s, w->sc, w->res[cur], s->vals + (size_t)p * s->width);
        prev = tq_result_info(w->res[cur])->status == TQ_OK ? w->res[cur] : k->res;
        cur ^= 1;
    }
    return TQ_OK;
}

/* ------------------------------------------------------------ checkpoint --- */

#define CK_MAGIC "TQSWEEP1"

static int block_len(const tq_sweep *s, int blk)
{
    int first = blk * s->block;
    return first + s->block <= s->npoints ? s->block : s->npoints - first;
}

static tq_status ck_append(tq_sweep *s, int blk)
{
    FILE *f = fopen(s->ckpt, "ab");
    if (!f)
        return tq__error(s->ctx, TQ_ERR_IO, s->ckpt, 0, NULL, "cannot append to the checkpoint");
    int32_t b = blk;
    const double *v = s->vals + (size_t)blk * s->block * s->width;
    size_t n = (size_t)block_len(s, blk) * s->width;
    uint64_t h = fnv(fnv(0xcbf29ce484222325ULL, &b, sizeof b), v, n * sizeof(double));
    int ok = fwrite(&b, sizeof b, 1, f) == 1 && fwrite(v, sizeof(double), n, f) == n && fwrite(&h, sizeof h, 1, f) == 1;
    ok &= fclose(f) == 0;
    return ok ? TQ_OK : tq__error(s->ctx, TQ_ERR_IO, s->ckpt, 0, NULL, "cannot write the checkpoint");
}

tq_status tq_sweep_checkpoint(tq_sweep *s, const char *path)
{
    if (!s || !path || !s->prepared)
        return s ? tq__error(s->ctx, TQ_ERR_INVALID, NULL, 0, NULL, "checkpoint: prepare the sweep first")
                 : TQ_ERR_INVALID;
    tq_context *ctx = s->ctx;
    tq__free(ctx, s->ckpt);
    if (!(s->ckpt = tq__strdup(ctx, path)))
        return TQ_ERR_NOMEM;
    struct {
        char magic[8];
        uint64_t key;
        uint64_t width, points, block;
    } hdr, want;
    memset(&want, 0, sizeof want);
    memcpy(want.magic, CK_MAGIC, 8);
    want.key = s->ckey;
    want.width = s->width;
    want.points = (uint64_t)s->npoints;
    want.block = (uint64_t)s->block;
    FILE *f = fopen(path, "rb");
    if (f) {
        long good = 0;
        if (fread(&hdr, sizeof hdr, 1, f) == 1) {
            if (memcmp(&hdr, &want, sizeof hdr)) {
                fclose(f);
                return tq__error(ctx, TQ_ERR_INVALID, path, 0, NULL,
                                 "the checkpoint belongs to another sweep (other axes, data, seed or options): "
                                 "remove it or name another file");
            }
            good = (long)sizeof hdr;
            double *buf = tq__malloc(ctx, (size_t)s->block * s->width * sizeof(double));
            if (!buf) {
                fclose(f);
                return TQ_ERR_NOMEM;
            }
            int32_t b;
            while (fread(&b, sizeof b, 1, f) == 1) {
                if (b < 0 || b >= s->nblocks)
                    break;
                size_t n = (size_t)block_len(s, b) * s->width;
                uint64_t h, hw = 0;
                if (fread(buf, sizeof(double), n, f) != n || fread(&hw, sizeof hw, 1, f) != 1)
                    break;
                h = fnv(fnv(0xcbf29ce484222325ULL, &b, sizeof b), buf, n * sizeof(double));
                if (h != hw)
                    break;
                memcpy(s->vals + (size_t)b * s->block * s->width, buf, n * sizeof(double));
                memset(s->done + (size_t)b * s->block, 1, (size_t)block_len(s, b));
                good = ftell(f);
            }
            tq__free(ctx, buf);
        }
        fclose(f);
        /* a record cut short by a kill is dropped: the file ends at the last whole one */
        if (good > 0 && truncate(path, good) != 0)
            return tq__error(ctx, TQ_ERR_IO, path, 0, NULL, "cannot truncate the checkpoint");
        if (good > 0)
            return TQ_OK;
    }
    f = fopen(path, "wb");
    if (!f)
        return tq__error(ctx, TQ_ERR_IO, path, 0, NULL, "cannot create the checkpoint");
    int ok = fwrite(&want, sizeof want, 1, f) == 1;
    ok &= fclose(f) == 0;
    return ok ? TQ_OK : tq__error(ctx, TQ_ERR_IO, path, 0, NULL, "cannot write the checkpoint");
}

/* ------------------------------------------------------------------- run --- */

tq_status tq_sweep_run(tq_sweep *s, int first, int count)
{
    if (!s)
        return TQ_ERR_INVALID;
    tq_context *ctx = s->ctx;
    if (!s->prepared || first < 0 || count < 0 || first + count > s->nblocks)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, NULL, "blocks %d..%d of %d (prepared: %d)", first,
                         first + count - 1, s->nblocks, s->prepared);
    int *todo = tq__calloc(ctx, (size_t)count + 1, sizeof(int));
    if (!todo)
        return TQ_ERR_NOMEM;
    int ntodo = 0;
    for (int b = first; b < first + count; b++) {
        int all = 1;
        for (int p = b * s->block; p < b * s->block + block_len(s, b); p++)
            all &= s->done[p];
        if (!all)
            todo[ntodo++] = b;
    }
    int nth = 1;
#ifdef _OPENMP
    nth = s->o.threads > 0 ? s->o.threads : omp_get_max_threads();
#endif
    if (nth > ntodo)
        nth = ntodo > 0 ? ntodo : 1;
    worker *ws = tq__calloc(ctx, (size_t)nth, sizeof *ws);
    tq_status st = ws ? TQ_OK : TQ_ERR_NOMEM;
    for (int q = 0; q < nth && !st; q++) {
        ws[q].key = -1;
        if (tq_context_new(&ws[q].ctx, &ctx->alloc) != TQ_OK || !(ws[q].theta = tq__calloc(ctx, (size_t)s->J, 8)) ||
            !(ws[q].z = tq__calloc(ctx, (size_t)s->nrv + 1, sizeof(double))))
            st = TQ_ERR_NOMEM;
    }
    int next = 0, ndone = 0, stop = st != TQ_OK;
    tq_status ck_st = TQ_OK;
    if (!st) {
#ifdef _OPENMP
#pragma omp parallel num_threads(nth)
#endif
        {
            int tid = 0;
#ifdef _OPENMP
            tid = omp_get_thread_num();
#endif
            worker *w = &ws[tid];
            for (;;) {
                int b, halt;
#ifdef _OPENMP
#pragma omp atomic read
#endif
                halt = stop;
                if (halt || atomic_load(&ctx->cancelled))
                    break;
#ifdef _OPENMP
#pragma omp atomic capture
#endif
                b = next++;
                if (b >= ntodo)
                    break;
                tq_status bst = solve_block(s, w, todo[b]);
                if (bst) {
                    w->st = bst;
#ifdef _OPENMP
#pragma omp atomic write
#endif
                    stop = 1;
                    break;
                }
#ifdef _OPENMP
#pragma omp critical(tq_sweep_done)
#endif
                {
                    memset(s->done + (size_t)todo[b] * s->block, 1, (size_t)block_len(s, todo[b]));
                    if (s->ckpt && !ck_st)
                        ck_st = ck_append(s, todo[b]);
                    ndone++;
                }
                if (tid == 0) {
                    int d;
#ifdef _OPENMP
#pragma omp atomic read
#endif
                    d = ndone;
                    if (ctx->progress_fn && ctx->progress_fn(ctx->progress_ud, "sweep", (double)d / ntodo)) {
                        atomic_store(&ctx->cancelled, 1);
                    }
                }
            }
        }
    }
    if (!st)
        for (int q = 0; q < nth; q++)
            if (ws[q].st) {
                const tq_error *e = tq_last_error(ws[q].ctx);
                st = tq__error(ctx, ws[q].st, e->file[0] ? e->file : NULL, e->line, e->field[0] ? e->field : NULL, "%s",
                               e->message);
                break;
            }
    if (!st && ck_st)
        st = ck_st;
    if (!st && ndone < ntodo)
        st = tq__error(ctx, TQ_ERR_CANCELLED, NULL, 0, NULL, "sweep cancelled after %d of %d blocks", ndone, ntodo);
    for (int q = 0; ws && q < nth; q++) {
        worker_reset(&ws[q]);
        tq__free(ctx, ws[q].theta);
        tq__free(ctx, ws[q].z);
        tq_context_free(ws[q].ctx);
    }
    tq__free(ctx, ws);
    tq__free(ctx, todo);
    return st;
}

const double *tq_sweep_values(const tq_sweep *s, int p)
{
    if (!s || !s->prepared || p < 0 || p >= s->npoints || !s->done[p])
        return NULL;
    return s->vals + (size_t)p * s->width;
}

tq_status tq_sweep_set_values(tq_sweep *s, int p, const double *v)
{
    if (!s || !s->prepared || p < 0 || p >= s->npoints || !v)
        return TQ_ERR_INVALID;
    memcpy(s->vals + (size_t)p * s->width, v, s->width * sizeof(double));
    s->done[p] = 1;
    return TQ_OK;
}

/* ----------------------------------------------------------------- bands --- */

tq_status tq_sweep_bands(tq_sweep *s, const tq_bands **out)
{
    if (!s || !out)
        return TQ_ERR_INVALID;
    *out = NULL;
    tq_context *ctx = s->ctx;
    for (int p = 0; p < s->npoints; p++)
        if (!s->done[p])
            return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, NULL, "point %d of the sweep is not solved", p + 1);
    const int N = s->N, J = s->J;
    const size_t nval = (size_t)METRICS * N + 1 + J + (size_t)N * J;
    tq__free(ctx, s->band_mem);
    s->band_mem = tq__calloc(ctx, 3 * nval, sizeof(double));
    double *col = tq__calloc(ctx, (size_t)s->npoints, sizeof(double));
    if (!s->band_mem || !col) {
        tq__free(ctx, col);
        return TQ_ERR_NOMEM;
    }
    int used = 0;
    for (size_t c = 0; c < nval; c++) {
        int m = 0;
        for (int p = 0; p < s->npoints; p++) {
            const double *v = s->vals + (size_t)p * s->width;
            if (v[TQ_SWEEP_CONVERGED] == 1 && isfinite(v[TQ_SWEEP_REGIONS + c]))
                col[m++] = v[TQ_SWEEP_REGIONS + c];
        }
        qsort(col, (size_t)m, sizeof *col, cmp_double);
        s->band_mem[3 * c] = percentile(col, m, 0.05);
        s->band_mem[3 * c + 1] = percentile(col, m, 0.5);
        s->band_mem[3 * c + 2] = percentile(col, m, 0.95);
        if (c == 0)
            used = m;
    }
    tq__free(ctx, col);
    tq_bands *b = &s->bands;
    b->draws = used;
    b->N = N;
    b->J = J;
    b->importer = s->imp;
    b->exporter = s->exp_;
    b->regions = s->band_mem;
    b->pair_balance = s->imp >= 0 && s->exp_ >= 0 ? s->band_mem + 3 * ((size_t)METRICS * N + 1) : NULL;
    b->output = s->band_mem + 3 * ((size_t)METRICS * N + 1 + J);
    /* the central run's tables carry them (src/report/table.c) */
    ((tq_result *)tq_outcome_result(s->central))->bands = b;
    *out = b;
    return TQ_OK;
}

tq_outcome *tq_sweep_outcome(tq_sweep *s)
{
    return s ? s->central : NULL;
}

tq_status tq_sweep_central(const tq_sweep *s, tq_run *out)
{
    if (!s || !out || !s->central)
        return TQ_ERR_INVALID;
    tq_outcome_run(s->central, out);
    return TQ_OK;
}

/* ---------------------------------------------------------------- table --- */

/* Columns: axes, converged, iterations, then per shown region 4 metrics, the pair's
 * balance, world EV. Column c's source: kinds encoded by range. */
static int shown_regions(const tq_sweep *s, int *reg)
{
    if (s->imp >= 0 && s->exp_ >= 0) {
        reg[0] = s->imp;
        reg[1] = s->exp_;
        return 2;
    }
    for (int n = 0; n < s->N; n++)
        reg[n] = n;
    return s->N;
}

static const char *const metric_names[METRICS] = {"welfare_pct", "ev_musd", "real_wage_pct", "real_gdp_pct"};

static tq_status make_columns(tq_sweep *s)
{
    tq_context *ctx = s->ctx;
    int *reg = tq__calloc(ctx, (size_t)s->N, sizeof(int));
    if (!reg)
        return TQ_ERR_NOMEM;
    int nr = shown_regions(s, reg);
    int pair = s->imp >= 0 && s->exp_ >= 0;
    s->ncols = s->nax + 2 + METRICS * nr + pair + 1;
    if (!(s->colnames = tq__calloc(ctx, (size_t)s->ncols, sizeof(char *)))) {
        tq__free(ctx, reg);
        return TQ_ERR_NOMEM;
    }
    const tq_dataset *ds = s->keys[0].ds;
    char buf[160];
    int c = 0, bad = 0;
    for (int a = 0; a < s->nax; a++)
        bad |= !(s->colnames[c++] = tq__strdup(ctx, s->ax[a].label));
    bad |= !(s->colnames[c++] = tq__strdup(ctx, "converged"));
    bad |= !(s->colnames[c++] = tq__strdup(ctx, "iterations"));
    for (int q = 0; q < nr; q++)
        for (int m = 0; m < METRICS; m++) {
            snprintf(buf, sizeof buf, "%s_%s", tq_dataset_region_code(ds, reg[q]), metric_names[m]);
            bad |= !(s->colnames[c++] = tq__strdup(ctx, buf));
        }
    if (pair) {
        snprintf(buf, sizeof buf, "%s_%s_balance_after_musd", tq_dataset_region_code(ds, s->imp),
                 tq_dataset_region_code(ds, s->exp_));
        bad |= !(s->colnames[c++] = tq__strdup(ctx, buf));
    }
    bad |= !(s->colnames[c++] = tq__strdup(ctx, "world_ev_musd"));
    tq__free(ctx, reg);
    return bad ? TQ_ERR_NOMEM : TQ_OK;
}

int tq_sweep_columns(const tq_sweep *s)
{
    return s ? s->ncols : 0;
}

const char *tq_sweep_column_name(const tq_sweep *s, int c)
{
    return s && c >= 0 && c < s->ncols ? s->colnames[c] : NULL;
}

int tq_sweep_axes(const tq_sweep *s)
{
    return s ? s->nax : 0;
}

const char *tq_sweep_axis_name(const tq_sweep *s, int a)
{
    return s && a >= 0 && a < s->nax ? s->ax[a].label : NULL;
}

static int axis_is_text(const axis *a)
{
    return a->kind == AX_CLOSURE || a->kind == AX_SET || a->kind == AX_SETS;
}

const char *tq_sweep_axis_value(const tq_sweep *s, int a, int p, char *buf, size_t cap)
{
    if (!s || !s->prepared || a < 0 || a >= s->nax || p < 0 || p >= s->npoints || !buf || cap == 0)
        return NULL;
    const axis *ax = &s->ax[a];
    double v = ax->v[axis_index(s, a, p)];
    if (ax->kind == AX_CLOSURE)
        snprintf(buf, cap, "%s", closure_names[(int)v]);
    else if (ax->kind == AX_SET || ax->kind == AX_SETS)
        snprintf(buf, cap, "%s", tq_elasticities_name(s->e, (int)v));
    else {
        char num[40];
        tq__fmt_num(num, v);
        snprintf(buf, cap, "%s", num);
    }
    return buf;
}

double tq_sweep_cell(const tq_sweep *s, int p, int c)
{
    if (!s || !s->prepared || p < 0 || p >= s->npoints || c < 0 || c >= s->ncols || !s->done[p])
        return NAN;
    const double *v = s->vals + (size_t)p * s->width;
    if (c < s->nax)
        return axis_is_text(&s->ax[c]) ? NAN : s->ax[c].v[axis_index(s, c, p)];
    c -= s->nax;
    if (c == 0)
        return v[TQ_SWEEP_CONVERGED];
    if (c == 1)
        return v[TQ_SWEEP_ITERATIONS];
    c -= 2;
    int reg[2];
    int nr = s->imp >= 0 && s->exp_ >= 0 ? 2 : s->N;
    if (nr == 2) {
        reg[0] = s->imp;
        reg[1] = s->exp_;
    }
    if (c < METRICS * nr) {
        int n = nr == 2 ? reg[c / METRICS] : c / METRICS;
        return v[TQ_SWEEP_REGIONS + (size_t)METRICS * n + c % METRICS];
    }
    c -= METRICS * nr;
    if (nr == 2 && c == 0)
        return v[TQ_SWEEP_REGIONS + (size_t)METRICS * s->N];
    double w = 0;
    for (int n = 0; n < s->N; n++)
        w += v[TQ_SWEEP_REGIONS + (size_t)METRICS * n + 1];
    return w;
}

static tq_status check_all(const tq_sweep *s, tq_context *ctx)
{
    if (!s->prepared)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, NULL, "the sweep is not prepared");
    for (int p = 0; p < s->npoints; p++)
        if (!s->done[p])
            return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, NULL, "point %d of the sweep is not solved", p + 1);
    return TQ_OK;
}

static void cell_text(const tq_sweep *s, int p, int c, char *buf, size_t cap, int *is_text)
{
    *is_text = c < s->nax && axis_is_text(&s->ax[c]);
    if (*is_text) {
        tq_sweep_axis_value(s, c, p, buf, cap);
        return;
    }
    char num[40];
    double v = tq_sweep_cell(s, p, c);
    if (c == s->nax || c == s->nax + 1)
        snprintf(num, sizeof num, "%.0f", v);
    else
        tq__fmt_num(num, v);
    snprintf(buf, cap, "%s", num);
}

/* The start of both sweep writers: the arguments, every point checked, the sink opened
 * into *o. */
static tq_status sweep_out_open(tq_context *ctx, const tq_sweep *s, const tq_sink *sink, tq__out *o)
{
    if (!ctx || !s || !sink)
        return TQ_ERR_INVALID;
    tq_status st = check_all(s, ctx);
    return st ? st : tq__out_open(ctx, o, sink);
}

tq_status tq_sweep_write_csv(tq_context *ctx, const tq_sweep *s, const tq_sink *sink)
{
    tq__out o;
    tq_status st = sweep_out_open(ctx, s, sink, &o);
    if (st)
        return st;
    for (int c = 0; c < s->ncols; c++) {
        if (c)
            tq__out_char(&o, ',');
        tq__out_str(&o, s->colnames[c]);
    }
    tq__out_char(&o, '\n');
    char buf[128];
    for (int p = 0; p < s->npoints; p++) {
        for (int c = 0; c < s->ncols; c++) {
            int txt;
            if (c)
                tq__out_char(&o, ',');
            cell_text(s, p, c, buf, sizeof buf, &txt);
            tq__out_str(&o, buf);
        }
        tq__out_char(&o, '\n');
    }
    if (tq__out_close(ctx, &o))
        return tq__sink_error(ctx, "the sweep CSV");
    return TQ_OK;
}

tq_status tq_sweep_write_json(tq_context *ctx, const tq_sweep *s, const tq_sink *sink)
{
    tq__out o;
    tq_status st = sweep_out_open(ctx, s, sink, &o);
    if (st)
        return st;
    tq_spec_info si;
    tq_spec_get(s->sp, s->k, &si);
    char buf[256];
    tq__out_str(&o, "{\"tradeq_version\": \"" TQ_VERSION_STRING "\", \"scenario\": \"");
    for (const char *c = si.name; *c; c++) { /* names are plain, but quote-safe anyway */
        if (*c == '"' || *c == '\\')
            tq__out_char(&o, '\\');
        tq__out_char(&o, *c);
    }
    snprintf(buf, sizeof buf, "\", \"points\": %d, \"block\": %d, \"seed\": %llu,\n \"axes\": [", s->npoints, s->block,
             (unsigned long long)s->o.seed);
    tq__out_str(&o, buf);
    for (int a = 0; a < s->nax; a++) {
        tq__out_str(&o, a ? ", \"" : "\"");
        for (const char *c = s->ax[a].text; *c; c++) {
            if (*c == '"' || *c == '\\')
                tq__out_char(&o, '\\');
            tq__out_char(&o, *c);
        }
        tq__out_char(&o, '"');
    }
    tq__out_str(&o, "],\n \"columns\": [");
    for (int c = 0; c < s->ncols; c++) {
        tq__out_str(&o, c ? ", \"" : "\"");
        tq__out_str(&o, s->colnames[c]);
        tq__out_char(&o, '"');
    }
    tq__out_str(&o, "],\n \"rows\": [");
    for (int p = 0; p < s->npoints; p++) {
        tq__out_str(&o, p ? ",\n  [" : "\n  [");
        for (int c = 0; c < s->ncols; c++) {
            int txt;
            if (c)
                tq__out_str(&o, ", ");
            cell_text(s, p, c, buf, sizeof buf, &txt);
            if (txt)
                tq__out_char(&o, '"');
            tq__out_str(&o, buf[0] ? buf : "null");
            if (txt)
                tq__out_char(&o, '"');
        }
        tq__out_char(&o, ']');
    }
    tq__out_str(&o, "\n ]\n}\n");
    if (tq__out_close(ctx, &o))
        return tq__sink_error(ctx, "the sweep JSON");
    return TQ_OK;
}
