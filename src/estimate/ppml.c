/* PPML with high-dimensional fixed effects (docs/estimation.md): the tq_ppml object,
 * the reading of its data, the drops (all-zero groups, singletons, separation,
 * collinearity), IRLS, and the standard errors. */
#include "estimate.h"

#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#define MAXTERM 8 /* fixed effects */
#define MAXX 10   /* regressors */
#define MAXCOMP 3 /* columns in an interaction a#b#c */

typedef struct term {
    int ncomp;
    char comp[MAXCOMP][64];
    char name[200];
    int var[MAXCOMP]; /* table column of each component */
} term;

struct tq_ppml {
    tq_context *ctx;
    /* configuration */
    char *path;
    char yname[64];
    int nx;
    char xname_in[MAXX][200]; /* as given: "log(dist)" */
    char xbase[MAXX][64];
    int xlog[MAXX];
    int nfe;
    term fet[MAXTERM];
    int ncl;
    term clt[2];
    char filter_var[64];
    char noteq[2][64]; /* drop rows where these two columns are equal ("" none) */
    double *fvals;
    int nfvals;
    tq_se_convention se;
    double tol, dtol;
    int max_iter, threads;
    /* data in memory (tq_ppml_set_data) */
    int mem;
    /* the estimation sample: y[n], X[k*n] (k0 columns, a constant last when no fixed
     * effect), fe[g*n], cl[ncl*n] */
    size_t n;
    double *y, *X;
    size_t *row;    /* [n] 1-based data row of each observation */
    size_t *seprow; /* [info.n_separated] rows dropped as separated */
    int k0;
    char xname[MAXX + 1][200];
    int g;
    int32_t *fe;
    int nlev[MAXTERM];
    char **felab[MAXTERM]; /* [nlev] level names (file data) */
    int32_t *cl;
    int nclev[2];
    /* results */
    int ran;
    int kk;             /* kept regressors */
    int kept[MAXX + 1]; /* their columns */
    int ndrop;
    int dropped[MAXX + 1];
    double b[MAXX + 1], se_[MAXX + 1], V[(MAXX + 1) * (MAXX + 1)];
    double *alpha; /* [L] fixed-effect estimates */
    tq_ppml_info info;
};

/* ------------------------------------------------------------ config --- */

tq_status tq_ppml_new(tq_context *ctx, tq_ppml **out)
{
    *out = NULL;
    tq_ppml *p = tq__calloc(ctx, 1, sizeof *p);
    if (!p)
        return TQ_ERR_NOMEM;
    p->ctx = ctx;
    p->tol = 1e-10;
    p->dtol = 1e-8;
    p->max_iter = 200;
    *out = p;
    return TQ_OK;
}

static void free_sample(tq_ppml *p)
{
    tq_context *ctx = p->ctx;
    tq__free(ctx, p->y);
    tq__free(ctx, p->X);
    tq__free(ctx, p->fe);
    tq__free(ctx, p->cl);
    tq__free(ctx, p->alpha);
    tq__free(ctx, p->row);
    tq__free(ctx, p->seprow);
    p->row = p->seprow = NULL;
    for (int g = 0; g < MAXTERM; g++) {
        if (p->felab[g]) {
            for (int l = 0; l < p->nlev[g]; l++)
                tq__free(ctx, p->felab[g][l]);
            tq__free(ctx, p->felab[g]);
        }
        p->felab[g] = NULL;
    }
    p->y = p->X = p->alpha = NULL;
    p->fe = p->cl = NULL;
}

void tq_ppml_free(tq_ppml *p)
{
    if (!p)
        return;
    free_sample(p);
    tq__free(p->ctx, p->path);
    tq__free(p->ctx, p->fvals);
    tq__free(p->ctx, p);
}

tq_status tq_ppml_set_file(tq_ppml *p, const char *path)
{
    char *c = tq__strdup(p->ctx, path);
    if (!c)
        return TQ_ERR_NOMEM;
    tq__free(p->ctx, p->path);
    p->path = c;
    p->mem = 0;
    return TQ_OK;
}

/* the next comma-separated item of *s, trimmed, into buf; 0 at the end */
static int next_item(const char **s, char *buf, size_t cap)
{
    const char *a = *s;
    while (*a == ' ' || *a == ',')
        a++;
    if (!*a)
        return 0;
    const char *e = a;
    int depth = 0;
    while (*e && (depth || *e != ',')) {
        depth += *e == '(' ? 1 : *e == ')' ? -1 : 0;
        e++;
    }
    size_t len = (size_t)(e - a);
    while (len && a[len - 1] == ' ')
        len--;
    if (len >= cap)
        len = cap - 1;
    memcpy(buf, a, len);
    buf[len] = 0;
    *s = e;
    return 1;
}

static tq_status parse_terms(tq_ppml *p, const char *list, term *t, int max, int *count, const char *what)
{
    *count = 0;
    if (!list)
        return TQ_OK;
    char item[200];
    const char *s = list;
    while (next_item(&s, item, sizeof item)) {
        if (*count == max)
            return tq__error(p->ctx, TQ_ERR_INVALID, NULL, 0, what, "at most %d %s terms", max, what);
        term *u = &t[(*count)++];
        memset(u, 0, sizeof *u);
        snprintf(u->name, sizeof u->name, "%s", item);
        char *c = item;
        while (c) {
            char *h = strchr(c, '#');
            if (h)
                *h = 0;
            if (u->ncomp == MAXCOMP || !*c || strlen(c) >= 64)
                return tq__error(p->ctx, TQ_ERR_INVALID, NULL, 0, what,
                                 "bad term '%s' (columns joined by #, at most %d)", u->name, MAXCOMP);
            memcpy(u->comp[u->ncomp++], c, strlen(c) + 1); /* shorter than 64, checked above */
            c = h ? h + 1 : NULL;
        }
    }
    return TQ_OK;
}

tq_status tq_ppml_set_model(tq_ppml *p, const char *y, const char *x, const char *fe, const char *cluster)
{
    tq_context *ctx = p->ctx;
    if (p->mem)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, NULL,
                         "data in memory carry their model (tq_ppml_set_data); cluster with tq_ppml_set_cluster");
    if (!y || !*y || strlen(y) >= sizeof p->yname)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, "y", "the dependent variable needs a column name");
    snprintf(p->yname, sizeof p->yname, "%s", y);
    p->nx = 0;
    char item[200];
    const char *s = x ? x : "";
    while (next_item(&s, item, sizeof item)) {
        if (p->nx == MAXX)
            return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, "x", "at most %d regressors", MAXX);
        int j = p->nx++;
        snprintf(p->xname_in[j], sizeof p->xname_in[j], "%s", item);
        size_t len = strlen(item);
        p->xlog[j] = len > 5 && !strncmp(item, "log(", 4) && item[len - 1] == ')';
        if (p->xlog[j]) {
            item[len - 1] = 0;
            memmove(item, item + 4, len - 4);
        }
        if (!*item || strlen(item) >= 64 || strpbrk(item, "()# "))
            return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, "x", "bad regressor '%s' (a column name or log(name))",
                             p->xname_in[j]);
        memcpy(p->xbase[j], item, strlen(item) + 1); /* shorter than 64, checked above */
    }
    tq_status st = parse_terms(p, fe, p->fet, MAXTERM, &p->nfe, "fixed-effect");
    if (!st)
        st = parse_terms(p, cluster, p->clt, 2, &p->ncl, "cluster");
    return st;
}

tq_status tq_ppml_set_cluster(tq_ppml *p, const char *cluster)
{
    return parse_terms(p, cluster, p->clt, 2, &p->ncl, "cluster");
}

tq_status tq_ppml_set_distinct(tq_ppml *p, const char *a, const char *b)
{
    p->noteq[0][0] = p->noteq[1][0] = 0;
    if (!a || !b)
        return TQ_OK;
    if (!*a || !*b || strlen(a) >= 64 || strlen(b) >= 64)
        return tq__error(p->ctx, TQ_ERR_INVALID, NULL, 0, "distinct", "two column names are needed");
    snprintf(p->noteq[0], 64, "%s", a);
    snprintf(p->noteq[1], 64, "%s", b);
    return TQ_OK;
}

