/* Scenario files (docs/scenarios.md): YAML parsed with libyaml into a spec that keeps
 * codes and values as written, with the file:line:column of each; codes, groups and
 * values are resolved against a dataset and a baseline when applied, so that every
 * error can point at the place in the file that caused it. */
#include "../core/longtable.h"
#include "../data/dataset.h"
#include "../model/validate.h"
#include "spec.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

enum { SH_TARIFF = 0, SH_NTB_AVE = 1, SH_NTB_B = 2 };
enum { OP_SET = 0, OP_ADD = 1, OP_SCALE = 2, OP_FROM_FILE = 3 };

typedef struct sel {
    char **codes; /* NULL codes with n = 0 means "all" */
    int n;
    char where[300];
} sel;

typedef struct shock {
    int type, op;
    int retaliation;
    double value;
    sel imp, exp_, sec;
    char *pairs_file; /* resolved path, or NULL */
    int estimated;    /* partial_effect: {from: est.json, ...} or {b, se}: one b for the listed pairs */
    double se;        /* standard error of b ({from: ...} or {b: B, se: S}); 0: none */
    char *coef_id;    /* {from: ...}: "path\ncoef", the random variable of the draws */
    char where[300];  /* file:line:column of the entry */
} shock;

typedef struct target {
    char *region;
    double value;
    char where[300];
} target;

typedef struct elas {
    sel sec;
    double theta;
} elas;

/* One strategic move of `strategy:` (docs/strategic.md, "Moves in scenario files"): kept as
 * written, resolved against the dataset by tq__spec_move(). */
typedef struct move {
    int kind; /* tq_move_kind */
    sel players;
    sel sectors; /* with have_sectors; else every sector */
    int have_sectors;
    int form;      /* tq_tariff_form, -1: the default (one rate per sector) */
    double upper;  /* max_tariff as a rate, 0: the default */
    shock *threat; /* talks: threat: a tariff list as under tariffs: */
    int nthreat;
    char where[300]; /* file:line:column of the entry */
} move;

typedef struct scen {
    char *name, *title, *description, *dataset, *aggregate, *sector_aggregate;
    int year;
    int closure; /* -1 unset */
    shock *shocks;
    int nshocks;
    target *targets;
    int ntargets;
    elas *elas;
    int nelas;
    char *elas_set; /* elasticities: NAME, or set: NAME inside the mapping */
    int model;      /* tq_model of `model: cp|ossa`, -1 unset */
    int draws;      /* uncertainty: draws: N (0: none; -1: draws: sets) */
    uint64_t seed;  /* uncertainty: seed: S */
    int have_seed;
    move *moves; /* strategy: in order */
    int nmoves;
    int u_theta, u_pe; /* uncertainty: theta: / partial_effects: 1 true, -1 false, 0 unset */
} scen;

struct tq_spec {
    tq_context *ctx;
    char *origin; /* the file name, for messages */
    char *dir;    /* the file's folder, for relative paths */
    scen *s;
    int n;
};

/* -------------------------------------------------------------- helpers --- */

static void free_sel(tq_context *ctx, sel *s)
{
    for (int k = 0; k < s->n; k++)
        tq__free(ctx, s->codes[k]);
    tq__free(ctx, s->codes);
    s->codes = NULL;
    s->n = 0;
}

static void free_shocks(tq_context *ctx, shock *sh, int n)
{
    for (int k = 0; k < n; k++) {
        free_sel(ctx, &sh[k].imp);
        free_sel(ctx, &sh[k].exp_);
        free_sel(ctx, &sh[k].sec);
        tq__free(ctx, sh[k].pairs_file);
        tq__free(ctx, sh[k].coef_id);
    }
    tq__free(ctx, sh);
}

static void free_scen(tq_context *ctx, scen *s)
{
    tq__free(ctx, s->name);
    tq__free(ctx, s->title);
    tq__free(ctx, s->description);
    tq__free(ctx, s->dataset);
    tq__free(ctx, s->aggregate);
    tq__free(ctx, s->sector_aggregate);
    free_shocks(ctx, s->shocks, s->nshocks);
    for (int k = 0; k < s->nmoves; k++) {
        free_sel(ctx, &s->moves[k].players);
        free_sel(ctx, &s->moves[k].sectors);
        free_shocks(ctx, s->moves[k].threat, s->moves[k].nthreat);
    }
    tq__free(ctx, s->moves);
    for (int k = 0; k < s->ntargets; k++)
        tq__free(ctx, s->targets[k].region);
    tq__free(ctx, s->targets);
    for (int k = 0; k < s->nelas; k++)
        free_sel(ctx, &s->elas[k].sec);
    tq__free(ctx, s->elas);
    tq__free(ctx, s->elas_set);
}

void tq_spec_free(tq_spec *sp)
{
    if (!sp)
        return;
    for (int k = 0; k < sp->n; k++)
        free_scen(sp->ctx, &sp->s[k]);
    tq__free(sp->ctx, sp->s);
    tq__free(sp->ctx, sp->origin);
    tq__free(sp->ctx, sp->dir);
    tq__free(sp->ctx, sp);
}

/* A message never carries raw bytes of the file: bytes outside printable ASCII (control
 * characters, and every byte of a non-ASCII character) are written as \xNN. dst may be src
 * (the text is copied first); the result is truncated to cap - 1 characters. */
static void escape_into(char *dst, const char *src, size_t cap)
{
    char tmp[2048];
    snprintf(tmp, sizeof tmp, "%s", src);
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)tmp; *p && o + 1 < cap; p++) {
        if (*p >= 0x20 && *p < 0x7f) {
            dst[o++] = (char)*p;
        } else {
            if (o + 5 > cap)
                break;
            snprintf(dst + o, 5, "\\x%02X", *p);
            o += 4;
        }
    }
    if (cap)
        dst[o] = 0;
}

/* An error at a position: "file:line:column: message" (line/column 1-based). */
static tq_status err_at(tq_spec *sp, const yaml_node_t *node, tq_status st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
static tq_status err_at(tq_spec *sp, const yaml_node_t *node, tq_status st, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char file[600], shown[2048];
    if (node)
        snprintf(file, sizeof file, "%s:%lu:%lu", sp->origin, (unsigned long)node->start_mark.line + 1,
                 (unsigned long)node->start_mark.column + 1);
    else
        snprintf(file, sizeof file, "%s", sp->origin);
    escape_into(file, file, sizeof file);
    escape_into(shown, msg, sizeof shown);
    return tq__error(sp->ctx, st, file, 0, NULL, "%s", shown);
}

static void where_of(const tq_spec *sp, const yaml_node_t *node, char *buf, size_t cap)
{
    char raw[600];
    snprintf(raw, sizeof raw, "%s:%lu:%lu", sp->origin, (unsigned long)node->start_mark.line + 1,
             (unsigned long)node->start_mark.column + 1);
    escape_into(buf, raw, cap);
}

static const char *scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static tq_status dup_scalar(tq_spec *sp, const yaml_node_t *n, const char *key, char **out)
{
    const char *s = scalar(n);
    if (!s)
        return err_at(sp, n, TQ_ERR_PARSE, "'%s' takes a single value", key);
    tq__free(sp->ctx, *out);
    *out = tq__strdup(sp->ctx, s);
    return *out ? TQ_OK : TQ_ERR_NOMEM;
}

/* A dataset or map value: one rule for every file a scenario names (as for pairs_file), a
 * relative path is relative to the scenario file, not to the working directory. A value
 * is a path when it contains '/', starts with '.', ends in ".csv" (a map), or names a
 * file or folder beside the scenario file; otherwise it is an embedded dataset or preset
 * name, kept as written. */
static tq_status dup_path(tq_spec *sp, const yaml_node_t *n, const char *key, int is_map, char **out)
{
    tq_status st = dup_scalar(sp, n, key, out);
    const char *d = *out;
    if (st || d[0] == '/' || !sp->dir)
        return st;
    size_t L = strlen(d);
    int path = d[0] == '.' || strchr(d, '/') || (is_map && L > 4 && !strcmp(d + L - 4, ".csv"));
    char *joined = tq__path_join(sp->ctx, sp->dir, d);
    if (!joined)
        return TQ_ERR_NOMEM;
    struct stat sb;
    if (path || stat(joined, &sb) == 0) {
        tq__free(sp->ctx, *out);
        *out = joined;
    } else {
        tq__free(sp->ctx, joined);
    }
    return TQ_OK;
}

/* Strip spaces; parse "<number><suffix>" where suffix is one of the allowed ones.
 * Returns 0 on success and the suffix found in *suf ("" for none). */
static int parse_value(const char *s, double *v, const char **suf)
{
    char buf[64];
    size_t o = 0;
    for (; *s && o + 1 < sizeof buf; s++)
        if (!isspace((unsigned char)*s))
            buf[o++] = *s;
    buf[o] = 0;
    static const char *const sufs[] = {"pp", "%", ""};
    for (int k = 0; k < 3; k++) {
        size_t L = strlen(sufs[k]), n = strlen(buf);
        if (n > L && strcmp(buf + n - L, sufs[k]) == 0) {
            char num[64];
            memcpy(num, buf, n - L);
            num[n - L] = 0;
            const char *p = num;
            if (*p == '+')
                p++;
            if (tq__parse_double(p, v) == 0) {
                *suf = sufs[k];
                return 0;
            }
        }
    }
    return -1;
}

static tq_status parse_sel(tq_spec *sp, yaml_document_t *doc, yaml_node_t *n, const char *key, sel *out)
{
    free_sel(sp->ctx, out);
    where_of(sp, n, out->where, sizeof out->where);
    if (n->type == YAML_SCALAR_NODE) {
        const char *s = scalar(n);
        if (!*s)
            return err_at(sp, n, TQ_ERR_PARSE, "'%s' is empty (name a code, a list, a group or all)", key);
        if (strcmp(s, "all") == 0 || strcmp(s, "ALL") == 0)
            return TQ_OK; /* n = 0: all */
        out->codes = tq__calloc(sp->ctx, 1, sizeof(char *));
        if (!out->codes || !(out->codes[0] = tq__strdup(sp->ctx, s)))
            return TQ_ERR_NOMEM;
        out->n = 1;
        return TQ_OK;
    }
    if (n->type != YAML_SEQUENCE_NODE)
        return err_at(sp, n, TQ_ERR_PARSE, "'%s' takes a code, a list [A, B] or a group", key);
    int cnt = (int)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (cnt == 0)
        return err_at(sp, n, TQ_ERR_PARSE, "'%s' is an empty list", key);
    out->codes = tq__calloc(sp->ctx, (size_t)cnt, sizeof(char *));
    if (!out->codes)
        return TQ_ERR_NOMEM;
    for (int k = 0; k < cnt; k++) {
        yaml_node_t *it = yaml_document_get_node(doc, n->data.sequence.items.start[k]);
        const char *s = scalar(it);
        if (!s || !*s)
            return err_at(sp, it, TQ_ERR_PARSE, "'%s': list items must be codes or group names", key);
        if (!(out->codes[k] = tq__strdup(sp->ctx, s)))
            return TQ_ERR_NOMEM;
        out->n = k + 1;
    }
    return TQ_OK;
}

static tq_status grow(tq_spec *sp, void **arr, int *n, size_t size)
{
    void *p = tq__realloc(sp->ctx, *arr, size * (size_t)(*n + 1));
    if (!p)
        return TQ_ERR_NOMEM;
    memset((char *)p + size * (size_t)*n, 0, size);
    *arr = p;
    (*n)++;
    return TQ_OK;
}

/* ------------------------------------------- estimated partial effects --- */

/* The value of key `key` of mapping node m (NULL if absent). */
static yaml_node_t *map_get(yaml_document_t *doc, yaml_node_t *m, const char *key)
{
    if (!m || m->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        const char *k = scalar(yaml_document_get_node(doc, p->key));
        if (k && !strcmp(k, key))
            return yaml_document_get_node(doc, p->value);
    }
    return NULL;
}

/* Coefficient `coef` and its standard error from the JSON table that `tradeq estimate
 * --out FILE.json` writes (docs/estimation.md; JSON is read as YAML). */
static tq_status read_estimate(tq_context *ctx, const char *path, const char *coef, double *b, double *se)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return tq__error(ctx, TQ_ERR_IO, path, 0, NULL,
                         "cannot open the estimate (write it with tradeq estimate --out)");
    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser)) {
        fclose(f);
        return tq__error(ctx, TQ_ERR_NOMEM, path, 0, NULL, "out of memory");
    }
    yaml_parser_set_input_file(&parser, f);
    int ok = yaml_parser_load(&parser, &doc);
    tq_status st = TQ_OK;
    if (!ok) {
        st = tq__error(ctx, TQ_ERR_PARSE, path, (long)parser.problem_mark.line + 1, NULL, "not a JSON estimate: %s",
                       parser.problem ? parser.problem : "malformed");
        yaml_parser_delete(&parser);
        fclose(f);
        return st;
    }
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    const char *fmt = scalar(map_get(&doc, root, "format"));
    yaml_node_t *list = map_get(&doc, root, "coefficients");
    if (!fmt || strcmp(fmt, "tradeq-estimate-1") || !list || list->type != YAML_SEQUENCE_NODE) {
        st = tq__error(ctx, TQ_ERR_PARSE, path, 0, "format",
                       "not an estimate of tradeq estimate --out (format tradeq-estimate-1 with coefficients)");
    } else {
        st = tq__error(ctx, TQ_ERR_NOT_FOUND, path, 0, "coefficients", "no coefficient '%s' in the estimate", coef);
        for (yaml_node_item_t *it = list->data.sequence.items.start; it < list->data.sequence.items.top; it++) {
            yaml_node_t *e = yaml_document_get_node(&doc, *it);
            const char *name = scalar(map_get(&doc, e, "name"));
            if (!name || strcmp(name, coef))
                continue;
            const char *bs = scalar(map_get(&doc, e, "b")), *ss = scalar(map_get(&doc, e, "se"));
            if (!bs || !ss || tq__parse_double(bs, b) || tq__parse_double(ss, se))
                st = tq__error(ctx, TQ_ERR_PARSE, path, (long)e->start_mark.line + 1, coef,
                               "coefficient '%s' lacks a numeric b or se", coef);
            else
                tq__clear_error(ctx), st = TQ_OK;
            break;
        }
    }
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    fclose(f);
    return st;
}

