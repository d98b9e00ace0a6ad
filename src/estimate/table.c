/* The data of a regression: the declared columns of a CSV file (through the long-table
 * reader) or a Stata .dta file (through ReadStat, when the library is built with it). */
#include "estimate.h"
#include "core/longtable.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#ifdef TQ_WITH_DTA
#include <readstat.h>
#endif

int tq__etable_var(tq__etable *t, const char *name, int numeric, int categorical)
{
    for (int k = 0; k < t->nv; k++)
        if (!strcmp(t->v[k].name, name)) {
            t->v[k].numeric |= numeric;
            t->v[k].categorical |= categorical;
            return k;
        }
    if (t->nv == TQ__EVARS || strlen(name) >= sizeof t->v[0].name || !*name) {
        tq__error(t->ctx, TQ_ERR_INVALID, NULL, 0, name, "%s",
                  *name ? "too many columns in the model (at most 12) or a name longer than 63 bytes"
                        : "an empty column name in the model");
        return -1;
    }
    tq__evar *v = &t->v[t->nv];
    memset(v, 0, sizeof *v);
    snprintf(v->name, sizeof v->name, "%s", name);
    v->numeric = numeric;
    v->categorical = categorical;
    return t->nv++;
}

void tq__etable_free(tq__etable *t)
{
    if (!t || !t->ctx)
        return;
    for (int k = 0; k < t->nv; k++) {
        tq__evar *v = &t->v[k];
        tq__free(t->ctx, v->num);
        tq__free(t->ctx, v->code);
        tq__index_free(&v->ix);
        for (int l = 0; l < v->nlabel; l++)
            tq__free(t->ctx, v->label[l]);
        tq__free(t->ctx, v->label);
        v->num = NULL, v->code = NULL, v->label = NULL, v->nlabel = 0;
    }
    tq__free(t->ctx, t->rowno);
    t->rowno = NULL;
    t->nv = 0;
    t->n = t->cap = 0;
}

static tq_status grow_rows(tq__etable *t)
{
    if (t->n < t->cap)
        return TQ_OK;
    size_t nc = t->cap ? 2 * t->cap : 65536;
    size_t *rn = tq__realloc(t->ctx, t->rowno, nc * sizeof *rn);
    if (!rn)
        return TQ_ERR_NOMEM;
    t->rowno = rn;
    for (int k = 0; k < t->nv; k++) {
        tq__evar *v = &t->v[k];
        if (v->numeric) {
            double *p = tq__realloc(t->ctx, v->num, nc * sizeof *p);
            if (!p)
                return TQ_ERR_NOMEM;
            v->num = p;
        }
        if (v->categorical) {
            int32_t *p = tq__realloc(t->ctx, v->code, nc * sizeof *p);
            if (!p)
                return TQ_ERR_NOMEM;
            v->code = p;
        }
    }
    t->cap = nc;
    return TQ_OK;
}

/* the code of a category value, adding it when new; -1 for "" (missing) */
static tq_status intern(tq__etable *t, tq__evar *v, const char *s, int32_t *out)
{
    if (!*s) {
        *out = -1;
        return TQ_OK;
    }
    int c = tq__index_get(&v->ix, s);
    if (c >= 0) {
        *out = c;
        return TQ_OK;
    }
    if (!v->ix.cap && tq__index_init(t->ctx, &v->ix, 1024))
        return TQ_ERR_NOMEM;
    if (v->nlabel == v->caplabel) {
        int nc = v->caplabel ? 2 * v->caplabel : 1024;
        char **p = tq__realloc(t->ctx, v->label, sizeof *p * (size_t)nc);
        if (!p)
            return TQ_ERR_NOMEM;
        v->label = p;
        v->caplabel = nc;
    }
    char *copy = tq__strdup(t->ctx, s);
    if (!copy)
        return TQ_ERR_NOMEM;
    v->label[v->nlabel] = copy;
    if (tq__index_put(&v->ix, copy, v->nlabel))
        return TQ_ERR_NOMEM;
    *out = v->nlabel++;
    return TQ_OK;
}

