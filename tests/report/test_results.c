/* Tests of the result writers (src/report/results.c, docs/results.md) on tests/data/tiny:
 * two runs side by side (AAA raises its tariff on BBB goods from 10% to 30%; nothing
 * changes), written as CSV, JSON, xlsx and .dta, then read back by independent readers
 * (a CSV parser here, jansson, ReadStat's parser, and the xlsx unzipped with libzip and
 * its sheet XML parsed with libxml2) and compared with each other; hand checks from
 * tests/data/tiny/README.md; equilibrium identities; refusal to overwrite; nothing left
 * behind after a failure (bad folder, cancellation, every allocation failing in turn). */
#include "tiny_runs.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>

#include <jansson.h>
#ifdef TQ_HAVE_DTA
#include <readstat.h>
#define DTA_FMT TQ_FORMAT_DTA
#else
#define DTA_FMT 0
#endif
#ifdef TQ_HAVE_XLSX
#define XLSX_FMT TQ_FORMAT_XLSX
#else
#define XLSX_FMT 0
#endif
#ifdef TQ_HAVE_XLSX_READER
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <zip.h>
#endif

/* ------------------------------------------------------------- fixture --- */

static int setup(void **state)
{
    (void)state;
    return tiny_runs_setup("scenarios/test.yaml", "AAA: 30% on BBB goods, \"quoted\", comma");
}
#define teardown tiny_runs_teardown

/* -------------------------------------------------- tables read back --- */

typedef struct tcell {
    int kind; /* 0 text, 1 number, 2 missing */
    double d;
    char *s;
} tcell;

typedef struct ttable {
    int ncols;
    char **names;
    size_t nrows, cap;
    tcell *cells;
    char label[256]; /* .dta file label */
} ttable;

static tcell *tt_at(ttable *t, size_t r, int k)
{
    while (r >= t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 16;
        t->cells = realloc(t->cells, cap * (size_t)t->ncols * sizeof *t->cells);
        assert_non_null(t->cells);
        memset(t->cells + t->cap * (size_t)t->ncols, 0, (cap - t->cap) * (size_t)t->ncols * sizeof *t->cells);
        for (size_t q = t->cap * (size_t)t->ncols; q < cap * (size_t)t->ncols; q++)
            t->cells[q].kind = 2;
        t->cap = cap;
    }
    if (r >= t->nrows)
        t->nrows = r + 1;
    return &t->cells[r * (size_t)t->ncols + (size_t)k];
}

static void tt_free(ttable *t)
{
    for (size_t q = 0; q < t->cap * (size_t)t->ncols; q++)
        free(t->cells[q].s);
    for (int k = 0; t->names && k < t->ncols; k++)
        free(t->names[k]);
    free(t->names);
    free(t->cells);
    memset(t, 0, sizeof *t);
}

static int tt_col(const ttable *t, const char *name)
{
    for (int k = 0; k < t->ncols; k++)
        if (strcmp(t->names[k], name) == 0)
            return k;
    fail_msg("no column %s", name);
    return -1;
}

static double tt_num(ttable *t, size_t r, const char *name)
{
    tcell *c = tt_at(t, r, tt_col(t, name));
    assert_int_equal(c->kind, 1);
    return c->d;
}

static const char *tt_str(ttable *t, size_t r, const char *name)
{
    tcell *c = tt_at(t, r, tt_col(t, name));
    assert_int_equal(c->kind, 0);
    return c->s;
}

/* Row of table t whose string columns k1, k2, k3 (NULL: unused) equal v1, v2, v3. */
static size_t tt_find(ttable *t, const char *k1, const char *v1, const char *k2, const char *v2, const char *k3,
                      const char *v3)
{
    for (size_t r = 0; r < t->nrows; r++)
        if (strcmp(tt_str(t, r, k1), v1) == 0 && (!k2 || strcmp(tt_str(t, r, k2), v2) == 0) &&
            (!k3 || strcmp(tt_str(t, r, k3), v3) == 0))
            return r;
    fail_msg("no row %s=%s %s=%s", k1, v1, k2 ? k2 : "", v2 ? v2 : "");
    return 0;
}

static char *slurp(const char *path, size_t *len)
{
    char *buf = slurp_or_null(path, len);
    if (!buf)
        fail_msg("cannot open %s", path);
    return buf;
}

/* CSV (RFC 4180 quoting), every field kept as text. */
static void read_csv(const char *path, ttable *t)
{
    size_t len;
    char *buf = slurp(path, &len);
    memset(t, 0, sizeof *t);
    char field[4096];
    size_t r = 0, fl = 0;
    int k = 0, header = 1;
    char **hdr = NULL;
    int nh = 0;
    for (size_t p = 0; p < len;) {
        int quoted = buf[p] == '"';
        fl = 0;
        if (quoted) {
            for (p++; p < len; p++) {
                if (buf[p] == '"') {
                    if (p + 1 < len && buf[p + 1] == '"')
                        p++;
                    else {
                        p++;
                        break;
                    }
                }
                assert_true(fl + 1 < sizeof field);
                field[fl++] = buf[p];
            }
        } else {
            while (p < len && buf[p] != ',' && buf[p] != '\n') {
                assert_true(fl + 1 < sizeof field);
                field[fl++] = buf[p++];
            }
        }
        field[fl] = 0;
        if (header) {
            hdr = realloc(hdr, (size_t)(nh + 1) * sizeof *hdr);
            hdr[nh++] = strdup(field);
        } else {
            assert_true(k < t->ncols);
            tcell *c = tt_at(t, r, k);
            c->kind = 0;
            c->s = strdup(field);
        }
        k++;
        assert_true(p < len); /* every line ends with \n */
        if (buf[p] == '\n') {
            if (header) {
                t->ncols = nh;
                t->names = hdr;
                header = 0;
            } else {
                assert_int_equal(k, t->ncols);
                r++;
            }
            k = 0;
        } else {
            assert_int_equal(buf[p], ',');
        }
        p++;
    }
    free(buf);
}

#ifdef TQ_HAVE_DTA
/* .dta through ReadStat's parser. */
static int dta_meta(readstat_metadata_t *m, void *ud)
{
    ttable *t = ud;
    t->ncols = readstat_get_var_count(m);
    t->names = calloc((size_t)t->ncols, sizeof *t->names);
    const char *label = readstat_get_file_label(m);
    snprintf(t->label, sizeof t->label, "%s", label ? label : "");
    return READSTAT_HANDLER_OK;
}

static int dta_var(int index, readstat_variable_t *v, const char *val_labels, void *ud)
{
    (void)val_labels;
    ttable *t = ud;
    t->names[index] = strdup(readstat_variable_get_name(v));
    return READSTAT_HANDLER_OK;
}

static int dta_value(int obs, readstat_variable_t *v, readstat_value_t value, void *ud)
{
    ttable *t = ud;
    tcell *c = tt_at(t, (size_t)obs, readstat_variable_get_index(v));
    if (readstat_value_type_class(value) == READSTAT_TYPE_CLASS_STRING) {
        c->kind = 0;
        const char *s = readstat_string_value(value);
        c->s = strdup(s ? s : "");
    } else if (readstat_value_is_missing(value, v)) {
        c->kind = 2;
    } else {
        c->kind = 1;
        c->d = readstat_double_value(value);
    }
    return READSTAT_HANDLER_OK;
}

static void read_dta(const char *path, ttable *t)
{
    memset(t, 0, sizeof *t);
    readstat_parser_t *p = readstat_parser_init();
    readstat_set_metadata_handler(p, dta_meta);
    readstat_set_variable_handler(p, dta_var);
    readstat_set_value_handler(p, dta_value);
    readstat_error_t err = readstat_parse_dta(p, path, t);
    readstat_parser_free(p);
    if (err)
        fail_msg("readstat: %s: %s", path, readstat_error_message(err));
}
#endif

#ifndef TQ_HAVE_DTA
/* The type the table model gives column `name` of table `table` (the types of CSV
 * fields are not in the file). */
static tq_coltype model_type(const char *table, const char *name)
{
    tq_tables *t;
    assert_int_equal(tq_tables_new(F.ctx, F.runs, 2, TQ_DETAIL_FULL, &t), TQ_OK);
    int k = tq_tables_find(t, table);
    assert_true(k >= 0);
    tq_coltype ty = tq_tables_col_type(t, k, tq_tables_col_find(t, k, name));
    tq_tables_free(t);
    assert_true(ty != TQ_COL_NONE);
    return ty;
}

/* CSV read back with its number, integer and flag columns as numbers (empty: missing). */
static void read_csv_typed(const char *path, const char *table, ttable *t)
{
    read_csv(path, t);
    for (int k = 0; k < t->ncols; k++) {
        if (model_type(table, t->names[k]) == TQ_COL_TEXT)
            continue;
        for (size_t r = 0; r < t->nrows; r++) {
            tcell *c = tt_at(t, r, k);
            char *end;
            double v = strtod(c->s, &end);
            if (c->s[0] && *end)
                fail_msg("%s row %zu %s: '%s' is not a number", table, r, t->names[k], c->s);
            c->kind = c->s[0] ? 1 : 2;
            c->d = v;
            free(c->s);
            c->s = NULL;
        }
    }
}

#endif

/* The typed reference of a table written into dir: the .dta when this build writes
 * Stata files, else the CSV typed by the model's column types. */
static void read_ref(const char *dir, const char *table, ttable *t)
{
    char name[64];
#ifdef TQ_HAVE_DTA
    snprintf(name, sizeof name, "results_%s.dta", table);
    char *p = path_in(dir, name);
    read_dta(p, t);
#else
    snprintf(name, sizeof name, "results_%s.csv", table);
    char *p = path_in(dir, name);
    read_csv_typed(p, table, t);
#endif
    free(p);
}

/* The formats this build writes, and how many files they make for ntables tables. */
static const unsigned ALL = TQ_FORMAT_CSV | TQ_FORMAT_JSON | XLSX_FMT | DTA_FMT;
static int nfiles(unsigned fmt, int ntables)
{
    return (fmt & TQ_FORMAT_CSV ? ntables : 0) + (fmt & TQ_FORMAT_JSON ? 1 : 0) + (fmt & TQ_FORMAT_XLSX ? 1 : 0) +
           (fmt & TQ_FORMAT_DTA ? ntables : 0);
}

