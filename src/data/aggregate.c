/* Aggregation of regions and sectors by mapping CSV files (docs/aggregation.md).
 *
 * Everything is aggregated as values and turned back into shares, so that the aggregate
 * is the exact sum of its members: flows Z, tariff revenue t*Z, tariff-inclusive
 * spending X, gross output Y, intermediate purchases gamma*Y, value added beta*Y, final
 * spending alpha*I, VA, D and hence income I = VA + R + D are all preserved. Under
 * these rules the residual of MODEL.md (E0) of a group is the sum of its members'
 * residuals, so aggregation never creates inconsistency of its own.
 */
#include "dataset.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* One mapping: member index -> group index, plus the groups' labels. */
typedef struct agg_map {
    int n_from; /* number of original codes */
    int n_groups;
    int *group;    /* [n_from] group of each original code */
    char **gcode;  /* [n_groups] owned */
    char **gname;  /* [n_groups] owned, NULL = default */
    int *tradable; /* [n_groups] -1 = not given */
    int cap;
} agg_map;

static void map_free(tq_context *ctx, agg_map *m)
{
    for (int g = 0; g < m->n_groups; g++) {
        tq__free(ctx, m->gcode[g]);
        tq__free(ctx, m->gname[g]);
    }
    tq__free(ctx, m->group);
    tq__free(ctx, m->gcode);
    tq__free(ctx, m->gname);
    tq__free(ctx, m->tradable);
    memset(m, 0, sizeof *m);
}

/* Add a new group; returns its index or a negative status. */
static int map_add_group(tq_context *ctx, agg_map *m, const char *code)
{
    if (m->n_groups == m->cap) {
        int ncap = m->cap ? 2 * m->cap : 16;
        char **a = tq__realloc(ctx, m->gcode, (size_t)ncap * sizeof *a);
        if (!a)
            return TQ_ERR_NOMEM;
        m->gcode = a;
        char **b = tq__realloc(ctx, m->gname, (size_t)ncap * sizeof *b);
        if (!b)
            return TQ_ERR_NOMEM;
        m->gname = b;
        int *t = tq__realloc(ctx, m->tradable, (size_t)ncap * sizeof *t);
        if (!t)
            return TQ_ERR_NOMEM;
        m->tradable = t;
        m->cap = ncap;
    }
    int g = m->n_groups;
    m->gcode[g] = tq__strdup(ctx, code);
    m->gname[g] = NULL;
    m->tradable[g] = -1;
    if (!m->gcode[g])
        return TQ_ERR_NOMEM;
    m->n_groups++;
    return g;
}

/* The identity mapping of n codes. */
static tq_status map_identity(tq_context *ctx, agg_map *m, int n, const char *(*code)(const tq_dataset *, int),
                              const tq_dataset *ds)
{
    memset(m, 0, sizeof *m);
    m->n_from = n;
    m->group = tq__calloc(ctx, (size_t)n, sizeof *m->group);
    if (!m->group)
        return TQ_ERR_NOMEM;
    for (int k = 0; k < n; k++) {
        int g = map_add_group(ctx, m, code(ds, k));
        if (g < 0)
            return (tq_status)g;
        m->group[k] = g;
    }
    return TQ_OK;
}

/* Read a mapping file `code,group[,group_name[,tradable]]` over the codes of ds
 * (regions if sectors == 0). Groups are numbered in order of first appearance. */
