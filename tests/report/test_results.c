/* Tests of the result writers (src/report/results.c, docs/results.md) on tests/data/tiny:
 * two runs side by side (AAA raises its tariff on BBB goods from 10% to 30%; nothing
 * changes), written as CSV, JSON, xlsx and .dta, then read back by independent readers
 * (a CSV parser here, jansson, ReadStat's parser, and the xlsx unzipped with libzip and
 * its sheet XML parsed with libxml2) and compared with each other; hand checks from
 * tests/data/tiny/README.md; equilibrium identities; refusal to overwrite; nothing left
 * behind after a failure (bad folder, cancellation, every allocation failing in turn). */
#include "tq_test.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>

#include <jansson.h>
#include <readstat.h>
#ifdef TQ_HAVE_XLSX_READER
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <zip.h>
#endif

/* ------------------------------------------------------------- fixture --- */

typedef struct fixture {
    tq_context *ctx;
    tq_dataset *ds;
    tq_baseline *b;
    tq_scenario *sc[2];
    tq_result *res[2];
    tq_run runs[2];
    char hash[17];
} fixture;

static fixture F;
enum { AAA = 0, BBB = 1, CCC = 2, G = 0, S = 1 };

static int setup(void **state)
{
    (void)state;
    assert_int_equal(tq_context_new(&F.ctx, NULL), TQ_OK);
    assert_int_equal(tq_dataset_load(F.ctx, TQ_TEST_DATA "/tiny", &F.ds), TQ_OK);
    assert_int_equal(tq_baseline_new(F.ctx, F.ds, 0, TQ_CLOSURE_FIXED, NULL, &F.b), TQ_OK);
    for (int k = 0; k < 2; k++)
        assert_int_equal(tq_scenario_new(F.ctx, F.b, &F.sc[k]), TQ_OK);
    assert_int_equal(tq_scenario_set_tariff(F.sc[0], AAA, BBB, G, 0.30), TQ_OK);
    for (int k = 0; k < 2; k++)
        assert_int_equal(tq_solve(F.ctx, F.b, F.sc[k], NULL, &F.res[k]), TQ_OK);
    F.runs[0] = (tq_run){
        "tariff-up", "scenarios/test.yaml", "AAA: 30% on BBB goods, \"quoted\", comma", F.b, F.sc[0], F.res[0], -1, -1};
    F.runs[1] = (tq_run){"unchanged", NULL, NULL, F.b, F.sc[1], F.res[1], -1, -1};
    snprintf(F.hash, sizeof F.hash, "%016llx", (unsigned long long)tq_dataset_hash(F.ds));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int k = 0; k < 2; k++) {
        tq_result_free(F.res[k]);
        tq_scenario_free(F.sc[k]);
    }
    tq_baseline_free(F.b);
    tq_dataset_free(F.ds);
    tq_context_free(F.ctx);
    return 0;
}

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

static char *path_in(const char *dir, const char *name)
{
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    assert_non_null(p);
    sprintf(p, "%s/%s", dir, name);
    return p;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = 0;
    fclose(f);
    if (len)
        *len = (size_t)n;
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
    assert_int_equal(
        tq_results_write(F.ctx, F.runs, 2, out, TQ_FORMAT_CSV | TQ_FORMAT_JSON | TQ_FORMAT_XLSX | TQ_FORMAT_DTA, 0),
        TQ_OK);
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
    assert_int_equal(files, 12);

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
        snprintf(name, sizeof name, "results_%s.dta", tables[tb]);
        char *p = path_in(out, name);
        read_dta(p, &dta);
        free(p);
        snprintf(name, sizeof name, "tradeq 2 scenarios tiny %s", F.hash);
        assert_string_equal(dta.label, name);
        snprintf(name, sizeof name, "results_%s.csv", tables[tb]);
        p = path_in(out, name);
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
    assert_int_equal(tq_results_write(F.ctx, F.runs, 2, dir, TQ_FORMAT_DTA, 0), TQ_OK);
    ttable reg, rs, bil, dec, run;
    char *p;
    read_dta(p = path_in(dir, "results_regions.dta"), &reg), free(p);
    read_dta(p = path_in(dir, "results_region_sector.dta"), &rs), free(p);
    read_dta(p = path_in(dir, "results_bilateral.dta"), &bil), free(p);
    read_dta(p = path_in(dir, "results_decomposition.dta"), &dec), free(p);
    read_dta(p = path_in(dir, "results_run.dta"), &run), free(p);

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
            }
            /* value added moves with the wage: sum_j beta Y' = w^ VA */
            tq_assert_close(va1, (1 + tt_num(&reg, r, "wage_change_pct") / 100) * va0, 1e-8);
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

static int dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

