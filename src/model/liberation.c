/* The one-sector "Liberation Day" model (see liberation.h): data, the ν calibration, the
 * rebuilt baseline, the nine policy cases, the 3N equilibrium system and its outcomes,
 * all as design/LIBERATION_DAY.md ("the note") specifies them; equation labels (E1)-(E3)
 * and section numbers are the note's. The equilibrium is solved by the dense Newton
 * solver of src/solve/newton.c on residuals scaled by baseline magnitudes (E1 by Y_i, E2
 * by E_i, the normalisation by world E), which leaves the root unchanged (note §7.11). */
#include "liberation.h"

#include "../data/dataset.h"
#include "../solve/newton.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* §1.5: the parameters shared by every case. */
#define LIB_EPS 4.0
#define LIB_KAPPA 0.5
#define LIB_PSI (0.67 / 4.0)
#define LIB_THETA (4.0 / 0.67)
/* §1.3: the targets of the ν calibration. */
#define LIB_TARGET_A 0.12
#define LIB_TARGET_B 0.26
/* The equilibrium tolerance on the scaled residuals (max |F_k|). */
#define LIB_TOL 1e-12

/* ------------------------------------------------------------------ data --- */

void tq__lib_data_free(tq__lib_data *d)
{
    if (!d)
        return;
    tq__free(d->ctx, d->code);
    tq__free(d->ctx, d->X0);
    tq__free(d->ctx, d->gdp);
    tq__free(d->ctx, d->ustr);
    tq__free(d->ctx, d);
}

/* One value per region from dir/name (columns key_col, val_col), every region once. */
static tq_status read_by_region(tq_context *ctx, const char *dir, const char *name, const char *key_col,
                                const char *val_col, const tq_dataset *ds, double scale, double *out)
{
    tq__csv c;
    int found = 0;
    tq_status st = tq__csv_open_in(ctx, &c, dir, name, "liberation2025", &found);
    if (st)
        return st;
    const int N = tq_dataset_regions(ds);
    unsigned char *seen = tq__calloc(ctx, (size_t)N, 1);
    if (!seen) {
        tq__csv_close(&c);
        return TQ_ERR_NOMEM;
    }
    const char *want[2] = {key_col, val_col};
    int col[2];
    if ((st = tq__csv_read_header(&c, want, 2, col)))
        goto done;
    int r;
    while ((r = tq__csv_next(&c)) > 0) {
        if ((st = tq__csv_need(&c, (col[0] > col[1] ? col[0] : col[1]) + 1)))
            goto done;
        const char *code = tq__csv_str(&c, col[0]);
        int n = tq_dataset_find_region(ds, code);
        if (n < 0) {
            st = tq__csv_error(&c, TQ_ERR_PARSE, col[0], "region '%s' is not in regions.csv", code);
            goto done;
        }
        if (seen[n]) {
            st = tq__csv_error(&c, TQ_ERR_PARSE, col[0], "region '%s' given twice", code);
            goto done;
        }
        double v;
        if ((st = tq__csv_double(&c, col[1], &v)))
            goto done;
        if (v < 0) {
            st = tq__csv_error(&c, TQ_ERR_PARSE, col[1], "negative value %g", v);
            goto done;
        }
        seen[n] = 1;
        out[n] = v * scale;
    }
    if (r < 0) {
        st = (tq_status)r;
        goto done;
    }
    for (int n = 0; n < N; n++)
        if (!seen[n]) {
            st =
                tq__error(ctx, TQ_ERR_PARSE, c.path, 0, key_col, "no row for region %s", tq_dataset_region_code(ds, n));
            goto done;
        }
done:
    tq__free(ctx, seen);
    tq__csv_close(&c);
    return st;
}