#ifdef TQ_HAVE_XLSX_READER
/* xlsx: unzip a part, parse it with libxml2. */
static xmlDocPtr zip_xml(zip_t *z, const char *name)
{
    zip_stat_t zs;
    if (zip_stat(z, name, 0, &zs) != 0)
        return NULL;
    zip_file_t *f = zip_fopen(z, name, 0);
    assert_non_null(f);
    char *buf = malloc(zs.size + 1);
    assert_non_null(buf);
    assert_int_equal(zip_fread(f, buf, zs.size), (zip_int64_t)zs.size);
    zip_fclose(f);
    xmlDocPtr doc = xmlReadMemory(buf, (int)zs.size, name, NULL, XML_PARSE_NONET);
    free(buf);
    assert_non_null(doc);
    return doc;
}

static int is_el(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* Concatenated text of every <t> under n (shared and inline strings, rich text runs). */
static void collect_t(xmlNodePtr n, char *out, size_t cap)
{
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if (is_el(c, "t")) {
            xmlChar *s = xmlNodeGetContent(c);
            strncat(out, (const char *)s, cap - strlen(out) - 1);
            xmlFree(s);
        } else if (c->type == XML_ELEMENT_NODE) {
            collect_t(c, out, cap);
        }
    }
}

/* Find the first element called name in document order. */
static xmlNodePtr find_el(xmlNodePtr n, const char *name)
{
    for (; n; n = n->next) {
        if (is_el(n, name))
            return n;
        xmlNodePtr c = find_el(n->children, name);
        if (c)
            return c;
    }
    return NULL;
}

/* Sheet `sheet` of the workbook at path; row 1 becomes the column names. */
static void read_xlsx(const char *path, const char *sheet, ttable *t)
{
    memset(t, 0, sizeof *t);
    int zerr = 0;
    zip_t *z = zip_open(path, ZIP_RDONLY, &zerr);
    if (!z)
        fail_msg("libzip cannot open %s (%d)", path, zerr);
    /* workbook.xml: sheet name -> relationship id; the .rels: id -> part */
    xmlDocPtr wb = zip_xml(z, "xl/workbook.xml"), rels = zip_xml(z, "xl/_rels/workbook.xml.rels");
    assert_non_null(wb);
    assert_non_null(rels);
    char part[256] = "";
    for (xmlNodePtr s = find_el(xmlDocGetRootElement(wb), "sheet"); s; s = s->next) {
        if (!is_el(s, "sheet"))
            continue;
        xmlChar *name = xmlGetProp(s, (const xmlChar *)"name"), *rid = xmlGetProp(s, (const xmlChar *)"id");
        if (name && rid && strcmp((const char *)name, sheet) == 0)
            for (xmlNodePtr r = xmlDocGetRootElement(rels)->children; r; r = r->next) {
                if (!is_el(r, "Relationship"))
                    continue;
                xmlChar *id = xmlGetProp(r, (const xmlChar *)"Id"), *tg = xmlGetProp(r, (const xmlChar *)"Target");
                if (id && tg && strcmp((const char *)id, (const char *)rid) == 0)
                    snprintf(part, sizeof part, "xl/%s", (const char *)tg);
                xmlFree(id);
                xmlFree(tg);
            }
        xmlFree(name);
        xmlFree(rid);
    }
    xmlFreeDoc(wb);
    xmlFreeDoc(rels);
    if (!part[0])
        fail_msg("no sheet %s in %s", sheet, path);
    /* shared strings (absent when every string is inline) */
    char **sst = NULL;
    int nsst = 0;
    xmlDocPtr ss = zip_xml(z, "xl/sharedStrings.xml");
    if (ss) {
        for (xmlNodePtr si = xmlDocGetRootElement(ss)->children; si; si = si->next) {
            if (!is_el(si, "si"))
                continue;
            char buf[4096] = "";
            collect_t(si, buf, sizeof buf);
            sst = realloc(sst, (size_t)(nsst + 1) * sizeof *sst);
            sst[nsst++] = strdup(buf);
        }
        xmlFreeDoc(ss);
    }
    xmlDocPtr ws = zip_xml(z, part);
    assert_non_null(ws);
    zip_close(z);
    xmlNodePtr data = find_el(xmlDocGetRootElement(ws), "sheetData");
    assert_non_null(data);
    /* first pass: width of the header row */
    ttable raw = {0};
    raw.ncols = 64;
    int maxc = 0;
    for (xmlNodePtr row = data->children; row; row = row->next) {
        if (!is_el(row, "row"))
            continue;
        for (xmlNodePtr c = row->children; c; c = c->next) {
            if (!is_el(c, "c"))
                continue;
            xmlChar *ref = xmlGetProp(c, (const xmlChar *)"r"), *type = xmlGetProp(c, (const xmlChar *)"t");
            int col = 0, rn = 0;
            const char *p = (const char *)ref;
            for (; *p >= 'A' && *p <= 'Z'; p++)
                col = col * 26 + (*p - 'A' + 1);
            rn = atoi(p);
            assert_true(col >= 1 && col <= raw.ncols && rn >= 1);
            if (col > maxc)
                maxc = col;
            tcell *cell = tt_at(&raw, (size_t)(rn - 1), col - 1);
            const char *ty = type ? (const char *)type : "n";
            char buf[4096] = "";
            if (strcmp(ty, "inlineStr") == 0) {
                collect_t(c, buf, sizeof buf);
                cell->kind = 0;
                cell->s = strdup(buf);
            } else {
                xmlNodePtr v = c->children;
                while (v && !is_el(v, "v"))
                    v = v->next;
                assert_non_null(v);
                xmlChar *txt = xmlNodeGetContent(v);
                if (strcmp(ty, "s") == 0) {
                    int q = atoi((const char *)txt);
                    assert_true(q >= 0 && q < nsst);
                    cell->kind = 0;
                    cell->s = strdup(sst[q]);
                } else if (strcmp(ty, "str") == 0) {
                    cell->kind = 0;
                    cell->s = strdup((const char *)txt);
                } else {
                    assert_string_equal(ty, "n");
                    char *end;
                    cell->kind = 1;
                    cell->d = strtod((const char *)txt, &end);
                    assert_true(*end == 0);
                }
                xmlFree(txt);
            }
            xmlFree(ref);
            xmlFree(type);
        }
    }
    xmlFreeDoc(ws);
    for (int q = 0; q < nsst; q++)
        free(sst[q]);
    free(sst);
    /* header row -> names; the rest -> cells */
    t->ncols = maxc;
    t->names = calloc((size_t)maxc, sizeof *t->names);
    for (int k = 0; k < maxc; k++) {
        tcell *h = tt_at(&raw, 0, k);
        assert_int_equal(h->kind, 0);
        t->names[k] = strdup(h->s);
    }
    for (size_t r = 1; r < raw.nrows; r++)
        for (int k = 0; k < maxc; k++) {
            tcell *src = tt_at(&raw, r, k), *dst = tt_at(t, r - 1, k);
            *dst = *src;
            src->s = NULL;
        }
    tt_free(&raw);
}
#endif

/* ------------------------------------------------------------ compare --- */

static int close_rel(double a, double b, double tol)
{
    if (a == b)
        return 1;
    double m = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
    return fabs(a - b) <= tol * m;
}

/* Compare `other` (CSV: all text; xlsx: empty text cells are absent) with the typed
 * reference (the .dta) cell by cell. */
static void compare_tables(ttable *ref, ttable *other, const char *what)
{
    assert_int_equal(ref->ncols, other->ncols);
    for (int k = 0; k < ref->ncols; k++)
        if (strcmp(ref->names[k], other->names[k]) != 0)
            fail_msg("%s: column %d is %s, not %s", what, k, other->names[k], ref->names[k]);
    if (ref->nrows != other->nrows)
        fail_msg("%s: %zu rows, want %zu", what, other->nrows, ref->nrows);
    for (size_t r = 0; r < ref->nrows; r++)
        for (int k = 0; k < ref->ncols; k++) {
            tcell *a = tt_at(ref, r, k), *b = tt_at(other, r, k);
            if (a->kind == 0) {
                const char *bs = b->kind == 0 ? b->s : b->kind == 2 ? "" : NULL;
                if (!bs || strcmp(a->s, bs) != 0)
                    fail_msg("%s row %zu %s: '%s' vs '%s'", what, r, ref->names[k], a->s, bs ? bs : "(number)");
            } else if (a->kind == 2) {
                if (!(b->kind == 2 || (b->kind == 0 && b->s[0] == 0)))
                    fail_msg("%s row %zu %s: missing vs present", what, r, ref->names[k]);
            } else {
                double bd;
                if (b->kind == 0) {
                    char *end;
                    bd = strtod(b->s, &end);
                    if (b->s[0] == 0 || *end)
                        fail_msg("%s row %zu %s: '%s' is not a number", what, r, ref->names[k], b->s);
                } else if (b->kind == 1) {
                    bd = b->d;
                } else {
                    fail_msg("%s row %zu %s: missing", what, r, ref->names[k]);
                    return;
                }
                if (!close_rel(a->d, bd, 1e-12))
                    fail_msg("%s row %zu %s: %.17g vs %.17g", what, r, ref->names[k], a->d, bd);
            }
        }
}

static int is_trace(const char *name)
{
    return !strcmp(name, "scenario") || !strcmp(name, "dataset") || !strcmp(name, "dataset_hash") ||
           !strcmp(name, "closure") || !strcmp(name, "converged");
}

/* A JSON row object against row r of the typed reference, by the documented mapping:
 * trace columns left out, region/region_name -> code/name in `regions`, and
 * X_before_U / X_after_U -> X_U: {before, after}. */