tq_status tq_ppml_set_filter(tq_ppml *p, const char *var, const double *values, int count)
{
    tq__free(p->ctx, p->fvals);
    p->fvals = NULL;
    p->nfvals = 0;
    p->filter_var[0] = 0;
    if (!var || count <= 0)
        return TQ_OK;
    if (strlen(var) >= sizeof p->filter_var)
        return tq__error(p->ctx, TQ_ERR_INVALID, NULL, 0, "filter", "column name too long");
    p->fvals = tq__malloc(p->ctx, sizeof(double) * (size_t)count);
    if (!p->fvals)
        return TQ_ERR_NOMEM;
    memcpy(p->fvals, values, sizeof(double) * (size_t)count);
    p->nfvals = count;
    snprintf(p->filter_var, sizeof p->filter_var, "%s", var);
    return TQ_OK;
}

tq_status tq_ppml_set_data(tq_ppml *p, size_t n, const double *y, int k, const double *X, const char *const *xnames,
                           int g, const int32_t *fe, const int *nlev, const char *const *fenames)
{
    tq_context *ctx = p->ctx;
    if (k < 0 || k > MAXX || g < 0 || g > MAXTERM || !n)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, NULL, "at most %d regressors and %d fixed effects", MAXX,
                         MAXTERM);
    free_sample(p);
    p->y = tq__malloc(ctx, sizeof(double) * n);
    p->X = tq__malloc(ctx, sizeof(double) * n * (size_t)(k + 1));
    p->fe = tq__malloc(ctx, sizeof(int32_t) * n * (size_t)(g ? g : 1));
    p->row = tq__malloc(ctx, sizeof(size_t) * n);
    if (!p->y || !p->X || !p->fe || !p->row)
        return TQ_ERR_NOMEM;
    for (size_t i = 0; i < n; i++)
        p->row[i] = i + 1;
    memcpy(p->y, y, sizeof(double) * n);
    if (k)
        memcpy(p->X, X, sizeof(double) * n * (size_t)k);
    if (g)
        memcpy(p->fe, fe, sizeof(int32_t) * n * (size_t)g);
    p->n = n;
    p->nx = k;
    for (int j = 0; j < k; j++) {
        snprintf(p->xname_in[j], sizeof p->xname_in[j], "%s", xnames[j]);
        p->xlog[j] = 0;
    }
    p->nfe = g;
    for (int t = 0; t < g; t++) {
        memset(&p->fet[t], 0, sizeof p->fet[t]);
        snprintf(p->fet[t].name, sizeof p->fet[t].name, "%s", fenames[t]);
        p->nlev[t] = nlev[t];
        for (size_t i = 0; i < n; i++)
            if (fe[(size_t)t * n + i] < 0 || fe[(size_t)t * n + i] >= nlev[t])
                return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, fenames[t], "a level outside 0..%d", nlev[t] - 1);
    }
    p->mem = 1;
    return TQ_OK;
}

void tq_ppml_set_se(tq_ppml *p, tq_se_convention c)
{
    p->se = c;
}

void tq_ppml_set_tolerance(tq_ppml *p, double tol, double demean_tol, int max_iter)
{
    if (tol > 0)
        p->tol = tol;
    if (demean_tol > 0)
        p->dtol = demean_tol;
    if (max_iter > 0)
        p->max_iter = max_iter;
}

void tq_ppml_set_threads(tq_ppml *p, int threads)
{
    p->threads = threads;
}

/* ----------------------------------------------------- codes of terms --- */

/* open-addressing map from a 64-bit key to a dense id */
typedef struct kmap {
    uint64_t *key;
    int32_t *val;
    size_t cap, count;
} kmap;

static tq_status kmap_init(tq_context *ctx, kmap *m, size_t expected)
{
    m->cap = 1024;
    while (m->cap < 2 * expected + 16)
        m->cap *= 2;
    m->count = 0;
    m->key = tq__malloc(ctx, sizeof *m->key * m->cap);
    m->val = tq__malloc(ctx, sizeof *m->val * m->cap);
    if (!m->key || !m->val)
        return TQ_ERR_NOMEM;
    memset(m->val, 0xff, sizeof *m->val * m->cap);
    return TQ_OK;
}

static void kmap_free(tq_context *ctx, kmap *m)
{
    tq__free(ctx, m->key);
    tq__free(ctx, m->val);
}

/* the id of key, a new one (m->count) if absent; the map never fills (cap > 2 n) */
static int32_t kmap_id(kmap *m, uint64_t key)
{
    uint64_t h = key * 0x9E3779B97F4A7C15ull;
    size_t at = (size_t)(h >> 20) & (m->cap - 1);
    while (m->val[at] >= 0) {
        if (m->key[at] == key)
            return m->val[at];
        at = (at + 1) & (m->cap - 1);
    }
    m->key[at] = key;
    m->val[at] = (int32_t)m->count++;
    return m->val[at];
}

/* dense codes of a term for the rows 0..n-1 (codes of its columns combined); row
 * codes < 0 stay -1. rep[level] (if not NULL, n long) = first row of each level. */
static tq_status term_codes(tq_context *ctx, const tq__etable *t, const term *u, size_t n, int32_t *out, int *nlev,
                            size_t *rep)
{
    kmap m;
    tq_status st = kmap_init(ctx, &m, n);
    if (st) {
        kmap_free(ctx, &m);
        return st;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t key = 0, mult = 1;
        int miss = 0;
        for (int c = 0; c < u->ncomp; c++) {
            const tq__evar *v = &t->v[u->var[c]];
            int32_t code = v->code[i];
            if (code < 0)
                miss = 1;
            key += (uint64_t)code * mult;
            mult *= (uint64_t)(v->nlabel + 1);
        }
        if (miss) {
            out[i] = -1;
            continue;
        }
        size_t before = m.count;
        out[i] = kmap_id(&m, key);
        if (rep && m.count > before)
            rep[out[i]] = i;
    }
    *nlev = (int)m.count;
    kmap_free(ctx, &m);
    return TQ_OK;
}

/* ---------------------------------------------------------- the file --- */