/* A standard error: finite and >= 0 (docs/uncertainty.md). */
static tq_status valid_se(tq_context *ctx, const char *where, const char *what, double se)
{
    if (!(se >= 0) || !isfinite(se))
        return tq__error(ctx, TQ_ERR_INVALID, where, 0, NULL, "%s: a standard error is a finite number >= 0, not %g",
                         what, se);
    return TQ_OK;
}

/* partial_effect: {from: FILE.json, coef: NAME, se_shift: K}: b = coefficient + K se
 * (K default 0; e.g. -1.96 and 1.96 for the ends of a 95% band), with the coefficient's
 * standard error for the draws; or partial_effect: {b: B, se: S}, a number with its
 * standard error (se default 0). */
static tq_status parse_estimated_partial(tq_spec *sp, yaml_document_t *doc, yaml_node_t *m, shock *sh)
{
    const char *from = NULL, *coef = NULL;
    double shift = 0, bnum = 0, senum = 0;
    const yaml_node_t *b_node = NULL, *se_node = NULL, *est_node = NULL;
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = yaml_document_get_node(doc, p->key), *vn = yaml_document_get_node(doc, p->value);
        const char *k = scalar(kn), *v = scalar(vn);
        if (!k || !v)
            return err_at(sp, kn, TQ_ERR_PARSE,
                          "partial_effect takes {from: FILE.json, coef: NAME, se_shift: K} or {b: B, se: S}");
        if (!strcmp(k, "from"))
            from = v, est_node = kn;
        else if (!strcmp(k, "coef"))
            coef = v, est_node = kn;
        else if (!strcmp(k, "se_shift")) {
            if (tq__parse_double(v, &shift))
                return err_at(sp, vn, TQ_ERR_PARSE, "se_shift takes a number (standard errors added to b), not '%.40s'",
                              v);
            est_node = kn;
        } else if (!strcmp(k, "b")) {
            if (tq__parse_double(v, &bnum) || !isfinite(bnum))
                return err_at(sp, vn, TQ_ERR_PARSE, "b takes a number (the gravity coefficient), not '%.40s'", v);
            b_node = vn;
        } else if (!strcmp(k, "se")) {
            if (tq__parse_double(v, &senum))
                return err_at(sp, vn, TQ_ERR_PARSE, "se takes a number (the standard error of b), not '%.40s'", v);
            se_node = vn;
        } else
            return err_at(sp, kn, TQ_ERR_PARSE, "unknown key '%s' in partial_effect (from, coef, se_shift; or b, se)",
                          k);
    }
    char at[300];
    if (b_node || se_node) {
        if (est_node)
            return err_at(sp, est_node, TQ_ERR_PARSE,
                          "partial_effect takes either {from: FILE.json, coef: NAME} (b and se from the estimate) "
                          "or {b: B, se: S}, not both");
        if (!b_node)
            return err_at(sp, m, TQ_ERR_PARSE, "partial_effect: {b: B, se: S} needs b");
        if (se_node) {
            where_of(sp, se_node, at, sizeof at);
            tq_status st = valid_se(sp->ctx, at, "partial_effect se", senum);
            if (st)
                return st;
        }
        sh->type = SH_NTB_B, sh->op = OP_SET, sh->value = bnum, sh->se = senum;
        sh->estimated = 1; /* one b for the listed pairs, as an estimate's */
        where_of(sp, b_node, at, sizeof at);
        return tq__valid_partial(sp->ctx, at, NULL, "partial_effect", sh->value);
    }
    if (!from || !coef || !*from || !*coef)
        return err_at(sp, m, TQ_ERR_PARSE, "partial_effect: {from: FILE.json, coef: NAME} needs both");
    char *path = from[0] == '/' ? tq__strdup(sp->ctx, from) : tq__path_join(sp->ctx, sp->dir, from);
    if (!path)
        return TQ_ERR_NOMEM;
    double b = 0, se = 0;
    tq_status st = read_estimate(sp->ctx, path, coef, &b, &se);
    if (!st) {
        where_of(sp, m, at, sizeof at);
        st = valid_se(sp->ctx, at, path, se);
    }
    if (!st) {
        size_t lp = strlen(path), lc = strlen(coef);
        tq__free(sp->ctx, sh->coef_id);
        if (!(sh->coef_id = tq__malloc(sp->ctx, lp + lc + 2)))
            st = TQ_ERR_NOMEM;
        else {
            memcpy(sh->coef_id, path, lp);
            sh->coef_id[lp] = '\n';
            memcpy(sh->coef_id + lp + 1, coef, lc + 1);
        }
    }
    tq__free(sp->ctx, path);
    if (st)
        return st;
    sh->type = SH_NTB_B, sh->op = OP_SET, sh->value = b + shift * se, sh->se = se;
    sh->estimated = 1;
    where_of(sp, m, at, sizeof at);
    return tq__valid_partial(sp->ctx, at, NULL, "partial_effect", sh->value);
}

/* ------------------------------------------------------------- shocks --- */

static tq_status parse_shock(tq_spec *sp, yaml_document_t *doc, yaml_node_t *n, scen *s, int is_ntb, int retaliation)
{
    if (n->type != YAML_MAPPING_NODE)
        return err_at(sp, n, TQ_ERR_PARSE, "each %s entry is a mapping (importer:, exporter:, sectors:, and a value)",
                      is_ntb ? "ntb" : "tariff");
    tq_status st = grow(sp, (void **)&s->shocks, &s->nshocks, sizeof(shock));
    if (st)
        return st;
    shock *sh = &s->shocks[s->nshocks - 1];
    where_of(sp, n, sh->where, sizeof sh->where);
    sh->retaliation = retaliation;
    sh->type = -1;
    int have_imp = 0, have_exp = 0, have_sec = 0, have_val = 0;
    const yaml_node_t *pairs_node = NULL, *sel_node = NULL; /* pairs_file:, and importer: or exporter: */
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = yaml_document_get_node(doc, p->key), *vn = yaml_document_get_node(doc, p->value);
        const char *k = scalar(kn);
        if (!k)
            return err_at(sp, kn, TQ_ERR_PARSE, "keys must be plain words");
        if (!strcmp(k, "importer")) {
            st = parse_sel(sp, doc, vn, k, &sh->imp);
            have_imp = 1;
            sel_node = kn;
        } else if (!strcmp(k, "exporter")) {
            st = parse_sel(sp, doc, vn, k, &sh->exp_);
            have_exp = 1;
            sel_node = kn;
        } else if (!strcmp(k, "sectors") || !strcmp(k, "sector")) {
            st = parse_sel(sp, doc, vn, k, &sh->sec);
            have_sec = 1;
        } else if (!strcmp(k, "pairs_file") && is_ntb) {
            const char *f = scalar(vn);
            if (!f || !*f)
                return err_at(sp, vn, TQ_ERR_PARSE, "pairs_file takes a file name");
            char *path = f[0] == '/' ? tq__strdup(sp->ctx, f) : tq__path_join(sp->ctx, sp->dir, f);
            if (!path)
                return TQ_ERR_NOMEM;
            tq__free(sp->ctx, sh->pairs_file);
            sh->pairs_file = path;
            pairs_node = kn;
        } else {
            int is_val = !strcmp(k, "set") || !strcmp(k, "add") || !strcmp(k, "scale") || !strcmp(k, "ave") ||
                         !strcmp(k, "partial_effect");
            if (!is_val)
                return err_at(sp, kn, TQ_ERR_PARSE, "unknown key '%s' in a %s entry (see docs/scenarios.md)", k,
                              is_ntb ? "ntb" : "tariff");
            if (have_val)
                return err_at(sp, kn, TQ_ERR_PARSE,
                              "give one value per entry (set, add or scale; ave or partial_effect)");
            have_val = 1;
            int tariff_key = !strcmp(k, "set") || !strcmp(k, "add") || !strcmp(k, "scale");
            if (tariff_key == is_ntb)
                return err_at(sp, kn, TQ_ERR_PARSE, "'%s' belongs in %s", k,
                              tariff_key ? "tariffs: or retaliation:" : "ntb:");
            if (!strcmp(k, "partial_effect") && vn->type == YAML_MAPPING_NODE) {
                if ((st = parse_estimated_partial(sp, doc, vn, sh)))
                    return st;
                continue;
            }
            const char *v = scalar(vn);
            double x = 0;
            const char *suf = "";
            if (v && !strcmp(k, "partial_effect") && !strcmp(v, "from_file")) {
                /* the gravity coefficient b of each pair comes from pairs_file: */
                sh->type = SH_NTB_B, sh->op = OP_FROM_FILE;
                continue;
            }
            if (!v || parse_value(v, &x, &suf))
                return err_at(sp, vn, TQ_ERR_PARSE, "'%s' needs a number, not '%.40s'", k, v ? v : "(a list)");
            char at[300]; /* the value's file:line:column, for the range checks (docs/scenarios.md) */
            where_of(sp, vn, at, sizeof at);
            if (!strcmp(k, "set")) {
                if (strcmp(suf, "%"))
                    return err_at(sp, vn, TQ_ERR_PARSE,
                                  "set takes a percentage, e.g. 'set: 20%%' (hint: 'add: 25pp' adds points)");
                sh->type = SH_TARIFF, sh->op = OP_SET, sh->value = x / 100;
                if (sh->value <= -1)
                    return err_at(sp, vn, TQ_ERR_INVALID, "a tariff of %g%% is below -100%%", x);
                st = tq__valid_tariff(sp->ctx, at, NULL, "set", sh->value);
            } else if (!strcmp(k, "add")) {
                if (strcmp(suf, "pp"))
                    return err_at(sp, vn, TQ_ERR_PARSE, "add takes percentage points, e.g. 'add: 25pp' or 'add: -5pp'");
                sh->type = SH_TARIFF, sh->op = OP_ADD, sh->value = x / 100;
                if (!(fabs(sh->value) < TQ__FACTOR_MAX))
                    st = tq__error(sp->ctx, TQ_ERR_INVALID, at, 0, NULL,
                                   "add: %gpp outside the range [-%gpp, %gpp] (1+t at most %g)", x,
                                   100 * TQ__FACTOR_MAX, 100 * TQ__FACTOR_MAX, TQ__FACTOR_MAX);
            } else if (!strcmp(k, "scale")) {
                if (*suf || !(x > 0))
                    return err_at(sp, vn, TQ_ERR_PARSE,
                                  "scale takes a positive number that multiplies 1+t, e.g. 'scale: 1.1'");
                sh->type = SH_TARIFF, sh->op = OP_SCALE, sh->value = x;
                st = tq__valid_factor(sp->ctx, at, NULL, "scale", x);
            } else if (!strcmp(k, "ave")) {
                if (strcmp(suf, "%"))
                    return err_at(sp, vn, TQ_ERR_PARSE, "ave takes a percentage, e.g. 'ave: 10%%'");
                if (x <= -100)
                    return err_at(sp, vn, TQ_ERR_INVALID, "an ad valorem equivalent of %g%% is below -100%%", x);
                sh->type = SH_NTB_AVE, sh->op = OP_SET, sh->value = x / 100;
                st = tq__valid_factor(sp->ctx, at, NULL, "ave: 1 + ave", 1 + sh->value);
            } else {
                if (*suf)
                    return err_at(sp, vn, TQ_ERR_PARSE,
                                  "partial_effect takes a plain number (the gravity coefficient b) or from_file");
                sh->type = SH_NTB_B, sh->op = OP_SET, sh->value = x;
                st = tq__valid_partial(sp->ctx, at, NULL, "partial_effect", x);
            }
        }
        if (st)
            return st;
    }
    if (!have_val)
        return err_at(sp, n, TQ_ERR_PARSE, "this entry has no value (%s)",
                      is_ntb ? "ave: 10% or partial_effect: 0.5" : "set: 20%, add: 25pp or scale: 1.1");
    if (pairs_node && sel_node)
        return err_at(sp, sel_node, TQ_ERR_PARSE,
                      "pairs_file: lists the importer-exporter pairs; drop importer: and exporter: here");
    if (!pairs_node && (!have_imp || !have_exp))
        return err_at(sp, n, TQ_ERR_PARSE, "this entry needs importer: and exporter: (use 'all' for every region)");
    if (!have_sec)
        return err_at(sp, n, TQ_ERR_PARSE, "this entry needs sectors: (a code, a list, a group, or all)");
    if (!sh->estimated && (sh->op == OP_FROM_FILE) != (sh->pairs_file != NULL))
        return err_at(sp, n, TQ_ERR_PARSE, "partial_effect: from_file goes with pairs_file:, and pairs_file: with it");
    return TQ_OK;
}