static tq_status map_read(tq_context *ctx, agg_map *m, const char *path, const tq_dataset *ds, int sectors)
{
    static const char *const want[] = {"code", "group"};
    const char *kind = sectors ? "sector" : "region";
    int n = sectors ? tq_dataset_sectors(ds) : tq_dataset_regions(ds);
    long *line_of = NULL;
    tq__index gix;
    int gix_ok = 0;
    tq__csv c;
    int col[2] = {0, 0};
    int r;

    memset(m, 0, sizeof *m);
    m->n_from = n;
    m->group = tq__calloc(ctx, (size_t)n, sizeof *m->group);
    line_of = tq__calloc(ctx, (size_t)n, sizeof *line_of);
    if (!m->group || !line_of) {
        tq__free(ctx, line_of);
        return TQ_ERR_NOMEM;
    }
    tq_status st = tq__csv_open(ctx, &c, path, ',');
    if (st) {
        tq__free(ctx, line_of);
        return st;
    }
    st = tq__csv_read_header(&c, want, 2, col);
    int cname = st ? -1 : tq__csv_col(&c, "group_name");
    int ctrad = (st || !sectors) ? -1 : tq__csv_col(&c, "tradable");
    if (!st) {
        st = tq__index_init(ctx, &gix, 64);
        gix_ok = (st == TQ_OK);
    }
    int need = col[0] > col[1] ? col[0] + 1 : col[1] + 1;
    while (!st && (r = tq__csv_next(&c)) != 0) {
        if (r < 0) {
            st = (tq_status)r;
            break;
        }
        /* optional columns may be left off the end of a row; a field the header does not
         * name may not be added */
        if ((st = tq__csv_need(&c, need)) || (c.nfields > c.nheader && (st = tq__csv_exact(&c, c.nheader))))
            break;
        const char *code = tq__csv_str(&c, col[0]);
        const char *grp = tq__csv_str(&c, col[1]);
        int k = sectors ? tq_dataset_find_sector(ds, code) : tq_dataset_find_region(ds, code);
        if (k < 0) {
            st = tq__csv_error(&c, TQ_ERR_NOT_FOUND, col[0], "unknown %s code '%s' (not in the dataset)", kind, code);
            break;
        }
        if (line_of[k]) {
            st = tq__csv_error(&c, TQ_ERR_INVALID, col[0], "%s '%s' is mapped twice (also on line %ld)", kind, code,
                               line_of[k]);
            break;
        }
        if (!grp || !*grp) {
            st = tq__csv_error(&c, TQ_ERR_PARSE, col[1], "empty group for %s '%s'", kind, code);
            break;
        }
        int g = tq__index_get(&gix, grp);
        if (g < 0) {
            g = map_add_group(ctx, m, grp);
            if (g < 0) {
                st = (tq_status)g;
                break;
            }
            if ((st = tq__index_put(&gix, grp, g)) != TQ_OK) {
                st = tq__error(ctx, st, c.path, c.line, "group", "cannot index group '%s'", grp);
                break;
            }
        }
        m->group[k] = g;
        line_of[k] = c.line;
        if (cname >= 0 && cname < c.nfields) {
            const char *nm = tq__csv_str(&c, cname);
            if (nm && *nm) {
                if (!m->gname[g]) {
                    m->gname[g] = tq__strdup(ctx, nm);
                    if (!m->gname[g]) {
                        st = TQ_ERR_NOMEM;
                        break;
                    }
                } else if (strcmp(m->gname[g], nm) != 0) {
                    st = tq__csv_error(&c, TQ_ERR_INVALID, cname, "group '%s' is named '%s' here but '%s' before", grp,
                                       nm, m->gname[g]);
                    break;
                }
            }
        }
        if (ctrad >= 0 && ctrad < c.nfields) {
            const char *tv = tq__csv_str(&c, ctrad);
            if (tv && *tv) {
                long t;
                if ((st = tq__csv_int(&c, ctrad, &t)))
                    break;
                if (t != 0 && t != 1) {
                    st = tq__csv_error(&c, TQ_ERR_INVALID, ctrad, "tradable must be 0 or 1, not %ld", t);
                    break;
                }
                if (m->tradable[g] >= 0 && m->tradable[g] != (int)t) {
                    st = tq__csv_error(&c, TQ_ERR_INVALID, ctrad, "group '%s' is tradable=%ld here but %d before", grp,
                                       t, m->tradable[g]);
                    break;
                }
                m->tradable[g] = (int)t;
            }
        }
    }
    if (!st) {
        for (int k = 0; k < n; k++)
            if (!line_of[k]) {
                const char *code = sectors ? tq_dataset_sector_code(ds, k) : tq_dataset_region_code(ds, k);
                st = tq__error(ctx, TQ_ERR_INVALID, c.path, c.line > 0 ? c.line : 1, "code",
                               "%s '%s' is not mapped: every %s of the dataset needs a row", kind, code ? code : "?",
                               kind);
                break;
            }
    }
    if (gix_ok)
        tq__index_free(&gix);
    tq__free(ctx, line_of);
    tq__csv_close(&c);
    return st;
}