static void compare_json_row(ttable *ref, size_t r, json_t *o, int regions, int with_trace, const char *what)
{
    assert_true(json_is_object(o));
    size_t used = 0;
    for (int k = 0; k < ref->ncols; k++) {
        const char *name = ref->names[k];
        if (!with_trace && is_trace(name))
            continue;
        char key[128], sub[8] = "";
        snprintf(key, sizeof key, "%s", name);
        if (regions && !strcmp(name, "region"))
            strcpy(key, "code");
        if (regions && !strcmp(name, "region_name"))
            strcpy(key, "name");
        const char *ba = strstr(name, "_before_");
        const char *aa = strstr(name, "_after_");
        if (ba || aa) {
            const char *m = ba ? ba : aa;
            snprintf(key, sizeof key, "%.*s_%s", (int)(m - name), name, m + (ba ? 8 : 7));
            strcpy(sub, ba ? "before" : "after");
        }
        json_t *v = json_object_get(o, key);
        if (!v)
            fail_msg("%s: no key %s", what, key);
        if (sub[0]) {
            assert_true(json_is_object(v));
            v = json_object_get(v, sub);
            if (!v)
                fail_msg("%s: no %s.%s", what, key, sub);
        } else {
            used++;
        }
        tcell *c = tt_at(ref, r, k);
        if (c->kind == 0) {
            if (!json_is_string(v) || strcmp(json_string_value(v), c->s) != 0)
                fail_msg("%s %s: want '%s'", what, key, c->s);
        } else if (c->kind == 2) {
            assert_true(json_is_null(v));
        } else if (!strcmp(name, "converged") || !strcmp(name, "domestic")) {
            assert_true(json_is_boolean(v));
            assert_int_equal(json_is_true(v), c->d != 0);
        } else {
            assert_true(json_is_number(v));
            if (!close_rel(json_number_value(v), c->d, 1e-12))
                fail_msg("%s %s: %.17g vs %.17g", what, key, json_number_value(v), c->d);
        }
    }
    (void)used;
}

static const char *const tables[] = {"regions", "region_sector", "bilateral", "decomposition", "run"};

/* ---------------------------------------------------------------- tests --- */

static void test_formats_agree(void **state)
{
    (void)state;
    char *dir = tq_test_tmpdir();
    char *out = path_in(dir, "out"); /* created by the call */
    assert_int_equal(tq_results_write(F.ctx, F.runs, 2, out, ALL, 0), TQ_OK);
    /* exactly the documented files, no leftovers */
    DIR *d = opendir(out);
    assert_non_null(d);
    int files = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        files++;
        assert_null(strstr(e->d_name, ".part"));
    }
    closedir(d);
    assert_int_equal(files, nfiles(ALL, 5));

    json_error_t jerr;
    char *jp = path_in(out, "results.json");
    json_t *root = json_load_file(jp, 0, &jerr);
    if (!root)
        fail_msg("results.json: %s at line %d", jerr.text, jerr.line);
    free(jp);
    assert_string_equal(json_string_value(json_object_get(root, "tradeq")), TQ_VERSION_STRING);
    json_t *scen = json_object_get(root, "scenarios");
    assert_int_equal(json_array_size(scen), 2);

    for (int tb = 0; tb < 5; tb++) {
        char name[64];
        ttable dta, csv;
        read_ref(out, tables[tb], &dta);
#ifdef TQ_HAVE_DTA
        snprintf(name, sizeof name, "tradeq 2 scenarios tiny %s", F.hash);
        assert_string_equal(dta.label, name);
#endif
        snprintf(name, sizeof name, "results_%s.csv", tables[tb]);
        char *p = path_in(out, name);
        read_csv(p, &csv);
        free(p);
        assert_true(dta.nrows > 0);
        compare_tables(&dta, &csv, tables[tb]);
#ifdef TQ_HAVE_XLSX_READER
        ttable xl;
        p = path_in(out, "results.xlsx");
        read_xlsx(p, tables[tb], &xl);
        free(p);
        compare_tables(&dta, &xl, tables[tb]);
        tt_free(&xl);
#endif
        /* JSON: every row of every table, per scenario, in order */
        size_t r = 0;
        for (size_t s = 0; s < 2; s++) {
            json_t *sj = json_array_get(scen, s);
            assert_string_equal(json_string_value(json_object_get(sj, "name")), F.runs[s].scenario);
            if (tb == 4) {
                compare_json_row(&dta, r, json_object_get(sj, "run"), 0, 1, "json run");
                json_t *sol = json_object_get(sj, "solver");
                assert_true(json_is_true(json_object_get(sol, "converged")));
                assert_int_equal(json_integer_value(json_object_get(sol, "iterations")),
                                 (json_int_t)tt_num(&dta, r, "iterations"));
                assert_true(
                    close_rel(json_number_value(json_object_get(sol, "residual")), tt_num(&dta, r, "residual"), 1e-12));
                assert_true(
                    close_rel(json_number_value(json_object_get(sol, "seconds")), tt_num(&dta, r, "seconds"), 1e-12));
                if (s == 0)
                    assert_true(json_equal(sol, json_object_get(root, "solver")));
                r++;
                continue;
            }
            json_t *rows = json_object_get(sj, tables[tb]);
            assert_true(json_is_array(rows));
            for (size_t q = 0; q < json_array_size(rows); q++, r++) {
                assert_string_equal(tt_str(&dta, r, "scenario"), F.runs[s].scenario);
                compare_json_row(&dta, r, json_array_get(rows, q), tb == 0, 0, tables[tb]);
            }
            if (tb == 0 && s == 0)
                assert_true(json_equal(rows, json_object_get(root, "regions")));
        }
        assert_int_equal(r, dta.nrows);
        tt_free(&dta);
        tt_free(&csv);
    }
    json_decref(root);
    free(out);
    tq_test_rmtree(dir);
}