tq_status tq__lib_data_load(tq_context *ctx, const char *dir, tq__lib_data **out)
{
    *out = NULL;
    tq_dataset *ds = NULL;
    tq_status st = tq_dataset_load(ctx, dir, &ds);
    if (st)
        return st;
    const int N = tq_dataset_regions(ds), usa = tq_dataset_find_region(ds, "USA");
    if (tq_dataset_sectors(ds) != 1 || usa < 0) {
        st = tq__error(ctx, TQ_ERR_INVALID, dir, 0, NULL,
                       "the Liberation-Day model needs one sector and a region USA (%d sectors%s)",
                       tq_dataset_sectors(ds), usa < 0 ? ", no USA" : "");
        tq_dataset_free(ds);
        return st;
    }
    tq__lib_data *d = tq__calloc(ctx, 1, sizeof *d);
    if (!d) {
        tq_dataset_free(ds);
        return TQ_ERR_NOMEM;
    }
    d->ctx = ctx;
    d->N = N;
    d->usa = usa;
    d->code = tq__calloc(ctx, (size_t)N, sizeof *d->code);
    d->X0 = tq__calloc(ctx, (size_t)N * N, sizeof(double));
    d->gdp = tq__calloc(ctx, (size_t)N, sizeof(double));
    d->ustr = tq__calloc(ctx, (size_t)N, sizeof(double));
    if (!d->code || !d->X0 || !d->gdp || !d->ustr) {
        st = TQ_ERR_NOMEM;
        goto fail;
    }
    /* the dataset's Z[n,i] is importer n buying from exporter i, millions of USD */
    const double *Z = tq_dataset_array_const(ds, TQ_Z, tq_dataset_years(ds) - 1, NULL);
    for (int n = 0; n < N; n++) {
        snprintf(d->code[n], sizeof d->code[n], "%s", tq_dataset_region_code(ds, n));
        for (int i = 0; i < N; i++)
            d->X0[(size_t)i * N + n] = i == n ? 0.0 : Z[(size_t)n * N + i] * 1000.0;
    }
    if ((st = read_by_region(ctx, dir, "gdp.csv", "region", "gdp", ds, 1000.0, d->gdp)) ||
        (st = read_by_region(ctx, dir, "us_tariffs_2025.csv", "exporter", "tariff", ds, 1.0, d->ustr)))
        goto fail;
    tq_dataset_free(ds);
    *out = d;
    return TQ_OK;
fail:
    tq_dataset_free(ds);
    tq__lib_data_free(d);
    return st;
}

/* ------------------------------------------------------------- baseline --- */

void tq__lib_base_free(tq__lib_base *b)
{
    if (!b)
        return;
    tq__free(b->ctx, b->nu);
    tq__free(b->ctx, b->X);
    tq__free(b->ctx, b);
}

/* §1.3: the two-region residuals at (na, nb). */
static void nu_residual(const double a[5], double na, double nb, double g[2])
{
    const double Xaa = a[0], Xab = a[1], Xba = a[2], Ya = a[3], Yb = a[4];
    const double Ea = Ya + (1 - na) * ((Xaa + Xba) - ((1 - na) * Xaa + (1 - nb) * Xab));
    const double Eb = Yb + (1 - nb) * (Xab - (1 - na) * Xba);
    const double ra = (Ea - Xba) / (Ea - Xba + Xab), rb = (Eb - Xab) / (Eb - Xab + Xba);
    g[0] = ra * na + (1 - ra) * nb - LIB_TARGET_A;
    g[1] = rb * nb + (1 - rb) * na - LIB_TARGET_B;
}

/* Newton on the 2 x 2 system from (0.1, 0.24), central-difference Jacobian. */
static int solve_nu(const double a[5], double *na, double *nb)
{
    double x0 = 0.1, x1 = 0.24, g[2];
    for (int it = 0; it < 100; it++) {
        nu_residual(a, x0, x1, g);
        if (fabs(g[0]) < 1e-15 && fabs(g[1]) < 1e-15)
            break;
        const double h = 1e-6;
        double gp[2], gm[2], J[2][2];
        nu_residual(a, x0 + h, x1, gp);
        nu_residual(a, x0 - h, x1, gm);
        J[0][0] = (gp[0] - gm[0]) / (2 * h);
        J[1][0] = (gp[1] - gm[1]) / (2 * h);
        nu_residual(a, x0, x1 + h, gp);
        nu_residual(a, x0, x1 - h, gm);
        J[0][1] = (gp[0] - gm[0]) / (2 * h);
        J[1][1] = (gp[1] - gm[1]) / (2 * h);
        const double det = J[0][0] * J[1][1] - J[0][1] * J[1][0];
        if (!(fabs(det) > 0))
            return 1;
        const double d0 = -(J[1][1] * g[0] - J[0][1] * g[1]) / det, d1 = -(-J[1][0] * g[0] + J[0][0] * g[1]) / det;
        x0 += d0;
        x1 += d1;
        if (fabs(d0) < 1e-17 && fabs(d1) < 1e-17)
            break;
    }
    nu_residual(a, x0, x1, g);
    if (!(fabs(g[0]) < 1e-13 && fabs(g[1]) < 1e-13))
        return 1;
    /* the code sets a negative solution to 0; it does not bind */
    *na = x0 > 0 ? x0 : 0;
    *nb = x1 > 0 ? x1 : 0;
    return 0;
}

