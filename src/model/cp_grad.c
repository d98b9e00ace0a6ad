/* The exact welfare gradient of the Caliendo-Parro model: d f / d t'[n,i,j] for
 * f = sum_k omega_k W_k (W = TQ_RES_WELFARE, percent) at the workspace's last converged
 * solution, by the implicit function theorem on the solver's own fixed-point map
 * x = T(x; t') (cp.c; x = (log w^, log P^, X'/VA)):
 *
 *   df/dt' = F_t + lambda' T_t,   (I - T_x)' lambda = F_x',
 *
 * with F(x; t') = sum_k omega_k 100 (I'_k(x; t') / I_k exp(-sum_j alpha log P^_kj) - 1),
 * equal to welfare at every fixed point (so its total derivative along the equilibrium is
 * that of welfare). Every product with T_x', T_t' and F's partials is one reverse-mode
 * (vector-Jacobian) pass through the map written by hand (vjp below: the numeraire shift,
 * the wage step, (E4) with the closure's deficits, the sales and pre-tariff shares of
 * (E3)/(E5), then (E2) and (E1)); at a fixed point the +-0.3 clamp of the wage step is
 * inactive (an active one is differentiated as the constant it is). A pass costs about
 * one sweep of the map: it reads A and B once each. The adjoint system is solved
 * matrix-free by restarted GMRES (modified Gram-Schmidt, Givens rotations) to a relative
 * residual of 1e-11, warm started from the last adjoint of the same region's welfare (or
 * of the same weights): successive evaluations of a best response, successive rounds. T_t' comes from A = pi
 * kappa^-theta and B = A / (1+t'): dA/dt' = -theta A/(1+t'), dB/dt' = -(1+theta) B/(1+t').
 *
 * Every closure (fixed, balanced, share, target) and numeraire (world value added or a
 * region) is differentiated. Scratch is allocated once per workspace (first call).
 * Determinism: the parallel loops write disjoint outputs with sums in a fixed order, the
 * GMRES dot products are serial, so the gradient does not depend on the thread count. */
#include "cp_impl.h"

#include "model.h"

#include <math.h>
#include <string.h>

enum { GM_RESTART = 60, GM_MAXVEC = 3000 };
#define GM_TOL 1e-11

struct tq__cp_grad {
    double *V;                            /* [(GM_RESTART + 1) * nx] Krylov basis */
    double *H;                            /* [(GM_RESTART + 1) * GM_RESTART] Hessenberg, column-major */
    double *cs, *sn, *gv, *yv;            /* [GM_RESTART + 1] */
    double *xs, *gx, *rhs, *lam, *tmp;    /* [nx] */
    double *lamw;                         /* [N] the weights of the adjoint in wlam */
    double *wlam;                         /* [nx] the last adjoint of given weights */
    int have_lam;                         /* wlam holds the adjoint for lamw (warm start) */
    double *lamr;                         /* [N * nx] the last adjoint of each region's welfare */
    unsigned char *lamr_ok;               /* [N] */
    tq_closure lam_closure;               /* the closure and numeraire of the cached adjoints */
    int lam_numeraire;                    /* */
    double *bgw0, *bwhat, *bDp, *step;    /* [N] */
    double *share, *vInc, *om, *Wh;       /* [N] */
    unsigned char *clamped;               /* [N] */
    double *bY, *bSB, *bS, *Z, *bZ, *blc; /* [NJ]: bY, Z, bZ, blc are [j][i] */
};

void tq__cp_grad_free(tq__cp *w)
{
    tq__cp_grad *G = w->grad;
    if (!G)
        return;
    tq__free(w->ctx, G->V);
    tq__free(w->ctx, G->lamr);
    tq__free(w->ctx, G->clamped);
    tq__free(w->ctx, G);
    w->grad = NULL;
}