/* Hand checks (tests/data/tiny/README.md) and identities of a solved equilibrium. */
static void test_values(void **state)
{
    (void)state;
    char *dir = tq_test_tmpdir();
    assert_int_equal(tq_results_write(F.ctx, F.runs, 2, dir, DTA_FMT ? DTA_FMT : TQ_FORMAT_CSV, 0), TQ_OK);
    ttable reg, rs, bil, dec, run;
    read_ref(dir, "regions", &reg);
    read_ref(dir, "region_sector", &rs);
    read_ref(dir, "bilateral", &bil);
    read_ref(dir, "decomposition", &dec);
    read_ref(dir, "run", &run);

    static const char *const codes[3] = {"AAA", "BBB", "CCC"};
    static const double ex[3] = {40, 30, 20}, im[3] = {30, 40, 20}, rev[3] = {2, 6, 0.5}, def[3] = {-10, 10, 0},
                        inc[3] = {195, 177, 119.5}, Yg[3] = {140, 110, 80}, Ys[3] = {150, 120, 90};
    const double tol = 1e-8; /* the baseline is recalibrated to the solver's 1e-10 */
    for (int s = 0; s < 2; s++) {
        const char *sn = F.runs[s].scenario;
        for (int n = 0; n < 3; n++) {
            size_t r = tt_find(&reg, "scenario", sn, "region", codes[n], NULL, NULL);
            tq_assert_close(tt_num(&reg, r, "exports_before_musd"), ex[n], tol);
            tq_assert_close(tt_num(&reg, r, "imports_before_musd"), im[n], tol);
            tq_assert_close(tt_num(&reg, r, "tariff_revenue_before_musd"), rev[n], tol);
            tq_assert_close(tt_num(&reg, r, "deficit_before_musd"), def[n], tol);
            tq_assert_close(tt_num(&reg, r, "income_before_musd"), inc[n], tol);
            assert_string_equal(tt_str(&reg, r, "dataset"), "tiny");
            assert_string_equal(tt_str(&reg, r, "dataset_hash"), F.hash);
            assert_string_equal(tt_str(&reg, r, "closure"), "fixed");
            assert_int_equal((int)tt_num(&reg, r, "converged"), 1);
            double va0 = 0, va1 = 0;
            for (int j = 0; j < 2; j++) {
                size_t q = tt_find(&rs, "scenario", sn, "region", codes[n], "sector", j ? "S" : "G");
                double y = j ? Ys[n] : Yg[n];
                tq_assert_close(tt_num(&rs, q, "output_before_musd"), y, tol);
                tq_assert_close(tt_num(&rs, q, "value_added_before_musd"), 0.7 * y, tol);
                if (j == 1) { /* services are not traded */
                    assert_true(tt_num(&rs, q, "exports_after_musd") == 0);
                    assert_true(tt_num(&rs, q, "imports_after_musd") == 0);
                }
                va0 += tt_num(&rs, q, "value_added_before_musd");
                va1 += tt_num(&rs, q, "value_added_after_musd");
                /* theta of the tiny data (tests/data/tiny/sectors.csv): 4 in both sectors */
                assert_true(tt_num(&rs, q, "theta") == 4.0);
            }
            /* the sectors' employment shares are value-added shares and sum to one, before
             * and after; the change is that of the share */
            double sh0 = 0, sh1 = 0;
            for (int j = 0; j < 2; j++) {
                size_t q = tt_find(&rs, "scenario", sn, "region", codes[n], "sector", j ? "S" : "G");
                double s0 = tt_num(&rs, q, "employment_before_share"), s1 = tt_num(&rs, q, "employment_after_share");
                tq_assert_close(s0, tt_num(&rs, q, "value_added_before_musd") / va0, 1e-12);
                tq_assert_close(s1, tt_num(&rs, q, "value_added_after_musd") / va1, 1e-12);
                tq_assert_close(tt_num(&rs, q, "employment_change_pct"), 100 * (s1 / s0 - 1), 1e-10);
                sh0 += s0;
                sh1 += s1;
            }
            tq_assert_close(sh0, 1.0, 1e-14);
            tq_assert_close(sh1, 1.0, 1e-14);
            /* value added moves with the wage: sum_j beta Y' = w^ VA */
            tq_assert_close(va1, (1 + tt_num(&reg, r, "wage_change_pct") / 100) * va0, 1e-8);
            /* real GDP: w^ over the CPI; the multilateral balance is exports - imports = -D */
            tq_assert_close(
                tt_num(&reg, r, "real_gdp_pct"),
                100 * ((1 + tt_num(&reg, r, "wage_change_pct") / 100) / (1 + tt_num(&reg, r, "cpi_pct") / 100) - 1),
                1e-10);
            tq_assert_close(tt_num(&reg, r, "trade_balance_before_musd"), -def[n], tol);
            tq_assert_close(tt_num(&reg, r, "trade_balance_after_musd"), -tt_num(&reg, r, "deficit_after_musd"), 1e-8);
            /* (E5): imports - exports = D' */
            tq_assert_close(tt_num(&reg, r, "imports_after_musd") - tt_num(&reg, r, "exports_after_musd"),
                            tt_num(&reg, r, "deficit_after_musd"), 1e-8);
            /* tariff revenue from the bilateral rows equals the engine's R' */
            double R1 = 0, dsum = 0;
            for (size_t q = 0; q < bil.nrows; q++)
                if (!strcmp(tt_str(&bil, q, "scenario"), sn) && !strcmp(tt_str(&bil, q, "importer"), codes[n])) {
                    R1 += tt_num(&bil, q, "trade_after_musd") * tt_num(&bil, q, "tariff_after_pct") / 100;
                    assert_int_equal((int)tt_num(&bil, q, "domestic"), !strcmp(tt_str(&bil, q, "exporter"), codes[n]));
                }
            tq_assert_close(R1, tt_num(&reg, r, "tariff_revenue_after_musd"), 1e-10);
            /* the decomposition rows add up to the region's ToT and VoT */
            double tsum = 0;
            for (size_t q = 0; q < dec.nrows; q++)
                if (!strcmp(tt_str(&dec, q, "scenario"), sn) && !strcmp(tt_str(&dec, q, "region"), codes[n])) {
                    tsum += tt_num(&dec, q, "tot_pct");
                    dsum += tt_num(&dec, q, "vot_pct");
                }
            tq_assert_close(tsum, tt_num(&reg, r, "tot_pct"), 1e-10);
            tq_assert_close(dsum, tt_num(&reg, r, "vot_pct"), 1e-10);
            tq_assert_close(tt_num(&reg, r, "tot_pct") + tt_num(&reg, r, "vot_pct"), tt_num(&reg, r, "decomp_pct"),
                            1e-12);
        }
    }
    /* unchanged: every pct is 0, every after equals its before */
    for (int t = 0; t < 3; t++) {
        ttable *tb = t == 0 ? &reg : t == 1 ? &rs : &bil;
        for (size_t r = 0; r < tb->nrows; r++) {
            if (strcmp(tt_str(tb, r, "scenario"), "unchanged") != 0)
                continue;
            for (int k = 0; k < tb->ncols; k++) {
                const char *c = tb->names[k];
                size_t L = strlen(c);
                if (L > 4 && !strcmp(c + L - 4, "_pct") && strncmp(c, "tariff_", 7) != 0)
                    tq_assert_close(tt_num(tb, r, c), 0.0, 1e-9);
                if (!strcmp(c, "ev_musd"))
                    tq_assert_close(tt_num(tb, r, c), 0.0, 1e-8);
                const char *a = strstr(c, "_after_");
                if (a) {
                    char before[64];
                    snprintf(before, sizeof before, "%.*s_before_%s", (int)(a - c), c, a + 7);
                    tq_assert_close(tt_num(tb, r, c), tt_num(tb, r, before), 1e-9);
                }
            }
        }
    }
    /* the shock: AAA's tariff on BBB goods 10% -> 30%; AAA buys less from BBB */
    size_t q = tt_find(&bil, "scenario", "tariff-up", "importer", "AAA", "exporter", "BBB");
    assert_string_equal(tt_str(&bil, q, "sector"), "G");
    tq_assert_close(tt_num(&bil, q, "tariff_before_pct"), 10, 1e-12);
    tq_assert_close(tt_num(&bil, q, "tariff_after_pct"), 30, 1e-12);
    assert_true(tt_num(&bil, q, "trade_after_musd") < tt_num(&bil, q, "trade_before_musd"));
    size_t r = tt_find(&reg, "scenario", "tariff-up", "region", "BBB", NULL, NULL);
    assert_true(tt_num(&reg, r, "welfare_pct") < 0); /* the exporter facing the tariff loses */
    /* services are domestic only: no bilateral row for BBB -> AAA services */
    for (size_t k = 0; k < bil.nrows; k++)
        if (!strcmp(tt_str(&bil, k, "sector"), "S"))
            assert_int_equal((int)tt_num(&bil, k, "domestic"), 1);
    /* run metadata */
    assert_int_equal(run.nrows, 2);
    assert_string_equal(tt_str(&run, 0, "scenario_file"), "scenarios/test.yaml");
    assert_string_equal(tt_str(&run, 1, "scenario_file"), "");
    assert_string_equal(tt_str(&run, 0, "description"), F.runs[0].description);
    assert_int_equal((int)tt_num(&run, 0, "year"), 2020);
    assert_string_equal(tt_str(&run, 0, "method"), "anderson");
    assert_string_equal(tt_str(&run, 0, "tradeq_version"), TQ_VERSION_STRING);
    assert_int_equal((int)tt_num(&run, 0, "iterations"), tq_result_info(F.res[0])->iterations);
    assert_true(tt_num(&run, 0, "residual") == tq_result_info(F.res[0])->residual);
    tt_free(&reg);
    tt_free(&rs);
    tt_free(&bil);
    tt_free(&dec);
    tt_free(&run);
    tq_test_rmtree(dir);
}

static void test_overwrite(void **state)
{
    (void)state;
    char *dir = tq_test_tmpdir();
    const int nf = nfiles(TQ_FORMAT_CSV | DTA_FMT, 5);
    assert_int_equal(tq_results_write(F.ctx, F.runs, 1, dir, TQ_FORMAT_CSV | DTA_FMT, 0), TQ_OK);
    assert_int_equal(dir_entries(dir), nf);
    char *p;
#ifdef TQ_HAVE_DTA
    ttable dta;
    p = path_in(dir, "results_regions.dta");
    read_dta(p, &dta);
    free(p);
    char want[128];
    snprintf(want, sizeof want, "tradeq tariff-up tiny %s", F.hash);
    assert_string_equal(dta.label, want);
    tt_free(&dta);
#endif
    /* refused: nothing is touched */
    tq_test_write(dir, "results_run.csv", "mine\n");
    assert_int_equal(tq_results_write(F.ctx, F.runs, 2, dir, TQ_FORMAT_CSV, 0), TQ_ERR_EXISTS);
    tq_assert_error(F.ctx, "results_regions.csv", "overwrite");
    p = path_in(dir, "results_run.csv");
    char *txt = slurp(p, NULL);
    assert_string_equal(txt, "mine\n");
    free(txt);
    assert_int_equal(dir_entries(dir), nf);
    /* other formats are not in the way */
    assert_int_equal(tq_results_write(F.ctx, F.runs, 2, dir, TQ_FORMAT_JSON, 0), TQ_OK);
    assert_int_equal(dir_entries(dir), nf + 1);
    /* overwrite replaces */
    assert_int_equal(tq_results_write(F.ctx, F.runs, 2, dir, TQ_FORMAT_CSV, 1), TQ_OK);
    txt = slurp(p, NULL);
    assert_non_null(strstr(txt, "unchanged"));
    free(txt);
    free(p);
    assert_int_equal(dir_entries(dir), nf + 1);
    tq_test_rmtree(dir);
}

static void test_failures_leave_nothing(void **state)
{
    (void)state;
    char *dir = tq_test_tmpdir();
    /* the folder is a file */
    tq_test_write(dir, "afile", "x");
    char *f = path_in(dir, "afile");
    assert_int_equal(tq_results_write(F.ctx, F.runs, 2, f, TQ_FORMAT_CSV, 1), TQ_ERR_IO);
    tq_assert_error(F.ctx, "afile", "not a folder");
    /* a parent that is a file (a missing parent is made: test_missing_parents) */
    char *deep = path_in(dir, "afile/such");
    assert_int_equal(tq_results_write(F.ctx, F.runs, 2, deep, TQ_FORMAT_CSV, 1), TQ_ERR_IO);
    tq_assert_error(F.ctx, "afile", "not a folder");
    assert_int_equal(dir_entries(dir), 1);
    /* a target that is a folder, even with overwrite */
    char *out = path_in(dir, "out");
    assert_int_equal(mkdir(out, 0777), 0);
    char *blocker = path_in(out, DTA_FMT ? "results_run.dta" : "results.json");
    assert_int_equal(mkdir(blocker, 0777), 0);
    assert_int_equal(tq_results_write(F.ctx, F.runs, 2, out, TQ_FORMAT_CSV | (DTA_FMT ? DTA_FMT : TQ_FORMAT_JSON), 1),
                     TQ_ERR_IO);
    tq_assert_error(F.ctx, DTA_FMT ? "results_run.dta" : "results.json");
    assert_int_equal(dir_entries(out), 1);
    rmdir(blocker);
    free(blocker);
    /* bad arguments */
    const unsigned all = ALL;
    assert_int_equal(tq_results_write(F.ctx, F.runs, 0, out, all, 0), TQ_ERR_INVALID);
    assert_int_equal(tq_results_write(F.ctx, F.runs, 1, out, 0, 0), TQ_ERR_INVALID);
    assert_int_equal(tq_results_write(F.ctx, F.runs, 1, out, 16, 0), TQ_ERR_INVALID);
    tq_run two[2] = {F.runs[0], F.runs[0]};
    assert_int_equal(tq_results_write(F.ctx, two, 2, out, all, 0), TQ_ERR_INVALID);
    tq_assert_error(F.ctx, "tariff-up");
    two[1].scenario = "other";
    two[1].res = NULL;
    assert_int_equal(tq_results_write(F.ctx, two, 2, out, all, 0), TQ_ERR_INVALID);
    tq_baseline *b2;
    assert_int_equal(tq_baseline_new(F.ctx, F.ds, 0, TQ_CLOSURE_FIXED, NULL, &b2), TQ_OK);
    two[1].res = F.res[1];
    two[1].base = b2; /* sc was made from another baseline */
    assert_int_equal(tq_results_write(F.ctx, two, 2, out, all, 0), TQ_ERR_INVALID);
    tq_baseline_free(b2);
    assert_int_equal(dir_entries(out), 0);
    free(out);
    free(deep);
    free(f);
    tq_test_rmtree(dir);
}