static int keep_value(const tq__etable *t, double x)
{
    for (int k = 0; k < t->nfvals; k++)
        if (x == t->fvals[k])
            return 1;
    return 0;
}

/* one field of a row as text: numeric parse (NaN for empty / NA / .), category */
static tq_status put_text(tq__etable *t, int k, const char *s, size_t row, int *bad_number)
{
    tq__evar *v = &t->v[k];
    *bad_number = 0;
    if (v->numeric) {
        double x = NAN;
        if (*s && strcmp(s, "NA") && strcmp(s, ".") && tq__parse_double(s, &x)) {
            *bad_number = 1;
            return TQ_ERR_PARSE;
        }
        v->num[row] = x;
    }
    if (v->categorical)
        return intern(t, v, (!strcmp(s, "NA") || !strcmp(s, ".")) ? "" : s, &v->code[row]);
    return TQ_OK;
}

static tq_status read_csv(tq__etable *t, const char *path)
{
    tq__lt_col cols[TQ__EVARS];
    memset(cols, 0, sizeof cols);
    for (int k = 0; k < t->nv; k++) {
        cols[k].name = t->v[k].name;
        cols[k].type = TQ__LT_TEXT;
    }
    tq__lt lt;
    memset(&lt, 0, sizeof lt);
    tq__lt_spec spec = {"data", 0, 0, 0};
    tq_status st = tq__lt_open(t->ctx, &lt, path, cols, t->nv, &spec);
    if (st) {
        if (st == TQ_ERR_PARSE && strstr(t->ctx->err.message, "missing column"))
            t->ctx->err.status = st = TQ_ERR_NOT_FOUND;
        tq__lt_close(&lt);
        return st;
    }
    while (tq__lt_next(&lt, &st)) {
        if (t->filter >= 0) {
            double x;
            const char *s = tq__lt_str(&lt, t->filter);
            if (tq__parse_double(s, &x) || !keep_value(t, x)) {
                t->n_filtered_out++;
                continue;
            }
        }
        if ((st = grow_rows(t)))
            break;
        for (int k = 0; k < t->nv && !st; k++) {
            int bad;
            const char *s = tq__lt_str(&lt, k);
            st = put_text(t, k, s, t->n, &bad);
            if (st && bad)
                st = tq__lt_error(&lt, k, TQ_ERR_PARSE, "not a number: '%.40s'", s);
        }
        if (st)
            break;
        t->rowno[t->n] = t->n + t->n_filtered_out + 1;
        t->n++;
    }
    tq__lt_close(&lt);
    return st;
}

#ifdef TQ_WITH_DTA
typedef struct dta_reader {
    tq__etable *t;
    const char *path;
    int nvars;
    int map[4096]; /* file variable -> column, -1 */
    int seen[TQ__EVARS];
    double num[TQ__EVARS];
    char str[TQ__EVARS][256];
    int isstr[TQ__EVARS];
    tq_status st;
} dta_reader;

static int dta_meta(readstat_metadata_t *m, void *ud)
{
    dta_reader *r = ud;
    r->nvars = readstat_get_var_count(m);
    return READSTAT_HANDLER_OK;
}

static int dta_var(int index, readstat_variable_t *v, const char *val_labels, void *ud)
{
    (void)val_labels;
    dta_reader *r = ud;
    if (index >= 4096)
        return READSTAT_HANDLER_OK;
    r->map[index] = -1;
    const char *name = readstat_variable_get_name(v);
    for (int k = 0; k < r->t->nv; k++)
        if (!strcmp(r->t->v[k].name, name)) {
            r->map[index] = k;
            r->seen[k] = 1;
        }
    return READSTAT_HANDLER_OK;
}