static tq_status load_file(tq_ppml *p)
{
    tq_context *ctx = p->ctx;
    tq__etable t;
    memset(&t, 0, sizeof t);
    t.ctx = ctx;
    t.filter = -1;
    tq_status st = TQ_OK;
    int vy = tq__etable_var(&t, p->yname, 1, 0), vx[MAXX];
    if (vy < 0)
        return TQ_ERR_INVALID;
    for (int j = 0; j < p->nx; j++)
        if ((vx[j] = tq__etable_var(&t, p->xbase[j], 1, 0)) < 0)
            return TQ_ERR_INVALID;
    for (int k = 0; k < p->nfe + p->ncl; k++) {
        term *u = k < p->nfe ? &p->fet[k] : &p->clt[k - p->nfe];
        for (int c = 0; c < u->ncomp; c++)
            if ((u->var[c] = tq__etable_var(&t, u->comp[c], 0, 1)) < 0) {
                tq__etable_free(&t);
                return TQ_ERR_INVALID;
            }
    }
    int vq[2] = {-1, -1};
    for (int c = 0; c < 2 && p->noteq[0][0]; c++)
        if ((vq[c] = tq__etable_var(&t, p->noteq[c], 0, 1)) < 0) {
            tq__etable_free(&t);
            return TQ_ERR_INVALID;
        }
    if (p->filter_var[0]) {
        if ((t.filter = tq__etable_var(&t, p->filter_var, 1, 0)) < 0) {
            tq__etable_free(&t);
            return TQ_ERR_INVALID;
        }
        t.fvals = p->fvals;
        t.nfvals = p->nfvals;
    }
    if ((st = tq__etable_read(&t, p->path))) {
        tq__etable_free(&t);
        return st;
    }
    const size_t n = t.n;
    free_sample(p);
    p->info.n_read = n;
    const int g = p->nfe, k = p->nx;
    p->y = tq__malloc(ctx, sizeof(double) * (n ? n : 1));
    p->X = tq__malloc(ctx, sizeof(double) * (n ? n : 1) * (size_t)(k + 1));
    p->fe = tq__malloc(ctx, sizeof(int32_t) * (n ? n : 1) * (size_t)(g ? g : 1));
    p->cl = tq__malloc(ctx, sizeof(int32_t) * (n ? n : 1) * (size_t)(p->ncl ? p->ncl : 1));
    p->row = tq__malloc(ctx, sizeof(size_t) * (n ? n : 1));
    size_t *rep = tq__malloc(ctx, sizeof(size_t) * (n ? n : 1) * (size_t)(g ? g : 1));
    unsigned char *ok = tq__malloc(ctx, n ? n : 1);
    if (!p->y || !p->X || !p->fe || !p->cl || !p->row || !rep || !ok) {
        tq__free(ctx, rep);
        tq__free(ctx, ok);
        tq__etable_free(&t);
        return TQ_ERR_NOMEM;
    }
    int nlev_all[MAXTERM], ncl_all[2];
    for (int u = 0; u < g && !st; u++)
        st = term_codes(ctx, &t, &p->fet[u], n, p->fe + (size_t)u * n, &nlev_all[u], rep + (size_t)u * n);
    for (int u = 0; u < p->ncl && !st; u++)
        st = term_codes(ctx, &t, &p->clt[u], n, p->cl + (size_t)u * n, &ncl_all[u], NULL);
    /* rows with a missing value leave the sample (and those the filters drop) */
    size_t m = 0, ndiag = 0;
    for (size_t i = 0; i < n && !st; i++) {
        int good = 1;
        if (vq[0] >= 0) {
            const tq__evar *a = &t.v[vq[0]], *b = &t.v[vq[1]];
            if (a->code[i] >= 0 && b->code[i] >= 0 && !strcmp(a->label[a->code[i]], b->label[b->code[i]])) {
                ok[i] = 0;
                ndiag++;
                continue;
            }
        }
        double yi = t.v[vy].num[i];
        if (!isfinite(yi))
            good = 0;
        else if (yi < 0)
            st = tq__error(ctx, TQ_ERR_INVALID, p->path, 0, p->yname,
                           "a negative dependent variable (%g, data row %zu): PPML needs y >= 0", yi, i + 1);
        for (int j = 0; j < k && good; j++) {
            double x = t.v[vx[j]].num[i];
            if (p->xlog[j])
                x = x > 0 ? log(x) : NAN;
            if (!isfinite(x))
                good = 0;
        }
        for (int u = 0; u < g && good; u++)
            good = p->fe[(size_t)u * n + i] >= 0;
        for (int u = 0; u < p->ncl && good; u++)
            good = p->cl[(size_t)u * n + i] >= 0;
        ok[i] = (unsigned char)good;
        m += (size_t)good;
    }
    p->info.n_missing = n - m - ndiag;
    p->info.n_read = n - ndiag;
    /* compact into the sample arrays (in place: row m <= i) */
    size_t r = 0;
    for (size_t i = 0; i < n && !st; i++) {
        if (!ok[i])
            continue;
        p->y[r] = t.v[vy].num[i];
        p->row[r] = t.rowno[i];
        for (int j = 0; j < k; j++) {
            double x = t.v[vx[j]].num[i];
            p->X[(size_t)j * m + r] = p->xlog[j] ? log(x) : x;
        }
        r++;
    }
    /* fixed effects and clusters: compacted, levels renumbered densely, with labels */
    for (int u = 0; u < g && !st; u++) {
        int32_t *f = p->fe + (size_t)u * n;
        int32_t *newid = tq__malloc(ctx, sizeof(int32_t) * (size_t)(nlev_all[u] ? nlev_all[u] : 1));
        if (!newid) {
            st = TQ_ERR_NOMEM;
            break;
        }
        for (int l = 0; l < nlev_all[u]; l++)
            newid[l] = -1;
        int nl = 0;
        size_t rr = 0;
        for (size_t i = 0; i < n; i++)
            if (ok[i]) {
                int32_t c = f[i];
                if (newid[c] < 0)
                    newid[c] = nl++;
                p->fe[(size_t)u * m + rr++] = newid[c]; /* u*m + rr <= u*n + i */
            }
        p->nlev[u] = nl;
        p->felab[u] = tq__calloc(ctx, (size_t)(nl ? nl : 1), sizeof(char *));
        if (!p->felab[u]) {
            tq__free(ctx, newid);
            st = TQ_ERR_NOMEM;
            break;
        }
        for (int l = 0; l < nlev_all[u] && !st; l++) {
            if (newid[l] < 0)
                continue;
            size_t i0 = rep[(size_t)u * n + l];
            char lab[256] = "";
            size_t len = 0;
            for (int c = 0; c < p->fet[u].ncomp; c++) {
                const tq__evar *v = &t.v[p->fet[u].var[c]];
                len += (size_t)snprintf(lab + len, sizeof lab - len, "%s%s", c ? "#" : "", v->label[v->code[i0]]);
                if (len >= sizeof lab)
                    len = sizeof lab - 1;
            }
            if (!(p->felab[u][newid[l]] = tq__strdup(ctx, lab)))
                st = TQ_ERR_NOMEM;
        }
        tq__free(ctx, newid);
    }
    for (int u = 0; u < p->ncl && !st; u++) {
        size_t rr = 0;
        for (size_t i = 0; i < n; i++)
            if (ok[i])
                p->cl[(size_t)u * m + rr++] = p->cl[(size_t)u * n + i];
        p->nclev[u] = ncl_all[u];
    }
    tq__free(ctx, rep);
    tq__free(ctx, ok);
    tq__etable_free(&t);
    p->n = m;
    for (int j = 0; j < k; j++)
        snprintf(p->xname[j], sizeof p->xname[j], "%s", p->xname_in[j]);
    return st;
}

/* ------------------------------------------------------------- drops --- */

/* keep only the rows with keep[i]; fixed-effect levels renumbered densely (labels
 * follow), cluster codes kept */
static tq_status compact(tq_ppml *p, const unsigned char *keep)
{
    tq_context *ctx = p->ctx;
    const size_t n = p->n;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        m += keep[i];
    for (size_t i = 0, r = 0; i < n; i++)
        if (keep[i]) {
            p->y[r] = p->y[i];
            p->row[r++] = p->row[i];
        }
    for (int j = 0; j < p->k0; j++)
        for (size_t i = 0, r = 0; i < n; i++)
            if (keep[i])
                p->X[(size_t)j * m + r++] = p->X[(size_t)j * n + i];
    for (int u = 0; u < p->ncl; u++)
        for (size_t i = 0, r = 0; i < n; i++)
            if (keep[i])
                p->cl[(size_t)u * m + r++] = p->cl[(size_t)u * n + i];
    for (int u = 0; u < p->g; u++) {
        int32_t *newid = tq__malloc(ctx, sizeof(int32_t) * (size_t)p->nlev[u]);
        if (!newid)
            return TQ_ERR_NOMEM;
        for (int l = 0; l < p->nlev[u]; l++)
            newid[l] = -1;
        int nl = 0;
        for (size_t i = 0, r = 0; i < n; i++)
            if (keep[i]) {
                int32_t c = p->fe[(size_t)u * n + i];
                if (newid[c] < 0)
                    newid[c] = nl++;
                p->fe[(size_t)u * m + r++] = newid[c];
            }
        if (p->felab[u]) {
            char **lab = tq__calloc(ctx, (size_t)(nl ? nl : 1), sizeof(char *));
            if (!lab) {
                tq__free(ctx, newid);
                return TQ_ERR_NOMEM;
            }
            for (int l = 0; l < p->nlev[u]; l++) {
                if (newid[l] >= 0)
                    lab[newid[l]] = p->felab[u][l];
                else
                    tq__free(ctx, p->felab[u][l]);
            }
            tq__free(ctx, p->felab[u]);
            p->felab[u] = lab;
        }
        p->nlev[u] = nl;
        tq__free(ctx, newid);
    }
    p->n = m;
    return TQ_OK;
}

/* Drop, until nothing changes, the rows of fixed-effect groups whose y are all zero
 * (their effect would go to minus infinity: separation by the fixed effects) and the
 * rows alone in a group (singletons: their effect fits them exactly and they carry no
 * information on the coefficients, but they would count in the degrees of freedom). */