static tq_status parse_list(tq_spec *sp, yaml_document_t *doc, yaml_node_t *n, scen *s, int is_ntb, int retaliation,
                            const char *key)
{
    if (n->type != YAML_SEQUENCE_NODE)
        return err_at(sp, n, TQ_ERR_PARSE, "'%s' is a list of entries, each starting with '- '", key);
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
        tq_status st = parse_shock(sp, doc, yaml_document_get_node(doc, *it), s, is_ntb, retaliation);
        if (st)
            return st;
    }
    return TQ_OK;
}

/* ----------------------------------------------------------- strategy --- */

/* One entry of strategy: (docs/strategic.md, "Moves in scenario files"):
 *   optimal: REGION | nash: [REGIONS] | talks: [REGIONS]   (exactly one of them)
 *   sectors: a code, list or group     form: sector|uniform|per-partner
 *   max_tariff: 300%                   threat: a tariff list (talks only) */
static tq_status parse_move(tq_spec *sp, yaml_document_t *doc, yaml_node_t *n, scen *s)
{
    if (n->type != YAML_MAPPING_NODE)
        return err_at(sp, n, TQ_ERR_PARSE,
                      "each strategy: entry is a mapping starting with optimal: REGION, nash: [REGIONS] or talks: "
                      "[REGIONS]");
    tq_status st = grow(sp, (void **)&s->moves, &s->nmoves, sizeof(move));
    if (st)
        return st;
    move *mv = &s->moves[s->nmoves - 1];
    where_of(sp, n, mv->where, sizeof mv->where);
    mv->kind = -1;
    mv->form = -1;
    const yaml_node_t *threat_key = NULL;
    int one_item_list = 0; /* talks: [AAA]: one region (a single code may still be a group) */
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = yaml_document_get_node(doc, p->key), *vn = yaml_document_get_node(doc, p->value);
        const char *k = scalar(kn);
        if (!k)
            return err_at(sp, kn, TQ_ERR_PARSE, "keys must be plain words");
        int kind = !strcmp(k, "optimal") ? TQ_MOVE_OPTIMAL
                   : !strcmp(k, "nash")  ? TQ_MOVE_NASH
                   : !strcmp(k, "talks") ? TQ_MOVE_TALKS
                                         : -1;
        if (kind >= 0) {
            if (mv->kind >= 0)
                return err_at(sp, kn, TQ_ERR_PARSE,
                              "one move per entry: optimal:, nash: or talks: (start a new '- ' for the next move)");
            mv->kind = kind;
            if (kind == TQ_MOVE_OPTIMAL && vn->type != YAML_SCALAR_NODE)
                return err_at(sp, vn, TQ_ERR_PARSE, "optimal: takes one region code (e.g. 'optimal: USA')");
            if ((st = parse_sel(sp, doc, vn, k, &mv->players)))
                return st;
            one_item_list = vn->type == YAML_SEQUENCE_NODE && mv->players.n == 1;
            if (kind == TQ_MOVE_OPTIMAL && mv->players.n == 0)
                return err_at(sp, vn, TQ_ERR_PARSE, "optimal: takes one region code, not all");
        } else if (!strcmp(k, "sectors") || !strcmp(k, "sector")) {
            if ((st = parse_sel(sp, doc, vn, k, &mv->sectors)))
                return st;
            mv->have_sectors = 1;
        } else if (!strcmp(k, "form")) {
            const char *v = scalar(vn);
            if (v && (!strcmp(v, "sector") || !strcmp(v, "per-sector")))
                mv->form = TQ_FORM_SECTOR;
            else if (v && !strcmp(v, "uniform"))
                mv->form = TQ_FORM_UNIFORM;
            else if (v && !strcmp(v, "per-partner"))
                mv->form = TQ_FORM_PER_PARTNER;
            else
                return err_at(sp, vn, TQ_ERR_PARSE,
                              "form is sector (one rate per sector, the default), uniform or per-partner");
        } else if (!strcmp(k, "max_tariff")) {
            const char *v = scalar(vn), *suf = "";
            double x = 0;
            if (!v || parse_value(v, &x, &suf) || strcmp(suf, "%") || !(x > 0) || x > 100000)
                return err_at(sp, vn, TQ_ERR_PARSE,
                              "max_tariff is a percentage above 0 and at most 100000%% (e.g. 'max_tariff: 300%%')");
            mv->upper = x / 100;
        } else if (!strcmp(k, "threat")) {
            /* the threat's tariffs go into a scratch scenario, then into the move */
            scen tmp;
            memset(&tmp, 0, sizeof tmp);
            st = parse_list(sp, doc, vn, &tmp, 0, 0, k);
            free_shocks(sp->ctx, mv->threat, mv->nthreat);
            mv->threat = tmp.shocks;
            mv->nthreat = tmp.nshocks;
            if (st)
                return st;
            threat_key = kn;
        } else {
            return err_at(sp, kn, TQ_ERR_PARSE,
                          "unknown key '%s' in a strategy: entry (optimal, nash, talks, sectors, form, max_tariff, "
                          "threat)",
                          k);
        }
    }
    if (mv->kind < 0)
        return err_at(sp, n, TQ_ERR_PARSE,
                      "this strategy: entry names no move (optimal: REGION, nash: [REGIONS] "
                      "or talks: [REGIONS])");
    if (threat_key && mv->kind != TQ_MOVE_TALKS)
        return err_at(sp, threat_key, TQ_ERR_PARSE, "threat: belongs to a talks: move");
    if (mv->kind == TQ_MOVE_TALKS && one_item_list)
        return err_at(sp, n, TQ_ERR_PARSE, "talks: needs at least two regions (a list, a group or all)");
    return TQ_OK;
}

static tq_status parse_strategy(tq_spec *sp, yaml_document_t *doc, yaml_node_t *n, scen *s)
{
    if (n->type == YAML_MAPPING_NODE) /* one move: strategy: {nash: [USA, CHN]} */
        return parse_move(sp, doc, n, s);
    if (n->type != YAML_SEQUENCE_NODE || n->data.sequence.items.top == n->data.sequence.items.start)
        return err_at(sp, n, TQ_ERR_PARSE,
                      "strategy: is a list of moves, each starting with '- optimal: REGION', '- nash: [...]' or "
                      "'- talks: [...]'");
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
        tq_status st = parse_move(sp, doc, yaml_document_get_node(doc, *it), s);
        if (st)
            return st;
    }
    return TQ_OK;
}

/* A scenario's moves are played by the strategic layer, which changes tariffs only and
 * solves with the baseline's deficits: non-tariff shocks and the share and target
 * closures would make its equilibria differ from the run's. */
static tq_status check_strategy(tq_spec *sp, const scen *s)
{
    if (!s->nmoves)
        return TQ_OK;
    for (int q = 0; q < s->nshocks; q++)
        if (s->shocks[q].type != SH_TARIFF)
            return tq__error(sp->ctx, TQ_ERR_PARSE, s->shocks[q].where, 0, "strategy",
                             "a scenario with strategy: takes tariff shocks only (tariffs:, retaliation:), not ntb: "
                             "(the strategic moves change tariffs only)");
    if (s->draws != 0)
        return tq__error(sp->ctx, TQ_ERR_PARSE, s->moves[0].where, 0, "strategy",
                         "a scenario with strategy: takes no uncertainty: draws (each draw would need the moves "
                         "played again)");
    if (s->closure == TQ_CLOSURE_SHARE || s->closure == TQ_CLOSURE_TARGET)
        return tq__error(sp->ctx, TQ_ERR_PARSE, s->moves[0].where, 0, "strategy",
                         "strategy: needs closure fixed or balanced (the strategic moves solve with the baseline's "
                         "deficits)");
    return TQ_OK;
}

static int closure_of(const char *s)
{
    if (!s)
        return -1;
    if (!strcmp(s, "fixed"))
        return TQ_CLOSURE_FIXED;
    if (!strcmp(s, "balanced"))
        return TQ_CLOSURE_BALANCED;
    if (!strcmp(s, "share"))
        return TQ_CLOSURE_SHARE;
    if (!strcmp(s, "target"))
        return TQ_CLOSURE_TARGET;
    return -1;
}

/* Parse the keys of one scenario mapping into s. `top` allows `scenarios:`. */
static tq_status parse_scen(tq_spec *sp, yaml_document_t *doc, yaml_node_t *n, scen *s, yaml_node_t **scenarios)
{
    if (n->type != YAML_MAPPING_NODE)
        return err_at(sp, n, TQ_ERR_PARSE, "a scenario is a mapping of keys (name:, tariffs:, ...)");
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = yaml_document_get_node(doc, p->key), *vn = yaml_document_get_node(doc, p->value);
        const char *k = scalar(kn);
        tq_status st = TQ_OK;
        if (!k)
            return err_at(sp, kn, TQ_ERR_PARSE, "keys must be plain words");
        if (!strcmp(k, "name")) {
            st = dup_scalar(sp, vn, k, &s->name);
            if (!st)
                for (const char *c = s->name; *c; c++)
                    if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_' && *c != '.')
                        return err_at(sp, vn, TQ_ERR_PARSE, "name may hold letters, digits, '-', '_' and '.' only");
        } else if (!strcmp(k, "title")) {
            st = dup_scalar(sp, vn, k, &s->title);
        } else if (!strcmp(k, "description")) {
            st = dup_scalar(sp, vn, k, &s->description);
        } else if (!strcmp(k, "model")) {
            tq_model m;
            if (tq_model_parse(scalar(vn), &m) != TQ_OK)
                return err_at(sp, vn, TQ_ERR_PARSE, "model is cp (Caliendo-Parro) or ossa (Ossa 2014)");
            s->model = (int)m;
        } else if (!strcmp(k, "closure")) {
            s->closure = closure_of(scalar(vn));
            if (s->closure < 0)
                return err_at(sp, vn, TQ_ERR_PARSE, "closure is fixed, balanced, share or target");
        } else if (!strcmp(k, "data")) {
            if (vn->type != YAML_MAPPING_NODE)
                return err_at(sp, vn, TQ_ERR_PARSE, "data: is a mapping (dataset:, aggregate:, year:)");
            for (yaml_node_pair_t *q = vn->data.mapping.pairs.start; q < vn->data.mapping.pairs.top; q++) {
                yaml_node_t *k2 = yaml_document_get_node(doc, q->key), *v2 = yaml_document_get_node(doc, q->value);
                const char *kk = scalar(k2);
                if (kk && !strcmp(kk, "dataset")) {
                    st = dup_path(sp, v2, kk, 0, &s->dataset);
                } else if (kk && !strcmp(kk, "aggregate")) {
                    st = dup_path(sp, v2, kk, 1, &s->aggregate);
                } else if (kk && !strcmp(kk, "sector_aggregate")) {
                    st = dup_path(sp, v2, kk, 1, &s->sector_aggregate);
                } else if (kk && !strcmp(kk, "year")) {
                    double y;
                    const char *v = scalar(v2);
                    if (!v || tq__parse_double(v, &y) || y != floor(y) || y < 1000 || y > 3000)
                        return err_at(sp, v2, TQ_ERR_PARSE, "year is a four-digit year");
                    s->year = (int)y;
                } else {
                    return err_at(sp, k2, TQ_ERR_PARSE,
                                  "unknown key '%s' under data: (dataset, aggregate, sector_aggregate, year)",
                                  kk ? kk : "?");
                }
                if (st)
                    return st;
            }
        } else if (!strcmp(k, "elasticities")) {
            if (vn->type == YAML_SCALAR_NODE) { /* a named set, docs/elasticities.md */
                if ((st = dup_scalar(sp, vn, k, &s->elas_set)))
                    return st;
                continue;
            }
            if (vn->type != YAML_MAPPING_NODE)
                return err_at(sp, vn, TQ_ERR_PARSE,
                              "elasticities: names a set (e.g. 'elasticities: CP') or maps sector codes or groups "
                              "to theta (e.g. 'autos: 5', with 'set: CP' for the others)");
            for (yaml_node_pair_t *q = vn->data.mapping.pairs.start; q < vn->data.mapping.pairs.top; q++) {
                yaml_node_t *k2 = yaml_document_get_node(doc, q->key), *v2 = yaml_document_get_node(doc, q->value);
                const char *kname = scalar(k2);
                if (kname && !strcmp(kname, "set")) {
                    if ((st = dup_scalar(sp, v2, "set", &s->elas_set)))
                        return st;
                    continue;
                }
                double th;
                const char *v = scalar(v2);
                if (!v || tq__parse_double(v, &th) || !(th > 0))
                    return err_at(sp, v2, TQ_ERR_PARSE, "a trade elasticity is a positive number");
                char at[300];
                where_of(sp, v2, at, sizeof at);
                if ((st = tq__valid_theta(sp->ctx, at, NULL, "elasticities", th)))
                    return st;
                if ((st = grow(sp, (void **)&s->elas, &s->nelas, sizeof(elas))))
                    return st;
                s->elas[s->nelas - 1].theta = th;
                if ((st = parse_sel(sp, doc, k2, "elasticities", &s->elas[s->nelas - 1].sec)))
                    return st;
            }
        } else if (!strcmp(k, "uncertainty")) {
            /* docs/uncertainty.md: draws: N or sets, seed: S, theta: and partial_effects: */
            if (vn->type != YAML_MAPPING_NODE)
                return err_at(sp, vn, TQ_ERR_PARSE,
                              "uncertainty: is a mapping (draws: N or sets, seed: S, theta: and partial_effects: "
                              "true or false)");
            for (yaml_node_pair_t *q = vn->data.mapping.pairs.start; q < vn->data.mapping.pairs.top; q++) {
                yaml_node_t *k2 = yaml_document_get_node(doc, q->key), *v2 = yaml_document_get_node(doc, q->value);
                const char *kk = scalar(k2), *v = scalar(v2);
                double d;
                if (kk && !strcmp(kk, "draws")) {
                    if (v && !strcmp(v, "sets"))
                        s->draws = -1;
                    else if (!v || tq__parse_double(v, &d) || d != floor(d) || d < 1 || d > 10000000)
                        return err_at(sp, v2, TQ_ERR_PARSE, "draws is a whole number from 1 to 10000000, or sets");
                    else
                        s->draws = (int)d;
                } else if (kk && !strcmp(kk, "seed")) {
                    if (!v || tq__parse_double(v, &d) || d != floor(d) || d < 0 || d > 9007199254740992.0)
                        return err_at(sp, v2, TQ_ERR_PARSE, "seed is a whole number, 0 or more");
                    s->seed = (uint64_t)d;
                    s->have_seed = 1;
                } else if (kk && (!strcmp(kk, "theta") || !strcmp(kk, "partial_effects"))) {
                    int on = v && (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "on"));
                    int off = v && (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "off"));
                    if (!on && !off)
                        return err_at(sp, v2, TQ_ERR_PARSE, "%s takes true or false (draw it or not)", kk);
                    *(kk[0] == 't' ? &s->u_theta : &s->u_pe) = on ? 1 : -1;
                } else {
                    return err_at(sp, k2, TQ_ERR_PARSE,
                                  "unknown key '%s' under uncertainty: (draws, seed, theta, partial_effects)",
                                  kk ? kk : "?");
                }
            }
        } else if (!strcmp(k, "tariffs")) {
            st = parse_list(sp, doc, vn, s, 0, 0, k);
        } else if (!strcmp(k, "retaliation")) {
            st = parse_list(sp, doc, vn, s, 0, 1, k);
        } else if (!strcmp(k, "ntb")) {
            st = parse_list(sp, doc, vn, s, 1, 0, k);
        } else if (!strcmp(k, "strategy")) {
            st = parse_strategy(sp, doc, vn, s);
        } else if (!strcmp(k, "deficits")) {
            if (vn->type != YAML_MAPPING_NODE)
                return err_at(sp, vn, TQ_ERR_PARSE,
                              "deficits: maps region codes to new deficits in M USD, e.g. 'USA: 0'");
            for (yaml_node_pair_t *q = vn->data.mapping.pairs.start; q < vn->data.mapping.pairs.top; q++) {
                yaml_node_t *k2 = yaml_document_get_node(doc, q->key), *v2 = yaml_document_get_node(doc, q->value);
                double d;
                const char *v = scalar(v2);
                if (!v || tq__parse_double(v, &d))
                    return err_at(sp, v2, TQ_ERR_PARSE, "a deficit target is a number in M USD");
                if ((st = grow(sp, (void **)&s->targets, &s->ntargets, sizeof(target))))
                    return st;
                target *t = &s->targets[s->ntargets - 1];
                t->value = d;
                where_of(sp, k2, t->where, sizeof t->where);
                if ((st = dup_scalar(sp, k2, "deficits", &t->region)))
                    return st;
            }
            if (s->closure < 0 || s->closure == TQ_CLOSURE_TARGET)
                s->closure = TQ_CLOSURE_TARGET;
        } else if (!strcmp(k, "scenarios") && scenarios) {
            if (vn->type != YAML_SEQUENCE_NODE)
                return err_at(sp, vn, TQ_ERR_PARSE, "scenarios: is a list of scenarios");
            *scenarios = vn;
        } else {
            return err_at(sp, kn, TQ_ERR_PARSE, "unknown key '%s' (see docs/scenarios.md)", k);
        }
        if (st)
            return st;
    }
    if (s->ntargets > 0 && s->closure != TQ_CLOSURE_TARGET)
        return err_at(sp, n, TQ_ERR_PARSE, "deficits: needs closure: target");
    return TQ_OK;
}

