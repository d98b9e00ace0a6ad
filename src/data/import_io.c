/* The base-year update: a flows-only dataset gets input-output technology carried over
 * from a reference dataset that has it (docs/io-bridge.md).
 *
 * For each year and region n of the target, with reference region r = region_map(n):
 *   intermediate use M_r[k,j] = gamma_r[k,j] Y_r[j] and value added V_r[j] = beta_r[j] Y_r[j]
 *   of the reference's last (or given) year are carried to the target's sectors through the
 *   sector concordance: a reference sector mapped to m target sectors gives each of them
 *   1/m of its column (so each inherits its cost shares) and splits its row (as an input)
 *   among them in proportion to the target region's spending XJ[n,a] that year; columns
 *   of reference sectors mapped to the same target sector add up (weighted by the
 *   reference's output). The target's shares are the mapped values over their column sum:
 *   gamma[n,a,b] = M[a,b] / C[b], beta[n,b] = V[b] / C[b], so beta + sum gamma = 1.
 *   Where the reference region produces none of a target sector's reference sectors, the
 *   reference world's total (sum over regions) stands in.
 * Then the target's own observed trade, output and absorption decide the rest through
 * tq_dataset_rebalance: final demand = absorption - intermediate use, negative final
 * demand moved to value added by that function's documented rule, VA, D and alpha
 * re-derived, so that the data contract (E0) holds exactly. */
#include "dataset.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void copy_code(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

static int max_col(const int *col, int n)
{
    int m = 0;
    for (int k = 0; k < n; k++)
        if (col[k] > m)
            m = col[k];
    return m;
}

/* Sector concordance: header `reference,target` (other columns ignored); w[jr * Jt + jt]
 * set to 1 for each pair. Every reference sector must map somewhere and every target
 * sector must receive at least one reference sector. */
static tq_status read_sector_map(tq_context *ctx, const char *path, const tq_dataset *ref, const tq_dataset *tg,
                                 unsigned char *w)
{
    static const char *const want[] = {"reference", "target"};
    int col[2];
    tq__csv c;
    tq_status st = tq__csv_open(ctx, &c, path, ',');
    if (st)
        return st;
    if ((st = tq__csv_read_header(&c, want, 2, col))) {
        tq__csv_close(&c);
        return st;
    }
    const int Jt = tg->J, Jr = ref->J;
    int rc;
    while ((rc = tq__csv_next(&c)) > 0) {
        if ((st = tq__csv_need(&c, max_col(col, 2) + 1)))
            break;
        const char *a = tq__csv_str(&c, col[0]), *b = tq__csv_str(&c, col[1]);
        int jr = tq_dataset_find_sector(ref, a), jt = tq_dataset_find_sector(tg, b);
        if (jr < 0) {
            st = tq__csv_error(&c, TQ_ERR_NOT_FOUND, col[0], "sector '%s' is not in reference dataset '%s'", a,
                               tq_dataset_name(ref));
            break;
        }
        if (jt < 0) {
            st = tq__csv_error(&c, TQ_ERR_NOT_FOUND, col[1], "sector '%s' is not in target dataset '%s'", b,
                               tq_dataset_name(tg));
            break;
        }
        w[(size_t)jr * Jt + jt] = 1;
    }
    if (rc < 0 && !st)
        st = (tq_status)rc;
    tq__csv_close(&c);
    if (st)
        return st;
    for (int jr = 0; jr < Jr; jr++) {
        int m = 0;
        for (int jt = 0; jt < Jt; jt++)
            m += w[(size_t)jr * Jt + jt];
        if (!m)
            return tq__error(ctx, TQ_ERR_INVALID, path, 0, "reference",
                             "reference sector '%s' is mapped to no target sector", ref->scode[jr]);
    }
    for (int jt = 0; jt < Jt; jt++) {
        int m = 0;
        for (int jr = 0; jr < Jr; jr++)
            m += w[(size_t)jr * Jt + jt];
        if (!m)
            return tq__error(ctx, TQ_ERR_INVALID, path, 0, "target", "target sector '%s' receives no reference sector",
                             tg->scode[jt]);
    }
    return TQ_OK;
}

/* Region concordance: header `region,reference` (other columns ignored); region `*`
 * names the stand-in of every target region not listed. Each target region once. */