tq_status tq__lib_base_new(tq_context *ctx, const tq__lib_data *d, tq__lib_base **out)
{
    *out = NULL;
    const int N = d->N, u = d->usa;
    const size_t NN = (size_t)N * N;
    tq__lib_base *b = tq__calloc(ctx, 1, sizeof *b);
    if (!b)
        return TQ_ERR_NOMEM;
    b->ctx = ctx;
    b->N = N;
    b->usa = u;
    b->code = d->code;
    b->nu = tq__calloc(ctx, 8 * (size_t)N, sizeof(double));
    b->X = tq__calloc(ctx, 2 * NN, sizeof(double));
    if (!b->nu || !b->X) {
        tq__lib_base_free(b);
        return TQ_ERR_NOMEM;
    }
    b->E = b->nu + N;
    b->Y = b->nu + 2 * (size_t)N;
    b->T = b->nu + 3 * (size_t)N;
    b->Yek = b->nu + 4 * (size_t)N;
    b->Tek = b->nu + 5 * (size_t)N;
    b->tustr = b->nu + 6 * (size_t)N;
    double *M0 = b->nu + 7 * (size_t)N; /* raw imports */
    b->lambda = b->X + NN;

    /* §1.3: the two-region aggregation of the raw data */
    double a[5] = {0, 0, 0, 0, 0};
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < N; j++) {
            const double x = d->X0[(size_t)i * N + j];
            if (i != u && j != u)
                a[0] += x;
            else if (i != u && j == u)
                a[1] += x;
            else if (i == u && j != u)
                a[2] += x;
        }
        if (i == u)
            a[4] += d->gdp[i];
        else
            a[3] += d->gdp[i];
    }
    if (solve_nu(a, &b->nu_a, &b->nu_b)) {
        tq__lib_base_free(b);
        return tq__error(ctx, TQ_ERR_NOT_CONVERGED, NULL, 0, "nu", "the calibration of nu did not converge");
    }
    for (int i = 0; i < N; i++) {
        b->nu[i] = i == u ? b->nu_b : b->nu_a;
        /* §4: the USTR schedule with its 10% floor (RUS is lifted from 0) */
        b->tustr[i] = i == u ? 0.0 : (d->ustr[i] > 0.10 ? d->ustr[i] : 0.10);
    }

    /* §1.4 step 1-2: provisional transfer and expenditure, domestic absorption */
    for (int j = 0; j < N; j++) {
        double m = 0;
        for (int k = 0; k < N; k++)
            m += d->X0[(size_t)k * N + j];
        M0[j] = m;
    }
    memcpy(b->X, d->X0, NN * sizeof(double));
    b->floored = 0;
    for (int i = 0; i < N; i++) {
        double s = 0;
        for (int j = 0; j < N; j++)
            s += (1 - b->nu[j]) * d->X0[(size_t)i * N + j];
        const double T0 = (1 - b->nu[i]) * (M0[i] - s), E0 = d->gdp[i] + T0;
        double xii = E0 - M0[i];
        if (xii < 0) {
            xii = 0;
            b->floored++;
        }
        b->X[(size_t)i * N + i] = xii;
    }
    /* step 3: everything again from the completed matrix */
    for (int j = 0; j < N; j++) {
        double e = 0;
        for (int k = 0; k < N; k++)
            e += b->X[(size_t)k * N + j];
        b->E[j] = e;
    }
    for (int i = 0; i < N; i++) {
        double s = 0, r = 0;
        for (int j = 0; j < N; j++) {
            s += (1 - b->nu[j]) * b->X[(size_t)i * N + j];
            r += b->X[(size_t)i * N + j];
            b->lambda[(size_t)i * N + j] = b->X[(size_t)i * N + j] / b->E[j];
        }
        b->Y[i] = s + b->nu[i] * b->E[i];
        b->T[i] = b->E[i] - b->Y[i];
        b->Yek[i] = r;
        b->Tek[i] = b->E[i] - r;
    }
    *out = b;
    return TQ_OK;
}

static double phi_tilde(double nu)
{
    return ((1 + LIB_THETA) / LIB_THETA) * nu / (1 - nu);
}

void tq__lib_optimal_tariffs(const tq__lib_base *b, tq__lib_optimal *o)
{
    const int N = b->N, u = b->usa;
    /* (A) and (A'): Δ_US with imports E - X_ii, or Y - X_ii, in the denominator */
    double num = 0;
    for (int j = 0; j < N; j++)
        if (j != u)
            num += b->X[(size_t)u * N + j] * (1 - b->nu[j]) * (1 - b->lambda[(size_t)u * N + j]);
    const double xuu = b->X[(size_t)u * N + u], phi_us = 1 + phi_tilde(b->nu[u]);
    o->delta_us = num / ((1 - b->nu[u]) * (b->E[u] - xuu));
    o->delta7_us = num / ((1 - b->nu[u]) * (b->Y[u] - xuu));
    o->t_star = 1 / ((1 + LIB_EPS * o->delta_us) * phi_us - 1);
    o->t_star7 = 1 / ((1 + LIB_EPS * o->delta7_us) * phi_us - 1);
    /* (B): the two regions of the completed matrix, a = non-US, b = USA */
    double Xaa = 0, Xab = 0, Ya = 0;
    for (int i = 0; i < N; i++) {
        if (i == u)
            continue;
        Ya += b->Y[i];
        for (int j = 0; j < N; j++)
            if (j == u)
                Xab += b->X[(size_t)i * N + j];
            else
                Xaa += b->X[(size_t)i * N + j];
    }
    const int first = u == 0 ? 1 : 0; /* "country 1": the first non-US country */
    const double nu_a = b->nu[first], nu_b = b->nu[u], lam_ab = Xab / (Xab + xuu);
    o->delta_a = Xab * (1 - nu_b) * (1 - lam_ab) / ((1 - nu_a) * (Ya - Xaa));
    o->t_retal = 1 / ((1 + LIB_EPS * o->delta_a) * (1 + phi_tilde(nu_a)) - 1);
}