static tq_status grad_alloc(tq__cp *w)
{
    if (w->grad)
        return TQ_OK;
    const size_t N = (size_t)w->N, NJ = w->NJ, nx = w->nx, m = GM_RESTART;
    tq__cp_grad *G = tq__calloc(w->ctx, 1, sizeof *G);
    if (!G)
        return TQ_ERR_NOMEM;
    const size_t total = (m + 1) * nx + (m + 1) * m + 4 * (m + 1) + 6 * nx + 9 * N + 6 * NJ;
    double *p = tq__calloc(w->ctx, total, sizeof(double));
    G->clamped = tq__calloc(w->ctx, 2 * N, 1);
    G->lamr = tq__malloc(w->ctx, N * nx * sizeof(double));
    if (!p || !G->clamped || !G->lamr) {
        tq__free(w->ctx, p);
        tq__free(w->ctx, G->lamr);
        tq__free(w->ctx, G->clamped);
        tq__free(w->ctx, G);
        return TQ_ERR_NOMEM;
    }
    G->V = p, p += (m + 1) * nx;
    G->H = p, p += (m + 1) * m;
    G->cs = p, p += m + 1;
    G->sn = p, p += m + 1;
    G->gv = p, p += m + 1;
    G->yv = p, p += m + 1;
    G->xs = p, p += nx;
    G->gx = p, p += nx;
    G->rhs = p, p += nx;
    G->lam = p, p += nx;
    G->tmp = p, p += nx;
    G->wlam = p, p += nx;
    G->lamw = p, p += N;
    G->bgw0 = p, p += N;
    G->bwhat = p, p += N;
    G->bDp = p, p += N;
    G->step = p, p += N;
    G->share = p, p += N;
    G->vInc = p, p += N;
    G->om = p, p += N;
    G->Wh = p, p += N;
    G->bY = p, p += NJ;
    G->bSB = p, p += NJ;
    G->bS = p, p += NJ;
    G->Z = p, p += NJ;
    G->bZ = p, p += NJ;
    G->blc = p;
    G->lamr_ok = G->clamped + N;
    w->grad = G;
    return TQ_OK;
}

/* What the reverse pass needs beyond the map's intermediates at x: the wage step and
 * whether it was clamped, the world-VA numeraire's shares, and Z[j][i] = sum_n B q. */
static void forward_extra(tq__cp *w, tq__cp_grad *G, const double *x)
{
    const tq_baseline *b = w->b;
    const int N = w->N, J = w->J;
    double s = 0;
    for (int n = 0; n < N; n++) {
        const double wva = w->what[n] * b->VA[n];
        const double st = w->damping * w->lam[n] * w->ex[n] / wva;
        G->clamped[n] = st > 0.3 || st < -0.3;
        G->step[n] = st;
        const double glw0 = x[n] - (st > 0.3 ? 0.3 : st < -0.3 ? -0.3 : st);
        G->share[n] = exp(glw0) * b->VA[n];
        s += G->share[n];
    }
    for (int n = 0; n < N; n++)
        G->share[n] /= s;
#pragma omp parallel for schedule(dynamic, 1) num_threads(w->nth) if (w->par)
    for (int j = 0; j < J; j++) {
        double *z = G->Z + (size_t)j * N;
        for (int i = 0; i < N; i++)
            z[i] = 0;
        const int *lo = w->lo + (size_t)j * N, *hi = w->hi + (size_t)j * N;
        for (int n = 0; n < N; n++) {
            const double qn = w->q[(size_t)n * J + j];
            const double *row = w->B + ((size_t)j * N + n) * N;
            for (int i = lo[n]; i < hi[n]; i++)
                z[i] += row[i] * qn;
        }
    }
}

/* The reverse pass at the point of the last map: bx = T_x' v + (d (vInc . I') / dx)'
 * (v = (v_w [N], v_P [NJ], v_X [NJ]); vInc [N] or NULL) and, when grad is not NULL,
 * grad[n,i,j] = the same with respect to t'[n,i,j] (domestic cells and cells without
 * base trade 0). */