/* Label of group g: the group_name column, else the single member's own name when the
 * group keeps the member's code, else the code. */
static const char *group_label(const agg_map *m, int g, const char *(*code)(const tq_dataset *, int),
                               const char *(*name)(const tq_dataset *, int), const tq_dataset *ds)
{
    if (m->gname[g])
        return m->gname[g];
    int members = 0, last = -1;
    for (int k = 0; k < m->n_from; k++)
        if (m->group[k] == g) {
            members++;
            last = k;
        }
    if (members == 1 && strcmp(code(ds, last), m->gcode[g]) == 0 && name(ds, last))
        return name(ds, last);
    return m->gcode[g];
}

/* Scratch for aggregate_year, allocated once for all years (n3 = N2*N2*J2, g3 =
 * N2*J2*J2, n2j2 = N2*J2). */
typedef struct agg_scratch {
    double *cnt;    /* [max(n3, g3)] member counts for simple means */
    double *tz;     /* [n3] sum t Z */
    double *tsum;   /* [n3] sum t */
    double *Y2;     /* [n2j2] group output */
    double *I2;     /* [N2] group income */
    double *bmean;  /* [n2j2] */
    double *gmean;  /* [g3] */
    double *nmem;   /* [n2j2] */
    double *amean;  /* [n2j2] */
    double *rcount; /* [N2] */
} agg_scratch;

static void scratch_free(tq_context *ctx, agg_scratch *w)
{
    double **p[] = {&w->cnt, &w->tz, &w->tsum, &w->Y2, &w->I2, &w->bmean, &w->gmean, &w->nmem, &w->amean, &w->rcount};
    for (size_t k = 0; k < sizeof p / sizeof p[0]; k++) {
        tq__free(ctx, *p[k]);
        *p[k] = NULL;
    }
}

static tq_status scratch_alloc(tq_context *ctx, agg_scratch *w, int N2, int J2)
{
    const size_t n2j2 = (size_t)N2 * (size_t)J2, n3 = n2j2 * (size_t)N2, g3 = n2j2 * (size_t)J2;
    memset(w, 0, sizeof *w);
    w->cnt = tq__calloc(ctx, n3 > g3 ? n3 : g3, sizeof(double));
    w->tz = tq__calloc(ctx, n3, sizeof(double));
    w->tsum = tq__calloc(ctx, n3, sizeof(double));
    w->Y2 = tq__calloc(ctx, n2j2, sizeof(double));
    w->I2 = tq__calloc(ctx, (size_t)N2, sizeof(double));
    w->bmean = tq__calloc(ctx, n2j2, sizeof(double));
    w->gmean = tq__calloc(ctx, g3, sizeof(double));
    w->nmem = tq__calloc(ctx, n2j2, sizeof(double));
    w->amean = tq__calloc(ctx, n2j2, sizeof(double));
    w->rcount = tq__calloc(ctx, (size_t)N2, sizeof(double));
    if (!w->cnt || !w->tz || !w->tsum || !w->Y2 || !w->I2 || !w->bmean || !w->gmean || !w->nmem || !w->amean ||
        !w->rcount) {
        scratch_free(ctx, w);
        return TQ_ERR_NOMEM;
    }
    return TQ_OK;
}