const char *tq__lib_case_name(int k)
{
    static const char *const names[TQ__LIB_CASES] = {"ustr",
                                                     "partial_pass_through",
                                                     "eaton_kortum",
                                                     "optimal",
                                                     "ustr_optimal_retaliation",
                                                     "ustr_reciprocal",
                                                     "optimal_opt_retaliation",
                                                     "ustr_lump_sum",
                                                     "eps8"};
    return k >= 1 && k <= TQ__LIB_CASES ? names[k - 1] : "";
}

/* ------------------------------------------------------------ equilibrium --- */

struct tq__lib_ws {
    tq_context *ctx;
    const tq__lib_base *b;
    int N;
    /* the case */
    double eps, kappa, psi;
    int lump;
    const double *nu, *Y, *T;
    double sumY;
    double *t, *Bm, *Cm, *Dm; /* [N N]: tariffs; λ (1+t)^(-εφ_j); Bm/(1+t); Cm t */
    double *H, *G;            /* [N N]: the Jacobian's work (lib_jac) */
    int analytic;             /* 1: the analytic Jacobian (default), 0: finite differences */
    double *phi, *zero;       /* [N] */
    /* per evaluation */
    double *c, *S, *q, *sales, *purch, *colC, *rev, *P, *Yp, *g3; /* [N] */
    double sumYp;
    double *x, *f; /* [3N] */
    double *res;   /* outcomes: 11 [N] arrays */
    tq__newton *nw;
};

void tq__lib_ws_set_analytic(tq__lib_ws *ws, int on)
{
    ws->analytic = on != 0;
}

void tq__lib_ws_free(tq__lib_ws *ws)
{
    if (!ws)
        return;
    tq__newton_free(ws->nw);
    tq__free(ws->ctx, ws->t);
    tq__free(ws->ctx, ws->phi);
    tq__free(ws->ctx, ws);
}

tq_status tq__lib_ws_new(tq_context *ctx, const tq__lib_base *b, tq__lib_ws **out)
{
    *out = NULL;
    const int N = b->N;
    const size_t NN = (size_t)N * N;
    tq__lib_ws *ws = tq__calloc(ctx, 1, sizeof *ws);
    if (!ws)
        return TQ_ERR_NOMEM;
    ws->ctx = ctx;
    ws->b = b;
    ws->N = N;
    ws->t = tq__calloc(ctx, 6 * NN, sizeof(double));
    ws->phi = tq__calloc(ctx, 29 * (size_t)N, sizeof(double));
    if (!ws->t || !ws->phi || tq__newton_alloc(ctx, 3 * (size_t)N, &ws->nw)) {
        tq__lib_ws_free(ws);
        return TQ_ERR_NOMEM;
    }
    ws->Bm = ws->t + NN;
    ws->Cm = ws->t + 2 * NN;
    ws->Dm = ws->t + 3 * NN;
    ws->H = ws->t + 4 * NN;
    ws->G = ws->t + 5 * NN;
    ws->analytic = 1;
    double *p = ws->phi + N;
    ws->zero = p, p += N;
    ws->c = p, p += N;
    ws->S = p, p += N;
    ws->q = p, p += N;
    ws->sales = p, p += N;
    ws->purch = p, p += N;
    ws->colC = p, p += N;
    ws->rev = p, p += N;
    ws->P = p, p += N;
    ws->Yp = p, p += N;
    ws->g3 = p, p += N;
    ws->x = p, p += 3 * (size_t)N;
    ws->f = p, p += 3 * (size_t)N;
    ws->res = p; /* 11 N */
    *out = ws;
    return TQ_OK;
}