static void vjp(tq__cp *w, tq__cp_grad *G, const double *x, const double *v, const double *vInc, double *bx,
                double *grad, const double *t1)
{
    const tq_baseline *b = w->b;
    const int N = w->N, J = w->J;
    const size_t NJ = w->NJ;
    const double *vw = v, *vP = v + N, *vX = v + N + NJ;
    const double *Xs = x + N + NJ;
    double *blw = bx, *blP = bx + N, *bXs = bx + N + NJ;

    /* the numeraire: glw = glw0 - glw0[r], or glw0 + log(world VA / sum exp(glw0) VA) */
    double sv = 0;
    for (int n = 0; n < N; n++)
        sv += vw[n];
    for (int n = 0; n < N; n++)
        G->bgw0[n] = vw[n] - (w->numeraire_region >= 0 ? (n == w->numeraire_region ? sv : 0.0) : G->share[n] * sv);

        /* the demand stage, region by region: glw0 = lw - c ex / (w^ VA), gXs of (E4), I' */
#pragma omp parallel for schedule(dynamic, 2) num_threads(w->nth) if (w->par)
    for (int n = 0; n < N; n++) {
        const double VA = b->VA[n], wva = w->what[n] * VA;
        const double bex = G->clamped[n] ? 0.0 : -G->bgw0[n] * w->damping * w->lam[n] / wva;
        blw[n] = G->bgw0[n] * (G->clamped[n] ? 1.0 : 1.0 + G->step[n]);
        double bInc = vInc ? vInc[n] : 0.0;
        for (int j = 0; j < J; j++) {
            const size_t nj = (size_t)n * J + j;
            if (w->S[nj] > 0)
                bInc += vX[nj] * b->alpha[nj] / VA;
        }
        for (int k = 0; k < J; k++) /* sales enter ex with -1 */
            G->bY[(size_t)k * N + n] = -bex;
        for (int j = 0; j < J; j++) {
            const size_t nj = (size_t)n * J + j;
            if (!(w->S[nj] > 0) || vX[nj] == 0.0)
                continue;
            const double c = vX[nj] / VA;
            const double *g = b->gamma + TQ_NKJ(J, n, j, 0);
            for (int k = 0; k < J; k++)
                G->bY[(size_t)k * N + n] += c * g[k];
        }
        G->bwhat[n] = bInc * VA;
        G->bDp[n] = bInc - bex;
        /* purchases = sum X m, revenue = sum X (1 - m), m = SB / S */
        for (int j = 0; j < J; j++) {
            const size_t nj = (size_t)n * J + j;
            const double S = w->S[nj];
            const double X = Xs[nj] * VA;
            const double m = S > 0 ? w->SB[nj] / S : 1.0;
            bXs[nj] = (bex * m + bInc * (1.0 - m)) * VA;
            if (S > 0) {
                const double bm = X * (bex - bInc);
                G->bSB[nj] = bm / S;
                G->bS[nj] = -bm * w->SB[nj] / (S * S);
            } else {
                G->bSB[nj] = G->bS[nj] = 0.0;
            }
        }
    }
    /* the closure's deficits (share: D' = D sum w^ VA / sum VA) */
    if (w->closure == TQ_CLOSURE_SHARE) {
        double tot = 0;
        for (int n = 0; n < N; n++)
            tot += G->bDp[n] * b->D[n];
        for (int n = 0; n < N; n++)
            G->bwhat[n] += b->VA[n] / w->world_va * tot;
    }
    for (int n = 0; n < N; n++)
        blw[n] += G->bwhat[n] * w->what[n];

    /* sector by sector: Y = u Z, SB = sum_i B u, q = X'/S, log P^ = -log(S)/theta,
     * S = sum_i A u, u = exp(-theta lc) */
    if (grad)
        memset(grad, 0, NJ * (size_t)N * sizeof(double));
#pragma omp parallel for schedule(dynamic, 1) num_threads(w->nth) if (w->par)
    for (int j = 0; j < J; j++) {
        const double th = b->theta[j];
        const double *u = w->ut + (size_t)j * N, *z = G->Z + (size_t)j * N, *bY = G->bY + (size_t)j * N;
        double *bu = G->blc + (size_t)j * N, *bZ = G->bZ + (size_t)j * N;
        for (int i = 0; i < N; i++) {
            bZ[i] = bY[i] * u[i];
            bu[i] = bY[i] * z[i];
        }
        const int *lo = w->lo + (size_t)j * N, *hi = w->hi + (size_t)j * N;
        for (int n = 0; n < N; n++) {
            const size_t nj = (size_t)n * J + j;
            const int i0 = lo[n], i1 = hi[n];
            const double S = w->S[nj];
            if (i1 <= i0 || !(S > 0))
                continue;
            const double *ra = w->A + ((size_t)j * N + n) * N, *rb = w->B + ((size_t)j * N + n) * N;
            double bq = 0;
            for (int i = i0; i < i1; i++)
                bq += rb[i] * bZ[i];
            bXs[nj] += bq * b->VA[n] / S;
            const double bSt = G->bS[nj] - vP[nj] / (th * S) - bq * w->q[nj] / S;
            const double bsb = G->bSB[nj];
            for (int i = i0; i < i1; i++)
                bu[i] += bsb * rb[i] + bSt * ra[i];
            if (grad) {
                const double qn = w->q[nj];
                for (int i = i0; i < i1; i++) {
                    if (i == n)
                        continue;
                    const size_t c = TQ_NIJ(N, J, n, i, j);
                    const double bA = bSt * u[i], bB = bsb * u[i] + bZ[i] * qn;
                    grad[c] = -(th * ra[i] * bA + (th + 1.0) * rb[i] * bB) / (1.0 + t1[c]);
                }
            }
        }
        for (int i = 0; i < N; i++)
            bu[i] *= -th * u[i]; /* now d / d lc */
    }
    /* (E1): lc[n,j] = beta lw + sum_k gamma[n,k,j] lP[n,k] */
#pragma omp parallel for schedule(dynamic, 2) num_threads(w->nth) if (w->par)
    for (int n = 0; n < N; n++) {
        double s = 0;
        for (int j = 0; j < J; j++)
            s += b->beta[(size_t)n * J + j] * G->blc[(size_t)j * N + n];
        blw[n] += s;
        for (int k = 0; k < J; k++) {
            const double *g = b->gamma + TQ_NKJ(J, n, k, 0);
            double a = 0;
            for (int j = 0; j < J; j++)
                a += g[j] * G->blc[(size_t)j * N + n];
            blP[(size_t)n * J + k] = a;
        }
    }
}

