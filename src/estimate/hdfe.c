/* The fixed-effect absorber: preconditioned conjugate gradients over the effects'
 * group means (estimate.h explains the method, the stopping rule and why the result
 * does not depend on the number of threads). */
#include "estimate.h"

#include <math.h>
#include <string.h>

#define BLOCK 4096 /* fixed block of the deterministic sums */

/* sum_i a_i (c NULL) or sum_i a_i c_i, in fixed blocks of BLOCK added in order, so
 * that the value does not depend on the number of threads. */
static double blocked_sum(const double *a, const double *c, size_t n)
{
    size_t nb = (n + BLOCK - 1) / BLOCK;
    double total = 0;
    if (nb <= 1 && !c) {
        for (size_t i = 0; i < n; i++)
            total += a[i];
        return total;
    }
    /* per-block partial sums into a small stack buffer, chunk by chunk */
    double part[256];
    for (size_t b0 = 0; b0 < nb; b0 += 256) {
        size_t b1 = b0 + 256 < nb ? b0 + 256 : nb;
#pragma omp parallel for schedule(static) if (n > 100000)
        for (size_t b = b0; b < b1; b++) {
            size_t i0 = b * BLOCK, i1 = i0 + BLOCK < n ? i0 + BLOCK : n;
            double s = 0;
            if (c)
                for (size_t i = i0; i < i1; i++)
                    s += a[i] * c[i];
            else
                for (size_t i = i0; i < i1; i++)
                    s += a[i];
            part[b - b0] = s;
        }
        for (size_t b = b0; b < b1; b++)
            total += part[b - b0];
    }
    return total;
}

double tq__dsum(const double *a, size_t n)
{
    return blocked_sum(a, NULL, n);
}

double tq__ddot(const double *a, const double *c, size_t n)
{
    return blocked_sum(a, c, n);
}

/* Fixed chunks of the observations for the sums over levels: each chunk adds its
 * observations in order into its own copy of the level sums, and the copies are added
 * in chunk order. The chunk count depends on n only, never on the thread count. */
static int chunks_for(size_t n)
{
    return n < 65536 ? 1 : n < 1048576 ? 8 : 16;
}

tq_status tq__hdfe_init(tq_context *ctx, tq__hdfe *h, size_t n, int g, const int32_t *fe, const int *nlev)
{
    memset(h, 0, sizeof *h);
    h->ctx = ctx;
    h->n = n;
    h->g = g;
    h->fe = fe;
    if (g < 0 || g > 8 || n >= UINT32_MAX)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, NULL, "at most 8 fixed effects and 2^32-1 observations");
    size_t L = 0;
    for (int k = 0; k < g; k++) {
        h->nlev[k] = nlev[k];
        h->off[k] = L;
        L += (size_t)nlev[k];
    }
    h->off[g] = L;
    h->L = L;
    if (!g)
        return TQ_OK;
    h->nchunk = chunks_for(n);
    h->buf = tq__malloc(ctx, sizeof(double) * L * (size_t)h->nchunk);
    h->wsum = tq__calloc(ctx, L, sizeof(double));
    h->r = tq__calloc(ctx, L, sizeof(double));
    h->p = tq__calloc(ctx, L, sizeof(double));
    h->q = tq__calloc(ctx, L, sizeof(double));
    h->zp = tq__calloc(ctx, L, sizeof(double));
    if (!h->buf || !h->wsum || !h->r || !h->p || !h->q || !h->zp) {
        tq__hdfe_free(h);
        return TQ_ERR_NOMEM;
    }
    return TQ_OK;
}

void tq__hdfe_free(tq__hdfe *h)
{
    if (!h || !h->ctx)
        return;
    tq_context *ctx = h->ctx;
    tq__free(ctx, h->buf);
    tq__free(ctx, h->wsum);
    tq__free(ctx, h->r);
    tq__free(ctx, h->p);
    tq__free(ctx, h->q);
    tq__free(ctx, h->zp);
    memset(h, 0, sizeof *h);
}

/* out[l] = the sum of the nc chunks' copies buf[c L + l] of the level sums, added in
 * chunk order (so the same for any number of threads) */
static void add_chunks(const double *buf, size_t L, int nc, double *out)
{
#pragma omp parallel for schedule(static) if (L > 20000)
    for (size_t l = 0; l < L; l++) {
        double s = buf[l];
        for (int c = 1; c < nc; c++)
            s += buf[(size_t)c * L + l];
        out[l] = s;
    }
}

/* out[l] = sum over the observations i of level l of w_i a_i (a = NULL: a_i = 1), or,
 * with pdir non-NULL, of w_i (D pdir)_i (a ignored): one pass over the observations */
static void level_sums(const tq__hdfe *h, const double *a, const double *pdir, double *out)
{
    const size_t n = h->n, L = h->L;
    const int g = h->g, nc = h->nchunk;
    const int32_t *fe = h->fe;
    const double *w = h->w;
    double *buf = h->buf;
#pragma omp parallel for schedule(static) if (n > 50000)
    for (int c = 0; c < nc; c++) {
        double *b = buf + (size_t)c * L;
        memset(b, 0, sizeof(double) * L);
        size_t i0 = n * (size_t)c / (size_t)nc, i1 = n * (size_t)(c + 1) / (size_t)nc;
        for (size_t i = i0; i < i1; i++) {
            double v;
            if (pdir) {
                v = pdir[fe[i]];
                for (int k = 1; k < g; k++)
                    v += pdir[h->off[k] + (size_t)fe[(size_t)k * n + i]];
            } else {
                v = a ? a[i] : 1;
            }
            v *= w[i];
            b[fe[i]] += v;
            for (int k = 1; k < g; k++)
                b[h->off[k] + (size_t)fe[(size_t)k * n + i]] += v;
        }
    }
    add_chunks(buf, L, nc, out);
}