static char *dup_or_null(tq_context *ctx, const char *s, int *fail)
{
    if (!s)
        return NULL;
    char *d = tq__strdup(ctx, s);
    if (!d)
        *fail = 1;
    return d;
}

/* Copy the defaults of the top level into a child scenario where it has none. */
static tq_status inherit(tq_spec *sp, const scen *top, scen *c)
{
    int fail = 0;
    if (!c->dataset)
        c->dataset = dup_or_null(sp->ctx, top->dataset, &fail);
    if (!c->aggregate)
        c->aggregate = dup_or_null(sp->ctx, top->aggregate, &fail);
    if (!c->sector_aggregate)
        c->sector_aggregate = dup_or_null(sp->ctx, top->sector_aggregate, &fail);
    if (!c->year)
        c->year = top->year;
    if (c->closure < 0)
        c->closure = top->closure;
    if (c->model < 0)
        c->model = top->model;
    if (!c->elas_set)
        c->elas_set = dup_or_null(sp->ctx, top->elas_set, &fail);
    if (!c->draws)
        c->draws = top->draws;
    if (!c->u_theta)
        c->u_theta = top->u_theta;
    if (!c->u_pe)
        c->u_pe = top->u_pe;
    if (!c->have_seed) {
        c->seed = top->seed;
        c->have_seed = top->have_seed;
    }
    if (c->nelas == 0 && top->nelas > 0) {
        for (int k = 0; k < top->nelas && !fail; k++) {
            if (grow(sp, (void **)&c->elas, &c->nelas, sizeof(elas)))
                return TQ_ERR_NOMEM;
            elas *e = &c->elas[c->nelas - 1];
            e->theta = top->elas[k].theta;
            memcpy(e->sec.where, top->elas[k].sec.where, sizeof e->sec.where);
            if (top->elas[k].sec.n) {
                e->sec.codes = tq__calloc(sp->ctx, (size_t)top->elas[k].sec.n, sizeof(char *));
                if (!e->sec.codes)
                    return TQ_ERR_NOMEM;
                for (int q = 0; q < top->elas[k].sec.n; q++) {
                    e->sec.codes[q] = dup_or_null(sp->ctx, top->elas[k].sec.codes[q], &fail);
                    e->sec.n = q + 1;
                }
            }
        }
    }
    return fail ? TQ_ERR_NOMEM : TQ_OK;
}

/* ------------------------------------------------------- strict checks --- */

/* Limits checked before libyaml sees the text (docs/scenarios.md, "Limits"): libyaml's
 * scanner takes time quadratic in the nesting depth (100,000 nested '[' take most of a
 * minute), so a file nested deeper than SPEC_MAX_DEPTH, or larger than SPEC_MAX_BYTES, is
 * refused by a linear pre-scan. */
enum { SPEC_MAX_BYTES = 4 << 20, SPEC_MAX_DEPTH = 64 };

static tq_status err_pos(tq_spec *sp, size_t line, size_t col, tq_status st, const char *msg)
{
    char file[600];
    snprintf(file, sizeof file, "%s:%lu:%lu", sp->origin, (unsigned long)line, (unsigned long)col);
    escape_into(file, file, sizeof file);
    return tq__error(sp->ctx, st, file, 0, NULL, "%s", msg);
}

static int is_sp(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* One character inside a quoted scalar of the pre-scan: steps over an escape or a doubled
 * quote and clears *quote at the closing one. */
static void in_quote(const char *text, size_t *j, size_t e, char *quote)
{
    const char c = text[*j];
    if (*quote == '\'' && c == '\'') {
        if (*j + 1 < e && text[*j + 1] == '\'')
            (*j)++;
        else
            *quote = 0;
    } else if (*quote == '"' && c == '\\') {
        (*j)++;
    } else if (*quote == '"' && c == '"') {
        *quote = 0;
    }
}

/* One character inside a flow collection: brackets nest (-1 when that passes the limit
 * with the nst block levels open), a quote opens a scalar where a token starts, and
 * *vstart says whether the next character starts one. */
static int in_flow(char c, int nst, int *flow, char *quote, int *vstart)
{
    if (c == '[' || c == '{') {
        if (nst + ++*flow > SPEC_MAX_DEPTH)
            return -1;
    } else if (c == ']' || c == '}') {
        (*flow)--;
    } else if ((c == '"' || c == '\'') && *vstart) {
        *quote = c;
    }
    *vstart = is_sp(c) || c == '[' || c == '{' || c == ',' || c == ':';
    return 0;
}

/* The pre-scan: size, bytes (UTF-8 without control characters other than tab, CR and
 * LF) and an estimate of the nesting depth that never needs more than one pass. The
 * depth is the number of open flow brackets plus the number of block levels: one per
 * deeper indentation and one per '- ', '? ' or ': ' indicator that starts a line. Quoted
 * scalars, comments and the lines of block scalars (| and >) are skipped, and a bracket
 * opens a flow collection only where a value starts, so text is never counted. */
static tq_status prescan(tq_spec *sp, const char *text, size_t len)
{
    if (len > SPEC_MAX_BYTES) {
        char msg[160];
        snprintf(msg, sizeof msg, "scenario file of %lu bytes is larger than the limit of %d MiB", (unsigned long)len,
                 SPEC_MAX_BYTES >> 20);
        return err_pos(sp, 1, 1, TQ_ERR_PARSE, msg);
    }
    const unsigned char *u = (const unsigned char *)text;
    size_t line = 1, bol = 0;
    for (size_t i = 0; i < len;) {
        if (u[i] == '\n') {
            line++, i++, bol = i;
            continue;
        }
        size_t k = (u[i] < 0x20 && u[i] != '\t' && u[i] != '\r') || u[i] == 0x7f ? 0 : tq__utf8_len(u + i, len - i);
        if (!k) {
            char msg[120];
            snprintf(msg, sizeof msg, "%s byte \\x%02X: a scenario file is UTF-8 text",
                     u[i] < 0x80 ? "control" : "invalid UTF-8", u[i]);
            return err_pos(sp, line, i - bol + 1, TQ_ERR_PARSE, msg);
        }
        i += k;
    }
    int stack[SPEC_MAX_DEPTH + 1], nst = 0, flow = 0, bs_parent = -1;
    char quote = 0;
    line = 0;
    for (size_t i = 0; i < len; line++) {
        size_t e = i;
        while (e < len && text[e] != '\n')
            e++;
        size_t j = i;
        int vstart = 0; /* at the start of a value (block context) or of a token (flow) */
        if (!quote && !flow) {
            while (j < e && text[j] == ' ')
                j++;
            int ind = (int)(j - i);
            if (j == e || text[j] == '#' || is_sp(text[j]) || (bs_parent >= 0 && ind > bs_parent)) {
                i = e + 1;
                continue;
            }
            bs_parent = -1;
            if (ind == 0 && e - j >= 3 && (!strncmp(text + j, "---", 3) || !strncmp(text + j, "...", 3)) &&
                (e - j == 3 || is_sp(text[j + 3]))) {
                nst = 0, j += 3;
            } else {
                while (nst && stack[nst - 1] > ind)
                    nst--;
                if (!nst || stack[nst - 1] < ind)
                    stack[nst++] = ind;
            }
            int base = ind, after_key = 0; /* the column a block scalar's lines must pass */
            while (j < e && (text[j] == '-' || text[j] == '?' || text[j] == ':') &&
                   (j + 1 == e || is_sp(text[j + 1]))) {
                base = (int)(j - i);
                j++;
                while (j < e && is_sp(text[j]))
                    j++;
                if (nst + flow >= SPEC_MAX_DEPTH)
                    goto deep;
                stack[nst++] = (int)(j - i);
            }
            if (nst + flow > SPEC_MAX_DEPTH)
                goto deep;
            vstart = 1;
            for (; j < e; j++) {
                char c = text[j];
                if (quote) {
                    in_quote(text, &j, e, &quote);
                    continue;
                }
                if (c == '#' && (j == i || is_sp(text[j - 1])))
                    break;
                if (flow) {
                    if (in_flow(c, nst, &flow, &quote, &vstart))
                        goto deep;
                    continue;
                }
                if (vstart && (c == '[' || c == '{')) {
                    if (nst + ++flow > SPEC_MAX_DEPTH)
                        goto deep;
                    vstart = 1;
                    continue;
                }
                if (vstart && (c == '"' || c == '\'')) {
                    quote = c;
                    continue;
                }
                if (vstart && (c == '|' || c == '>')) {
                    bs_parent = after_key && nst > 0 ? stack[nst - 1] : base;
                    break;
                }
                if (vstart && (c == '&' || c == '!')) { /* an anchor or tag before the value */
                    while (j + 1 < e && !is_sp(text[j + 1]))
                        j++;
                    continue;
                }
                vstart = (c == ':' && (j + 1 == e || is_sp(text[j + 1]))) || (vstart && is_sp(c));
                after_key |= c == ':' && vstart;
            }
            i = e + 1;
            continue;
        }
        /* inside a quoted scalar or a flow collection that started on an earlier line */
        vstart = 1;
        for (; j < e; j++) {
            char c = text[j];
            if (quote) {
                in_quote(text, &j, e, &quote);
                continue;
            }
            if (c == '#' && (j == i || is_sp(text[j - 1])))
                break;
            if (!flow) /* the rest of the line after a closing quote or bracket */
                continue;
            if (in_flow(c, nst, &flow, &quote, &vstart))
                goto deep;
        }
        i = e + 1;
        continue;
    deep : {
        char msg[160];
        snprintf(msg, sizeof msg, "nesting deeper than %d levels (the limit for scenario files)", SPEC_MAX_DEPTH);
        return err_pos(sp, line + 1, j - i + 1, TQ_ERR_PARSE, msg);
    }
    }
    return TQ_OK;
}

/* A scalar's text in a message: at most 60 bytes (escaped by err_at). */
static const char *clip(const yaml_node_t *n, char *buf, size_t cap)
{
    size_t L = n->data.scalar.length;
    snprintf(buf, cap, "%.*s%s", (int)(L > 60 ? 60 : L), (const char *)n->data.scalar.value, L > 60 ? "..." : "");
    return buf;
}

static int key_cmp(const void *a, const void *b)
{
    const yaml_node_t *x = *(const yaml_node_t *const *)a, *y = *(const yaml_node_t *const *)b;
    size_t lx = x->data.scalar.length, ly = y->data.scalar.length;
    int c = memcmp(x->data.scalar.value, y->data.scalar.value, lx < ly ? lx : ly);
    if (c || lx != ly)
        return c ? c : (lx < ly ? -1 : 1);
    return x->start_mark.index < y->start_mark.index ? -1 : x->start_mark.index > y->start_mark.index;
}

/* After libyaml: every scalar is UTF-8 without control characters other than tab and
 * newline (escapes such as "\0" or "\x01" in double quotes make them), no node is
 * reused through an alias, and no mapping holds a key twice (reported at the second one, the first such in the file).
 */
static tq_status check_doc(tq_spec *sp, yaml_document_t *doc)
{
    char buf[80];
    for (yaml_node_t *n = doc->nodes.start; n < doc->nodes.top; n++) {
        if (n->type != YAML_SCALAR_NODE)
            continue;
        const unsigned char *v = n->data.scalar.value;
        size_t L = n->data.scalar.length;
        for (size_t i = 0; i < L;) {
            size_t k = (v[i] < 0x20 && v[i] != '\t' && v[i] != '\n') || v[i] == 0x7f ? 0 : tq__utf8_len(v + i, L - i);
            if (!k)
                return err_at(sp, n, TQ_ERR_PARSE, "'%s' holds %s byte \\x%02X", clip(n, buf, sizeof buf),
                              v[i] < 0x80 ? "the control" : "an invalid UTF-8", v[i]);
            i += k;
        }
    }
    /* An alias (*NAME) makes a node appear twice: a few bytes can then stand for a list
     * of a million entries (each shock of a list of aliases holding a list of codes), so
     * anchors and aliases are not accepted. libyaml resolves an alias to its anchor's
     * node; the error points at that node. */
    size_t nn = (size_t)(doc->nodes.top - doc->nodes.start);
    unsigned char *seen = tq__calloc(sp->ctx, nn ? nn : 1, 1);
    if (!seen)
        return TQ_ERR_NOMEM;
    const yaml_node_t *again = NULL;
    for (yaml_node_t *n = doc->nodes.start; n < doc->nodes.top && !again; n++) {
        if (n->type == YAML_SEQUENCE_NODE) {
            for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top && !again; it++)
                if (*it >= 1 && (size_t)*it <= nn && seen[*it - 1]++)
                    again = doc->nodes.start + *it - 1;
        } else if (n->type == YAML_MAPPING_NODE) {
            for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top && !again; p++) {
                if (p->key >= 1 && (size_t)p->key <= nn && seen[p->key - 1]++)
                    again = doc->nodes.start + p->key - 1;
                else if (p->value >= 1 && (size_t)p->value <= nn && seen[p->value - 1]++)
                    again = doc->nodes.start + p->value - 1;
            }
        }
    }
    tq__free(sp->ctx, seen);
    if (again)
        return err_at(sp, again, TQ_ERR_PARSE,
                      "this node is used again through an alias (*NAME): anchors and aliases are not accepted in "
                      "scenario files");
    const yaml_node_t *dup = NULL;
    for (yaml_node_t *n = doc->nodes.start; n < doc->nodes.top; n++) {
        if (n->type != YAML_MAPPING_NODE)
            continue;
        size_t np = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start), m = 0;
        if (np < 2)
            continue;
        const yaml_node_t **keys = tq__malloc(sp->ctx, np * sizeof *keys);
        if (!keys)
            return TQ_ERR_NOMEM;
        for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
            const yaml_node_t *kn = yaml_document_get_node(doc, p->key);
            if (kn && kn->type == YAML_SCALAR_NODE)
                keys[m++] = kn;
        }
        qsort(keys, m, sizeof *keys, key_cmp);
        for (size_t q = 1; q < m; q++) {
            const yaml_node_t *a = keys[q - 1], *b = keys[q];
            if (a->data.scalar.length == b->data.scalar.length &&
                !memcmp(a->data.scalar.value, b->data.scalar.value, a->data.scalar.length) &&
                (!dup || b->start_mark.index < dup->start_mark.index))
                dup = b;
        }
        tq__free(sp->ctx, keys);
    }
    if (dup)
        return err_at(sp, dup, TQ_ERR_PARSE, "duplicate key '%s' (a key may appear once in a mapping)",
                      clip(dup, buf, sizeof buf));
    return TQ_OK;
}