/* Aggregate year y of ds (whose derived arrays are current: tq_dataset_derive) into out. */
static tq_status aggregate_year(tq_context *ctx, const tq_dataset *ds, int y, const agg_map *rm, const agg_map *sm,
                                tq_dataset *out, agg_scratch *w)
{
    const int N = ds->N, J = ds->J, N2 = rm->n_groups, J2 = sm->n_groups;
    const double *Z = tq_dataset_array_const(ds, TQ_Z, y, NULL);
    const double *t = tq_dataset_array_const(ds, TQ_TARIFF, y, NULL);
    const double *gamma = tq_dataset_array_const(ds, TQ_GAMMA, y, NULL);
    const double *beta = tq_dataset_array_const(ds, TQ_BETA, y, NULL);
    const double *alpha = tq_dataset_array_const(ds, TQ_ALPHA, y, NULL);
    const double *VA = tq_dataset_array_const(ds, TQ_VA, y, NULL);
    const double *D = tq_dataset_array_const(ds, TQ_DEFICIT, y, NULL);
    double *Z2 = tq_dataset_array(out, TQ_Z, y, NULL);
    double *t2 = tq_dataset_array(out, TQ_TARIFF, y, NULL);
    double *gamma2 = tq_dataset_array(out, TQ_GAMMA, y, NULL);
    double *beta2 = tq_dataset_array(out, TQ_BETA, y, NULL);
    double *alpha2 = tq_dataset_array(out, TQ_ALPHA, y, NULL);
    double *VA2 = tq_dataset_array(out, TQ_VA, y, NULL);
    double *D2 = tq_dataset_array(out, TQ_DEFICIT, y, NULL);
    if (!Z || !t || !gamma || !beta || !alpha || !VA || !D || !Z2 || !t2 || !gamma2 || !beta2 || !alpha2 || !VA2 || !D2)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, NULL, "aggregate: dataset arrays missing");

    const size_t N2J2 = (size_t)N2 * (size_t)J2;
    const size_t n3 = N2J2 * (size_t)N2, g3 = N2J2 * (size_t)J2;
    /* Gross output and income from the derived arrays (MODEL.md: Y[i,j] = sum_n Z[n,i,j],
     * I = VA + R + D). */
    const double *Y = tq_dataset_array_const(ds, TQ_Y, y, NULL);
    const double *I = tq_dataset_array_const(ds, TQ_I, y, NULL);
    double *cnt = w->cnt, *Y2 = w->Y2, *I2 = w->I2;
    memset(cnt, 0, (n3 > g3 ? n3 : g3) * sizeof *cnt);
    memset(Y2, 0, N2J2 * sizeof *Y2);
    memset(I2, 0, (size_t)N2 * sizeof *I2);

    /* Flows and trade-weighted tariffs: Z2 = sum Z, t2 = sum t Z / sum Z, else the
     * simple mean of the members' rates (no trade to weight by). */
    memset(Z2, 0, n3 * sizeof *Z2);
    memset(t2, 0, n3 * sizeof *t2);
    double *tz = w->tz, *tsum = w->tsum;
    memset(tz, 0, n3 * sizeof *tz);
    memset(tsum, 0, n3 * sizeof *tsum);
    for (int n = 0; n < N; n++)
        for (int i = 0; i < N; i++)
            for (int j = 0; j < J; j++) {
                size_t a = TQ_NIJ(N, J, n, i, j);
                size_t b = TQ_NIJ(N2, J2, rm->group[n], rm->group[i], sm->group[j]);
                Z2[b] += Z[a];
                tz[b] += t[a] * Z[a];
                tsum[b] += t[a];
                cnt[b] += 1.0;
            }
    for (size_t b = 0; b < n3; b++)
        t2[b] = Z2[b] > 0.0 ? tz[b] / Z2[b] : (cnt[b] > 0.0 ? tsum[b] / cnt[b] : 0.0);
    /* Trade between members of a group becomes the group's domestic trade, which bears no
     * tariff (the data contract's t[n,n,j] = 0; only a source's own aggregate, such as
     * WIOD's ROW, keeps one, docs/formats/kite.md). The
     * tariffs the members paid each other, tz on the diagonal, are kept as values: they
     * become part of the flow's value and of the group's value added instead of tariff
     * revenue, so output, income I = VA + R + D and spending are all unchanged. */
    for (int g = 0; g < N2; g++)
        for (int s = 0; s < J2; s++) {
            size_t b = TQ_NIJ(N2, J2, g, g, s);
            Z2[b] += tz[b];
            t2[b] = 0.0;
        }

    /* Value added, deficits and income are sums. D needs no recomputation: each member's
     * D counts its trade with the other members both ways, so those terms cancel in the
     * sum and sum D = the group's deficit with the outside world (docs/aggregation.md). */
    memset(VA2, 0, (size_t)N2 * sizeof *VA2);
    memset(D2, 0, (size_t)N2 * sizeof *D2);
    for (int n = 0; n < N; n++) {
        int g = rm->group[n];
        VA2[g] += VA[n];
        D2[g] += D[n];
        I2[g] += I[n];
    }
    for (int n = 0; n < N; n++)
        for (int j = 0; j < J; j++)
            Y2[TQ_NJ(J2, rm->group[n], sm->group[j])] += Y[TQ_NJ(J, n, j)];

    /* Input-output shares from values: intermediate purchases gamma*Y and value added
     * beta*Y, divided by the group's output. Where a group has no output, the simple mean
     * of the members' shares keeps cost shares summing to one. */
    memset(gamma2, 0, g3 * sizeof *gamma2);
    memset(beta2, 0, N2J2 * sizeof *beta2);
    memset(cnt, 0, g3 * sizeof *cnt);
    double *bmean = w->bmean, *gmean = w->gmean, *nmem = w->nmem;
    memset(bmean, 0, N2J2 * sizeof *bmean);
    memset(gmean, 0, g3 * sizeof *gmean);
    memset(nmem, 0, N2J2 * sizeof *nmem);
    for (int n = 0; n < N; n++) {
        int g = rm->group[n];
        for (int j = 0; j < J; j++) {
            int s = sm->group[j];
            double yj = Y[TQ_NJ(J, n, j)];
            size_t c2 = TQ_NJ(J2, g, s);
            beta2[c2] += beta[TQ_NJ(J, n, j)] * yj;
            bmean[c2] += beta[TQ_NJ(J, n, j)];
            nmem[c2] += 1.0;
            for (int k = 0; k < J; k++) {
                double gk = gamma[TQ_NKJ(J, n, k, j)];
                size_t b = TQ_NKJ(J2, g, sm->group[k], s);
                gamma2[b] += gk * yj;
                gmean[b] += gk;
            }
        }
    }
    /* the tariffs paid inside a group: output and value added of the selling sector */
    for (int g = 0; g < N2; g++)
        for (int s = 0; s < J2; s++) {
            const double r = tz[TQ_NIJ(N2, J2, g, g, s)];
            Y2[TQ_NJ(J2, g, s)] += r;
            beta2[TQ_NJ(J2, g, s)] += r;
            VA2[g] += r;
        }
    for (int g = 0; g < N2; g++)
        for (int s = 0; s < J2; s++) {
            size_t c2 = TQ_NJ(J2, g, s);
            double y2 = Y2[c2];
            if (y2 > 0.0) {
                beta2[c2] /= y2;
                for (int k = 0; k < J2; k++)
                    gamma2[TQ_NKJ(J2, g, k, s)] /= y2;
            } else {
                double m = nmem[c2] > 0.0 ? nmem[c2] : 1.0;
                beta2[c2] = bmean[c2] / m;
                for (int k = 0; k < J2; k++)
                    gamma2[TQ_NKJ(J2, g, k, s)] = gmean[TQ_NKJ(J2, g, k, s)] / m;
            }
        }

    /* Final-demand shares from final spending alpha*I (I spent on final goods), else the
     * simple mean where a group has no income. */
    memset(alpha2, 0, N2J2 * sizeof *alpha2);
    memset(nmem, 0, N2J2 * sizeof *nmem);
    double *amean = w->amean, *rcount = w->rcount;
    memset(amean, 0, N2J2 * sizeof *amean);
    memset(rcount, 0, (size_t)N2 * sizeof *rcount);
    for (int n = 0; n < N; n++) {
        int g = rm->group[n];
        rcount[g] += 1.0;
        for (int j = 0; j < J; j++) {
            size_t c2 = TQ_NJ(J2, g, sm->group[j]);
            alpha2[c2] += alpha[TQ_NJ(J, n, j)] * I[n];
            amean[c2] += alpha[TQ_NJ(J, n, j)];
        }
    }
    for (int g = 0; g < N2; g++)
        for (int s = 0; s < J2; s++) {
            size_t c2 = TQ_NJ(J2, g, s);
            if (I2[g] != 0.0)
                alpha2[c2] /= I2[g];
            else
                alpha2[c2] = amean[c2] / (rcount[g] > 0.0 ? rcount[g] : 1.0);
        }
    return TQ_OK;
}