static tq_status drop_groups(tq_ppml *p)
{
    tq_context *ctx = p->ctx;
    if (!p->g)
        return TQ_OK;
    for (;;) {
        const size_t n = p->n;
        size_t L = 0, off[MAXTERM + 1] = {0};
        for (int u = 0; u < p->g; u++) {
            off[u] = L;
            L += (size_t)p->nlev[u];
        }
        size_t *cnt = tq__calloc(ctx, L ? L : 1, sizeof *cnt);
        double *ys = tq__calloc(ctx, L ? L : 1, sizeof *ys);
        unsigned char *keep = tq__malloc(ctx, n ? n : 1);
        if (!cnt || !ys || !keep) {
            tq__free(ctx, cnt);
            tq__free(ctx, ys);
            tq__free(ctx, keep);
            return TQ_ERR_NOMEM;
        }
        for (int u = 0; u < p->g; u++)
            for (size_t i = 0; i < n; i++) {
                size_t l = off[u] + (size_t)p->fe[(size_t)u * n + i];
                cnt[l]++;
                ys[l] += p->y[i];
            }
        size_t zero = 0, single = 0;
        for (size_t i = 0; i < n; i++) {
            int z = 0, s = 0;
            for (int u = 0; u < p->g; u++) {
                size_t l = off[u] + (size_t)p->fe[(size_t)u * n + i];
                z |= ys[l] == 0;
                s |= cnt[l] == 1;
            }
            keep[i] = (unsigned char)!(z || s);
            zero += (size_t)z;
            single += (size_t)(s && !z);
        }
        tq_status st = TQ_OK;
        if (zero + single)
            st = compact(p, keep);
        tq__free(ctx, cnt);
        tq__free(ctx, ys);
        tq__free(ctx, keep);
        if (st)
            return st;
        p->info.n_zero_group += zero;
        p->info.n_singleton += single;
        if (!(zero + single))
            return TQ_OK;
        if (!p->n)
            return tq__error(ctx, TQ_ERR_INVALID, p->path, 0, NULL,
                             "no observation left after dropping all-zero groups and singletons");
    }
}

/* ----------------------------------------------------- small algebra --- */

/* Solve A b = c for the k x k symmetric A (row-major) by a Cholesky factorisation
 * that skips columns whose pivot is below rel * their diagonal (collinear with the
 * earlier ones): their b is 0 and skip[j] is set. Uses the work array w[k*k]. */
static void chol_solve(int k, const double *A, const double *c, double *b, int *skip, double rel, double *w)
{
    memcpy(w, A, sizeof(double) * (size_t)k * (size_t)k);
    for (int j = 0; j < k; j++) {
        double d = w[j * k + j];
        for (int t = 0; t < j; t++)
            if (!skip[t])
                d -= w[j * k + t] * w[j * k + t];
        if (!(d > rel * A[j * k + j]) || !(A[j * k + j] > 0)) {
            skip[j] = 1;
            for (int r = j; r < k; r++)
                w[r * k + j] = 0;
            continue;
        }
        skip[j] = 0;
        d = sqrt(d);
        w[j * k + j] = d;
        for (int r = j + 1; r < k; r++) {
            double s = w[r * k + j];
            for (int t = 0; t < j; t++)
                if (!skip[t])
                    s -= w[r * k + t] * w[j * k + t];
            w[r * k + j] = s / d;
        }
    }
    /* forward then back substitution on the kept columns */
    for (int j = 0; j < k; j++) {
        if (skip[j]) {
            b[j] = 0;
            continue;
        }
        double s = c[j];
        for (int t = 0; t < j; t++)
            if (!skip[t])
                s -= w[j * k + t] * b[t];
        b[j] = s / w[j * k + j];
    }
    for (int j = k - 1; j >= 0; j--) {
        if (skip[j])
            continue;
        double s = b[j];
        for (int t = j + 1; t < k; t++)
            if (!skip[t])
                s -= w[t * k + j] * b[t];
        b[j] = s / w[j * k + j];
    }
}

/* A[j,l] = sum_i w_i a_j(i) a_l(i) and c[j] = sum_i w_i a_j(i) v_i for the k columns of
 * a (n each); tmp[n] workspace. Deterministic sums. */
static void cross(size_t n, int k, const double *a, const double *w, const double *v, double *A, double *c, double *tmp)
{
    for (int j = 0; j < k; j++) {
        const double *aj = a + (size_t)j * n;
#pragma omp parallel for schedule(static) if (n > 50000)
        for (size_t i = 0; i < n; i++)
            tmp[i] = w ? w[i] * aj[i] : aj[i];
        for (int l = 0; l <= j; l++)
            A[j * k + l] = A[l * k + j] = tq__ddot(tmp, a + (size_t)l * n, n);
        if (c)
            c[j] = tq__ddot(tmp, v, n);
    }
}

/* ------------------------------------------------ the sample's arrays --- */

typedef struct work {
    tq__hdfe h;
    double *w, *eta, *mu, *z, *zt, *Xt, *tmp, *e;
    double *alpha; /* [(k+1) * L]: per demeaned variable (the k regressors, then z) */
} work;

static void work_free(tq_context *ctx, work *wk)
{
    tq__hdfe_free(&wk->h);
    tq__free(ctx, wk->w);
    tq__free(ctx, wk->eta);
    tq__free(ctx, wk->mu);
    tq__free(ctx, wk->z);
    tq__free(ctx, wk->zt);
    tq__free(ctx, wk->Xt);
    tq__free(ctx, wk->tmp);
    tq__free(ctx, wk->e);
    tq__free(ctx, wk->alpha);
    memset(wk, 0, sizeof *wk);
}

static tq_status work_init(tq_ppml *p, work *wk)
{
    tq_context *ctx = p->ctx;
    memset(wk, 0, sizeof *wk);
    const size_t n = p->n, n1 = n ? n : 1;
    tq_status st = tq__hdfe_init(ctx, &wk->h, n, p->g, p->fe, p->nlev);
    if (st)
        return st;
    wk->w = tq__malloc(ctx, sizeof(double) * n1);
    wk->eta = tq__malloc(ctx, sizeof(double) * n1);
    wk->mu = tq__malloc(ctx, sizeof(double) * n1);
    wk->z = tq__malloc(ctx, sizeof(double) * n1);
    wk->zt = tq__malloc(ctx, sizeof(double) * n1);
    wk->tmp = tq__malloc(ctx, sizeof(double) * n1);
    wk->e = tq__malloc(ctx, sizeof(double) * n1);
    wk->Xt = tq__malloc(ctx, sizeof(double) * n1 * (size_t)(p->k0 ? p->k0 : 1));
    wk->alpha = tq__calloc(ctx, (wk->h.L ? wk->h.L : 1) * (size_t)(p->k0 + 1), sizeof(double));
    if (!wk->w || !wk->eta || !wk->mu || !wk->z || !wk->zt || !wk->tmp || !wk->e || !wk->Xt || !wk->alpha) {
        work_free(ctx, wk);
        return TQ_ERR_NOMEM;
    }
    return TQ_OK;
}

/* demean the kept regressors (cols[kk] of X) with the current weights into Xt */
static int demean_x(tq_ppml *p, work *wk, const int *cols, int kk, double tol)
{
    int worst = 0;
    for (int j = 0; j < kk; j++) {
        int it = tq__hdfe_demean(&wk->h, p->X + (size_t)cols[j] * p->n, wk->alpha + (size_t)cols[j] * wk->h.L,
                                 wk->Xt + (size_t)j * p->n, tol, 100000);
        if (it < 0)
            worst = -1;
    }
    return worst;
}

/* Separation by the regressors, the ReLU method of Correia, Guimaraes and Zylkin
 * (2019): find z = X g + D a with z = 0 where y > 0 and z >= 0 where y = 0; the rows with
 * z > 0 are separated (their likelihood keeps rising as the coefficients go to
 * infinity along g). Iterate a weighted least-squares fit of u on X and the fixed
 * effects, u starting at 1 where y = 0 and 0 elsewhere, rows with y > 0 weighted
 * RELU_K times more (forcing the fit to 0 there), and replace u by max(fit, 0) where y
 * = 0, until the fit is >= 0 everywhere and 0 where y > 0 (within RELU_TOL): then its
 * positive rows are separated, none when the fit is 0. */