static tq_status read_region_map(tq_context *ctx, const char *path, const tq_dataset *ref, const tq_dataset *tg,
                                 int *rmap)
{
    static const char *const want[] = {"region", "reference"};
    int col[2];
    tq__csv c;
    tq_status st = tq__csv_open(ctx, &c, path, ',');
    if (st)
        return st;
    if ((st = tq__csv_read_header(&c, want, 2, col))) {
        tq__csv_close(&c);
        return st;
    }
    int dflt = -1, rc;
    for (int n = 0; n < tg->N; n++)
        rmap[n] = -1;
    while ((rc = tq__csv_next(&c)) > 0) {
        if ((st = tq__csv_need(&c, max_col(col, 2) + 1)))
            break;
        const char *a = tq__csv_str(&c, col[0]), *b = tq__csv_str(&c, col[1]);
        int r = tq_dataset_find_region(ref, b);
        if (r < 0) {
            st = tq__csv_error(&c, TQ_ERR_NOT_FOUND, col[1], "region '%s' is not in reference dataset '%s'", b,
                               tq_dataset_name(ref));
            break;
        }
        if (!strcmp(a, "*")) {
            dflt = r;
            continue;
        }
        int n = tq_dataset_find_region(tg, a);
        if (n < 0) {
            st = tq__csv_error(&c, TQ_ERR_NOT_FOUND, col[0], "region '%s' is not in target dataset '%s'", a,
                               tq_dataset_name(tg));
            break;
        }
        if (rmap[n] >= 0) {
            st = tq__csv_error(&c, TQ_ERR_INVALID, col[0], "region '%s' is mapped twice", a);
            break;
        }
        rmap[n] = r;
    }
    if (rc < 0 && !st)
        st = (tq_status)rc;
    tq__csv_close(&c);
    if (st)
        return st;
    for (int n = 0; n < tg->N; n++) {
        if (rmap[n] >= 0)
            continue;
        if (dflt < 0)
            return tq__error(ctx, TQ_ERR_INVALID, path, 0, "region",
                             "target region '%s' is not mapped (and no '*' row names a stand-in)", tg->rcode[n]);
        rmap[n] = dflt;
    }
    return TQ_OK;
}

/* Reference intermediate use M[k * Jr + j] and value added V[j] of region r (r < 0: the
 * sum over all regions) in reference year index ry. */
static void reference_values(const tq_dataset *ref, int ry, int r, double *M, double *V)
{
    const int N = ref->N, J = ref->J;
    const double *gamma = tq_dataset_array_const(ref, TQ_GAMMA, ry, NULL);
    const double *beta = tq_dataset_array_const(ref, TQ_BETA, ry, NULL);
    const double *Yo = tq_dataset_array_const(ref, TQ_Y, ry, NULL);
    memset(M, 0, sizeof(double) * (size_t)J * (size_t)J);
    memset(V, 0, sizeof(double) * (size_t)J);
    for (int n = 0; n < N; n++) {
        if (r >= 0 && n != r)
            continue;
        for (int j = 0; j < J; j++) {
            double y = Yo[TQ_NJ(J, n, j)];
            V[j] += beta[TQ_NJ(J, n, j)] * y;
            for (int k = 0; k < J; k++)
                M[(size_t)k * J + j] += gamma[TQ_NKJ(J, n, k, j)] * y;
        }
    }
}

