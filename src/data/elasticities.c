/* Named, cited sets of trade elasticities (docs/elasticities.md).
 *
 * A folder (data/elasticities/ of the embedded data) holds sets.csv (name, label, method,
 * citation, default_for) and one table per dataset, <dataset>.csv: a `sector` column of
 * sector codes and one column of theta per set. Sets are matched to a dataset's sectors by
 * code, so a table serves any dataset with the same sector codes (the embedded one, or a
 * copy of it); a dataset whose sectors the table lacks is refused, naming the sector. */
#include "dataset.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct eset {
    char *name, *label, *method, *citation;
    int is_default;
    int column; /* index into theta's columns; -1 if the dataset table has no column for it */
} eset;

struct tq_elasticities {
    tq_context *ctx;
    char *dataset;
    eset *sets;
    int nsets;
    int nsectors, ncols;
    char **sector; /* [nsectors] codes */
    double *theta; /* [nsectors][ncols] */
    char **colname;
};

void tq_elasticities_free(tq_elasticities *e)
{
    if (!e)
        return;
    tq_context *ctx = e->ctx;
    for (int k = 0; k < e->nsets; k++) {
        tq__free(ctx, e->sets[k].name);
        tq__free(ctx, e->sets[k].label);
        tq__free(ctx, e->sets[k].method);
        tq__free(ctx, e->sets[k].citation);
    }
    for (int s = 0; s < e->nsectors; s++)
        tq__free(ctx, e->sector[s]);
    for (int c = 0; c < e->ncols; c++)
        tq__free(ctx, e->colname[c]);
    tq__free(ctx, e->sets);
    tq__free(ctx, e->sector);
    tq__free(ctx, e->colname);
    tq__free(ctx, e->theta);
    tq__free(ctx, e->dataset);
    tq__free(ctx, e);
}

/* Whether the space- or semicolon-free word `name` is in the space-separated list. */
static int in_list(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        while (*p == ' ' || *p == ';')
            p++;
        size_t len = strcspn(p, " ;");
        if (len == n && strncmp(p, name, n) == 0)
            return 1;
        p += len;
    }
    return 0;
}

static tq_status read_sets(tq_context *ctx, tq_elasticities *e, const char *dir)
{
    tq__csv c;
    static const char *const want[] = {"name", "label", "method", "citation", "default_for"};
    int col[5];
    tq_status st = tq__csv_open_in(ctx, &c, dir, "sets.csv", "elasticity sets", NULL);
    if (st)
        return st;
    if ((st = tq__csv_read_header(&c, want, 5, col))) {
        tq__csv_close(&c);
        return st;
    }
    int cap = 0, r;
    while ((r = tq__csv_next(&c)) > 0) {
        if ((st = tq__csv_need(&c, 5)))
            break;
        if (e->nsets == cap) {
            int nc = cap ? 2 * cap : 16;
            eset *ns = tq__realloc(ctx, e->sets, sizeof(eset) * (size_t)nc);
            if (!ns) {
                st = TQ_ERR_NOMEM;
                break;
            }
            e->sets = ns;
            cap = nc;
        }
        eset *s = &e->sets[e->nsets];
        memset(s, 0, sizeof *s);
        e->nsets++;
        s->column = -1;
        s->name = tq__strdup(ctx, tq__csv_str(&c, col[0]));
        s->label = tq__strdup(ctx, tq__csv_str(&c, col[1]));
        s->method = tq__strdup(ctx, tq__csv_str(&c, col[2]));
        s->citation = tq__strdup(ctx, tq__csv_str(&c, col[3]));
        if (!s->name || !s->label || !s->method || !s->citation) {
            st = TQ_ERR_NOMEM;
            break;
        }
        if (!s->name[0]) {
            st = tq__csv_error(&c, TQ_ERR_PARSE, col[0], "an elasticity set needs a name");
            break;
        }
        for (int k = 0; k < e->nsets - 1; k++)
            if (!strcasecmp(e->sets[k].name, s->name)) {
                st = tq__csv_error(&c, TQ_ERR_PARSE, col[0], "elasticity set '%s' is listed twice", s->name);
                break;
            }
        if (st)
            break;
        s->is_default = e->dataset && in_list(tq__csv_str(&c, col[4]), e->dataset);
    }
    if (r < 0 && !st)
        st = (tq_status)r;
    tq__csv_close(&c);
    return st;
}