/* e = v - D alpha (stored) and out[l] = sum over level l of w_i e_i, in one pass; returns
 * sum_i w_i v_i^2 (per-chunk partial sums added in chunk order) */
static double resid_sums(const tq__hdfe *h, const double *v, const double *alpha, double *e, double *out)
{
    const size_t n = h->n, L = h->L;
    const int g = h->g, nc = h->nchunk;
    const int32_t *fe = h->fe;
    const double *w = h->w;
    double *buf = h->buf, part[16];
#pragma omp parallel for schedule(static) if (n > 50000)
    for (int c = 0; c < nc; c++) {
        double *b = buf + (size_t)c * L, vv = 0;
        memset(b, 0, sizeof(double) * L);
        size_t i0 = n * (size_t)c / (size_t)nc, i1 = n * (size_t)(c + 1) / (size_t)nc;
        for (size_t i = i0; i < i1; i++) {
            double d = alpha[fe[i]];
            for (int k = 1; k < g; k++)
                d += alpha[h->off[k] + (size_t)fe[(size_t)k * n + i]];
            double ei = v[i] - d, val = w[i] * ei;
            e[i] = ei;
            vv += w[i] * v[i] * v[i];
            b[fe[i]] += val;
            for (int k = 1; k < g; k++)
                b[h->off[k] + (size_t)fe[(size_t)k * n + i]] += val;
        }
        part[c] = vv;
    }
    add_chunks(buf, L, nc, out);
    double vv = 0;
    for (int c = 0; c < nc; c++)
        vv += part[c];
    return vv;
}

/* out = v - D alpha in one pass */
static void resid(const tq__hdfe *h, const double *v, const double *alpha, double *out)
{
    const size_t n = h->n;
    const int g = h->g;
    const int32_t *fe = h->fe;
#pragma omp parallel for schedule(static) if (n > 50000)
    for (size_t i = 0; i < n; i++) {
        double d = alpha[fe[i]];
        for (int k = 1; k < g; k++)
            d += alpha[h->off[k] + (size_t)fe[(size_t)k * n + i]];
        out[i] = v[i] - d;
    }
}

void tq__hdfe_apply(const tq__hdfe *h, const double *alpha, double *out)
{
    const size_t n = h->n;
    const int g = h->g;
    const int32_t *fe = h->fe;
    if (!g) {
        memset(out, 0, sizeof(double) * n);
        return;
    }
#pragma omp parallel for schedule(static) if (n > 50000)
    for (size_t i = 0; i < n; i++) {
        double s = alpha[fe[i]];
        for (int k = 1; k < g; k++)
            s += alpha[h->off[k] + (size_t)fe[(size_t)k * n + i]];
        out[i] = s;
    }
}

void tq__hdfe_weights(tq__hdfe *h, const double *w)
{
    h->w = w;
    h->wtot = tq__dsum(w, h->n);
    if (h->g)
        level_sums(h, NULL, NULL, h->wsum);
}

int tq__hdfe_demean(tq__hdfe *h, const double *v, double *alpha, double *out, double tol, int maxit)
{
    const size_t n = h->n, L = h->L;
    if (!h->g) {
        memcpy(out, v, sizeof(double) * n);
        return 0;
    }
    double *r = h->r, *p = h->p, *q = h->q, *zp = h->zp;
    const double *wsum = h->wsum;
    /* residual of the start, e = v - D alpha, r = D'W e, and the scale: the weighted root
     * mean square of v */
    double scale = sqrt(resid_sums(h, v, alpha, out, r) / h->wtot);
    if (!(scale > 0))
        scale = 1;
    const double lim = tol * scale;
    int fresh = 1; /* out is v - D alpha for the current alpha */
    double rz = 0, zmax = 0;
    for (size_t l = 0; l < L; l++) {
        zp[l] = wsum[l] > 0 ? r[l] / wsum[l] : 0;
        p[l] = zp[l];
        if (fabs(zp[l]) > zmax)
            zmax = fabs(zp[l]);
    }
    rz = tq__ddot(r, zp, L);
    int it = 0;
    while (zmax > lim) {
        if (it >= maxit)
            break;
        it++;
        level_sums(h, NULL, p, q);
        double pq = tq__ddot(p, q, L);
        if (!(pq > 0))
            break;
        double a = rz / pq;
        fresh = 0;
        zmax = 0;
        for (size_t l = 0; l < L; l++) {
            alpha[l] += a * p[l];
            r[l] -= a * q[l];
            zp[l] = wsum[l] > 0 ? r[l] / wsum[l] : 0;
            if (fabs(zp[l]) > zmax)
                zmax = fabs(zp[l]);
        }
        double rz1 = tq__ddot(r, zp, L);
        double b = rz1 / rz;
        rz = rz1;
        for (size_t l = 0; l < L; l++)
            p[l] = zp[l] + b * p[l];
        if (zmax <= lim || (it % 50) == 0) {
            /* the recursively updated residual drifts: recompute it from alpha, and
             * accept only a true small residual */
            resid_sums(h, v, alpha, out, r);
            fresh = 1;
            zmax = 0;
            for (size_t l = 0; l < L; l++) {
                zp[l] = wsum[l] > 0 ? r[l] / wsum[l] : 0;
                if (fabs(zp[l]) > zmax)
                    zmax = fabs(zp[l]);
            }
            rz = tq__ddot(r, zp, L); /* residual replacement; the directions are kept */
        }
    }
    h->sweeps += it;
    if (!fresh)
        resid(h, v, alpha, out);
    return zmax <= lim ? it : -1;
}