/* Cancel at every progress report in turn: each time, no file and no folder remain. */

static void test_cancel(void **state)
{
    (void)state;
    char *dir = tq_test_tmpdir();
    char *out = path_in(dir, "out");
    const unsigned all = ALL;
    tq_context_set_progress(F.ctx, cancel_cb, NULL);
    int k = 1;
    for (;; k++) {
        cancel_at = k;
        tq_context_reset_cancel(F.ctx);
        tq_status st = tq_results_write(F.ctx, F.runs, 2, out, all, 0);
        if (st == TQ_OK)
            break;
        assert_int_equal(st, TQ_ERR_CANCELLED);
        assert_int_equal(dir_entries(out), -1); /* the folder it made is gone too */
    }
    tq_context_set_progress(F.ctx, NULL, NULL);
    tq_context_reset_cancel(F.ctx);
    assert_int_equal(k, 1 + nfiles(ALL, 5) + 1); /* one report before writing, one per file */
    assert_int_equal(dir_entries(out), nfiles(ALL, 5));
    free(out);
    tq_test_rmtree(dir);
}

/* A folder whose parents do not exist is made with them (as mkdir -p); a failure
 * removes every folder the call made, and only those. */
static void test_missing_parents(void **state)
{
    (void)state;
    char *dir = tq_test_tmpdir();
    char *a = path_in(dir, "a"), *deep = path_in(dir, "a/b/c");
    tq_context_set_progress(F.ctx, cancel_cb, NULL);
    cancel_at = 2; /* after the folders were made, before the last file */
    tq_context_reset_cancel(F.ctx);
    assert_int_equal(tq_results_write(F.ctx, F.runs, 2, deep, TQ_FORMAT_CSV, 0), TQ_ERR_CANCELLED);
    assert_int_equal(dir_entries(a), -1); /* a, a/b and a/b/c are gone */
    assert_int_equal(dir_entries(dir), 0);
    tq_context_set_progress(F.ctx, NULL, NULL);
    tq_context_reset_cancel(F.ctx);
    assert_int_equal(tq_results_write(F.ctx, F.runs, 2, deep, TQ_FORMAT_CSV, 0), TQ_OK);
    assert_int_equal(dir_entries(deep), nfiles(TQ_FORMAT_CSV, 5));
    /* a failure below an existing parent removes only what it made */
    char *e = path_in(dir, "a/e/f");
    tq_context_set_progress(F.ctx, cancel_cb, NULL);
    cancel_at = 2;
    tq_context_reset_cancel(F.ctx);
    assert_int_equal(tq_results_write(F.ctx, F.runs, 2, e, TQ_FORMAT_CSV, 0), TQ_ERR_CANCELLED);
    tq_context_set_progress(F.ctx, NULL, NULL);
    tq_context_reset_cancel(F.ctx);
    assert_int_equal(dir_entries(a), 1); /* a/b only */
    free(a);
    free(deep);
    free(e);
    tq_test_rmtree(dir);
}

/* Fail the k-th allocation of the library for k = 0, 1, ... on one context: each
 * failure is TQ_ERR_NOMEM and leaves nothing, neither files nor live blocks. */
static tq_status write_all_op(tq_context *ctx, void *arg)
{
    const char *out = arg;
    const unsigned all = ALL;
    tq_status st = tq_results_write(ctx, F.runs, 2, out, all, 0);
    if (st != TQ_OK)
        assert_int_equal(dir_entries(out), -1);
    return st;
}

static void test_alloc_failures(void **state)
{
    (void)state;
    char *dir = tq_test_tmpdir();
    char *out = path_in(dir, "out");
    long k = tq_test_alloc_sweep(write_all_op, out, TQ_ERR_NOMEM, TQ_SWEEP_ONE_CONTEXT);
    assert_true(k <= 1000);
    assert_true(k > 5);
    assert_int_equal(dir_entries(out), nfiles(ALL, 5));
    free(out);
    tq_test_rmtree(dir);
}

/* A solve stopped early is still written, and says so in every file. */
static void test_not_converged(void **state)
{
    (void)state;
    tq_solver_options o;
    tq_solver_options_default(&o);
    o.max_iter = 1;
    tq_result *r = NULL;
    assert_int_equal(tq_solve(F.ctx, F.b, F.sc[0], &o, &r), TQ_ERR_NOT_CONVERGED);
    assert_non_null(r);
    tq_run run = {"stopped", "", "", F.b, F.sc[0], r, -1, -1, NULL};
    char *dir = tq_test_tmpdir();
    assert_int_equal(tq_results_write(F.ctx, &run, 1, dir, TQ_FORMAT_CSV | TQ_FORMAT_JSON, 0), TQ_OK);
    ttable csv;
    char *p = path_in(dir, "results_regions.csv");
    read_csv(p, &csv);
    free(p);
    for (size_t k = 0; k < csv.nrows; k++)
        assert_string_equal(tt_str(&csv, k, "converged"), "0");
    tt_free(&csv);
    p = path_in(dir, "results_run.csv");
    read_csv(p, &csv);
    free(p);
    assert_string_equal(tt_str(&csv, 0, "converged"), "0");
    assert_string_equal(tt_str(&csv, 0, "status"), tq_status_string(TQ_ERR_NOT_CONVERGED));
    tt_free(&csv);
    p = path_in(dir, "results.json");
    json_t *root = json_load_file(p, 0, NULL);
    free(p);
    assert_non_null(root);
    assert_true(json_is_false(json_object_get(json_object_get(root, "solver"), "converged")));
    json_decref(root);
    tq_result_free(r);
    tq_test_rmtree(dir);
}

/* A larger economy (40 regions x 25 sectors: 40,000 bilateral rows): the writers report
 * progress inside a file, in order, and a cancellation there leaves nothing. */
static double fractions[4096];
static int nfractions, stop_at;
static int record_cb(void *ud, const char *stage, double fraction)
{
    (void)ud;
    (void)stage;
    if (nfractions < 4096)
        fractions[nfractions] = fraction;
    return ++nfractions == stop_at;
}

/* An N-region x J-sector economy without input-output links (the tests take 40 x 25:
 * 40,000 bilateral rows) on a context of its own, solved after R00 raises every tariff
 * to 25%; grid_close frees all of it. */
typedef struct grid {
    tq_context *ctx;
    tq_dataset *ds;
    tq_baseline *b;
    tq_scenario *sc;
    tq_result *r;
} grid;

static void grid_open(grid *g, int N, int J)
{
    tq_context *ctx;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    tq_dataset *ds = tq_test_dataset_new(ctx, N, J, 2);
    tq_dataset_set_name(ds, "grid", "test");
    double *Z = tq_dataset_array(ds, TQ_Z, 0, NULL), *t = tq_dataset_array(ds, TQ_TARIFF, 0, NULL);
    double *theta = tq_dataset_array(ds, TQ_THETA, 0, NULL);
    for (int j = 0; j < J; j++)
        theta[j] = 4;
    for (int n = 0; n < N; n++)
        for (int i = 0; i < N; i++)
            for (int j = 0; j < J; j++) {
                size_t a = ((size_t)n * N + i) * J + j;
                Z[a] = n == i ? 200.0 : 1.0 + (n * 7 + i * 3 + j) % 11;
                t[a] = n == i ? 0.0 : 0.05;
            }
    assert_int_equal(tq_dataset_fill_no_io(ctx, ds), TQ_OK);
    assert_int_equal(tq_dataset_derive(ctx, ds), TQ_OK);
    tq_baseline *b;
    assert_int_equal(tq_baseline_new(ctx, ds, 0, TQ_CLOSURE_FIXED, NULL, &b), TQ_OK);
    tq_scenario *sc;
    assert_int_equal(tq_scenario_new(ctx, b, &sc), TQ_OK);
    assert_int_equal(tq_scenario_set_tariff(sc, 0, -1, -1, 0.25), TQ_OK);
    tq_result *r;
    assert_int_equal(tq_solve(ctx, b, sc, NULL, &r), TQ_OK);
    *g = (grid){ctx, ds, b, sc, r};
}

static void grid_close(grid *g)
{
    tq_result_free(g->r);
    tq_scenario_free(g->sc);
    tq_baseline_free(g->b);
    tq_dataset_free(g->ds);
    tq_context_free(g->ctx);
}

static void test_progress_large(void **state)
{
    (void)state;
    const int N = 40, J = 25;
    grid g;
    grid_open(&g, N, J);
    tq_context *ctx = g.ctx;
    tq_run run = {"grid-up", "", "R00 raises every tariff to 25%", g.b, g.sc, g.r, -1, -1, NULL};
    char *dir = tq_test_tmpdir();
    char *out = path_in(dir, "out");
    const unsigned fmt = TQ_FORMAT_CSV | TQ_FORMAT_JSON | DTA_FMT;
    const int nf = nfiles(fmt, 5);
    tq_context_set_progress(ctx, record_cb, NULL);
    nfractions = 0;
    stop_at = -1;
    assert_int_equal(tq_results_write(ctx, &run, 1, out, fmt, 0), TQ_OK);
    assert_true(nfractions > 1 + nf && nfractions <= 4096); /* reports inside the bilateral files */
    int inside = 0;
    for (int k = 0; k < nfractions; k++) {
        assert_true(fractions[k] >= 0 && fractions[k] <= 1);
        if (k)
            assert_true(fractions[k] >= fractions[k - 1]);
        double fk = fractions[k] * nf;
        if (!inside && fabs(fk - round(fk)) > 1e-9)
            inside = k + 1;
    }
    assert_true(inside > 0);
    ttable bil;
    read_ref(out, "bilateral", &bil);
    assert_int_equal(bil.nrows, (size_t)N * N * J);
    tt_free(&bil);
    /* cancel at the first report inside a file */
    char *out2 = path_in(dir, "out2");
    nfractions = 0;
    stop_at = inside;
    assert_int_equal(tq_results_write(ctx, &run, 1, out2, fmt, 0), TQ_ERR_CANCELLED);
    assert_int_equal(dir_entries(out2), -1);
    tq_context_set_progress(ctx, NULL, NULL);
    free(out2);
    free(out);
    tq_test_rmtree(dir);
    grid_close(&g);
}