tq_status tq_dataset_import_io(tq_context *ctx, tq_dataset *target, const tq_dataset *reference, int ref_year,
                               const char *sector_map, const char *region_map, tq_io_import_row **rows, int *count)
{
    if (!target || !reference || !sector_map || !region_map)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, NULL, "tq_dataset_import_io: NULL argument");
    if (rows)
        *rows = NULL;
    if (count)
        *count = 0;
    if (!tq_dataset_has_io(reference))
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, NULL,
                         "reference dataset '%s' has no input-output coefficients to carry over",
                         tq_dataset_name(reference));
    const int ry = ref_year < 0 ? reference->Y - 1 : ref_year;
    if (ry < 0 || ry >= reference->Y)
        return tq__error(ctx, TQ_ERR_NOT_FOUND, NULL, 0, NULL, "reference year index %d out of range", ref_year);
    const int Nt = target->N, Jt = target->J, Jr = reference->J, Yn = target->Y;
    tq_status st = TQ_ERR_NOMEM;
    unsigned char *w = tq__calloc(ctx, (size_t)Jr * Jt, 1);
    int *rmap = tq__calloc(ctx, (size_t)Nt, sizeof *rmap);
    int *mult = tq__calloc(ctx, (size_t)Jr, sizeof *mult);
    double *M = tq__calloc(ctx, (size_t)Jr * Jr, sizeof *M), *V = tq__calloc(ctx, (size_t)Jr, sizeof *V);
    double *Mw = tq__calloc(ctx, (size_t)Jr * Jr, sizeof *Mw), *Vw = tq__calloc(ctx, (size_t)Jr, sizeof *Vw);
    double *split = tq__calloc(ctx, (size_t)Jr * Jt, sizeof *split);
    double *col = tq__calloc(ctx, (size_t)Jt, sizeof *col);
    int *fallback = tq__calloc(ctx, (size_t)Nt * Yn, sizeof *fallback);
    tq_io_import_row *out = tq__calloc(ctx, (size_t)Nt * Yn, sizeof *out);
    if (!w || !rmap || !mult || !M || !V || !Mw || !Vw || !split || !col || !fallback || !out)
        goto done;
    if ((st = read_sector_map(ctx, sector_map, reference, target, w)) ||
        (st = read_region_map(ctx, region_map, reference, target, rmap)) || (st = tq_dataset_derive(ctx, target)))
        goto done;
    for (int jr = 0; jr < Jr; jr++)
        for (int jt = 0; jt < Jt; jt++)
            mult[jr] += w[(size_t)jr * Jt + jt];
    reference_values(reference, ry, -1, Mw, Vw);

    for (int y = 0; y < Yn; y++) {
        double *gamma = tq_dataset_array(target, TQ_GAMMA, y, NULL);
        double *beta = tq_dataset_array(target, TQ_BETA, y, NULL);
        const double *XJ = tq_dataset_array_const(target, TQ_XJ, y, NULL);
        int last_r = -2;
        for (int n = 0; n < Nt; n++) {
            const int r = rmap[n];
            if (r != last_r) {
                reference_values(reference, ry, r, M, V);
                last_r = r;
            }
            /* a reference input k split among its target sectors by n's spending */
            for (int k = 0; k < Jr; k++) {
                double tot = 0;
                for (int a = 0; a < Jt; a++)
                    if (w[(size_t)k * Jt + a])
                        tot += XJ[TQ_NJ(Jt, n, a)];
                for (int a = 0; a < Jt; a++)
                    split[(size_t)k * Jt + a] =
                        !w[(size_t)k * Jt + a] ? 0.0 : (tot > 0 ? XJ[TQ_NJ(Jt, n, a)] / tot : 1.0 / mult[k]);
            }
            for (int b = 0; b < Jt; b++) {
                /* the region's own technology, else the reference world's */
                for (int pass = 0; pass < 2; pass++) {
                    const double *Mp = pass ? Mw : M, *Vp = pass ? Vw : V;
                    double va = 0, total = 0;
                    memset(col, 0, sizeof(double) * (size_t)Jt);
                    for (int j = 0; j < Jr; j++) {
                        if (!w[(size_t)j * Jt + b])
                            continue;
                        const double share = 1.0 / mult[j];
                        va += share * Vp[j];
                        for (int k = 0; k < Jr; k++) {
                            const double v = share * Mp[(size_t)k * Jr + j];
                            if (v == 0)
                                continue;
                            for (int a = 0; a < Jt; a++)
                                col[a] += v * split[(size_t)k * Jt + a];
                        }
                    }
                    total = va;
                    for (int a = 0; a < Jt; a++)
                        total += col[a];
                    if (total > 0) {
                        for (int a = 0; a < Jt; a++)
                            gamma[TQ_NKJ(Jt, n, a, b)] = col[a] / total;
                        beta[TQ_NJ(Jt, n, b)] = va / total;
                        break;
                    }
                    if (pass) { /* the reference makes none of it anywhere: no inputs */
                        for (int a = 0; a < Jt; a++)
                            gamma[TQ_NKJ(Jt, n, a, b)] = 0;
                        beta[TQ_NJ(Jt, n, b)] = 1;
                    } else {
                        fallback[(size_t)y * Nt + n]++;
                    }
                }
            }
        }
    }

    /* what the reconciliation will move: intermediate use above absorption, per region */
    for (int y = 0; y < Yn; y++) {
        const double *gamma = tq_dataset_array_const(target, TQ_GAMMA, y, NULL);
        const double *XJ = tq_dataset_array_const(target, TQ_XJ, y, NULL);
        const double *Yo = tq_dataset_array_const(target, TQ_Y, y, NULL);
        for (int n = 0; n < Nt; n++) {
            tq_io_import_row *row = &out[(size_t)y * Nt + n];
            row->year = target->year[y];
            copy_code(row->region, sizeof row->region, target->rcode[n]);
            copy_code(row->reference, sizeof row->reference, reference->rcode[rmap[n]]);
            row->fallback_sectors = fallback[(size_t)y * Nt + n];
            for (int j = 0; j < Jt; j++) {
                double use = 0;
                for (int k = 0; k < Jt; k++)
                    use += gamma[TQ_NKJ(Jt, n, j, k)] * Yo[TQ_NJ(Jt, n, k)];
                if (use > XJ[TQ_NJ(Jt, n, j)]) {
                    row->moved += use - XJ[TQ_NJ(Jt, n, j)];
                    row->sectors_clipped++;
                }
            }
        }
    }
    if ((st = tq_dataset_rebalance(ctx, target, -1, NULL)))
        goto done;
    target->has_io = 1;
    for (int y = 0; y < Yn; y++) {
        const double *I = tq_dataset_array_const(target, TQ_I, y, NULL);
        const double *VA = tq_dataset_array_const(target, TQ_VA, y, NULL);
        const double *Yo = tq_dataset_array_const(target, TQ_Y, y, NULL);
        for (int n = 0; n < Nt; n++) {
            tq_io_import_row *row = &out[(size_t)y * Nt + n];
            double go = 0;
            for (int j = 0; j < Jt; j++)
                go += Yo[TQ_NJ(Jt, n, j)];
            row->final_demand = I[n];
            row->moved_share = I[n] > 0 ? row->moved / I[n] : 0;
            row->va_share = go > 0 ? VA[n] / go : 0;
        }
    }
    st = TQ_OK;
    if (rows) {
        *rows = out;
        out = NULL;
    }
    if (count)
        *count = Nt * Yn;