static tq_status yaml_failed(tq_spec *sp, const yaml_parser_t *parser)
{
    char file[600];
    snprintf(file, sizeof file, "%s:%lu:%lu", sp->origin, (unsigned long)parser->problem_mark.line + 1,
             (unsigned long)parser->problem_mark.column + 1);
    escape_into(file, file, sizeof file);
    char msg[400];
    snprintf(msg, sizeof msg, "malformed YAML: %s%s%s", parser->problem ? parser->problem : "?",
             parser->context ? " " : "", parser->context ? parser->context : "");
    escape_into(msg, msg, sizeof msg);
    return tq__error(sp->ctx, TQ_ERR_PARSE, file, 0, NULL, "%s", msg);
}

static tq_status new_spec(tq_context *ctx, const char *origin, tq_spec **out)
{
    tq_spec *sp = tq__calloc(ctx, 1, sizeof *sp);
    if (!sp)
        return TQ_ERR_NOMEM;
    sp->ctx = ctx;
    sp->origin = tq__strdup(ctx, origin);
    const char *slash = strrchr(origin, '/');
    sp->dir = slash ? tq__malloc(ctx, (size_t)(slash - origin) + 1) : tq__strdup(ctx, ".");
    if (!sp->origin || !sp->dir) {
        tq_spec_free(sp);
        return TQ_ERR_NOMEM;
    }
    if (slash) {
        memcpy(sp->dir, origin, (size_t)(slash - origin));
        sp->dir[slash - origin] = 0;
    }
    *out = sp;
    return TQ_OK;
}

tq_status tq_spec_parse(tq_context *ctx, const char *text, size_t len, const char *origin, tq_spec **out)
{
    *out = NULL;
    tq_spec *sp;
    tq_status st = new_spec(ctx, origin ? origin : "(scenario)", &sp);
    if (st)
        return st;
    if ((st = prescan(sp, text, len))) {
        tq_spec_free(sp);
        return st;
    }
    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser)) {
        tq_spec_free(sp);
        return tq__error(ctx, TQ_ERR_NOMEM, NULL, 0, NULL, "out of memory (YAML parser)");
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        st = yaml_failed(sp, &parser);
        yaml_parser_delete(&parser);
        tq_spec_free(sp);
        return st;
    }
    /* one document per file: a second one (after '---') is refused, not ignored */
    yaml_document_t next;
    if (!yaml_parser_load(&parser, &next)) {
        st = yaml_failed(sp, &parser);
    } else {
        yaml_node_t *r2 = yaml_document_get_root_node(&next);
        if (r2) {
            char file[600];
            snprintf(file, sizeof file, "%s:%lu:%lu", sp->origin, (unsigned long)next.start_mark.line + 1,
                     (unsigned long)next.start_mark.column + 1);
            escape_into(file, file, sizeof file);
            st = tq__error(ctx, TQ_ERR_PARSE, file, 0, NULL,
                           "a second YAML document: a scenario file holds one (several scenarios go in scenarios:)");
        }
        yaml_document_delete(&next);
    }
    if (!st)
        st = check_doc(sp, &doc);
    if (st) {
        yaml_document_delete(&doc);
        yaml_parser_delete(&parser);
        tq_spec_free(sp);
        return st;
    }
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    scen top;
    memset(&top, 0, sizeof top);
    top.closure = -1;
    top.model = -1;
    yaml_node_t *list = NULL;
    if (!root) {
        st = err_at(sp, NULL, TQ_ERR_PARSE, "empty scenario file");
        goto done;
    }
    if ((st = parse_scen(sp, &doc, root, &top, &list)))
        goto done;
    if (list) {
        if (top.nshocks || top.ntargets || top.nmoves) {
            st = err_at(sp, list, TQ_ERR_PARSE,
                        "with scenarios: the shocks and strategy: go inside each scenario, not at the top level");
            goto done;
        }
        int cnt = (int)(list->data.sequence.items.top - list->data.sequence.items.start);
        if (cnt == 0) {
            st = err_at(sp, list, TQ_ERR_PARSE, "scenarios: is empty");
            goto done;
        }
        sp->s = tq__calloc(ctx, (size_t)cnt, sizeof(scen));
        if (!sp->s) {
            st = TQ_ERR_NOMEM;
            goto done;
        }
        for (int k = 0; k < cnt; k++) {
            yaml_node_t *it = yaml_document_get_node(&doc, list->data.sequence.items.start[k]);
            sp->s[k].closure = -1;
            sp->s[k].model = -1;
            sp->n = k + 1;
            if ((st = parse_scen(sp, &doc, it, &sp->s[k], NULL)) || (st = inherit(sp, &top, &sp->s[k])) ||
                (st = check_strategy(sp, &sp->s[k])))
                goto done;
            if (!sp->s[k].name) {
                st = err_at(sp, it, TQ_ERR_PARSE, "each scenario in scenarios: needs a name:");
                goto done;
            }
            for (int q = 0; q < k; q++)
                if (!strcmp(sp->s[q].name, sp->s[k].name)) {
                    st = err_at(sp, it, TQ_ERR_PARSE, "two scenarios are named '%s'", sp->s[k].name);
                    goto done;
                }
        }
    } else {
        sp->s = tq__calloc(ctx, 1, sizeof(scen));
        if (!sp->s) {
            st = TQ_ERR_NOMEM;
            goto done;
        }
        sp->s[0] = top;
        sp->n = 1;
        memset(&top, 0, sizeof top);
        if ((st = check_strategy(sp, &sp->s[0])))
            goto done;
        if (!sp->s[0].name) {
            /* default name: the file name without folder and extension */
            const char *b = strrchr(sp->origin, '/');
            b = b ? b + 1 : sp->origin;
            char nm[128];
            snprintf(nm, sizeof nm, "%s", b);
            char *dot = strrchr(nm, '.');
            if (dot)
                *dot = 0;
            sp->s[0].name = tq__strdup(ctx, nm);
            if (!sp->s[0].name)
                st = TQ_ERR_NOMEM;
        }
    }
done:
    free_scen(ctx, &top);
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    if (st) {
        tq_spec_free(sp);
        return st;
    }
    *out = sp;
    return TQ_OK;
}