static double dot(const double *a, const double *b, size_t n)
{
    double s = 0;
    for (size_t k = 0; k < n; k++)
        s += a[k] * b[k];
    return s;
}

/* out = (I - T_x') v */
static void apply_m(tq__cp *w, tq__cp_grad *G, const double *v, double *out)
{
    vjp(w, G, G->xs, v, NULL, out, NULL, NULL);
    for (size_t k = 0; k < w->nx; k++)
        out[k] = v[k] - out[k];
}

/* Restarted GMRES on (I - T_x') lam = rhs from the guess in lam. Returns 0 when the
 * relative residual is below GM_TOL; *res gets the last relative residual. */
static int gmres(tq__cp *w, tq__cp_grad *G, double *res, int *nvec)
{
    const size_t nx = w->nx;
    const int m = GM_RESTART;
    double *lam = G->lam, *r = G->tmp, *V = G->V, *H = G->H;
    const double bnorm = sqrt(dot(G->rhs, G->rhs, nx));
    *nvec = 0;
    *res = 0;
    if (bnorm == 0) {
        memset(lam, 0, nx * sizeof *lam);
        return 0;
    }
    for (;;) {
        apply_m(w, G, lam, r);
        (*nvec)++;
        for (size_t k = 0; k < nx; k++)
            r[k] = G->rhs[k] - r[k];
        const double beta = sqrt(dot(r, r, nx));
        *res = beta / bnorm;
        if (!isfinite(*res))
            return -1;
        if (*res <= GM_TOL)
            return 0;
        if (*nvec >= GM_MAXVEC)
            return -1;
        for (size_t k = 0; k < nx; k++)
            V[k] = r[k] / beta;
        memset(G->gv, 0, (size_t)(m + 1) * sizeof(double));
        G->gv[0] = beta;
        int kk = 0;
        for (; kk < m; kk++) {
            double *vk = V + (size_t)kk * nx, *vn = V + (size_t)(kk + 1) * nx, *h = H + (size_t)kk * (m + 1);
            apply_m(w, G, vk, vn);
            (*nvec)++;
            for (int i = 0; i <= kk; i++) {
                const double *vi = V + (size_t)i * nx;
                h[i] = dot(vn, vi, nx);
                for (size_t k = 0; k < nx; k++)
                    vn[k] -= h[i] * vi[k];
            }
            h[kk + 1] = sqrt(dot(vn, vn, nx));
            if (h[kk + 1] > 0)
                for (size_t k = 0; k < nx; k++)
                    vn[k] /= h[kk + 1];
            for (int i = 0; i < kk; i++) {
                const double a = G->cs[i] * h[i] + G->sn[i] * h[i + 1];
                h[i + 1] = -G->sn[i] * h[i] + G->cs[i] * h[i + 1];
                h[i] = a;
            }
            const double d = hypot(h[kk], h[kk + 1]);
            G->cs[kk] = d > 0 ? h[kk] / d : 1.0;
            G->sn[kk] = d > 0 ? h[kk + 1] / d : 0.0;
            h[kk] = d;
            h[kk + 1] = 0;
            G->gv[kk + 1] = -G->sn[kk] * G->gv[kk];
            G->gv[kk] *= G->cs[kk];
            if (fabs(G->gv[kk + 1]) <= 0.1 * GM_TOL * bnorm || *nvec >= GM_MAXVEC || !(d > 0)) {
                kk++;
                break;
            }
        }
        if (kk > m)
            kk = m;
        /* y = R^-1 g, lam += V y */
        for (int i = kk - 1; i >= 0; i--) {
            double s = G->gv[i];
            for (int l = i + 1; l < kk; l++)
                s -= H[(size_t)l * (m + 1) + i] * G->yv[l];
            const double dgl = H[(size_t)i * (m + 1) + i];
            G->yv[i] = dgl != 0 ? s / dgl : 0.0;
        }
        for (int i = 0; i < kk; i++) {
            const double *vi = V + (size_t)i * nx;
            for (size_t k = 0; k < nx; k++)
                lam[k] += G->yv[i] * vi[k];
        }
    }
}