static void test_overwrite(void **state)
{
    (void)state;
    char *dir = tq_test_tmpdir();
    assert_int_equal(tq_results_write(F.ctx, F.runs, 1, dir, TQ_FORMAT_CSV | TQ_FORMAT_DTA, 0), TQ_OK);
    assert_int_equal(dir_entries(dir), 10);
    ttable dta;
    char *p = path_in(dir, "results_regions.dta");
    read_dta(p, &dta);
    free(p);
    char want[128];
    snprintf(want, sizeof want, "tradeq tariff-up tiny %s", F.hash);
    assert_string_equal(dta.label, want);
    tt_free(&dta);
    /* refused: nothing is touched */
    tq_test_write(dir, "results_run.csv", "mine\n");
    assert_int_equal(tq_results_write(F.ctx, F.runs, 2, dir, TQ_FORMAT_CSV, 0), TQ_ERR_EXISTS);
    tq_assert_error(F.ctx, "results_regions.csv", "overwrite");
    p = path_in(dir, "results_run.csv");
    char *txt = slurp(p, NULL);
    assert_string_equal(txt, "mine\n");
    free(txt);
    assert_int_equal(dir_entries(dir), 10);
    /* other formats are not in the way */
    assert_int_equal(tq_results_write(F.ctx, F.runs, 2, dir, TQ_FORMAT_JSON, 0), TQ_OK);
    assert_int_equal(dir_entries(dir), 11);
    /* overwrite replaces */
    assert_int_equal(tq_results_write(F.ctx, F.runs, 2, dir, TQ_FORMAT_CSV, 1), TQ_OK);
    txt = slurp(p, NULL);
    assert_non_null(strstr(txt, "unchanged"));
    free(txt);
    free(p);
    assert_int_equal(dir_entries(dir), 11);
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
    /* a parent that does not exist */
    char *deep = path_in(dir, "no/such");
    assert_int_equal(tq_results_write(F.ctx, F.runs, 2, deep, TQ_FORMAT_CSV, 1), TQ_ERR_IO);
    assert_int_equal(dir_entries(dir), 1);
    /* a target that is a folder, even with overwrite */
    char *out = path_in(dir, "out");
    assert_int_equal(mkdir(out, 0777), 0);
    char *blocker = path_in(out, "results_run.dta");
    assert_int_equal(mkdir(blocker, 0777), 0);
    assert_int_equal(tq_results_write(F.ctx, F.runs, 2, out, TQ_FORMAT_CSV | TQ_FORMAT_DTA, 1), TQ_ERR_IO);
    tq_assert_error(F.ctx, "results_run.dta");
    assert_int_equal(dir_entries(out), 1);
    rmdir(blocker);
    free(blocker);
    /* bad arguments */
    const unsigned all = TQ_FORMAT_CSV | TQ_FORMAT_JSON | TQ_FORMAT_XLSX | TQ_FORMAT_DTA;
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
static int cancel_at;
static int cancel_cb(void *ud, const char *stage, double fraction)
{
    (void)ud;
    (void)stage;
    (void)fraction;
    return --cancel_at == 0;
}

static void test_cancel(void **state)
{
    (void)state;
    char *dir = tq_test_tmpdir();
    char *out = path_in(dir, "out");
    const unsigned all = TQ_FORMAT_CSV | TQ_FORMAT_JSON | TQ_FORMAT_XLSX | TQ_FORMAT_DTA;
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
    assert_int_equal(k, 1 + 12 + 1); /* one report before writing, one per file */
    assert_int_equal(dir_entries(out), 12);
    free(out);
    tq_test_rmtree(dir);
}

/* Fail the k-th allocation of the library for k = 0, 1, ... on one context: each
 * failure is TQ_ERR_NOMEM and leaves nothing, neither files nor live blocks. */
static tq_status write_all_op(tq_context *ctx, void *arg)
{
    const char *out = arg;
    const unsigned all = TQ_FORMAT_CSV | TQ_FORMAT_JSON | TQ_FORMAT_XLSX | TQ_FORMAT_DTA;
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
    assert_int_equal(dir_entries(out), 12);
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
    tq_run run = {"stopped", "", "", F.b, F.sc[0], r, -1, -1};
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

static void test_progress_large(void **state)
{
    (void)state;
    const int N = 40, J = 25;
    tq_context *ctx;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    tq_dataset *ds;
    assert_int_equal(tq_dataset_new(ctx, N, J, 1, &ds), TQ_OK);
    char code[16];
    for (int n = 0; n < N; n++) {
        snprintf(code, sizeof code, "R%02d", n);
        tq_dataset_set_region(ds, n, code, code);
    }
    for (int j = 0; j < J; j++) {
        snprintf(code, sizeof code, "S%02d", j);
        tq_dataset_set_sector(ds, j, code, code, 1);
    }
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
    tq_run run = {"grid-up", "", "R00 raises every tariff to 25%", b, sc, r, -1, -1};
    char *dir = tq_test_tmpdir();
    char *out = path_in(dir, "out");
    const unsigned fmt = TQ_FORMAT_CSV | TQ_FORMAT_JSON | TQ_FORMAT_DTA;
    tq_context_set_progress(ctx, record_cb, NULL);
    nfractions = 0;
    stop_at = -1;
    assert_int_equal(tq_results_write(ctx, &run, 1, out, fmt, 0), TQ_OK);
    assert_true(nfractions > 1 + 11 && nfractions <= 4096); /* reports inside the bilateral files */
    int inside = 0;
    for (int k = 0; k < nfractions; k++) {
        assert_true(fractions[k] >= 0 && fractions[k] <= 1);
        if (k)
            assert_true(fractions[k] >= fractions[k - 1]);
        double f11 = fractions[k] * 11;
        if (!inside && fabs(f11 - round(f11)) > 1e-9)
            inside = k + 1;
    }
    assert_true(inside > 0);
    ttable bil;
    char *p = path_in(out, "results_bilateral.dta");
    read_dta(p, &bil);
    free(p);
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
    tq_result_free(r);
    tq_scenario_free(sc);
    tq_baseline_free(b);
    tq_dataset_free(ds);
    tq_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_formats_agree), cmocka_unit_test(test_values),
        cmocka_unit_test(test_overwrite),     cmocka_unit_test(test_failures_leave_nothing),
        cmocka_unit_test(test_cancel),        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_not_converged), cmocka_unit_test(test_progress_large),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