#define RELU_K 1e6
#define RELU_TOL 1e-5  /* a certificate: fit >= -RELU_TOL max fit, |fit| <= RELU_TOL max fit where y > 0 */
#define RELU_NONE 1e-3 /* no separation: the fit is below this everywhere (u starts at 1) */
#define RELU_SEP 1e-4  /* separated: fit above RELU_SEP max fit */
static tq_status drop_separated(tq_ppml *p, size_t *nsep)
{
    tq_context *ctx = p->ctx;
    *nsep = 0;
    const size_t n = p->n;
    size_t nz = 0;
    for (size_t i = 0; i < n; i++)
        nz += p->y[i] == 0;
    if (!nz || !p->k0)
        return TQ_OK;
    work wk;
    tq_status st = work_init(p, &wk);
    if (st)
        return st;
    const int k = p->k0;
    int cols[MAXX + 1], skip[MAXX + 1];
    for (int j = 0; j < k; j++)
        cols[j] = j;
    for (size_t i = 0; i < n; i++)
        wk.w[i] = p->y[i] > 0 ? RELU_K : 1;
    tq__hdfe_weights(&wk.h, wk.w);
    demean_x(p, &wk, cols, k, 1e-7);
    double A[(MAXX + 1) * (MAXX + 1)], c[MAXX + 1], gam[MAXX + 1], W[(MAXX + 1) * (MAXX + 1)];
    double *u = wk.z, *ut = wk.zt, *ua = wk.alpha + (size_t)k * wk.h.L;
    for (size_t i = 0; i < n; i++)
        u[i] = p->y[i] == 0;
    cross(n, k, wk.Xt, wk.w, NULL, A, NULL, wk.tmp);
    unsigned char *keep = NULL;
    int found = 0;
    double maxfit_found = 0;
    for (int it = 0; it < 1000; it++) {
        tq__hdfe_demean(&wk.h, u, ua, ut, 1e-7, 20000);
#pragma omp parallel for schedule(static) if (n > 50000)
        for (size_t i = 0; i < n; i++)
            wk.tmp[i] = wk.w[i] * ut[i];
        for (int j = 0; j < k; j++)
            c[j] = tq__ddot(wk.tmp, wk.Xt + (size_t)j * n, n);
        chol_solve(k, A, c, gam, skip, 1e-12, W);
        double minz = 0, maxpos = 0, maxfit = 0;
        for (size_t i = 0; i < n; i++) {
            double e = ut[i];
            for (int j = 0; j < k; j++)
                e -= wk.Xt[(size_t)j * n + i] * gam[j];
            double fit = u[i] - e;
            wk.eta[i] = fit;
            if (p->y[i] > 0) {
                if (fabs(fit) > maxpos)
                    maxpos = fabs(fit);
            } else {
                if (fit < minz)
                    minz = fit;
                if (fit > maxfit)
                    maxfit = fit;
            }
        }
        if (maxfit <= RELU_NONE) {
            found = 0; /* nothing of weight is left: no separation */
            break;
        }
        if (minz >= -RELU_TOL * maxfit && maxpos <= RELU_TOL * maxfit) {
            found = 1; /* the fit is a separating direction */
            maxfit_found = maxfit;
            break;
        }
        for (size_t i = 0; i < n; i++)
            u[i] = p->y[i] == 0 && wk.eta[i] > 0 ? wk.eta[i] : 0;
    }
    p->info.cg_steps += wk.h.sweeps;
    if (found) {
        keep = tq__malloc(ctx, n);
        if (!keep)
            st = TQ_ERR_NOMEM;
        for (size_t i = 0; keep && i < n; i++) {
            int sep = p->y[i] == 0 && wk.eta[i] > RELU_SEP * maxfit_found;
            keep[i] = (unsigned char)!sep;
            *nsep += (size_t)sep;
        }
        size_t *sr =
            keep && *nsep ? tq__realloc(ctx, p->seprow, sizeof(size_t) * (p->info.n_separated + *nsep)) : p->seprow;
        if (keep && *nsep && !sr)
            st = TQ_ERR_NOMEM;
        p->seprow = sr;
        for (size_t i = 0, at = p->info.n_separated; sr && keep && i < n; i++)
            if (!keep[i])
                sr[at++] = p->row[i];
        if (keep && *nsep)
            st = compact(p, keep);
        tq__free(ctx, keep);
    }
    work_free(ctx, &wk);
    return st;
}

/* Regressors collinear with the fixed effects and the earlier regressors (after the
 * drops) are dropped, as Stata does: a column whose part not explained by them has a
 * sum of squares below 1e-9 of its own. */
static tq_status drop_collinear(tq_ppml *p)
{
    tq_context *ctx = p->ctx;
    p->kk = 0;
    p->ndrop = 0;
    if (!p->k0)
        return TQ_OK;
    work wk;
    tq_status st = work_init(p, &wk);
    if (st)
        return st;
    const size_t n = p->n;
    const int k = p->k0;
    int cols[MAXX + 1], skip[MAXX + 1];
    for (int j = 0; j < k; j++)
        cols[j] = j;
    for (size_t i = 0; i < n; i++)
        wk.w[i] = 1;
    tq__hdfe_weights(&wk.h, wk.w);
    demean_x(p, &wk, cols, k, 1e-7);
    double A[(MAXX + 1) * (MAXX + 1)], c[MAXX + 1] = {0}, b[MAXX + 1], W[(MAXX + 1) * (MAXX + 1)];
    cross(n, k, wk.Xt, NULL, NULL, A, NULL, wk.tmp);
    /* the diagonal compared with the raw sum of squares (a column that the fixed
     * effects absorb whole has a demeaned sum of squares near 0) */
    double raw[MAXX + 1];
    for (int j = 0; j < k; j++) {
        raw[j] = tq__ddot(p->X + (size_t)j * n, p->X + (size_t)j * n, n);
        c[j] = 0;
    }
    chol_solve(k, A, c, b, skip, 1e-9, W);
    for (int j = 0; j < k; j++) {
        if (!skip[j] && !(A[j * k + j] > 1e-9 * raw[j]))
            skip[j] = 1;
        if (skip[j])
            p->dropped[p->ndrop++] = j;
        else
            p->kept[p->kk++] = j;
    }
    p->info.cg_steps += wk.h.sweeps;
    work_free(ctx, &wk);
    return TQ_OK;
}

/* -------------------------------------------------------------- IRLS --- */

static double deviance_of(const double *y, const double *mu, size_t n, double *tmp)
{
#pragma omp parallel for schedule(static) if (n > 50000)
    for (size_t i = 0; i < n; i++)
        tmp[i] = 2 * ((y[i] > 0 ? y[i] * log(y[i] / mu[i]) : 0) - (y[i] - mu[i]));
    return tq__dsum(tmp, n);
}

/* IRLS for the Poisson log link: weights mu, working variable z = eta + (y - mu) / mu;
 * z and the regressors demeaned with the weights (warm started from the previous
 * step's fixed effects), the coefficients by weighted least squares on the demeaned
 * variables, and the new linear predictor eta = z - residual. The demeaning tolerance
 * starts at 1e-4 and follows the deviance's convergence down to dtol (an early IRLS step
 * needs no precise projection); converged when the relative change of the deviance,
 * |dev - dev_old| / max(min(dev, dev_old), 0.1) (as ppmlhdfe), is below tol with the
 * demeaning at dtol. */