/* §4: the tariff matrix, φ, ν, Y, T and the parameters of case k. */
static void setup_case(tq__lib_ws *ws, int k)
{
    const tq__lib_base *b = ws->b;
    const int N = ws->N, u = b->usa;
    tq__lib_optimal o;
    tq__lib_optimal_tariffs(b, &o);
    memset(ws->t, 0, (size_t)N * N * sizeof(double));
    ws->eps = k == 9 ? 2 * LIB_EPS : LIB_EPS;
    ws->kappa = LIB_KAPPA;
    ws->psi = LIB_PSI;
    ws->lump = k == 8;
    ws->nu = k == 3 ? ws->zero : b->nu;
    ws->Y = k == 3 ? b->Yek : b->Y;
    ws->T = k == 3 ? b->Tek : b->T;
    for (int i = 0; i < N; i++)
        ws->phi[i] = k == 3 ? 1.0 : (k == 2 ? 0.25 : 1.0) + phi_tilde(b->nu[i]);
    /* US tariffs on every partner: the USTR schedule with its 10% floor, or uniform */
    for (int i = 0; i < N; i++) {
        if (i == u)
            continue;
        ws->t[(size_t)i * N + u] = k == 4 ? o.t_star : (k == 7 ? o.t_star7 : b->tustr[i]);
    }
    /* retaliation on US goods: optimal (uniform t^R) or reciprocal (the mirror) */
    for (int j = 0; j < N; j++) {
        if (j == u)
            continue;
        if (k == 5 || k == 7)
            ws->t[(size_t)u * N + j] = o.t_retal;
        else if (k == 6)
            ws->t[(size_t)u * N + j] = ws->t[(size_t)j * N + u];
    }
}

/* F(x): (E1) with the normalisation in the last row, (E2), (E3), scaled. */
static int lib_eval(void *ud, const double *x, double *f)
{
    tq__lib_ws *ws = ud;
    const tq__lib_base *b = ws->b;
    const int N = ws->N;
    const double eps = ws->eps, *E = b->E, *Y = ws->Y, *nu = ws->nu;
    const double *w = x, *eh = x + N, *L = x + 2 * (size_t)N;
    for (int i = 0; i < N; i++) {
        const double wi = fabs(w[i]), Li = fabs(L[i]);
        ws->c[i] = pow(wi * pow(Li, -ws->psi), -eps);
        ws->S[i] = 0;
        ws->colC[i] = 0;
        ws->rev[i] = 0;
    }
    for (int i = 0; i < N; i++) {
        const double ci = ws->c[i];
        const double *B = ws->Bm + (size_t)i * N, *C = ws->Cm + (size_t)i * N, *D = ws->Dm + (size_t)i * N;
        for (int j = 0; j < N; j++) {
            ws->S[j] += B[j] * ci;
            ws->colC[j] += C[j] * ci;
            ws->rev[j] += D[j] * ci;
        }
    }
    double sumYp = 0, numer = 0, sumE = 0;
    for (int j = 0; j < N; j++) {
        const double ej = fabs(eh[j]), wj = fabs(w[j]);
        if (!(ws->S[j] > 0) || !isfinite(ws->S[j]))
            return 1;
        ws->q[j] = ej * E[j] / ws->S[j];
        ws->purch[j] = ws->q[j] * ws->colC[j];
        ws->rev[j] *= ws->q[j];
        ws->P[j] = pow(ej / wj, 1 - ws->phi[j]) * pow(ws->S[j], -1 / eps);
        ws->Yp[j] = wj * fabs(L[j]) * Y[j];
        sumYp += ws->Yp[j];
        numer += (ws->P[j] - 1) * E[j];
        sumE += E[j];
    }
    ws->sumYp = sumYp;
    for (int i = 0; i < N; i++) {
        const double *C = ws->Cm + (size_t)i * N;
        double s = 0;
        for (int j = 0; j < N; j++)
            s += C[j] * (1 - nu[j]) * ws->q[j];
        ws->sales[i] = ws->c[i] * s;
    }
    const double share = sumYp / ws->sumY;
    for (int i = 0; i < N; i++) {
        /* (E1): income = value added */
        f[i] = (ws->sales[i] + nu[i] * ws->purch[i] - ws->Yp[i]) / Y[i];
        /* (E2): expenditure = income + revenue + transfer */
        f[N + i] = (ws->rev[i] + ws->Yp[i] + ws->T[i] * share - fabs(eh[i]) * E[i]) / E[i];
        /* (E3): labour supply, with income-tax relief τ^ = 1/(1 - R'/Y') or lump sum */
        const double tauhat = ws->lump ? 1.0 : 1.0 / (1.0 - ws->rev[i] / ws->Yp[i]);
        f[2 * N + i] = fabs(L[i]) - pow(tauhat * fabs(w[i]) / ws->P[i], ws->kappa);
    }
    /* the numéraire replaces (E1) of the last country: E-weighted mean of P^ is 1 */
    f[N - 1] = numer / sumE;
    for (int k = 0; k < 3 * N; k++)
        if (!isfinite(f[k]))
            return 1;
    return 0;
}