/* theta of each sector group, weighted by the trade that stays international after the
 * regions are grouped (summed over years); with no such trade by gross output; with no
 * output either, the simple mean. */
static void aggregate_theta(const tq_dataset *ds, const agg_map *rm, const agg_map *sm, double *theta2)
{
    const int N = ds->N, J = ds->J, J2 = sm->n_groups;
    const double *theta = ds->theta;
    for (int s = 0; s < J2; s++) {
        double w_int = 0.0, tw_int = 0.0, w_all = 0.0, tw_all = 0.0, sum = 0.0, cnt = 0.0;
        for (int j = 0; j < J; j++) {
            if (sm->group[j] != s)
                continue;
            double trade = 0.0, all = 0.0;
            for (int y = 0; y < ds->Y; y++) {
                const double *Z = tq_dataset_array_const(ds, TQ_Z, y, NULL);
                for (int n = 0; n < N; n++)
                    for (int i = 0; i < N; i++) {
                        double z = Z[TQ_NIJ(N, J, n, i, j)];
                        all += z;
                        if (rm->group[n] != rm->group[i])
                            trade += z;
                    }
            }
            w_int += trade;
            tw_int += theta[j] * trade;
            w_all += all;
            tw_all += theta[j] * all;
            sum += theta[j];
            cnt += 1.0;
        }
        if (w_int > 0.0)
            theta2[s] = tw_int / w_int;
        else if (w_all > 0.0)
            theta2[s] = tw_all / w_all;
        else
            theta2[s] = cnt > 0.0 ? sum / cnt : 1.0;
    }
}