/* ------------------------------------------------- the table model, sinks --- */

/* A sink into memory that records its chunks and can fail at the k-th (1-based). */
typedef struct membuf {
    char *data;
    size_t len, cap, max_chunk;
    int chunks, fail_at;
} membuf;

static int mem_write(void *ud, const void *buf, size_t len)
{
    membuf *m = ud;
    m->chunks++;
    if (m->fail_at && m->chunks >= m->fail_at)
        return -1;
    if (len > m->max_chunk)
        m->max_chunk = len;
    if (m->len + len + 1 > m->cap) {
        m->cap = 2 * (m->len + len + 1);
        m->data = realloc(m->data, m->cap);
        assert_non_null(m->data);
    }
    memcpy(m->data + m->len, buf, len);
    m->len += len;
    m->data[m->len] = 0;
    return 0;
}

static void mem_free(membuf *m)
{
    free(m->data);
    memset(m, 0, sizeof *m);
}

/* F.runs with the pair of the shock named in the first: AAA (importer) and BBB. */
static void pair_runs(tq_run out[2])
{
    out[0] = F.runs[0];
    out[1] = F.runs[1];
    out[0].importer = AAA;
    out[0].exporter = BBB;
}

static const char *const summary_tables[] = {"regions", "region_sector", "pair_sector", "run"};
static const char *const full_tables[] = {"regions",   "region_sector", "pair_sector",
                                          "bilateral", "decomposition", "run"};

/* Walk the tables cell by cell and compare with the CSV files the folder writer wrote
 * and with the CSV written through a sink: the model is what the writers write. */
static void test_model_equals_csv(void **state)
{
    (void)state;
    tq_run runs[2];
    pair_runs(runs);
    for (int d = 0; d < 2; d++) {
        tq_detail detail = d ? TQ_DETAIL_FULL : TQ_DETAIL_SUMMARY;
        const char *const *want = d ? full_tables : summary_tables;
        const int nwant = d ? 6 : 4;
        char *dir = tq_test_tmpdir();
        assert_int_equal(tq_results_write_detail(F.ctx, runs, 2, dir, TQ_FORMAT_CSV, 0, detail), TQ_OK);
        tq_tables *t;
        assert_int_equal(tq_tables_new(F.ctx, runs, 2, detail, &t), TQ_OK);
        assert_int_equal(tq_tables_detail(t), detail);
        assert_int_equal(tq_tables_runs(t), 2);
        assert_int_equal(tq_tables_count(t), nwant);
        assert_int_equal(dir_entries(dir), nwant);
        for (int k = 0; k < nwant; k++) {
            assert_string_equal(tq_tables_name(t, k), want[k]);
            assert_int_equal(tq_tables_find(t, want[k]), k);
            char name[64];
            snprintf(name, sizeof name, "results_%s.csv", want[k]);
            char *p = path_in(dir, name);
            ttable csv;
            read_csv(p, &csv);
            size_t flen;
            char *file = slurp(p, &flen);
            free(p);
            membuf m = {0};
            tq_sink sink = {mem_write, &m};
            assert_int_equal(tq_tables_write_csv(F.ctx, t, k, &sink), TQ_OK);
            assert_int_equal(m.len, flen);
            assert_memory_equal(m.data, file, flen);
            free(file);
            mem_free(&m);

            const int nc = tq_tables_cols(t, k);
            assert_int_equal(nc, csv.ncols);
            assert_int_equal(tq_tables_rows(t, k), csv.nrows);
            for (int c = 0; c < nc; c++) {
                assert_string_equal(tq_tables_col_name(t, k, c), csv.names[c]);
                assert_int_equal(tq_tables_col_find(t, k, csv.names[c]), c);
                assert_non_null(tq_tables_col_unit(t, k, c));
                assert_true(strlen(tq_tables_col_label(t, k, c)) <= 80); /* Stata's limit */
            }
            size_t rows = 0;
            for (int r = 0; r < 2; r++) {
                size_t first, cnt = tq_tables_run_rows(t, k, r, &first);
                assert_int_equal(first, rows);
                for (size_t q = first; q < first + cnt; q++)
                    assert_string_equal(tq_tables_text(t, k, q, 0), runs[r].scenario);
                rows += cnt;
            }
            assert_int_equal(rows, csv.nrows);
            for (size_t r = 0; r < csv.nrows; r++)
                for (int c = 0; c < nc; c++) {
                    const char *f = tt_at(&csv, r, c)->s;
                    double v = tq_tables_number(t, k, r, c);
                    switch (tq_tables_col_type(t, k, c)) {
                    case TQ_COL_TEXT:
                        assert_string_equal(tq_tables_text(t, k, r, c), f);
                        assert_true(isnan(v));
                        break;
                    case TQ_COL_NUMBER:
                        assert_null(tq_tables_text(t, k, r, c));
                        if (isnan(v))
                            assert_string_equal(f, "");
                        else if (strtod(f, NULL) != v) /* CSV round-trips exactly */
                            fail_msg("%s row %zu %s: %s vs %.17g", want[k], r, csv.names[c], f, v);
                        break;
                    case TQ_COL_INTEGER:
                    case TQ_COL_FLAG: assert_true(strtol(f, NULL, 10) == v); break;
                    default: fail_msg("column %d has no type", c);
                    }
                }
            tt_free(&csv);
        }
        if (d == 0) { /* summary region_sector: the pair's two regions only, none for the run without a pair */
            int k = tq_tables_find(t, "region_sector");
            size_t first, cnt = tq_tables_run_rows(t, k, 0, &first);
            assert_int_equal(cnt, 2 * 2);
            for (size_t q = first; q < first + cnt; q++) {
                const char *rg = tq_tables_text(t, k, q, tq_tables_col_find(t, k, "region"));
                assert_true(!strcmp(rg, "AAA") || !strcmp(rg, "BBB"));
            }
            assert_int_equal(tq_tables_run_rows(t, k, 1, &first), 0);
            assert_int_equal(tq_tables_run_rows(t, tq_tables_find(t, "pair_sector"), 1, &first), 0);
        }
        tq_tables_free(t);
        tq_test_rmtree(dir);
    }
    /* without a pair: exactly today's five tables */
    tq_tables *t;
    assert_int_equal(tq_tables_new(F.ctx, F.runs, 2, TQ_DETAIL_FULL, &t), TQ_OK);
    assert_int_equal(tq_tables_count(t), 5);
    assert_int_equal(tq_tables_find(t, "pair_sector"), -1);
    for (int k = 0; k < 5; k++)
        assert_string_equal(tq_tables_name(t, k), tables[k]);
    tq_tables_free(t);
    assert_int_equal(tq_tables_new(F.ctx, F.runs, 2, TQ_DETAIL_SUMMARY, &t), TQ_OK);
    assert_int_equal(tq_tables_count(t), 3);
    assert_int_equal(tq_tables_find(t, "bilateral"), -1);
    tq_tables_free(t);
}

static json_t *parse_json(const membuf *m)
{
    json_error_t err;
    json_t *root = json_loadb(m->data, m->len, 0, &err);
    if (!root)
        fail_msg("JSON: %s at line %d column %d", err.text, err.line, err.column);
    return root;
}

static json_t *jpath(json_t *o, const char *k1, size_t s, const char *k2)
{
    json_t *v = json_array_get(json_object_get(o, k1), s);
    return k2 ? json_object_get(v, k2) : v;
}