/* One column of the Jacobian of lib_eval (at the state of the last evaluation): the
 * change of every residual when c_m moves by cf, Ê_m by dem, and w_m and L_m directly
 * (not through c_m) by dwm and dLm. Derivatives of the intermediates of (E1)-(E3):
 *   dS_j = B_mj dc,  dq_j = -q_j B_mj/S_j dc + [j = m] q_m/Ê_m dÊ,
 *   dpurch_j = q_j (C_mj - colC_j B_mj/S_j) dc + [j = m] purch_m/Ê_m dÊ (rev alike, D),
 *   dsales_i = ([i = m] sales_m/c_m - c_i G_im) dc + c_i C_im (1-ν_m) q_m/Ê_m dÊ,
 *   dP_j = -P_j B_mj/(ε S_j) dc + [j = m] (1-φ_m) P_m (dÊ/Ê_m - dw/w_m),
 * with G_im = Σ_j C_ij (1-ν_j) q_j B_mj / S_j (lib_jac). */
static void jac_col(const tq__lib_ws *ws, const double *x, int m, double cf, double dwm, double dem, double dLm,
                    double *col)
{
    const tq__lib_base *b = ws->b;
    const int N = ws->N;
    const double *E = b->E, *Y = ws->Y, *nu = ws->nu;
    const double wm = fabs(x[m]), em = fabs(x[N + m]), Lm = fabs(x[2 * N + m]);
    const double dYpm = (dwm * Lm + dLm * wm) * Y[m];
    const double *Bm = ws->Bm + (size_t)m * N, *Cm = ws->Cm + (size_t)m * N, *Dm = ws->Dm + (size_t)m * N;
    double dnorm = 0, sumE = 0;
    for (int i = 0; i < N; i++) {
        const double bs = Bm[i] / ws->S[i], q = ws->q[i];
        const double colC = ws->purch[i] / q, colD = ws->rev[i] / q;
        double dpurch = cf * q * (Cm[i] - colC * bs), drev = cf * q * (Dm[i] - colD * bs);
        double dsales = -cf * ws->c[i] * ws->G[(size_t)i * N + m];
        double dP = -cf * ws->P[i] * bs / ws->eps, dYp = 0, dw = 0, dL = 0, de = 0;
        dsales += dem * ws->c[i] * ws->Cm[(size_t)i * N + m] * (1 - nu[m]) * ws->q[m] / em;
        if (i == m) {
            dpurch += dem * ws->purch[m] / em;
            drev += dem * ws->rev[m] / em;
            dsales += cf * ws->sales[m] / ws->c[m];
            dP += (1 - ws->phi[m]) * ws->P[m] * (dem / em - dwm / wm);
            dYp = dYpm;
            dw = dwm;
            dL = dLm;
            de = dem;
        }
        if (i < N - 1)
            col[i] = (dsales + nu[i] * dpurch - dYp) / Y[i];
        col[N + i] = (drev + dYp + ws->T[i] * dYpm / ws->sumY - de * E[i]) / E[i];
        const double wi = fabs(x[i]), Yp = ws->Yp[i];
        double dlt = 0;
        if (!ws->lump)
            dlt = (drev / Yp - ws->rev[i] * dYp / (Yp * Yp)) / (1 - ws->rev[i] / Yp);
        /* ws->g3[i] = (τ^_i w_i / P_i)^κ, the labour supply of (E3) */
        col[2 * N + i] = dL - ws->kappa * ws->g3[i] * (dlt + dw / wi - dP / ws->P[i]);
        dnorm += dP * E[i];
        sumE += E[i];
    }
    col[N - 1] = dnorm / sumE;
}