static const char *rcode_of(const tq_dataset *ds, int k)
{
    return tq_dataset_region_code(ds, k);
}
static const char *rname_of(const tq_dataset *ds, int k)
{
    return tq_dataset_region_name(ds, k);
}
static const char *scode_of(const tq_dataset *ds, int k)
{
    return tq_dataset_sector_code(ds, k);
}
static const char *sname_of(const tq_dataset *ds, int k)
{
    return tq_dataset_sector_name(ds, k);
}

/* Last path component without extension, for the new dataset's name. */
static void map_stem(const char *path, char *out, size_t n)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t m = strcspn(b, ".");
    if (m >= n)
        m = n - 1;
    memcpy(out, b, m);
    out[m] = '\0';
}

/* Carry the dataset's named groups over: a group survives when it is a union of whole
 * new regions (sectors), e.g. "EU28" after merging its members into one region, or
 * "autos" when the sectors are not aggregated; other groups are dropped. */
static tq_status carry_groups(tq_context *ctx, const tq_dataset *ds, const agg_map *rm, const agg_map *sm,
                              tq_dataset *nd)
{
    int cap = ds->N > ds->J ? ds->N : ds->J;
    int *mem = tq__malloc(ctx, sizeof(int) * (size_t)cap);
    unsigned char *in = tq__malloc(ctx, (size_t)cap), *hit = tq__malloc(ctx, (size_t)cap);
    tq_status st = (mem && in && hit) ? TQ_OK : TQ_ERR_NOMEM;
    for (int g = 0; g < ds->ngroups && !st; g++) {
        const tq__group *gr = &ds->groups[g];
        const agg_map *m = gr->kind == TQ_GROUP_REGION ? rm : sm;
        memset(in, 0, (size_t)m->n_from);
        memset(hit, 0, (size_t)m->n_groups);
        for (int k = 0; k < gr->count; k++) {
            in[gr->members[k]] = 1;
            hit[m->group[gr->members[k]]] = 1;
        }
        int whole = 1;
        for (int k = 0; k < m->n_from && whole; k++)
            if (hit[m->group[k]] && !in[k])
                whole = 0;
        if (!whole)
            continue;
        int n = 0;
        for (int q = 0; q < m->n_groups; q++)
            if (hit[q])
                mem[n++] = q;
        st = tq_dataset_add_group(nd, (tq_group_kind)gr->kind, gr->name, mem, n);
    }
    tq__free(ctx, mem);
    tq__free(ctx, in);
    tq__free(ctx, hit);
    return st;
}