static tq_status irls(tq_ppml *p, work *wk)
{
    tq_context *ctx = p->ctx;
    const size_t n = p->n;
    const int kk = p->kk;
    const size_t L = wk->h.L;
    double *y = p->y, *mu = wk->mu, *eta = wk->eta, *z = wk->z, *zt = wk->zt;
    double ybar = tq__dsum(y, n) / (double)n;
    for (size_t i = 0; i < n; i++) {
        mu[i] = 0.5 * (y[i] + ybar);
        eta[i] = log(mu[i]);
    }
    double dev_old = deviance_of(y, mu, n, wk->tmp), dtol = 1e-4, eps = 1;
    double A[(MAXX + 1) * (MAXX + 1)], c[MAXX + 1], W[(MAXX + 1) * (MAXX + 1)];
    int skip[MAXX + 1];
    double *za = wk->alpha + (size_t)p->k0 * L;
    p->info.converged = 0;
    int it;
    for (it = 1; it <= p->max_iter; it++) {
        tq_status st = tq__progress(ctx, "estimate", -1);
        if (st)
            return st;
#pragma omp parallel for schedule(static) if (n > 50000)
        for (size_t i = 0; i < n; i++) {
            z[i] = eta[i] + (y[i] - mu[i]) / mu[i];
            wk->w[i] = mu[i];
        }
        tq__hdfe_weights(&wk->h, wk->w);
        demean_x(p, wk, p->kept, kk, dtol);
        tq__hdfe_demean(&wk->h, z, za, zt, dtol, 100000);
        double b[MAXX + 1];
        if (kk) {
            cross(n, kk, wk->Xt, wk->w, zt, A, c, wk->tmp);
            chol_solve(kk, A, c, b, skip, 1e-14, W);
        }
#pragma omp parallel for schedule(static) if (n > 50000)
        for (size_t i = 0; i < n; i++) {
            double e = zt[i];
            for (int j = 0; j < kk; j++)
                e -= wk->Xt[(size_t)j * n + i] * b[j];
            double et = z[i] - e;
            if (et > 700)
                et = 700;
            eta[i] = et;
            mu[i] = exp(et);
            if (mu[i] < 1e-300)
                mu[i] = 1e-300;
        }
        for (int j = 0; j < kk; j++)
            p->b[j] = b[j];
        double dev = deviance_of(y, mu, n, wk->tmp);
        double den = dev < dev_old ? dev : dev_old;
        eps = fabs(dev - dev_old) / (den > 0.1 ? den : 0.1);
        dev_old = dev;
        p->info.deviance = dev;
        if (eps < p->tol && dtol <= p->dtol) {
            p->info.converged = 1;
            break;
        }
        double next = eps * 1e-3;
        if (next < dtol)
            dtol = next;
        if (dtol < p->dtol || eps < 10 * p->tol)
            dtol = p->dtol;
    }
    p->info.iterations = it > p->max_iter ? p->max_iter : it;
    /* the fixed effects: eta = X b + D (alpha_z - sum_j b_j alpha_j) */
    if (L) {
        for (size_t l = 0; l < L; l++) {
            double a = za[l];
            for (int j = 0; j < kk; j++)
                a -= p->b[j] * wk->alpha[(size_t)p->kept[j] * L + l];
            p->alpha[l] = a;
        }
    }
    if (!p->info.converged)
        return tq__error(ctx, TQ_ERR_NOT_CONVERGED, p->path, 0, NULL,
                         "PPML did not converge in %d IRLS steps (relative deviance change %.3g, tolerance %.3g)",
                         p->max_iter, eps, p->tol);
    return TQ_OK;
}

/* ---------------------------------------------------- standard errors --- */

/* 1 if every level of fixed effect u lies in one cluster of clustering code cl */
static int nested(const tq_ppml *p, int u, const int32_t *cl, int ncl_levels, int32_t *first)
{
    (void)ncl_levels;
    const size_t n = p->n;
    for (int l = 0; l < p->nlev[u]; l++)
        first[l] = -1;
    for (size_t i = 0; i < n; i++) {
        int32_t l = p->fe[(size_t)u * n + i];
        if (first[l] < 0)
            first[l] = cl[i];
        else if (first[l] != cl[i])
            return 0;
    }
    return 1;
}

/* Connected components of the bipartite graph of two fixed effects (union-find): the
 * number of their levels that are redundant (one normalisation per component). */
static int components(tq_context *ctx, const tq_ppml *p, int a, int b)
{
    const size_t n = p->n;
    int na = p->nlev[a], nb = p->nlev[b];
    int32_t *par = tq__malloc(ctx, sizeof(int32_t) * (size_t)(na + nb));
    if (!par)
        return 1;
    for (int i = 0; i < na + nb; i++)
        par[i] = i;
    for (size_t i = 0; i < n; i++) {
        int32_t x = p->fe[(size_t)a * n + i], y = na + p->fe[(size_t)b * n + i];
        while (par[x] != x)
            x = par[x] = par[par[x]];
        while (par[y] != y)
            y = par[y] = par[par[y]];
        if (x != y)
            par[x < y ? y : x] = x < y ? x : y;
    }
    int comp = 0;
    for (int i = 0; i < na + nb; i++)
        comp += par[i] == i;
    tq__free(ctx, par);
    return comp;
}

/* the cluster sums of the scores s[kk*n] for codes cl (ncode levels, -1 never), added
 * into M[kk*kk] times sign; the number of clusters that have rows */
static int cluster_meat(tq_context *ctx, size_t n, int kk, const double *s, const int32_t *cl, int ncode, double sign,
                        double *M, tq_status *st)
{
    double *sum = tq__calloc(ctx, (size_t)ncode * (size_t)kk, sizeof(double));
    unsigned char *used = tq__calloc(ctx, (size_t)ncode, 1);
    if (!sum || !used) {
        tq__free(ctx, sum);
        tq__free(ctx, used);
        *st = TQ_ERR_NOMEM;
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        used[cl[i]] = 1;
        for (int j = 0; j < kk; j++)
            sum[(size_t)cl[i] * (size_t)kk + (size_t)j] += s[(size_t)j * n + i];
    }
    int G = 0;
    for (int c = 0; c < ncode; c++) {
        if (!used[c])
            continue;
        G++;
        const double *v = sum + (size_t)c * (size_t)kk;
        for (int j = 0; j < kk; j++)
            for (int l = 0; l < kk; l++)
                M[j * kk + l] += sign * v[j] * v[l];
    }
    tq__free(ctx, sum);
    tq__free(ctx, used);
    return G;
}