tq_status tq_spec_load(tq_context *ctx, const char *path, tq_spec **out)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return tq__error(ctx, TQ_ERR_IO, path, 0, NULL, "cannot open the scenario file");
    size_t cap = 1 << 16, len = 0;
    char *buf = tq__malloc(ctx, cap);
    if (!buf) {
        fclose(f);
        return TQ_ERR_NOMEM;
    }
    size_t r;
    while ((r = fread(buf + len, 1, cap - len, f)) > 0) {
        len += r;
        if (len == cap) {
            if (len > SPEC_MAX_BYTES) { /* the rest is not read: tq_spec_parse refuses it */
                fclose(f);
                tq__free(ctx, buf);
                return tq__error(ctx, TQ_ERR_PARSE, path, 0, NULL, "scenario file larger than the limit of %d MiB",
                                 SPEC_MAX_BYTES >> 20);
            }
            char *nb = tq__realloc(ctx, buf, cap * 2);
            if (!nb) {
                fclose(f);
                tq__free(ctx, buf);
                return TQ_ERR_NOMEM;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    tq_status st = tq_spec_parse(ctx, buf, len, path, out);
    tq__free(ctx, buf);
    return st;
}

tq_status tq_spec_new(tq_context *ctx, const char *name, tq_spec **out)
{
    *out = NULL;
    tq_spec *sp;
    tq_status st = new_spec(ctx, "(command line)", &sp);
    if (st)
        return st;
    sp->s = tq__calloc(ctx, 1, sizeof(scen));
    if (!sp->s || !(sp->s[0].name = tq__strdup(ctx, name && *name ? name : "command-line"))) {
        tq_spec_free(sp);
        return TQ_ERR_NOMEM;
    }
    sp->s[0].closure = -1;
    sp->s[0].model = -1;
    sp->n = 1;
    *out = sp;
    return TQ_OK;
}

/* "IMP:EXP:SECTORS=VALUE" with lists separated by commas. */
static tq_status arg_sel(tq_spec *sp, const char *text, size_t n, sel *out, const char *where)
{
    snprintf(out->where, sizeof out->where, "%s", where);
    if (n == 0)
        return tq__error(sp->ctx, TQ_ERR_PARSE, where, 0, NULL, "empty field in IMP:EXP:SECTORS=VALUE");
    if ((n == 3 && (!strncmp(text, "all", 3) || !strncmp(text, "ALL", 3))))
        return TQ_OK;
    int cnt = 1;
    for (size_t k = 0; k < n; k++)
        cnt += text[k] == ',';
    out->codes = tq__calloc(sp->ctx, (size_t)cnt, sizeof(char *));
    if (!out->codes)
        return TQ_ERR_NOMEM;
    size_t a = 0;
    for (int c = 0; c < cnt; c++) {
        size_t b = a;
        while (b < n && text[b] != ',')
            b++;
        if (b == a)
            return tq__error(sp->ctx, TQ_ERR_PARSE, where, 0, NULL, "empty code in a list");
        out->codes[c] = tq__malloc(sp->ctx, b - a + 1);
        if (!out->codes[c])
            return TQ_ERR_NOMEM;
        memcpy(out->codes[c], text + a, b - a);
        out->codes[c][b - a] = 0;
        out->n = c + 1;
        a = b + 1;
    }
    return TQ_OK;
}

tq_status tq_spec_add_tariff_arg(tq_context *ctx, tq_spec *sp, const char *arg)
{
    char where[300];
    snprintf(where, sizeof where, "--tariff %.200s", arg);
    escape_into(where, where, sizeof where);
    const char *c1 = strchr(arg, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL, *eq = c2 ? strchr(c2 + 1, '=') : NULL;
    if (!c1 || !c2 || !eq)
        return tq__error(ctx, TQ_ERR_PARSE, where, 0, NULL,
                         "expected IMPORTER:EXPORTER:SECTORS=VALUE, e.g. USA:CHN:all=20%% or USA:JPN:autos=+25pp");
    /* the value first, so that a bad flag adds nothing */
    const char *v = eq + 1;
    double x;
    const char *suf = "";
    int op;
    double value;
    if (v[0] == 'x' || v[0] == '*') {
        if (tq__parse_double(v + 1, &x) || !(x > 0))
            return tq__error(ctx, TQ_ERR_PARSE, where, 0, NULL, "x<factor> takes a positive number, e.g. x1.1");
        op = OP_SCALE, value = x;
        if (tq__valid_factor(ctx, where, NULL, "x<factor>", x))
            return TQ_ERR_INVALID;
    } else if (parse_value(v, &x, &suf) == 0 && !strcmp(suf, "%")) {
        const char *first = v;
        while (*first == ' ')
            first++;
        if (*first == '+') /* "+25%" reads as "add", but % sets: refuse rather than guess */
            return tq__error(ctx, TQ_ERR_PARSE, where, 0, NULL,
                             "'%.40s' is ambiguous: write %+gpp to add points, or %g%% to set the tariff", v, x, x);
        if (x <= -100)
            return tq__error(ctx, TQ_ERR_INVALID, where, 0, NULL, "a tariff of %g%% is below -100%%", x);
        op = OP_SET, value = x / 100;
        if (tq__valid_tariff(ctx, where, NULL, NULL, value))
            return TQ_ERR_INVALID;
    } else if (parse_value(v, &x, &suf) == 0 && !strcmp(suf, "pp")) {
        op = OP_ADD, value = x / 100;
        if (!(fabs(value) < TQ__FACTOR_MAX))
            return tq__error(ctx, TQ_ERR_INVALID, where, 0, NULL,
                             "%+gpp outside the range [-%gpp, %gpp] (1+t at most %g)", x, 100 * TQ__FACTOR_MAX,
                             100 * TQ__FACTOR_MAX, TQ__FACTOR_MAX);
    } else {
        return tq__error(ctx, TQ_ERR_PARSE, where, 0, NULL,
                         "VALUE is 20%% (set), +25pp or -5pp (add points) or x1.1 (scale 1+t), not '%.40s'", v);
    }
    for (int k = 0; k < sp->n; k++) {
        scen *s = &sp->s[k];
        tq_status st = grow(sp, (void **)&s->shocks, &s->nshocks, sizeof(shock));
        if (st)
            return st;
        shock *sh = &s->shocks[s->nshocks - 1];
        snprintf(sh->where, sizeof sh->where, "%s", where);
        sh->type = SH_TARIFF;
        sh->op = op;
        sh->value = value;
        if ((st = arg_sel(sp, arg, (size_t)(c1 - arg), &sh->imp, where)) ||
            (st = arg_sel(sp, c1 + 1, (size_t)(c2 - c1 - 1), &sh->exp_, where)) ||
            (st = arg_sel(sp, c2 + 1, (size_t)(eq - c2 - 1), &sh->sec, where))) {
            free_sel(ctx, &sh->imp);
            free_sel(ctx, &sh->exp_);
            free_sel(ctx, &sh->sec);
            s->nshocks--;
            return st;
        }
    }
    return TQ_OK;
}

tq_status tq_spec_set_closure(tq_spec *sp, int k, tq_closure closure)
{
    for (int q = 0; q < sp->n; q++)
        if (k < 0 || q == k)
            sp->s[q].closure = (int)closure;
    return TQ_OK;
}

tq_status tq_spec_set_model(tq_spec *sp, int k, tq_model model)
{
    if (!tq_model_name(model))
        return tq__error(sp->ctx, TQ_ERR_INVALID, NULL, 0, "model", "unknown model %d", (int)model);
    for (int q = 0; q < sp->n; q++)
        if (k < 0 || q == k)
            sp->s[q].model = (int)model;
    return TQ_OK;
}

tq_status tq_spec_set_year(tq_spec *sp, int k, int year)
{
    if (year < 0 || year > 9999)
        return tq__error(sp->ctx, TQ_ERR_INVALID, NULL, 0, "year", "year %d is not a four-digit year", year);
    for (int q = 0; q < sp->n; q++)
        if (k < 0 || q == k)
            sp->s[q].year = year;
    return TQ_OK;
}

tq_status tq_spec_set_dataset(tq_spec *sp, int k, const char *dataset)
{
    for (int q = 0; q < sp->n; q++)
        if (k < 0 || q == k) {
            char *d = tq__strdup(sp->ctx, dataset);
            if (!d)
                return TQ_ERR_NOMEM;
            tq__free(sp->ctx, sp->s[q].dataset);
            sp->s[q].dataset = d;
        }
    return TQ_OK;
}

int tq_spec_count(const tq_spec *sp)
{
    return sp->n;
}

tq_status tq_spec_get(const tq_spec *sp, int k, tq_spec_info *out)
{
    if (k < 0 || k >= sp->n)
        return TQ_ERR_INVALID;
    const scen *s = &sp->s[k];
    out->name = s->name;
    out->title = s->title ? s->title : "";
    out->description = s->description ? s->description : "";
    out->origin = sp->origin;
    out->dataset = s->dataset;
    out->aggregate = s->aggregate;
    out->sector_aggregate = s->sector_aggregate;
    out->year = s->year;
    out->closure = s->closure < 0 ? TQ_CLOSURE_FIXED : (tq_closure)s->closure;
    out->shocks = s->nshocks;
    out->elasticities = s->elas_set;
    out->overrides = s->nelas;
    out->model = s->model < 0 ? TQ_MODEL_CP : (tq_model)s->model;
    return TQ_OK;
}

/* ------------------------------------------------------------- resolve --- */

static int code_eq_ci(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return 0;
    return *a == *b;
}

/* Mark the members of a selection in mask (length N or J); error at sel->where. */
static tq_status resolve(tq_context *ctx, const tq_dataset *ds, const sel *s, tq_group_kind kind, unsigned char *mask)
{
    int lim = kind == TQ_GROUP_REGION ? ds->N : ds->J;
    if (s->n == 0) {
        memset(mask, 1, (size_t)lim);
        return TQ_OK;
    }
    memset(mask, 0, (size_t)lim);
    int *mem = tq__malloc(ctx, sizeof(int) * (size_t)lim);
    if (!mem)
        return TQ_ERR_NOMEM;
    for (int k = 0; k < s->n; k++) {
        const char *c = s->codes[k];
        int idx = -1;
        for (int q = 0; q < lim && idx < 0; q++) {
            const char *code = kind == TQ_GROUP_REGION ? ds->rcode[q] : ds->scode[q];
            if (code_eq_ci(code, c))
                idx = q;
        }
        if (idx >= 0) {
            mask[idx] = 1;
            continue;
        }
        int cnt = tq_dataset_group(ds, kind, c, mem);
        if (cnt < 0 && code_eq_ci(c, "all")) {
            memset(mask, 1, (size_t)lim);
            continue;
        }
        if (cnt < 0) {
            char groups[400] = "";
            size_t o = 0;
            for (int g = 0; g < tq_dataset_group_count(ds, kind) && o + 40 < sizeof groups; g++)
                o += (size_t)snprintf(groups + o, sizeof groups - o, "%s%s", g ? ", " : "",
                                      tq_dataset_group_name(ds, kind, g));
            tq__free(ctx, mem);
            char shown[200]; /* the code as written, without raw bytes */
            escape_into(shown, c, sizeof shown);
            return tq__error(ctx, TQ_ERR_NOT_FOUND, s->where, 0, NULL,
                             "unknown %s '%s' in dataset %s (hint: tradeq info --%s lists codes; groups: %s)",
                             kind == TQ_GROUP_REGION ? "region" : "sector or group", shown, ds->name,
                             kind == TQ_GROUP_REGION ? "regions" : "sectors", o ? groups : "none, besides all");
        }
        for (int q = 0; q < cnt; q++)
            mask[mem[q]] = 1;
    }
    tq__free(ctx, mem);
    return TQ_OK;
}

tq_status tq_spec_apply_data(tq_context *ctx, const tq_spec *sp, int k, tq_dataset *ds)
{
    if (k < 0 || k >= sp->n)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, NULL, "scenario index %d out of range", k);
    const scen *s = &sp->s[k];
    unsigned char *mask = tq__malloc(ctx, (size_t)ds->J);
    if (!mask)
        return TQ_ERR_NOMEM;
    for (int e = 0; e < s->nelas; e++) {
        tq_status st = resolve(ctx, ds, &s->elas[e].sec, TQ_GROUP_SECTOR, mask);
        if (st) {
            tq__free(ctx, mask);
            return st;
        }
        for (int j = 0; j < ds->J; j++)
            if (mask[j])
                ds->theta[j] = s->elas[e].theta;
    }
    tq__free(ctx, mask);
    return TQ_OK;
}

/* A region code of ds: its index or -1. */
static int region_code(void *ud, const char *code)
{
    return tq_dataset_find_region(ud, code);
}

/* Read a pairs file (exporter,importer,value[,se]; docs/scenarios.md) into a [n,i]
 * matrix of b values (NAN = not listed) and, when se is not NULL, of their standard
 * errors (0 without the optional se column) and the pairs n*N+i in file order (order[],
 * *norder of them). A long table: unknown codes, duplicate pairs, bad numbers and a
 * negative se are errors naming the file, line and column. */
static tq_status read_pairs(tq_context *ctx, const tq_dataset *ds, const char *path, int need_value, double *b,
                            double *se, size_t *order, size_t *norder)
{
    if (norder)
        *norder = 0;
    const int N = ds->N;
    for (size_t q = 0; q < (size_t)N * (size_t)N; q++) {
        b[q] = NAN;
        if (se)
            se[q] = 0;
    }
    tq__lt_col cols[4];
    memset(cols, 0, sizeof cols);
    for (int k = 0; k < 2; k++) {
        cols[k].name = k == 0 ? "exporter" : "importer";
        cols[k].type = TQ__LT_KEY;
        cols[k].fn = region_code;
        cols[k].ud = (void *)ds;
        cols[k].count = N;
        cols[k].what = "region code";
    }
    cols[2].name = "value";
    cols[2].type = TQ__LT_VALUE;
    cols[2].optional = !need_value; /* an estimated b: the file only lists the pairs */
    cols[2].empty_ok = !need_value;
    cols[2].empty = 0;
    cols[3].name = "se"; /* the standard error of the row's b, for the draws (docs/uncertainty.md) */
    cols[3].type = TQ__LT_VALUE;
    cols[3].optional = 1;
    cols[3].empty_ok = 1;
    cols[3].empty = 0;
    const tq__lt_spec spec = {"pair", 1, 0, TQ_ERR_PARSE};
    tq__lt t;
    tq_status st = tq__lt_open(ctx, &t, path, cols, need_value ? 4 : 3, &spec);
    while (!st && tq__lt_next(&t, &st)) {
        size_t q = (size_t)tq__lt_key(&t, 1) * (size_t)N + (size_t)tq__lt_key(&t, 0);
        b[q] = tq__lt_value(&t, 2);
        if (order)
            order[(*norder)++] = q; /* each pair once: the table is unique */
        if (need_value && tq__lt_has(&t, 3)) {
            double e = tq__lt_value(&t, 3);
            if (!(e >= 0)) {
                st = tq__lt_error(&t, 3, TQ_ERR_INVALID, "a standard error is >= 0, not %g", e);
                break;
            }
            if (se)
                se[q] = e;
        }
    }
    tq__lt_close(&t);
    return st;
}

/* "importer X exporter Y sector Z" of a cell, for range errors. */
static const char *what_cell(const tq_dataset *ds, int n, int i, int j, char *buf, size_t cap)
{
    snprintf(buf, cap, "importer %s exporter %s sector %s", ds->rcode[n], ds->rcode[i], ds->scode[j]);
    return buf;
}

/* Apply shocks[0..nshocks-1] in order to the tariffs t [n,i,j] and, for non-tariff shocks,
 * to sc's iceberg changes (sc may be NULL for tariff shocks only). mi, me (N) and ms (J)
 * are scratch; *pairsp (N^2, allocated on the first pairs_file) is the caller's to free. */
static tq_status apply_shocks(tq_context *ctx, const tq_dataset *ds, const double *theta, const shock *shocks,
                              int nshocks, double *t, tq_scenario *sc, unsigned char *mi, unsigned char *me,
                              unsigned char *ms, double **pairsp)
{
    const int N = ds->N, J = ds->J;
    double *d = NULL, *pairs = *pairsp;
    char cell[200];
    tq_status st = TQ_OK;
    for (int q = 0; q < nshocks; q++) {
        const shock *sh = &shocks[q];
        if (sh->type != SH_TARIFF && !d && (!sc || !(d = tq_scenario_iceberg(sc)))) {
            st = TQ_ERR_NOMEM;
            goto out;
        }
        if (sh->pairs_file) {
            if (!pairs && !(pairs = *pairsp = tq__malloc(ctx, sizeof(double) * (size_t)N * (size_t)N))) {
                st = TQ_ERR_NOMEM;
                goto out;
            }
            if ((st = read_pairs(ctx, ds, sh->pairs_file, sh->op == OP_FROM_FILE, pairs, NULL, NULL, NULL)))
                goto out;
            memset(mi, 1, (size_t)N);
            memset(me, 1, (size_t)N);
        } else if ((st = resolve(ctx, ds, &sh->imp, TQ_GROUP_REGION, mi)) ||
                   (st = resolve(ctx, ds, &sh->exp_, TQ_GROUP_REGION, me))) {
            goto out;
        }
        if ((st = resolve(ctx, ds, &sh->sec, TQ_GROUP_SECTOR, ms)))
            goto out;
        int touched = 0;
        for (int n = 0; n < N; n++) {
            if (!mi[n])
                continue;
            for (int i = 0; i < N; i++) {
                if (!me[i] || (n == i && sh->type == SH_TARIFF))
                    continue;
                if (n == i && !sh->pairs_file)
                    continue; /* trade-cost shocks to listed pairs leave domestic trade alone */
                double bval = sh->value;
                if (sh->pairs_file && sh->op != OP_FROM_FILE && isnan(pairs[(size_t)n * (size_t)N + (size_t)i]))
                    continue; /* an estimated b for the listed pairs only */
                if (sh->op == OP_FROM_FILE) {
                    bval = pairs[(size_t)n * (size_t)N + (size_t)i];
                    if (isnan(bval))
                        continue;
                    char what[300];
                    snprintf(what, sizeof what, "%.200s: exporter %s importer %s", sh->pairs_file, ds->rcode[i],
                             ds->rcode[n]);
                    if ((st = tq__valid_partial(ctx, sh->where, NULL, what, bval)))
                        goto out;
                }
                for (int j = 0; j < J; j++) {
                    if (!ms[j])
                        continue;
                    size_t a = TQ_NIJ(N, J, n, i, j);
                    touched++;
                    if (sh->type == SH_TARIFF) {
                        double nt = sh->op == OP_SET   ? sh->value
                                    : sh->op == OP_ADD ? t[a] + sh->value
                                                       : (1 + t[a]) * sh->value - 1;
                        if (!(nt > -1)) {
                            st = tq__error(ctx, TQ_ERR_INVALID, sh->where, 0, NULL,
                                           "this shock takes %s's tariff on %s in %s to %.4g%%, below -100%%",
                                           ds->rcode[n], ds->rcode[i], ds->scode[j], 100 * nt);
                            goto out;
                        }
                        if ((st =
                                 tq__valid_tariff(ctx, sh->where, NULL, what_cell(ds, n, i, j, cell, sizeof cell), nt)))
                            goto out;
                        t[a] = nt;
                    } else {
                        if (sh->type == SH_NTB_AVE)
                            d[a] *= 1 + sh->value;
                        else /* flows at given prices scale by exp(b): (d^)^(-theta) = exp(b) */
                            d[a] *= exp(-bval / theta[j]);
                        if ((st = tq__valid_iceberg(ctx, sh->where, NULL, what_cell(ds, n, i, j, cell, sizeof cell),
                                                    d[a])))
                            goto out;
                    }
                }
            }
        }
        if (!touched) {
            st = tq__error(ctx, TQ_ERR_INVALID, sh->where, 0, NULL,
                           "this shock selects no trade flow (importer and exporter are the same region?)");
            goto out;
        }
    }
out:
    return st;
}

tq_status tq_spec_apply(tq_context *ctx, const tq_spec *sp, int k, const tq_dataset *ds, const tq_baseline *b,
                        tq_scenario *sc)
{
    if (k < 0 || k >= sp->n)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, NULL, "scenario index %d out of range", k);
    const scen *s = &sp->s[k];
    const int N = ds->N, J = ds->J;
    if (tq_baseline_regions(b) != N || tq_baseline_sectors(b) != J)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, NULL, "baseline and dataset differ in size");
    unsigned char *mi = tq__malloc(ctx, (size_t)N), *me = tq__malloc(ctx, (size_t)N), *ms = tq__malloc(ctx, (size_t)J);
    double *pairs = NULL, *tgt = NULL;
    tq_status st = TQ_OK;
    if (!mi || !me || !ms) {
        st = TQ_ERR_NOMEM;
        goto done;
    }
    /* the iceberg array is made only when a shock needs it (it is N^2 J doubles) */
    if ((st = apply_shocks(ctx, ds, tq_baseline_array(b, TQ_THETA, NULL), s->shocks, s->nshocks,
                           tq_scenario_tariffs(sc), sc, mi, me, ms, &pairs)))
        goto done;
    int closure = s->closure < 0 ? TQ_CLOSURE_FIXED : s->closure;
    if (closure == TQ_CLOSURE_TARGET) {
        if (s->ntargets == 0) {
            st = tq__error(ctx, TQ_ERR_INVALID, sp->origin, 0, NULL, "closure target needs deficits: (e.g. 'USA: 0')");
            goto done;
        }
        const double *D = tq_baseline_array(b, TQ_DEFICIT, NULL), *VA = tq_baseline_array(b, TQ_VA, NULL);
        tgt = tq__malloc(ctx, sizeof(double) * (size_t)N);
        if (!tgt) {
            st = TQ_ERR_NOMEM;
            goto done;
        }
        memset(mi, 0, (size_t)N);
        double change = 0, va_free = 0, world_va = 0;
        for (int n = 0; n < N; n++) {
            tgt[n] = D[n];
            world_va += VA[n];
        }
        for (int q = 0; q < s->ntargets; q++) {
            int n = tq_dataset_find_region(ds, s->targets[q].region);
            if (n < 0) {
                char shown[200];
                escape_into(shown, s->targets[q].region, sizeof shown);
                st = tq__error(ctx, TQ_ERR_NOT_FOUND, s->targets[q].where, 0, NULL,
                               "unknown region '%s' in deficits: (hint: tradeq info --regions)", shown);
                goto done;
            }
            if (mi[n]) {
                st = tq__error(ctx, TQ_ERR_PARSE, s->targets[q].where, 0, NULL, "region %s is listed twice",
                               ds->rcode[n]);
                goto done;
            }
            mi[n] = 1;
            change += s->targets[q].value - D[n];
            tgt[n] = s->targets[q].value;
        }
        for (int n = 0; n < N; n++)
            if (!mi[n])
                va_free += VA[n];
        if (va_free <= 0) {
            double sum = 0;
            for (int n = 0; n < N; n++)
                sum += tgt[n];
            if (fabs(sum) > 1e-6 * world_va) {
                st = tq__error(ctx, TQ_ERR_INVALID, s->targets[0].where, 0, NULL,
                               "the deficit targets cover every region and sum to %.6g M USD, not 0 (hint: leave "
                               "some region out to absorb the change)",
                               sum);
                goto done;
            }
        } else {
            for (int n = 0; n < N; n++)
                if (!mi[n])
                    tgt[n] -= change * VA[n] / va_free;
        }
        for (int n = 0; n < N; n++) {
            /* every region's income stays positive: I' = w^ VA + R' + D' with R' >= 0 */
            /* a listed region: its own entry; a region that absorbs the change: the first
             * target, which (with the others) causes it */
            const char *at = s->ntargets ? s->targets[0].where : sp->origin;
            for (int q = 0; q < s->ntargets; q++)
                if (tq_dataset_find_region(ds, s->targets[q].region) == n)
                    at = s->targets[q].where;
            char what[160];
            if (mi[n])
                snprintf(what, sizeof what, "region %s", ds->rcode[n]);
            else
                snprintf(what, sizeof what, "region %s (absorbing the change of the targets, %s: %g%s)", ds->rcode[n],
                         s->ntargets ? s->targets[0].region : "", s->ntargets ? s->targets[0].value : 0.0,
                         s->ntargets > 1 ? ", ..." : "");
            if ((st = tq__valid_deficit(ctx, at, NULL, what, tgt[n], VA[n])))
                goto done;
        }
        if ((st = tq_scenario_set_closure(sc, TQ_CLOSURE_TARGET, tgt)))
            goto done;
    } else {
        st = tq_scenario_set_closure(sc, (tq_closure)closure, NULL);
    }
done:
    tq__free(ctx, mi);
    tq__free(ctx, me);
    tq__free(ctx, ms);
    tq__free(ctx, pairs);
    tq__free(ctx, tgt);
    return st;
}