tq_status tq_dataset_aggregate(tq_context *ctx, const tq_dataset *ds, const char *region_map, const char *sector_map,
                               tq_dataset **out)
{
    agg_map rm, sm;
    tq_dataset *nd = NULL;
    agg_scratch w = {0};
    tq_status st;

    if (!ctx)
        return TQ_ERR_INVALID;
    if (!ds || !out)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, NULL, "tq_dataset_aggregate: NULL argument");
    *out = NULL;
    memset(&rm, 0, sizeof rm);
    memset(&sm, 0, sizeof sm);

    st = region_map ? map_read(ctx, &rm, region_map, ds, 0) : map_identity(ctx, &rm, ds->N, rcode_of, ds);
    if (!st)
        st = sector_map ? map_read(ctx, &sm, sector_map, ds, 1) : map_identity(ctx, &sm, ds->J, scode_of, ds);
    if (st)
        goto done;

    const int N2 = rm.n_groups, J2 = sm.n_groups;
    if ((st = tq_dataset_new(ctx, N2, J2, ds->Y, &nd)))
        goto done;
    for (int g = 0; g < N2 && !st; g++)
        st = tq_dataset_set_region(nd, g, rm.gcode[g], group_label(&rm, g, rcode_of, rname_of, ds));
    for (int s = 0; s < J2 && !st; s++) {
        int trad = sm.tradable[s];
        if (trad < 0) { /* not given: tradable if any member is */
            trad = 0;
            for (int j = 0; j < ds->J; j++)
                if (sm.group[j] == s && tq_dataset_sector_tradable(ds, j))
                    trad = 1;
        }
        st = tq_dataset_set_sector(nd, s, sm.gcode[s], group_label(&sm, s, scode_of, sname_of, ds), trad);
    }
    for (int y = 0; y < ds->Y && !st; y++)
        st = tq_dataset_set_year(nd, y, tq_dataset_year(ds, y));
    if (!st) {
        char name[256], source[1024], rs[96] = "", ss[96] = "";
        if (region_map)
            map_stem(region_map, rs, sizeof rs);
        if (sector_map)
            map_stem(sector_map, ss, sizeof ss);
        const char *dn = tq_dataset_name(ds) ? tq_dataset_name(ds) : "dataset";
        snprintf(name, sizeof name, "%s%s%s%s%s", dn, *rs ? "+" : "", rs, *ss ? "+" : "", ss);
        snprintf(source, sizeof source, "%s; aggregated to %d regions x %d sectors%s%s%s%s",
                 tq_dataset_source(ds) ? tq_dataset_source(ds) : "", N2, J2, region_map ? " by " : "",
                 region_map ? region_map : "", sector_map ? " and " : "", sector_map ? sector_map : "");
        st = tq_dataset_set_name(nd, name, source);
    }
    if (st)
        goto done;
    tq_dataset_set_has_io(nd, tq_dataset_has_io(ds));

    if ((st = scratch_alloc(ctx, &w, N2, J2)))
        goto done;
    for (int y = 0; y < ds->Y; y++) {
        if ((st = tq__progress(ctx, "aggregate", (double)y / ds->Y)))
            goto done;
        if ((st = aggregate_year(ctx, ds, y, &rm, &sm, nd, &w)))
            goto done;
    }
    aggregate_theta(ds, &rm, &sm, tq_dataset_array(nd, TQ_THETA, 0, NULL));
    if ((st = carry_groups(ctx, ds, &rm, &sm, nd)) || (st = tq_dataset_derive(ctx, nd)))
        goto done;
    st = tq__progress(ctx, "aggregate", 1.0);

done:
    scratch_free(ctx, &w);
    map_free(ctx, &rm);
    map_free(ctx, &sm);
    if (st) {
        tq_dataset_free(nd);
        return st;
    }
    *out = nd;
    return TQ_OK;
}