/* The analytic Jacobian of lib_eval (column-major, 3N x 3N). */
static int lib_jac(void *ud, const double *x, const double *f, double *jac)
{
    (void)f;
    tq__lib_ws *ws = ud;
    const int N = ws->N;
    const size_t n = 3 * (size_t)N;
    if (lib_eval(ws, x, ws->f))
        return 1;
    /* H_mj = B_mj (1-ν_j) q_j / S_j; G_im = Σ_j C_ij H_mj */
    for (int m = 0; m < N; m++)
        for (int j = 0; j < N; j++)
            ws->H[(size_t)m * N + j] = ws->Bm[(size_t)m * N + j] * (1 - ws->nu[j]) * ws->q[j] / ws->S[j];
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N, N, N, 1.0, ws->Cm, N, ws->H, N, 0.0, ws->G, N);
    for (int i = 0; i < N; i++) {
        const double tauhat = ws->lump ? 1.0 : 1.0 / (1.0 - ws->rev[i] / ws->Yp[i]);
        ws->g3[i] = pow(tauhat * fabs(x[i]) / ws->P[i], ws->kappa);
    }
    for (int m = 0; m < N; m++) {
        const double w = x[m], e = x[N + m], L = x[2 * N + m];
        const double sw = w < 0 ? -1 : 1, se = e < 0 ? -1 : 1, sl = L < 0 ? -1 : 1;
        const double aw = fabs(w), al = fabs(L), cm = ws->c[m];
        double *cw = jac + (size_t)m * n, *ce = jac + (size_t)(N + m) * n, *cl = jac + (size_t)(2 * N + m) * n;
        jac_col(ws, x, m, -ws->eps * cm / aw, 1, 0, 0, cw);
        jac_col(ws, x, m, 0, 0, 1, 0, ce);
        jac_col(ws, x, m, ws->eps * ws->psi * cm / al, 0, 0, 1, cl);
        for (size_t r = 0; r < n; r++) {
            cw[r] *= sw;
            ce[r] *= se;
            cl[r] *= sl;
        }
    }
    return 0;
}

static void outcomes(tq__lib_ws *ws, tq__lib_out *o)
{
    const tq__lib_base *b = ws->b;
    const int N = ws->N;
    const double *x = ws->x, *E = b->E, *Y = ws->Y;
    double *r = ws->res;
    o->welfare = r;
    o->deficit = r + N;
    o->exports_gdp = r + 2 * (size_t)N;
    o->imports_gdp = r + 3 * (size_t)N;
    o->employment = r + 4 * (size_t)N;
    o->cpi = r + 5 * (size_t)N;
    o->revenue = r + 6 * (size_t)N;
    o->what = r + 7 * (size_t)N;
    o->ehat = r + 8 * (size_t)N;
    o->lhat = r + 9 * (size_t)N;
    o->phat = r + 10 * (size_t)N;
    double *ex1 = ws->sales, *im1 = ws->purch, *ex0 = ws->colC, *im0 = ws->S; /* scratch now */
    for (int i = 0; i < N; i++)
        ex1[i] = im1[i] = ex0[i] = im0[i] = 0;
    double trade1 = 0, trade0 = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            if (i == j)
                continue;
            const size_t c = (size_t)i * N + j;
            const double x1 = ws->Cm[c] * ws->c[i] * ws->q[j], x0 = b->X[c];
            ex1[i] += x1;
            im1[j] += x1;
            ex0[i] += x0;
            im0[j] += x0;
            trade1 += (1 + ws->t[c]) * x1;
            trade0 += x0;
        }
    double sumY = 0, emp = 0;
    for (int i = 0; i < N; i++) {
        const double w = fabs(x[i]), eh = fabs(x[N + i]), L = fabs(x[2 * N + i]), P = ws->P[i];
        const double tau = ws->lump ? 0.0 : ws->rev[i] / ws->Yp[i];
        const double delta = E[i] / (E[i] - (ws->kappa / (1 + ws->kappa)) * (1 - tau) * Y[i]);
        o->welfare[i] = 100 * (delta * eh / P + (1 - delta) * w * L / P - 1);
        const double D0 = im0[i] - ex0[i], D1 = im1[i] - ex1[i];
        o->deficit[i] = 100 * (D1 - D0) / fabs(D0);
        o->exports_gdp[i] = 100 * ((ex1[i] / ws->Yp[i]) / (ex0[i] / Y[i]) - 1);
        o->imports_gdp[i] = 100 * ((im1[i] / ws->Yp[i]) / (im0[i] / Y[i]) - 1);
        o->employment[i] = 100 * (L - 1);
        o->cpi[i] = 100 * (P - 1);
        o->revenue[i] = ws->rev[i] / E[i];
        o->what[i] = w;
        o->ehat[i] = eh;
        o->lhat[i] = L;
        o->phat[i] = P;
        sumY += b->Y[i];
        emp += 100 * (L - 1) * b->Y[i];
    }
    o->trade_gdp = 100 * ((trade1 / trade0) / (ws->sumYp / ws->sumY) - 1);
    o->employment_global = emp / sumY;
}