/* Summary JSON parses; its regions are the full document's and tq_result_array's. */
static void test_json_summary_full(void **state)
{
    (void)state;
    tq_run runs[2];
    pair_runs(runs);
    membuf ms = {0}, mf = {0};
    tq_sink ss = {mem_write, &ms}, sf = {mem_write, &mf};
    assert_int_equal(tq_results_write_json(F.ctx, runs, 2, TQ_DETAIL_SUMMARY, &ss), TQ_OK);
    assert_int_equal(tq_results_write_json(F.ctx, runs, 2, TQ_DETAIL_FULL, &sf), TQ_OK);
    assert_true(ms.len < mf.len);
    json_t *sum = parse_json(&ms), *full = parse_json(&mf);
    assert_string_equal(json_string_value(json_object_get(sum, "detail")), "summary");
    assert_string_equal(json_string_value(json_object_get(full, "detail")), "full");
    assert_int_equal(json_integer_value(json_object_get(sum, "results_version")), 2);
    assert_true(json_equal(json_object_get(sum, "regions"), jpath(sum, "scenarios", 0, "regions")));
    assert_true(json_equal(json_object_get(sum, "solver"), json_object_get(full, "solver")));
    static const struct {
        const char *key;
        tq_res which;
    } res_cols[] = {{"welfare_pct", TQ_RES_WELFARE},
                    {"ev_musd", TQ_RES_EV},
                    {"real_wage_pct", TQ_RES_REAL_WAGE},
                    {"cpi_pct", TQ_RES_CPI},
                    {"tot_pct", TQ_RES_TOT},
                    {"vot_pct", TQ_RES_VOT},
                    {"decomp_pct", TQ_RES_DECOMP},
                    {"decomp_gap_pct", TQ_RES_DECOMP_GAP}};
    for (size_t s = 0; s < 2; s++) {
        json_t *js = json_array_get(json_object_get(sum, "scenarios"), s);
        json_t *jf = json_array_get(json_object_get(full, "scenarios"), s);
        assert_null(json_object_get(js, "bilateral"));
        assert_null(json_object_get(js, "decomposition"));
        assert_true(json_is_array(json_object_get(jf, "bilateral")));
        assert_true(json_is_array(json_object_get(jf, "decomposition")));
        assert_true(json_equal(json_object_get(js, "regions"), json_object_get(jf, "regions")));
        assert_true(json_equal(json_object_get(js, "pair_sector"), json_object_get(jf, "pair_sector")));
        assert_true(json_equal(json_object_get(js, "run"), json_object_get(jf, "run")));
        json_t *regions = json_object_get(js, "regions");
        assert_int_equal(json_array_size(regions), 3);
        for (size_t n = 0; n < 3; n++) {
            json_t *row = json_array_get(regions, n);
            for (size_t c = 0; c < sizeof res_cols / sizeof res_cols[0]; c++) {
                const double *a = tq_result_array(F.res[s], res_cols[c].which, NULL);
                double v = json_number_value(json_object_get(row, res_cols[c].key));
                if (v != a[n]) /* the same double, not merely close */
                    fail_msg("scenario %zu region %zu %s: %.17g vs %.17g", s, n, res_cols[c].key, v, a[n]);
            }
            json_t *inc = json_object_get(json_object_get(row, "income_musd"), "after");
            assert_true(json_number_value(inc) == tq_result_array(F.res[s], TQ_RES_INCOME, NULL)[n]);
        }
        /* summary region_sector = the full rows of the pair's regions */
        json_t *rs = json_object_get(js, "region_sector"), *rf = json_object_get(jf, "region_sector");
        size_t q = 0;
        for (size_t r = 0; r < json_array_size(rf); r++) {
            json_t *row = json_array_get(rf, r);
            const char *rg = json_string_value(json_object_get(row, "region"));
            if (s == 0 && (!strcmp(rg, "AAA") || !strcmp(rg, "BBB")))
                assert_true(json_equal(row, json_array_get(rs, q++)));
        }
        assert_int_equal(q, json_array_size(rs));
        assert_int_equal(json_array_size(rs), s == 0 ? 4 : 0);
    }
    json_t *pair = jpath(sum, "scenarios", 0, "pair");
    assert_string_equal(json_string_value(json_object_get(pair, "importer")), "AAA");
    assert_string_equal(json_string_value(json_object_get(pair, "exporter")), "BBB");
    assert_true(json_is_null(jpath(sum, "scenarios", 1, "pair")));
    assert_int_equal(json_array_size(jpath(sum, "scenarios", 0, "pair_sector")), 2);
    assert_int_equal(json_array_size(jpath(sum, "scenarios", 1, "pair_sector")), 0);

    /* the folder's results.json is the full document through a file sink, byte for byte */
    char *dir = tq_test_tmpdir();
    assert_int_equal(tq_results_write(F.ctx, runs, 2, dir, TQ_FORMAT_JSON, 0), TQ_OK);
    char *p = path_in(dir, "results.json");
    size_t flen;
    char *file = slurp(p, &flen);
    free(p);
    /* solve times are part of both; everything is the same bytes */
    assert_int_equal(flen, mf.len);
    assert_memory_equal(file, mf.data, flen);
    free(file);
    tq_test_rmtree(dir);
    json_decref(sum);
    json_decref(full);
    mem_free(&ms);
    mem_free(&mf);
}

/* The pair by sector: hand values of tests/data/tiny, the CLI's definition of a flow
 * from the public arrays, and the sums of the bilateral rows. */
static void test_pair_sector(void **state)
{
    (void)state;
    tq_run runs[2];
    pair_runs(runs);
    tq_tables *t;
    assert_int_equal(tq_tables_new(F.ctx, runs, 2, TQ_DETAIL_FULL, &t), TQ_OK);
    const int kp = tq_tables_find(t, "pair_sector"), kb = tq_tables_find(t, "bilateral");
    assert_true(kp >= 0 && kb >= 0);
#define NUMC(k, r, name) tq_tables_number(t, k, r, tq_tables_col_find(t, k, name))
#define TXTC(k, r, name) tq_tables_text(t, k, r, tq_tables_col_find(t, k, name))
    size_t first, cnt = tq_tables_run_rows(t, kp, 0, &first);
    assert_int_equal(cnt, 2);
    const int N = 3, J = 2;
    const double *X1 = tq_result_array(F.res[0], TQ_RES_X, NULL), *pi1 = tq_result_array(F.res[0], TQ_RES_PI, NULL);
    const double *t1 = tq_scenario_tariffs(F.sc[0]);
    double sum[4] = {0, 0, 0, 0}; /* exports before, after, imports before, after */
    for (size_t r = first; r < first + cnt; r++) {
        int j = (int)(r - first);
        assert_string_equal(TXTC(kp, r, "importer"), "AAA");
        assert_string_equal(TXTC(kp, r, "exporter"), "BBB");
        assert_string_equal(TXTC(kp, r, "sector"), j ? "S" : "G");
        double e0 = NUMC(kp, r, "exports_before_musd"), e1 = NUMC(kp, r, "exports_after_musd");
        double i0 = NUMC(kp, r, "imports_before_musd"), i1 = NUMC(kp, r, "imports_after_musd");
        assert_true(NUMC(kp, r, "balance_before_musd") == e0 - i0);
        assert_true(NUMC(kp, r, "balance_after_musd") == e1 - i1);
        /* cli/cmd_run.c trade(): M[n,i,j] = X[n,j] pi[n,i,j] / (1 + t[n,i,j]) */
        size_t ax = ((size_t)BBB * N + AAA) * J + j, am = ((size_t)AAA * N + BBB) * J + j;
        assert_true(e1 == X1[BBB * J + j] * pi1[ax] / (1 + t1[ax]));
        assert_true(i1 == X1[AAA * J + j] * pi1[am] / (1 + t1[am]));
        if (j == 0) { /* goods: BBB buys 30 from AAA, AAA buys 20 from BBB at 10%, now 30% */
            tq_assert_close(e0, 30, 1e-8);
            tq_assert_close(i0, 20, 1e-8);
            tq_assert_close(NUMC(kp, r, "tariff_before_pct"), 10, 1e-12);
            tq_assert_close(NUMC(kp, r, "tariff_after_pct"), 30, 1e-12);
            assert_true(i1 < i0);
        } else { /* services are not traded */
            assert_true(e0 == 0 && e1 == 0 && i0 == 0 && i1 == 0);
        }
        sum[0] += e0, sum[1] += e1, sum[2] += i0, sum[3] += i1;
    }
    /* the pair totals from the bilateral rows of the run */
    double tot[4] = {0, 0, 0, 0};
    cnt = tq_tables_run_rows(t, kb, 0, &first);
    for (size_t r = first; r < first + cnt; r++) {
        const char *im = TXTC(kb, r, "importer"), *ex = TXTC(kb, r, "exporter");
        int side = !strcmp(im, "BBB") && !strcmp(ex, "AAA") ? 0 : !strcmp(im, "AAA") && !strcmp(ex, "BBB") ? 2 : -1;
        if (side < 0)
            continue;
        tot[side] += NUMC(kb, r, "trade_before_musd");
        tot[side + 1] += NUMC(kb, r, "trade_after_musd");
    }
    for (int k = 0; k < 4; k++)
        tq_assert_close(sum[k], tot[k], 1e-12);
#undef NUMC
#undef TXTC
    tq_tables_free(t);
}

/* A large table goes out in several bounded chunks; a failing sink is TQ_ERR_IO, with
 * nothing leaked and no crash, at whichever chunk it fails. */
static void test_sink_streaming(void **state)
{
    (void)state;
    const int N = 40, J = 25;
    grid g;
    grid_open(&g, N, J);
    tq_context *ctx = g.ctx;
    tq_run run = {"grid-up", "", "R00 raises every tariff to 25%", g.b, g.sc, g.r, 0, 1, NULL};
    membuf m = {0};
    tq_sink sink = {mem_write, &m};
    assert_int_equal(tq_results_write_json(ctx, &run, 1, TQ_DETAIL_FULL, &sink), TQ_OK);
    assert_true(m.chunks > 1);
    assert_true(m.max_chunk <= 65536);
    json_t *root = parse_json(&m);
    assert_int_equal(json_array_size(jpath(root, "scenarios", 0, "bilateral")), (size_t)N * N * J);
    json_decref(root);
    const int chunks = m.chunks;
    mem_free(&m);
    membuf mc = {0};
    tq_sink csink = {mem_write, &mc};
    assert_int_equal(tq_results_write_csv(ctx, &run, 1, "bilateral", TQ_DETAIL_FULL, &csink), TQ_OK);
    assert_true(mc.chunks > 1 && mc.max_chunk <= 65536);
    mem_free(&mc);
    membuf ms = {0};
    tq_sink ssink = {mem_write, &ms};
    assert_int_equal(tq_results_write_json(ctx, &run, 1, TQ_DETAIL_SUMMARY, &ssink), TQ_OK);
    assert_true(ms.len < 65536 * 2);
    mem_free(&ms);

    /* failures, on a context whose allocator counts live blocks */
    tq_test_alloc fa = {-1, 0, 0};
    tq_allocator a = tq_test_allocator(&fa);
    tq_context *c2;
    assert_int_equal(tq_context_new(&c2, &a), TQ_OK);
    const int at[] = {1, 2, chunks / 2, chunks};
    for (size_t q = 0; q < sizeof at / sizeof at[0]; q++) {
        long live = fa.live;
        membuf f = {0};
        f.fail_at = at[q];
        tq_sink fs = {mem_write, &f};
        assert_int_equal(tq_results_write_json(c2, &run, 1, TQ_DETAIL_FULL, &fs), TQ_ERR_IO);
        assert_int_equal(f.chunks, at[q]); /* no write after the failure */
        tq_assert_error(c2, "sink");
        assert_int_equal(fa.live, live);
        mem_free(&f);
        f.fail_at = at[q] < 3 ? at[q] : 3;
        assert_int_equal(tq_results_write_csv(c2, &run, 1, "bilateral", TQ_DETAIL_FULL, &fs), TQ_ERR_IO);
        assert_int_equal(fa.live, live);
        mem_free(&f);
    }
    /* the file sink over a stream that cannot be written */
    FILE *ro = fopen("/dev/null", "rb");
    assert_non_null(ro);
    tq_sink bad = tq_sink_file(ro);
    assert_int_equal(tq_results_write_json(c2, &run, 1, TQ_DETAIL_SUMMARY, &bad), TQ_ERR_IO);
    fclose(ro);
    tq_context_free(c2);
    assert_int_equal(fa.live, 0);
    grid_close(&g);
}