static tq_status read_table(tq_context *ctx, tq_elasticities *e, const char *dir)
{
    char name[300];
    snprintf(name, sizeof name, "%s.csv", e->dataset);
    tq__csv c;
    tq_status st = tq__csv_open_in(ctx, &c, dir, name, "elasticity table", NULL);
    if (st)
        return st;
    int r = tq__csv_next(&c);
    if (r <= 0) {
        st = r < 0 ? (tq_status)r : tq__error(ctx, TQ_ERR_PARSE, c.path, 0, NULL, "empty file");
        tq__csv_close(&c);
        return st;
    }
    if (c.nfields < 2 || strcmp(c.fields[0], "sector") != 0) {
        st = tq__error(ctx, TQ_ERR_PARSE, c.path, c.line, "sector",
                       "the header must be sector,<set>,<set>,... (one column of theta per set)");
        tq__csv_close(&c);
        return st;
    }
    const int ncols = c.nfields - 1;
    e->colname = tq__calloc(ctx, (size_t)ncols, sizeof(char *));
    if (!e->colname) {
        tq__csv_close(&c);
        return TQ_ERR_NOMEM;
    }
    e->ncols = ncols;
    for (int k = 0; k < ncols; k++)
        if (!(e->colname[k] = tq__strdup(ctx, c.fields[k + 1]))) {
            tq__csv_close(&c);
            return TQ_ERR_NOMEM;
        }
    int cap = 0;
    while ((r = tq__csv_next(&c)) > 0) {
        if ((st = tq__csv_exact(&c, ncols + 1)))
            break;
        if (e->nsectors == cap) {
            int nc = cap ? 2 * cap : 64;
            char **ns = tq__realloc(ctx, e->sector, sizeof(char *) * (size_t)nc);
            if (ns)
                e->sector = ns;
            double *nt = ns ? tq__realloc(ctx, e->theta, sizeof(double) * (size_t)nc * (size_t)ncols) : NULL;
            if (!nt) {
                st = TQ_ERR_NOMEM;
                break;
            }
            e->theta = nt;
            cap = nc;
        }
        const int s = e->nsectors;
        if (!(e->sector[s] = tq__strdup(ctx, c.fields[0]))) {
            st = TQ_ERR_NOMEM;
            break;
        }
        e->nsectors++;
        for (int k = 0; k < ncols && !st; k++) {
            double v;
            if ((st = tq__csv_double(&c, k + 1, &v)))
                break;
            if (!(v > 0) || !isfinite(v))
                st = tq__csv_error(&c, TQ_ERR_PARSE, k + 1, "a trade elasticity must be positive, not %g", v);
            e->theta[(size_t)s * ncols + k] = v;
        }
        if (st)
            break;
    }
    if (r < 0 && !st)
        st = (tq_status)r;
    tq__csv_close(&c);
    return st;
}

tq_status tq_elasticities_load(tq_context *ctx, const char *dir, const char *dataset, tq_elasticities **out)
{
    *out = NULL;
    if (!dir || !dataset || !dataset[0] || strchr(dataset, '/'))
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, NULL, "elasticities: a folder and a dataset name are needed");
    tq_elasticities *e = tq__calloc(ctx, 1, sizeof *e);
    if (!e)
        return TQ_ERR_NOMEM;
    e->ctx = ctx;
    if (!(e->dataset = tq__strdup(ctx, dataset))) {
        tq__free(ctx, e);
        return TQ_ERR_NOMEM;
    }
    tq_status st = read_sets(ctx, e, dir);
    if (!st)
        st = read_table(ctx, e, dir);
    for (int k = 0; !st && k < e->ncols; k++) {
        int found = -1;
        for (int s = 0; s < e->nsets; s++)
            if (!strcmp(e->sets[s].name, e->colname[k]))
                found = s;
        if (found < 0)
            st = tq__error(ctx, TQ_ERR_PARSE, NULL, 0, e->colname[k],
                           "elasticities: column '%s' of %s.csv is not a set listed in sets.csv (every set needs "
                           "its citation)",
                           e->colname[k], dataset);
        else
            e->sets[found].column = k;
    }
    if (st) {
        tq_elasticities_free(e);
        return st;
    }
    /* keep only the sets this dataset has a column for, in sets.csv's order */
    int kept = 0;
    for (int s = 0; s < e->nsets; s++) {
        if (e->sets[s].column >= 0) {
            e->sets[kept++] = e->sets[s];
        } else {
            tq__free(ctx, e->sets[s].name);
            tq__free(ctx, e->sets[s].label);
            tq__free(ctx, e->sets[s].method);
            tq__free(ctx, e->sets[s].citation);
        }
    }
    e->nsets = kept;
    *out = e;
    return TQ_OK;
}