/* Solve the problem set up in ws from x = 1 and fill *out. */
static tq_status solve_current(tq__lib_ws *ws, int k, tq__lib_out *out)
{
    const tq__lib_base *b = ws->b;
    const int N = ws->N;
    const size_t NN = (size_t)N * N;
    ws->sumY = 0;
    for (int i = 0; i < N; i++)
        ws->sumY += ws->Y[i];
    for (size_t c = 0; c < NN; c++) {
        const int j = (int)(c % (size_t)N);
        const double t = ws->t[c];
        const double pw = t == 0 ? 1.0 : pow(1 + t, -ws->eps * ws->phi[j]);
        ws->Bm[c] = b->lambda[c] * pw;
        ws->Cm[c] = ws->Bm[c] / (1 + t);
        ws->Dm[c] = ws->Cm[c] * t;
    }
    for (int i = 0; i < 3 * N; i++)
        ws->x[i] = 1.0;
    tq__newton_info info;
    tq_status st = tq__newton_solve(ws->nw, lib_eval, ws->analytic ? lib_jac : NULL, ws, ws->x, LIB_TOL, 200, &info);
    if (st)
        return st;
    out->residual = info.residual;
    out->iterations = info.iterations;
    out->jacobians = info.jacobians;
    out->converged = info.converged;
    if (!info.converged)
        return tq__error(ws->ctx, TQ_ERR_NOT_CONVERGED, NULL, 0, "tariff",
                         "the Liberation-Day model did not converge (%s): residual %.3g after %d Newton steps",
                         k ? tq__lib_case_name(k) : "tariffs of one's own", info.residual, info.iterations);
    if (lib_eval(ws, ws->x, ws->f)) /* the intermediates at the solution */
        return tq__error(ws->ctx, TQ_ERR_INVALID, NULL, 0, "tariff", "the Liberation-Day model: unusable solution");
    outcomes(ws, out);
    return TQ_OK;
}

tq_status tq__lib_solve_case(tq__lib_ws *ws, int k, tq__lib_out *out)
{
    memset(out, 0, sizeof *out);
    if (k < 1 || k > TQ__LIB_CASES)
        return tq__error(ws->ctx, TQ_ERR_INVALID, NULL, 0, "case", "no Liberation-Day case %d (1..%d)", k,
                         TQ__LIB_CASES);
    setup_case(ws, k);
    return solve_current(ws, k, out);
}

tq_status tq__lib_solve_tariffs(tq__lib_ws *ws, const double *t, int lump_sum, tq__lib_out *out)
{
    memset(out, 0, sizeof *out);
    const int N = ws->N;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            const double v = t[(size_t)i * N + j];
            if (!(v > -1 && v <= 1000) || (i == j && v != 0))
                return tq__error(ws->ctx, TQ_ERR_INVALID, NULL, 0, "tariff",
                                 "tariff of %s on %s is %g: must be in (-1, 1000], and 0 on a country's own goods",
                                 ws->b->code[j], ws->b->code[i], v);
        }
    setup_case(ws, 1); /* the baseline parameters: ε = 4, φ = 1 + φ̃ */
    memcpy(ws->t, t, (size_t)N * N * sizeof *t);
    ws->lump = lump_sum != 0;
    return solve_current(ws, 0, out);
}

tq_status tq__lib_case_tariffs(tq__lib_ws *ws, int k, double *t)
{
    if (k < 1 || k > TQ__LIB_CASES)
        return tq__error(ws->ctx, TQ_ERR_INVALID, NULL, 0, "case", "no Liberation-Day case %d (1..%d)", k,
                         TQ__LIB_CASES);
    setup_case(ws, k);
    memcpy(t, ws->t, (size_t)ws->N * ws->N * sizeof *t);
    return TQ_OK;
}

double tq__lib_eavg(const tq__lib_base *b, const double *r, const unsigned char *mask)
{
    double s = 0, w = 0;
    for (int i = 0; i < b->N; i++)
        if (mask[i]) {
            s += b->E[i] * r[i];
            w += b->E[i];
        }
    return s / w;
}

void tq__lib_mask_nonus(const tq__lib_base *b, unsigned char *mask)
{
    for (int i = 0; i < b->N; i++)
        mask[i] = i != b->usa;
}

tq_status tq__lib_mask_eu25(tq_context *ctx, const tq__lib_data *d, unsigned char *mask)
{
    /* the code's EU list: 25 members, CZE and SVK missing (note §3, §7.6) */
    static const char *const eu25[] = {"AUT", "BEL", "BGR", "CYP", "DEU", "DNK", "ESP", "EST", "FIN",
                                       "FRA", "GRC", "HRV", "HUN", "IRL", "ITA", "LTU", "LUX", "LVA",
                                       "MLT", "NLD", "POL", "PRT", "ROU", "SVN", "SWE"};
    memset(mask, 0, (size_t)d->N);
    for (size_t k = 0; k < sizeof eu25 / sizeof eu25[0]; k++) {
        int n = -1;
        for (int i = 0; i < d->N && n < 0; i++)
            if (!strcmp(d->code[i], eu25[k]))
                n = i;
        if (n < 0)
            return tq__error(ctx, TQ_ERR_NOT_FOUND, NULL, 0, "region", "EU member %s not in the data", eu25[k]);
        mask[n] = 1;
    }
    return TQ_OK;
}