static tq_status vcov(tq_ppml *p, work *wk)
{
    tq_context *ctx = p->ctx;
    const size_t n = p->n;
    const int kk = p->kk;
    tq_status st = TQ_OK;
    /* the bread at the final mu */
    for (size_t i = 0; i < n; i++)
        wk->w[i] = wk->mu[i];
    tq__hdfe_weights(&wk->h, wk->w);
    demean_x(p, wk, p->kept, kk, p->dtol);
    double H[(MAXX + 1) * (MAXX + 1)], Hi[(MAXX + 1) * (MAXX + 1)], M[(MAXX + 1) * (MAXX + 1)];
    if (!kk)
        return TQ_OK;
    cross(n, kk, wk->Xt, wk->w, NULL, H, NULL, wk->tmp);
    memcpy(Hi, H, sizeof(double) * (size_t)(kk * kk));
    if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', kk, Hi, kk) || LAPACKE_dpotri(LAPACK_ROW_MAJOR, 'L', kk, Hi, kk))
        return tq__error(ctx, TQ_ERR_INVALID, p->path, 0, NULL, "the Hessian is singular (collinear regressors)");
    for (int j = 0; j < kk; j++)
        for (int l = j + 1; l < kk; l++)
            Hi[j * kk + l] = Hi[l * kk + j];
    /* scores s_ij = Xt_ij (y_i - mu_i), kept in Xt */
    for (int j = 0; j < kk; j++)
        for (size_t i = 0; i < n; i++)
            wk->Xt[(size_t)j * n + i] *= p->y[i] - wk->mu[i];
    memset(M, 0, sizeof M);
    /* the parameters the fixed effects take: levels less the redundant ones (one per
     * connected component of the first two effects, one for each further effect) */
    int32_t *first = NULL;
    size_t maxlev = 1;
    for (int u = 0; u < p->g; u++)
        if ((size_t)p->nlev[u] > maxlev)
            maxlev = (size_t)p->nlev[u];
    first = tq__malloc(ctx, sizeof(int32_t) * maxlev);
    if (!first)
        return TQ_ERR_NOMEM;
    double kfe = 0;
    int isnested[MAXTERM];
    for (int u = 0; u < p->g; u++) {
        isnested[u] = 0;
        for (int c = 0; c < p->ncl; c++)
            if (nested(p, u, p->cl + (size_t)c * n, p->nclev[c], first))
                isnested[u] = 1;
    }
    /* fixest's count (fixef.K = "nested"): every effect's levels less one reference for
     * each effect after the first (exactly: the connected components of the first two),
     * less those of an effect nested in a cluster but its reference. The Stata
     * convention of a maximum-likelihood estimator does not use it (reported only). */
    for (int u = 0; u < p->g; u++) {
        int redundant = u == 0 ? 0 : u == 1 ? components(ctx, p, 0, 1) : 1;
        kfe += p->nlev[u] - redundant;
        if (isnested[u])
            kfe -= p->nlev[u] - 1;
    }
    tq__free(ctx, first);
    double N = (double)n, K = kk + kfe;
    p->info.k_fe = kfe;
    double factor = 1;
    p->info.cluster_ways = p->ncl;
    if (!p->ncl) {
        for (size_t i = 0; i < n; i++)
            for (int j = 0; j < kk; j++)
                for (int l = 0; l < kk; l++)
                    M[j * kk + l] += wk->Xt[(size_t)j * n + i] * wk->Xt[(size_t)l * n + i];
        /* Stata's robust VCE of a maximum-likelihood estimator: N/(N-1) */
        factor = p->se == TQ_SE_FIXEST ? N / (N - K) : N / (N - 1);
    } else if (p->ncl == 1) {
        int G = cluster_meat(ctx, n, kk, wk->Xt, p->cl, p->nclev[0], 1, M, &st);
        p->info.n_clusters[0] = G;
        /* Stata: G/(G-1); fixest: G/(G-1) (N-1)/(N-K) */
        factor = (double)G / (G - 1) * (p->se == TQ_SE_FIXEST ? (N - 1) / (N - K) : 1);
    } else {
        /* two-way (Cameron, Gelbach and Miller): V1 + V2 - V12, the intersection's codes
         * made here */
        int32_t *c12 = tq__malloc(ctx, sizeof(int32_t) * (n ? n : 1));
        kmap m;
        memset(&m, 0, sizeof m);
        if (!c12 || kmap_init(ctx, &m, n)) {
            tq__free(ctx, c12);
            kmap_free(ctx, &m);
            return TQ_ERR_NOMEM;
        }
        for (size_t i = 0; i < n; i++)
            c12[i] = kmap_id(&m, (uint64_t)p->cl[i] * (uint64_t)(p->nclev[1] + 1) + (uint64_t)p->cl[n + i]);
        double M1[(MAXX + 1) * (MAXX + 1)] = {0}, M2[(MAXX + 1) * (MAXX + 1)] = {0}, M12[(MAXX + 1) * (MAXX + 1)] = {0};
        int G1 = cluster_meat(ctx, n, kk, wk->Xt, p->cl, p->nclev[0], 1, M1, &st);
        int G2 = cluster_meat(ctx, n, kk, wk->Xt, p->cl + n, p->nclev[1], 1, M2, &st);
        int G12 = cluster_meat(ctx, n, kk, wk->Xt, c12, (int)m.count, 1, M12, &st);
        tq__free(ctx, c12);
        kmap_free(ctx, &m);
        p->info.n_clusters[0] = G1;
        p->info.n_clusters[1] = G2;
        double f1, f2, f12;
        if (p->se == TQ_SE_FIXEST) {
            int Gm = G1 < G2 ? G1 : G2;
            f1 = f2 = f12 = (double)Gm / (Gm - 1);
        } else {
            f1 = (double)G1 / (G1 - 1), f2 = (double)G2 / (G2 - 1), f12 = (double)G12 / (G12 - 1);
        }
        for (int j = 0; j < kk * kk; j++)
            M[j] = f1 * M1[j] + f2 * M2[j] - f12 * M12[j];
        factor = p->se == TQ_SE_FIXEST ? (N - 1) / (N - K) : 1;
    }
    if (st)
        return st;
    /* V = factor Hi M Hi */
    double T[(MAXX + 1) * (MAXX + 1)];
    for (int j = 0; j < kk; j++)
        for (int l = 0; l < kk; l++) {
            double s = 0;
            for (int t = 0; t < kk; t++)
                s += Hi[j * kk + t] * M[t * kk + l];
            T[j * kk + l] = s;
        }
    for (int j = 0; j < kk; j++)
        for (int l = 0; l < kk; l++) {
            double s = 0;
            for (int t = 0; t < kk; t++)
                s += T[j * kk + t] * Hi[t * kk + l];
            p->V[j * kk + l] = factor * s;
        }
    for (int j = 0; j < kk; j++)
        p->se_[j] = sqrt(p->V[j * kk + j]);
    return TQ_OK;
}

/* --------------------------------------------------------------- run --- */

static tq_status run(tq_ppml *p)
{
    tq_context *ctx = p->ctx;
    tq_status st;
    memset(&p->info, 0, sizeof p->info);
    p->info.se = p->se;
    if (!p->mem) {
        if (!p->path)
            return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, NULL, "no data: tq_ppml_set_file or tq_ppml_set_data");
        if (!p->yname[0])
            return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, "y", "no model: tq_ppml_set_model");
        if ((st = load_file(p)))
            return st;
    } else {
        p->info.n_read = p->n;
        if (p->ncl) {
            /* clusters name fixed effects of the data */
            tq__free(ctx, p->cl);
            p->cl = tq__malloc(ctx, sizeof(int32_t) * p->n * (size_t)p->ncl);
            if (!p->cl)
                return TQ_ERR_NOMEM;
            for (int c = 0; c < p->ncl; c++) {
                int u = 0;
                while (u < p->nfe && strcmp(p->fet[u].name, p->clt[c].name))
                    u++;
                if (u == p->nfe)
                    return tq__error(ctx, TQ_ERR_NOT_FOUND, NULL, 0, p->clt[c].name,
                                     "cluster '%s' is not a fixed effect of the data", p->clt[c].name);
                memcpy(p->cl + (size_t)c * p->n, p->fe + (size_t)u * p->n, sizeof(int32_t) * p->n);
                p->nclev[c] = p->nlev[u];
            }
        }
        for (int j = 0; j < p->nx; j++)
            snprintf(p->xname[j], sizeof p->xname[j], "%s", p->xname_in[j]);
    }
    p->g = p->nfe;
    p->k0 = p->nx;
    if (!p->n)
        return tq__error(ctx, TQ_ERR_INVALID, p->path, 0, NULL, "no observation (after the filter and missing values)");
    if (!p->g) {
        /* no fixed effect: a constant, last */
        for (size_t i = 0; i < p->n; i++)
            p->X[(size_t)p->k0 * p->n + i] = 1;
        snprintf(p->xname[p->k0], sizeof p->xname[0], "_cons");
        p->k0++;
    }
    {
        /* levels numbered densely (data in memory may have empty levels) */
        unsigned char *all = tq__malloc(ctx, p->n);
        if (!all)
            return TQ_ERR_NOMEM;
        memset(all, 1, p->n);
        st = compact(p, all);
        tq__free(ctx, all);
        if (st)
            return st;
    }
    size_t nsep;
    for (;;) {
        if ((st = drop_groups(p)))
            return st;
        if ((st = drop_separated(p, &nsep)))
            return st;
        p->info.n_separated += nsep;
        if (!nsep)
            break;
    }
    if (!p->n)
        return tq__error(ctx, TQ_ERR_INVALID, p->path, 0, NULL, "no observation left after the drops");
    if ((st = drop_collinear(p)))
        return st;
    p->info.n_obs = p->n;
    p->info.k = p->kk;
    p->info.k_dropped = p->ndrop;
    work wk;
    if ((st = work_init(p, &wk)))
        return st;
    p->alpha = tq__calloc(ctx, wk.h.L ? wk.h.L : 1, sizeof(double));
    if (!p->alpha) {
        work_free(ctx, &wk);
        return TQ_ERR_NOMEM;
    }
    tq_status fit = irls(p, &wk);
    if (fit && fit != TQ_ERR_NOT_CONVERGED) {
        work_free(ctx, &wk);
        return fit;
    }
    /* likelihoods */
    const size_t n = p->n;
    for (size_t i = 0; i < n; i++)
        wk.tmp[i] = p->y[i] * log(wk.mu[i]) - wk.mu[i] - lgamma(p->y[i] + 1);
    p->info.loglik = tq__dsum(wk.tmp, n);
    double ybar = tq__dsum(p->y, n) / (double)n;
    for (size_t i = 0; i < n; i++)
        wk.tmp[i] = (p->y[i] > 0 ? p->y[i] * log(ybar) : 0) - ybar - lgamma(p->y[i] + 1);
    p->info.ll_null = tq__dsum(wk.tmp, n);
    if (fit) {
        /* keep the not-converged message */
        tq_error keep = ctx->err;
        st = vcov(p, &wk);
        ctx->err = keep;
        st = fit;
    } else {
        st = vcov(p, &wk);
    }
    p->info.cg_steps += wk.h.sweeps;
    work_free(ctx, &wk);
    p->ran = st == TQ_OK || st == TQ_ERR_NOT_CONVERGED;
    return st;
}