tq_status tq__cp_gradient(tq__cp *w, const tq_scenario *sc, int region, const double *weights, double *grad)
{
    const tq_baseline *b = w->b;
    const int N = w->N, J = w->J;
    const size_t nx = w->nx;
    if (!w->have_last)
        return tq__error(w->ctx, TQ_ERR_INVALID, NULL, 0, NULL, "gradient: the solver has no converged solution");
    tq_status st = grad_alloc(w);
    if (st)
        return st;
    tq__cp_grad *G = w->grad;
    w->closure = sc->closure;
    w->target = sc->target;
    tq__cp_setup_shock(w, sc->t, sc->d, 1.0);
    memcpy(G->xs, w->xlast, nx * sizeof(double));
    tq__cp_map(w, G->xs, G->gx);
    if (!(tq__cp_maxres(w) <= 1e-8))
        return tq__error(w->ctx, TQ_ERR_INVALID, NULL, 0, NULL,
                         "gradient: the solver's last solution is not an equilibrium of this scenario (residual "
                         "%.3g): solve it first",
                         tq__cp_maxres(w));
    forward_extra(w, G, G->xs);

    /* the cached adjoints are for one closure and numeraire */
    if (G->lam_closure != sc->closure || G->lam_numeraire != w->numeraire_region) {
        G->have_lam = 0;
        memset(G->lamr_ok, 0, (size_t)N);
        G->lam_closure = sc->closure;
        G->lam_numeraire = w->numeraire_region;
    }
    /* F's partials: through I' (vInc) and directly in log P^ */
    int same = G->have_lam;
    for (int n = 0; n < N; n++) {
        double lp = 0;
        for (int j = 0; j < J; j++)
            lp += b->alpha[(size_t)n * J + j] * G->xs[N + (size_t)n * J + j];
        const double e = exp(-lp);
        G->om[n] = weights ? weights[n] : (n == region ? 1.0 : 0.0);
        G->Wh[n] = w->Inc[n] / b->I[n] * e;
        G->vInc[n] = G->om[n] * 100.0 * e / b->I[n];
        if (G->om[n] != G->lamw[n])
            same = 0;
    }
    memset(G->tmp, 0, nx * sizeof(double));
    vjp(w, G, G->xs, G->tmp, G->vInc, G->rhs, NULL, NULL);
    for (int n = 0; n < N; n++)
        for (int j = 0; j < J; j++)
            G->rhs[N + (size_t)n * J + j] -= G->om[n] * 100.0 * G->Wh[n] * b->alpha[(size_t)n * J + j];
    /* warm start: the last adjoint of the same region's welfare (or the same weights) */
    double *slot = weights ? G->wlam : G->lamr + (size_t)region * nx;
    const int warm = weights ? same : G->lamr_ok[region];
    if (warm)
        memcpy(G->lam, slot, nx * sizeof(double));
    else
        memset(G->lam, 0, nx * sizeof(double));
    double res;
    int nvec;
    const int bad = gmres(w, G, &res, &nvec);
    if (weights)
        G->have_lam = 0;
    else
        G->lamr_ok[region] = 0;
    if (bad)
        return tq__error(w->ctx, TQ_ERR_NOT_CONVERGED, NULL, 0, NULL,
                         "gradient: the adjoint system did not converge (relative residual %.3g after %d products, "
                         "tolerance %.3g)",
                         res, nvec, GM_TOL);
    memcpy(slot, G->lam, nx * sizeof(double));
    if (weights) {
        G->have_lam = 1;
        memcpy(G->lamw, G->om, (size_t)N * sizeof(double));
    } else {
        G->lamr_ok[region] = 1;
    }
    tq__log(w->ctx, TQ_LOG_DEBUG, "gradient: adjoint solved to %.3g in %d products", res, nvec);
    vjp(w, G, G->xs, G->lam, G->vInc, G->tmp, grad, sc->t);
    return TQ_OK;
}