/* Texts that need escaping, and one that is not UTF-8, come back through a JSON parser;
 * numbers keep their type and value. */
static void test_json_text(void **state)
{
    (void)state;
    const char *desc = "\"quoted\", back\\slash, \x01 control, tab\there, new\nline, Z\xc3\xbcrich \xe2\x82\xac";
    tq_run run = F.runs[0];
    run.description = desc;
    run.scenario_file = "bad\xff\xfe utf-8 \xc3\xbc";
    membuf m = {0};
    tq_sink sink = {mem_write, &m};
    assert_int_equal(tq_results_write_json(F.ctx, &run, 1, TQ_DETAIL_FULL, &sink), TQ_OK);
    assert_non_null(strstr(m.data, "\\u0001 control"));
    assert_non_null(strstr(m.data, "\"tariff_pct\":{\"before\":10.0,\"after\":30.0}"));
    json_t *root = parse_json(&m);
    json_t *jr = jpath(root, "scenarios", 0, "run");
    assert_string_equal(json_string_value(json_object_get(jr, "description")), desc);
    assert_string_equal(json_string_value(json_object_get(jr, "scenario_file")), "bad?? utf-8 ??");
    assert_true(json_is_integer(json_object_get(jr, "year")));
    assert_true(json_is_boolean(json_object_get(jr, "converged")));
    assert_true(json_real_value(json_object_get(jr, "residual")) == tq_result_info(F.res[0])->residual);
    json_t *bil = jpath(root, "scenarios", 0, "bilateral");
    for (size_t q = 0; q < json_array_size(bil); q++) {
        json_t *v = json_object_get(json_object_get(json_array_get(bil, q), "tariff_pct"), "after");
        assert_true(json_is_real(v)); /* 30.0, not 30 */
    }
    json_decref(root);
    mem_free(&m);
}

/* Both detail levels validate against docs/results.schema.json (with ajv, when node and
 * tests/schema/node_modules are there), and the schema tells them apart. */
static void test_schema(void **state)
{
    (void)state;
    const char *ajv = TQ_SOURCE_DIR "/tests/schema/node_modules/ajv";
    struct stat sb;
    if (stat(ajv, &sb) != 0 || system("node --version >/dev/null 2>&1") != 0) {
        printf("skip: the schema check needs node and %s (cd tests/schema && npm ci)\n", ajv);
        return;
    }
    tq_run runs[2];
    pair_runs(runs);
    char *dir = tq_test_tmpdir();
    for (int v = 0; v < 3; v++) {
        /* summary and full (one run with a pair, one without); last, a summary that calls
         * itself full */
        tq_detail detail = v == 1 ? TQ_DETAIL_FULL : TQ_DETAIL_SUMMARY;
        membuf m = {0};
        tq_sink sink = {mem_write, &m};
        assert_int_equal(tq_results_write_json(F.ctx, runs, 2, detail, &sink), TQ_OK);
        if (v == 2) {
            char *d = strstr(m.data, "\"detail\": \"summary\"");
            assert_non_null(d);
            memcpy(d, "\"detail\": \"full\"   ", 19); /* same length: still well-formed JSON */
        }
        char name[32];
        snprintf(name, sizeof name, "doc%d.json", v);
        char *p = path_in(dir, name);
        FILE *f = fopen(p, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(m.data, 1, m.len, f), m.len);
        fclose(f);
        char cmd[8192];
        snprintf(cmd, sizeof cmd,
                 "node '%s/tests/schema/validate.js' '%s/docs/results.schema.json' '%s' >/dev/null 2>&1", TQ_SOURCE_DIR,
                 TQ_SOURCE_DIR, p);
        int rc = system(cmd);
        if (v < 2 && rc != 0)
            fail_msg("%s (detail %d) does not validate against the schema", name, (int)detail);
        if (v == 2 && rc == 0)
            fail_msg("a summary document calling itself full validates");
        free(p);
        mem_free(&m);
    }
    tq_test_rmtree(dir);
}

/* Arguments out of range, levels without a table, formats this build lacks. */
static void test_api_edges(void **state)
{
    (void)state;
    tq_tables *t = NULL;
    assert_int_equal(tq_tables_new(F.ctx, F.runs, 2, (tq_detail)7, &t), TQ_ERR_INVALID);
    assert_null(t);
    assert_int_equal(tq_tables_new(F.ctx, F.runs, 0, TQ_DETAIL_FULL, &t), TQ_ERR_INVALID);
    assert_int_equal(tq_tables_new(F.ctx, F.runs, 2, TQ_DETAIL_FULL, NULL), TQ_ERR_INVALID);
    assert_int_equal(tq_tables_new(F.ctx, F.runs, 2, TQ_DETAIL_SUMMARY, &t), TQ_OK);
    assert_null(tq_tables_name(t, -1));
    assert_null(tq_tables_name(t, 3));
    assert_int_equal(tq_tables_find(t, "nonesuch"), -1);
    assert_int_equal(tq_tables_find(t, NULL), -1);
    assert_int_equal(tq_tables_cols(t, 9), 0);
    assert_null(tq_tables_col_name(t, 0, 99));
    assert_int_equal(tq_tables_col_type(t, 0, -1), TQ_COL_NONE);
    assert_int_equal(tq_tables_col_find(t, 0, "nonesuch"), -1);
    assert_int_equal(tq_tables_rows(t, 3), 0);
    size_t first = 7;
    assert_int_equal(tq_tables_run_rows(t, 0, 2, &first), 0);
    assert_int_equal(first, 0);
    assert_true(isnan(tq_tables_number(t, 0, 1000, 3)));
    assert_null(tq_tables_text(t, 0, 0, 3)); /* welfare_pct is a number */
    assert_non_null(tq_tables_text(t, 0, 0, 0));
    membuf m = {0};
    tq_sink sink = {mem_write, &m};
    assert_int_equal(tq_tables_write_csv(F.ctx, t, 3, &sink), TQ_ERR_INVALID);
    tq_sink none = {NULL, NULL};
    assert_int_equal(tq_tables_write_json(F.ctx, t, &none), TQ_ERR_INVALID);
    tq_tables_free(t);
    tq_tables_free(NULL);
    assert_int_equal(tq_tables_count(NULL), 0);
    assert_int_equal(tq_results_write_csv(F.ctx, F.runs, 2, "bilateral", TQ_DETAIL_SUMMARY, &sink), TQ_ERR_NOT_FOUND);
    tq_assert_error(F.ctx, "bilateral", "summary");
    assert_int_equal(tq_results_write_csv(F.ctx, F.runs, 2, "pair_sector", TQ_DETAIL_FULL, &sink), TQ_ERR_NOT_FOUND);
    assert_int_equal(m.len, 0);
    assert_int_equal(tq_results_write_csv(F.ctx, F.runs, 2, "regions", TQ_DETAIL_SUMMARY, &sink), TQ_OK);
    assert_int_equal(strncmp(m.data, "scenario,region,region_name,welfare_pct,", 40), 0);
    mem_free(&m);
    /* the formats of this build, and a clear refusal of the others */
    assert_int_equal(tq_results_formats(), ALL);
    char *dir = tq_test_tmpdir();
    char *out = path_in(dir, "out");
    for (unsigned f = TQ_FORMAT_XLSX; f <= TQ_FORMAT_DTA; f <<= 1) {
        if (ALL & f)
            continue;
        assert_int_equal(tq_results_write(F.ctx, F.runs, 2, out, TQ_FORMAT_CSV | f, 0), TQ_ERR_UNSUPPORTED);
        tq_assert_error(F.ctx, "built without", f == TQ_FORMAT_XLSX ? "TQ_WITH_XLSX" : "TQ_WITH_DTA");
        assert_int_equal(dir_entries(out), -1);
    }
    /* the summary folder */
    tq_run runs[2];
    pair_runs(runs);
    assert_int_equal(tq_results_write_detail(F.ctx, runs, 2, out, ALL, 0, TQ_DETAIL_SUMMARY), TQ_OK);
    assert_int_equal(dir_entries(out), nfiles(ALL, 4));
    free(out);
    tq_test_rmtree(dir);
}

/* Every allocation of building the tables and streaming them failing in turn. */
static tq_status tables_json_op(tq_context *ctx, void *arg)
{
    const tq_run *runs = arg;
    tq_tables *t = NULL;
    tq_status st = tq_tables_new(ctx, runs, 2, TQ_DETAIL_FULL, &t);
    if (st) {
        assert_null(t);
        return st;
    }
    membuf m = {0};
    tq_sink sink = {mem_write, &m};
    st = tq_tables_write_json(ctx, t, &sink);
    if (!st)
        st = tq_tables_write_csv(ctx, t, tq_tables_find(t, "pair_sector"), &sink);
    tq_tables_free(t);
    mem_free(&m);
    return st;
}

static void test_tables_alloc_failures(void **state)
{
    (void)state;
    tq_run runs[2];
    pair_runs(runs);
    long k = tq_test_alloc_sweep(tables_json_op, runs, TQ_ERR_NOMEM, TQ_SWEEP_ONE_CONTEXT);
    assert_true(k > 5 && k <= 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_formats_agree),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_overwrite),
        cmocka_unit_test(test_failures_leave_nothing),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_missing_parents),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_not_converged),
        cmocka_unit_test(test_progress_large),
        cmocka_unit_test(test_model_equals_csv),
        cmocka_unit_test(test_json_summary_full),
        cmocka_unit_test(test_pair_sector),
        cmocka_unit_test(test_sink_streaming),
        cmocka_unit_test(test_json_text),
        cmocka_unit_test(test_schema),
        cmocka_unit_test(test_api_edges),
        cmocka_unit_test(test_tables_alloc_failures),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