static tq_status dta_commit(dta_reader *r, long row)
{
    tq__etable *t = r->t;
    if (t->filter >= 0) {
        if (r->isstr[t->filter] || !keep_value(t, r->num[t->filter])) {
            t->n_filtered_out++;
            return TQ_OK;
        }
    }
    tq_status st = grow_rows(t);
    for (int k = 0; k < t->nv && !st; k++) {
        tq__evar *v = &t->v[k];
        if (r->isstr[k]) {
            int bad;
            st = put_text(t, k, r->str[k], t->n, &bad);
            if (st && bad)
                st = tq__error(t->ctx, TQ_ERR_PARSE, r->path, row + 1, v->name,
                               "a string column where a number is needed: '%.40s'", r->str[k]);
        } else {
            if (v->numeric)
                v->num[t->n] = r->num[k];
            if (v->categorical) {
                char buf[64] = "";
                if (isfinite(r->num[k]))
                    snprintf(buf, sizeof buf, "%.15g", r->num[k]);
                st = intern(t, v, buf, &v->code[t->n]);
            }
        }
    }
    if (!st) {
        t->rowno[t->n] = (size_t)row + 1;
        t->n++;
    }
    return st;
}

static int dta_value(int obs, readstat_variable_t *var, readstat_value_t value, void *ud)
{
    dta_reader *r = ud;
    int index = readstat_variable_get_index(var);
    int k = index < 4096 ? r->map[index] : -1;
    if (k >= 0) {
        if (readstat_value_type_class(value) == READSTAT_TYPE_CLASS_STRING) {
            const char *s = readstat_string_value(value);
            snprintf(r->str[k], sizeof r->str[k], "%s", s ? s : "");
            r->isstr[k] = 1;
        } else {
            r->isstr[k] = 0;
            r->num[k] = readstat_value_is_missing(value, var) ? NAN : readstat_double_value(value);
        }
    }
    if (index == r->nvars - 1) {
        r->st = dta_commit(r, obs);
        if (r->st)
            return READSTAT_HANDLER_ABORT;
    }
    return READSTAT_HANDLER_OK;
}

static tq_status read_dta(tq__etable *t, const char *path)
{
    dta_reader *r = tq__calloc(t->ctx, 1, sizeof *r);
    if (!r)
        return TQ_ERR_NOMEM;
    r->t = t;
    r->path = path;
    readstat_parser_t *p = readstat_parser_init();
    if (!p) {
        tq__free(t->ctx, r);
        return tq__error(t->ctx, TQ_ERR_NOMEM, path, 0, NULL, "cannot start the .dta reader");
    }
    readstat_set_metadata_handler(p, dta_meta);
    readstat_set_variable_handler(p, dta_var);
    readstat_set_value_handler(p, dta_value);
    readstat_error_t err = readstat_parse_dta(p, path, r);
    readstat_parser_free(p);
    tq_status st = r->st;
    if (!st && err != READSTAT_OK)
        st = tq__error(t->ctx, TQ_ERR_IO, path, 0, NULL, "cannot read the Stata file: %s", readstat_error_message(err));
    for (int k = 0; k < t->nv && !st; k++)
        if (!r->seen[k])
            st = tq__error(t->ctx, TQ_ERR_NOT_FOUND, path, 0, t->v[k].name, "no variable '%s' in the file",
                           t->v[k].name);
    tq__free(t->ctx, r);
    return st;
}
#endif

tq_status tq__etable_read(tq__etable *t, const char *path)
{
    size_t len = strlen(path);
    if (len > 4 && !strcmp(path + len - 4, ".dta")) {
#ifdef TQ_WITH_DTA
        return read_dta(t, path);
#else
        return tq__error(t->ctx, TQ_ERR_UNSUPPORTED, path, 0, NULL,
                         "this build reads no Stata files (built without ReadStat, TQ_WITH_DTA)");
#endif
    }
    return read_csv(t, path);
}