int tq_spec_named_regions(const tq_spec *sp, int k, const tq_dataset *ds, unsigned char *mask, int *importer,
                          int *exporter)
{
    if (importer)
        *importer = -1;
    if (exporter)
        *exporter = -1;
    if (k < 0 || k >= sp->n)
        return 0;
    memset(mask, 0, (size_t)ds->N);
    const scen *s = &sp->s[k];
    for (int q = 0; q < s->nshocks; q++) {
        const shock *sh = &s->shocks[q];
        const sel *pair[2] = {&sh->imp, &sh->exp_};
        for (int w = 0; w < 2; w++)
            for (int c = 0; c < pair[w]->n; c++) {
                int n = tq_dataset_find_region(ds, pair[w]->codes[c]);
                if (n >= 0)
                    mask[n] = 1;
            }
        if (q == 0 && sh->imp.n == 1 && sh->exp_.n == 1) {
            if (importer)
                *importer = tq_dataset_find_region(ds, sh->imp.codes[0]);
            if (exporter)
                *exporter = tq_dataset_find_region(ds, sh->exp_.codes[0]);
        }
    }
    for (int q = 0; q < s->ntargets; q++) {
        int n = tq_dataset_find_region(ds, s->targets[q].region);
        if (n >= 0)
            mask[n] = 1;
    }
    for (int q = 0; q < s->nmoves; q++) /* the movers of strategy: */
        for (int c = 0; c < s->moves[q].players.n; c++) {
            int n = tq_dataset_find_region(ds, s->moves[q].players.codes[c]);
            if (n >= 0)
                mask[n] = 1;
        }
    int cnt = 0;
    for (int n = 0; n < ds->N; n++)
        cnt += mask[n];
    return cnt;
}

tq_status tq_spec_uncertainty(const tq_spec *sp, int k, int *draws, int *sets, uint64_t *seed)
{
    if (!sp || k < 0 || k >= sp->n)
        return TQ_ERR_INVALID;
    const scen *s = &sp->s[k];
    if (draws)
        *draws = s->draws > 0 ? s->draws : 0;
    if (sets)
        *sets = s->draws < 0;
    if (seed)
        *seed = s->have_seed ? s->seed : 1;
    return TQ_OK;
}

/* ---------------------------------------------------------- the moves --- */

int tq_spec_moves(const tq_spec *sp, int k)
{
    return sp && k >= 0 && k < sp->n ? sp->s[k].nmoves : 0;
}

void tq__move_spec_free(tq_context *ctx, tq__move_spec *mv)
{
    if (!mv)
        return;
    tq__free(ctx, mv->players);
    tq__free(ctx, mv->sectors);
    mv->players = mv->sectors = NULL;
    mv->nplayers = mv->nsectors = 0;
}