tq_status tq_ppml_run(tq_ppml *p)
{
    p->ran = 0;
#ifdef _OPENMP
    int before = omp_get_max_threads();
    if (p->threads > 0)
        omp_set_num_threads(p->threads);
#endif
    tq_status st = run(p);
#ifdef _OPENMP
    if (p->threads > 0)
        omp_set_num_threads(before);
#endif
    return st;
}

/* ----------------------------------------------------------- results --- */

const tq_ppml_info *tq_ppml_info_get(const tq_ppml *p)
{
    return &p->info;
}

tq_status tq_ppml_coef(const tq_ppml *p, int j, const char **name, double *b, double *se, double *z, double *pval)
{
    if (!p->ran || j < 0 || j >= p->kk)
        return tq__error(p->ctx, TQ_ERR_INVALID, NULL, 0, NULL, "no coefficient %d", j);
    double zz = p->b[j] / p->se_[j];
    if (name)
        *name = p->xname[p->kept[j]];
    if (b)
        *b = p->b[j];
    if (se)
        *se = p->se_[j];
    if (z)
        *z = zz;
    if (pval)
        *pval = erfc(fabs(zz) / sqrt(2.0));
    return TQ_OK;
}

size_t tq_ppml_separated_row(const tq_ppml *p, size_t j)
{
    return p->ran && j < p->info.n_separated ? p->seprow[j] : 0;
}

const char *tq_ppml_dropped(const tq_ppml *p, int j)
{
    return p->ran && j >= 0 && j < p->ndrop ? p->xname[p->dropped[j]] : NULL;
}

const double *tq_ppml_vcov(const tq_ppml *p)
{
    return p->ran ? p->V : NULL;
}

/* The output file of a writer of a finished estimation; NULL with *st set (nothing
 * estimated yet, the file exists without overwrite, or cannot be written). */
static FILE *open_out(tq_ppml *p, const char *path, int overwrite, tq_status *st)
{
    if (!p->ran) {
        *st = tq__error(p->ctx, TQ_ERR_INVALID, path, 0, NULL, "nothing estimated yet");
        return NULL;
    }
    struct stat sb;
    if (!overwrite && stat(path, &sb) == 0) {
        *st = tq__error(p->ctx, TQ_ERR_EXISTS, path, 0, NULL, "exists (overwrite it with --force)");
        return NULL;
    }
    FILE *f = fopen(path, "w");
    if (!f)
        *st = tq__error(p->ctx, TQ_ERR_IO, path, 0, NULL, "cannot write the file");
    return f;
}

/* a JSON string (names are column names: quotes and backslashes escaped) */
static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        if ((unsigned char)*s < 0x20)
            fprintf(f, "\\u%04x", *s);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

static const char *se_kind(const tq_ppml *p, char *buf, size_t cap)
{
    if (!p->ncl)
        snprintf(buf, cap, "robust");
    else if (p->ncl == 1)
        snprintf(buf, cap, "cluster %s", p->clt[0].name);
    else
        snprintf(buf, cap, "two-way cluster %s, %s", p->clt[0].name, p->clt[1].name);
    return buf;
}

tq_status tq_ppml_write(tq_ppml *p, const char *path, int overwrite)
{
    tq_status st = TQ_OK;
    FILE *f = open_out(p, path, overwrite, &st);
    if (!f)
        return st;
    const tq_ppml_info *in = &p->info;
    size_t len = strlen(path);
    char kind[600];
    se_kind(p, kind, sizeof kind);
    if (len > 5 && !strcmp(path + len - 5, ".json")) {
        fprintf(f, "{\n  \"format\": \"tradeq-estimate-1\",\n  \"estimator\": \"ppml\",\n  \"data\": ");
        json_str(f, p->path ? p->path : "(memory)");
        fprintf(f, ",\n  \"y\": ");
        json_str(f, p->mem ? "y" : p->yname);
        fprintf(f, ",\n  \"fixed_effects\": [");
        for (int u = 0; u < p->g; u++) {
            fprintf(f, "%s", u ? ", " : "");
            json_str(f, p->fet[u].name);
        }
        fprintf(f, "],\n  \"vce\": ");
        json_str(f, kind);
        fprintf(f, ",\n  \"se_convention\": \"%s\",\n", p->se == TQ_SE_FIXEST ? "fixest" : "stata");
        fprintf(f,
                "  \"n_read\": %zu,\n  \"n_obs\": %zu,\n  \"dropped\": {\"missing\": %zu, \"all_zero_group\": %zu, "
                "\"singleton\": %zu, \"separated\": %zu},\n",
                in->n_read, in->n_obs, in->n_missing, in->n_zero_group, in->n_singleton, in->n_separated);
        fprintf(f, "  \"dropped_regressors\": [");
        for (int j = 0; j < p->ndrop; j++) {
            fprintf(f, "%s", j ? ", " : "");
            json_str(f, p->xname[p->dropped[j]]);
        }
        fprintf(f, "],\n  \"log_pseudo_likelihood\": %.17g,\n  \"deviance\": %.17g,\n  \"ll_null\": %.17g,\n",
                in->loglik, in->deviance, in->ll_null);
        fprintf(f, "  \"iterations\": %d,\n  \"converged\": %s,\n  \"k_fe\": %.17g,\n", in->iterations,
                in->converged ? "true" : "false", in->k_fe);
        fprintf(f, "  \"clusters\": [");
        for (int c = 0; c < in->cluster_ways; c++)
            fprintf(f, "%s%d", c ? ", " : "", in->n_clusters[c]);
        fprintf(f, "],\n  \"coefficients\": [\n");
        for (int j = 0; j < p->kk; j++) {
            const char *name;
            double b, se, z, pv;
            tq_ppml_coef(p, j, &name, &b, &se, &z, &pv);
            fprintf(f, "    {\"name\": ");
            json_str(f, name);
            fprintf(f, ", \"b\": %.17g, \"se\": %.17g, \"z\": %.17g, \"p\": %.17g}%s\n", b, se, z, pv,
                    j + 1 < p->kk ? "," : "");
        }
        fprintf(f, "  ]\n}\n");
    } else {
        fprintf(f, "term,estimate,std_error,z,p_value\n");
        for (int j = 0; j < p->kk; j++) {
            const char *name;
            double b, se, z, pv;
            tq_ppml_coef(p, j, &name, &b, &se, &z, &pv);
            fprintf(f, "%s,%.17g,%.17g,%.17g,%.17g\n", name, b, se, z, pv);
        }
    }
    if (fclose(f) != 0)
        return tq__error(p->ctx, TQ_ERR_IO, path, 0, NULL, "cannot write the file");
    return TQ_OK;
}

tq_status tq_ppml_write_fe(tq_ppml *p, const char *path, int overwrite)
{
    tq_status st = TQ_OK;
    FILE *f = open_out(p, path, overwrite, &st);
    if (!f)
        return st;
    fprintf(f, "fe,level,estimate\n");
    size_t off = 0;
    for (int u = 0; u < p->g; u++) {
        for (int l = 0; l < p->nlev[u]; l++) {
            if (p->felab[u])
                fprintf(f, "%s,%s,%.17g\n", p->fet[u].name, p->felab[u][l], p->alpha[off + (size_t)l]);
            else
                fprintf(f, "%s,%d,%.17g\n", p->fet[u].name, l, p->alpha[off + (size_t)l]);
        }
        off += (size_t)p->nlev[u];
    }
    if (fclose(f) != 0)
        return tq__error(p->ctx, TQ_ERR_IO, path, 0, NULL, "cannot write the file");
    return TQ_OK;
}