done:
    tq__free(ctx, w);
    tq__free(ctx, rmap);
    tq__free(ctx, mult);
    tq__free(ctx, M);
    tq__free(ctx, V);
    tq__free(ctx, Mw);
    tq__free(ctx, Vw);
    tq__free(ctx, split);
    tq__free(ctx, col);
    tq__free(ctx, fallback);
    tq__free(ctx, out);
    return st;
}

void tq_io_import_free(tq_context *ctx, tq_io_import_row *rows)
{
    if (rows)
        tq__free(ctx, rows);
}

int tq_io_import_write_csv(const tq_io_import_row *rows, int n, void *file)
{
    FILE *f = file;
    int bad = fprintf(f, "year,region,reference,final_demand,moved,moved_share,sectors_clipped,fallback_sectors,"
                         "va_share\n") < 0;
    for (int k = 0; k < n && !bad; k++) {
        const tq_io_import_row *r = &rows[k];
        bad = fprintf(f, "%d,%s,%s,%.6g,%.6g,%.6g,%d,%d,%.6g\n", r->year, r->region, r->reference, r->final_demand,
                      r->moved, r->moved_share, r->sectors_clipped, r->fallback_sectors, r->va_share) < 0;
    }
    return bad ? -1 : 0;
}

int tq_io_import_year(const tq_io_import_row *rows, int n, int k, double *moved_share, int *worst)
{
    const int y = rows[k].year;
    double moved = 0, fd = 0;
    int e = k;
    *worst = k;
    for (; e < n && rows[e].year == y; e++) {
        moved += rows[e].moved;
        fd += rows[e].final_demand;
        if (rows[e].moved_share > rows[*worst].moved_share)
            *worst = e;
    }
    *moved_share = fd > 0 ? moved / fd : 0.0;
    return e - k;
}