tq_status tq__spec_move(tq_context *ctx, const tq_spec *sp, int k, int m, const tq_dataset *ds, tq__move_spec *out)
{
    memset(out, 0, sizeof *out);
    if (k < 0 || k >= sp->n || m < 0 || m >= sp->s[k].nmoves)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, NULL, "no move %d in scenario %d", m, k);
    const move *mv = &sp->s[k].moves[m];
    const int N = ds->N, J = ds->J;
    out->kind = (tq_move_kind)mv->kind;
    out->form = mv->form;
    out->upper = mv->upper;
    out->has_threat = mv->nthreat > 0;
    out->where = mv->where;
    unsigned char *seen = tq__calloc(ctx, (size_t)(N > J ? N : J), 1), *mask = tq__malloc(ctx, (size_t)(N > J ? N : J));
    out->players = tq__malloc(ctx, sizeof(int) * (size_t)N);
    tq_status st = TQ_OK;
    if (!seen || !mask || !out->players) {
        st = TQ_ERR_NOMEM;
        goto done;
    }
    /* players in the order written (the order of the best responses of a war) */
    int count = mv->players.n ? mv->players.n : 1;
    for (int c = 0; c < count; c++) {
        sel one = mv->players;
        if (mv->players.n) {
            one.codes = &mv->players.codes[c];
            one.n = 1;
        }
        if ((st = resolve(ctx, ds, &one, TQ_GROUP_REGION, mask)))
            goto done;
        int members = 0;
        for (int n = 0; n < N; n++)
            members += mask[n];
        if (out->kind == TQ_MOVE_OPTIMAL && members != 1) {
            st = tq__error(ctx, TQ_ERR_INVALID, mv->players.where, 0, "optimal",
                           "optimal: takes one region; '%s' is a group of %d (use nash: for several)",
                           mv->players.codes[c], members);
            goto done;
        }
        for (int n = 0; n < N; n++) {
            if (!mask[n])
                continue;
            if (seen[n]) {
                st = tq__error(ctx, TQ_ERR_INVALID, mv->players.where, 0, NULL, "region %s is named twice",
                               ds->rcode[n]);
                goto done;
            }
            seen[n] = 1;
            out->players[out->nplayers++] = n;
        }
    }
    if (out->kind == TQ_MOVE_TALKS && out->nplayers < 2) {
        st = tq__error(ctx, TQ_ERR_INVALID, mv->players.where, 0, "talks", "talks: needs at least two regions");
        goto done;
    }
    if (mv->have_sectors) {
        if ((st = resolve(ctx, ds, &mv->sectors, TQ_GROUP_SECTOR, mask)))
            goto done;
        if (!(out->sectors = tq__malloc(ctx, sizeof(int) * (size_t)J))) {
            st = TQ_ERR_NOMEM;
            goto done;
        }
        for (int j = 0; j < J; j++)
            if (mask[j])
                out->sectors[out->nsectors++] = j;
    }
done:
    tq__free(ctx, seen);
    tq__free(ctx, mask);
    if (st)
        tq__move_spec_free(ctx, out);
    return st;
}

tq_status tq__spec_move_threat(tq_context *ctx, const tq_spec *sp, int k, int m, const tq_dataset *ds, double *t)
{
    if (k < 0 || k >= sp->n || m < 0 || m >= sp->s[k].nmoves)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, NULL, "no move %d in scenario %d", m, k);
    const move *mv = &sp->s[k].moves[m];
    unsigned char *mi = tq__malloc(ctx, (size_t)ds->N), *me = tq__malloc(ctx, (size_t)ds->N),
                  *ms = tq__malloc(ctx, (size_t)ds->J);
    double *pairs = NULL;
    tq_status st = !mi || !me || !ms
                       ? TQ_ERR_NOMEM
                       : apply_shocks(ctx, ds, NULL, mv->threat, mv->nthreat, t, NULL, mi, me, ms, &pairs);
    tq__free(ctx, mi);
    tq__free(ctx, me);
    tq__free(ctx, ms);
    tq__free(ctx, pairs);
    return st;
}

tq_status tq_spec_uncertainty_params(const tq_spec *sp, int k, int *theta, int *partial_effects)
{
    if (!sp || k < 0 || k >= sp->n)
        return TQ_ERR_INVALID;
    const scen *s = &sp->s[k];
    if (theta)
        *theta = s->u_theta >= 0;
    if (partial_effects)
        *partial_effects = s->u_pe >= 0;
    return TQ_OK;
}

/* ------------------------------------------------------- the NTB plan --- */

typedef struct plan_item {
    size_t cell, pos; /* pos: the factor's place in file order (qsort is not stable) */
    int rv;
    double fb;
} plan_item;

static int cmp_item_cell(const void *a, const void *b)
{
    const plan_item *x = a, *y = b;
    if (x->cell != y->cell)
        return (x->cell > y->cell) - (x->cell < y->cell);
    return (x->pos > y->pos) - (x->pos < y->pos);
}

void tq__ntb_plan_free(tq_context *ctx, tq__ntb_plan *p)
{
    if (!p)
        return;
    tq__free(ctx, p->cell);
    tq__free(ctx, p->start);
    tq__free(ctx, p->frv);
    tq__free(ctx, p->fb);
    tq__free(ctx, p->se);
    tq__free(ctx, p->b0);
    tq__free(ctx, p->bmin);
    tq__free(ctx, p->bmax);
    tq__free(ctx, p);
}

/* *a grown to n doubles; -1 when out of memory (*a kept). */
static int grow_doubles(tq_context *ctx, double **a, int n)
{
    double *g = tq__realloc(ctx, *a, sizeof(double) * (size_t)n);
    if (!g)
        return -1;
    *a = g;
    return 0;
}

/* A new random variable of plan p with standard error se; its index or -1 (no memory). */
static int plan_new_rv(tq_context *ctx, tq__ntb_plan *p, int *cap, double se, double b)
{
    if (p->nrv == *cap) {
        int nc = *cap ? 2 * *cap : 16;
        if (grow_doubles(ctx, &p->se, nc) || grow_doubles(ctx, &p->b0, nc) || grow_doubles(ctx, &p->bmin, nc) ||
            grow_doubles(ctx, &p->bmax, nc))
            return -1;
        *cap = nc;
    }
    p->se[p->nrv] = se;
    p->b0[p->nrv] = b;
    p->bmin[p->nrv] = b;
    p->bmax[p->nrv] = b;
    return p->nrv++;
}

tq_status tq__spec_ntb_plan(tq_context *ctx, const tq_spec *sp, int k, const tq_dataset *ds, tq__ntb_plan **out)
{
    *out = NULL;
    if (k < 0 || k >= sp->n)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, NULL, "scenario index %d out of range", k);
    const scen *s = &sp->s[k];
    const int N = ds->N, J = ds->J;
    tq__ntb_plan *p = tq__calloc(ctx, 1, sizeof *p);
    unsigned char *mi = tq__malloc(ctx, (size_t)N), *me = tq__malloc(ctx, (size_t)N), *ms = tq__malloc(ctx, (size_t)J);
    int *shock_rv = tq__calloc(ctx, (size_t)s->nshocks + 1, sizeof(int));
    double *pairs = NULL, *pse = NULL;
    int *pair_rv = NULL;
    size_t *order = NULL, norder = 0;
    plan_item *it = NULL;
    size_t nit = 0, capit = 0;
    int caprv = 0;
    tq_status st = TQ_OK;
    if (!p || !mi || !me || !ms || !shock_rv) {
        st = TQ_ERR_NOMEM;
        goto done;
    }
    p->N = N;
    p->J = J;
    for (int q = 0; q < s->nshocks; q++) {
        const shock *sh = &s->shocks[q];
        if (sh->type == SH_TARIFF)
            continue;
        /* the entry's random variable: an estimated coefficient is one variable for every
         * entry that takes it; {b, se} one per entry; a pairs file's se column one per row */
        shock_rv[q] = TQ__PLAN_FIXED;
        if (sh->type == SH_NTB_B && sh->op != OP_FROM_FILE && sh->se > 0) {
            int r = -1;
            for (int e = 0; e < q && sh->coef_id; e++)
                if (s->shocks[e].coef_id && !strcmp(s->shocks[e].coef_id, sh->coef_id))
                    r = shock_rv[e];
            if (r < 0 && (r = plan_new_rv(ctx, p, &caprv, sh->se, sh->value)) < 0) {
                st = TQ_ERR_NOMEM;
                goto done;
            }
            shock_rv[q] = r;
            if (sh->value < p->bmin[r])
                p->bmin[r] = sh->value;
            if (sh->value > p->bmax[r])
                p->bmax[r] = sh->value;
        }
        if (sh->pairs_file) {
            if (!pairs && (!(pairs = tq__malloc(ctx, sizeof(double) * (size_t)N * (size_t)N)) ||
                           !(pse = tq__malloc(ctx, sizeof(double) * (size_t)N * (size_t)N)) ||
                           !(pair_rv = tq__malloc(ctx, sizeof(int) * (size_t)N * (size_t)N)) ||
                           !(order = tq__malloc(ctx, sizeof(size_t) * (size_t)N * (size_t)N)))) {
                st = TQ_ERR_NOMEM;
                goto done;
            }
            if ((st = read_pairs(ctx, ds, sh->pairs_file, sh->op == OP_FROM_FILE, pairs, pse, order, &norder)))
                goto done;
            memset(mi, 1, (size_t)N);
            memset(me, 1, (size_t)N);
            for (size_t c = 0; c < (size_t)N * (size_t)N; c++)
                pair_rv[c] = TQ__PLAN_FIXED;
            for (size_t r = 0; r < norder && sh->op == OP_FROM_FILE; r++) { /* a variable per row, in file order */
                size_t c = order[r];
                if (pse[c] > 0 && (pair_rv[c] = plan_new_rv(ctx, p, &caprv, pse[c], pairs[c])) < 0) {
                    st = TQ_ERR_NOMEM;
                    goto done;
                }
            }
        } else if ((st = resolve(ctx, ds, &sh->imp, TQ_GROUP_REGION, mi)) ||
                   (st = resolve(ctx, ds, &sh->exp_, TQ_GROUP_REGION, me))) {
            goto done;
        }
        if ((st = resolve(ctx, ds, &sh->sec, TQ_GROUP_SECTOR, ms)))
            goto done;
        /* the same cells, in the same order, as tq_spec_apply */
        for (int n = 0; n < N; n++) {
            if (!mi[n])
                continue;
            for (int i = 0; i < N; i++) {
                if (!me[i] || (n == i && !sh->pairs_file))
                    continue;
                size_t pq = (size_t)n * (size_t)N + (size_t)i;
                double bval = sh->value;
                int rv = sh->type == SH_NTB_AVE ? TQ__PLAN_CONST : shock_rv[q];
                if (sh->pairs_file && sh->op != OP_FROM_FILE && isnan(pairs[pq]))
                    continue;
                if (sh->op == OP_FROM_FILE) {
                    bval = pairs[pq];
                    if (isnan(bval))
                        continue;
                    rv = pair_rv[pq];
                }
                for (int j = 0; j < J; j++) {
                    if (!ms[j])
                        continue;
                    if (nit == capit) {
                        size_t nc = capit ? 2 * capit : 256;
                        plan_item *g = tq__realloc(ctx, it, sizeof *g * nc);
                        if (!g) {
                            st = TQ_ERR_NOMEM;
                            goto done;
                        }
                        it = g;
                        capit = nc;
                    }
                    it[nit].cell = TQ_NIJ(N, J, n, i, j);
                    it[nit].pos = nit;
                    it[nit].rv = rv;
                    it[nit].fb = sh->type == SH_NTB_AVE ? 1 + sh->value : bval;
                    nit++;
                    p->nb += rv != TQ__PLAN_CONST;
                }
            }
        }
    }
    /* group by cell, keeping the file order within a cell: sort by (cell, position) */
    if (nit > 1)
        qsort(it, nit, sizeof *it, cmp_item_cell);
    size_t nc = 0;
    for (size_t q = 0; q < nit; q++)
        nc += q == 0 || it[q].cell != it[q - 1].cell;
    p->ncells = nc;
    if (!(p->cell = tq__calloc(ctx, nc + 1, sizeof(size_t))) || !(p->start = tq__calloc(ctx, nc + 1, sizeof(size_t))) ||
        !(p->frv = tq__calloc(ctx, nit + 1, sizeof(int))) || !(p->fb = tq__calloc(ctx, nit + 1, sizeof(double)))) {
        st = TQ_ERR_NOMEM;
        goto done;
    }
    nc = 0;
    for (size_t q = 0; q < nit; q++) {
        if (q == 0 || it[q].cell != it[q - 1].cell) {
            p->cell[nc] = it[q].cell;
            p->start[nc++] = q;
        }
        p->frv[q] = it[q].rv;
        p->fb[q] = it[q].fb;
    }
    p->start[nc] = nit;
done:
    tq__free(ctx, mi);
    tq__free(ctx, me);
    tq__free(ctx, ms);
    tq__free(ctx, shock_rv);
    tq__free(ctx, pairs);
    tq__free(ctx, pse);
    tq__free(ctx, pair_rv);
    tq__free(ctx, order);
    tq__free(ctx, it);
    if (st) {
        tq__ntb_plan_free(ctx, p);
        return st;
    }
    *out = p;
    return TQ_OK;
}

void tq__ntb_plan_apply(const tq__ntb_plan *p, const double *theta, const double *z, double *d)
{
    const int J = p->J;
    for (size_t c = 0; c < p->ncells; c++) {
        const double th = theta[p->cell[c] % (size_t)J];
        double v = 1.0; /* the scenario's iceberg array starts at 1 (tq_scenario_iceberg) */
        for (size_t f = p->start[c]; f < p->start[c + 1]; f++) {
            const int r = p->frv[f];
            if (r == TQ__PLAN_CONST)
                v *= p->fb[f];
            else if (r == TQ__PLAN_FIXED || !z)
                v *= exp(-p->fb[f] / th);
            else
                v *= exp(-(p->fb[f] + p->se[r] * z[r]) / th);
        }
        d[p->cell[c]] = v;
    }
}