int tq_elasticities_count(const tq_elasticities *e)
{
    return e ? e->nsets : 0;
}

static const eset *get(const tq_elasticities *e, int k)
{
    return e && k >= 0 && k < e->nsets ? &e->sets[k] : NULL;
}

const char *tq_elasticities_name(const tq_elasticities *e, int k)
{
    const eset *s = get(e, k);
    return s ? s->name : NULL;
}

const char *tq_elasticities_label(const tq_elasticities *e, int k)
{
    const eset *s = get(e, k);
    return s ? s->label : NULL;
}

const char *tq_elasticities_method(const tq_elasticities *e, int k)
{
    const eset *s = get(e, k);
    return s ? s->method : NULL;
}

const char *tq_elasticities_citation(const tq_elasticities *e, int k)
{
    const eset *s = get(e, k);
    return s ? s->citation : NULL;
}

int tq_elasticities_is_default(const tq_elasticities *e, int k)
{
    const eset *s = get(e, k);
    return s ? s->is_default : 0;
}

int tq_elasticities_find(const tq_elasticities *e, const char *name)
{
    for (int k = 0; e && name && k < e->nsets; k++)
        if (!strcasecmp(e->sets[k].name, name))
            return k;
    return -1;
}

double tq_elasticities_theta(const tq_elasticities *e, int k, const char *sector)
{
    const eset *s = get(e, k);
    for (int r = 0; s && sector && r < e->nsectors; r++)
        if (!strcmp(e->sector[r], sector))
            return e->theta[(size_t)r * e->ncols + s->column];
    return NAN;
}

tq_status tq_elasticities_apply(tq_context *ctx, const tq_elasticities *e, const char *name, tq_dataset *ds)
{
    const int k = tq_elasticities_find(e, name);
    if (k < 0) {
        char list[512] = "";
        size_t o = 0;
        for (int s = 0; e && s < e->nsets && o + 1 < sizeof list; s++)
            o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", s ? ", " : "", e->sets[s].name);
        return tq__error(ctx, TQ_ERR_NOT_FOUND, NULL, 0, "elasticities",
                         "no elasticity set '%s' for dataset %s (sets: %s; tradeq info --elasticities lists them)",
                         name ? name : "", e ? e->dataset : "?", list);
    }
    const int J = tq_dataset_sectors(ds);
    /* check every sector first: a refused set leaves ds unchanged */
    for (int j = 0; j < J; j++)
        if (isnan(tq_elasticities_theta(e, k, tq_dataset_sector_code(ds, j))))
            return tq__error(ctx, TQ_ERR_NOT_FOUND, NULL, 0, "elasticities",
                             "elasticity set '%s' of dataset %s has no value for sector %s of dataset %s (choose the "
                             "set before aggregating sectors)",
                             e->sets[k].name, e->dataset, tq_dataset_sector_code(ds, j), tq_dataset_name(ds));
    double *theta = tq_dataset_array(ds, TQ_THETA, 0, NULL);
    for (int j = 0; j < J; j++)
        theta[j] = tq_elasticities_theta(e, k, tq_dataset_sector_code(ds, j));
    return TQ_OK;
}
