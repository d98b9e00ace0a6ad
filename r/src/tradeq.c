/* The R package's glue over libtradeq (.Call entry points). Uses only include/tradeq.h.
 *
 * A session (external pointer, class "tq_session") owns a context and a runner; its
 * finalizer frees both. A dataset pointer is borrowed from the runner's cache, so its
 * external pointer protects the session's. A run builds every table into data frames at
 * once and frees the outcomes before returning, so no library memory outlives the call
 * but the session's caches.
 *
 * Errors are returned, not raised, as a list of class "tq_c_error" (status, message,
 * file, line, field) that the R code turns into a condition (R/tradeq.R), so that the
 * library's memory is always freed before R unwinds. Ctrl-C: the context's progress
 * callback asks R (R_ToplevelExec, which cannot jump out of C) whether the user
 * interrupted; if so it returns non-zero, the library stops with TQ_ERR_CANCELLED and
 * the R code signals an interrupt. */
#define R_NO_REMAP
#include <R.h>
#include <R_ext/Rdynload.h>
#include <Rinternals.h>

#include <stdlib.h>
#include <string.h>

#include "tradeq.h"

typedef struct session {
    tq_context *ctx;
    tq_runner *runner;
    int interrupted;
} session;

static void session_free(session *s)
{
    if (!s)
        return;
    tq_runner_free(s->runner);
    tq_context_free(s->ctx);
    free(s);
}

static void session_finalizer(SEXP p)
{
    session_free(R_ExternalPtrAddr(p));
    R_ClearExternalPtr(p);
}

static session *get_session(SEXP p)
{
    if (TYPEOF(p) != EXTPTRSXP || !R_ExternalPtrAddr(p))
        Rf_error("tradeq: not a live tradeq session");
    return R_ExternalPtrAddr(p);
}

static void check_interrupt(void *unused)
{
    (void)unused;
    R_CheckUserInterrupt();
}

/* Called by the library between iterations, on R's thread. */
static int on_progress(void *ud, const char *stage, double fraction)
{
    (void)stage;
    (void)fraction;
    session *s = ud;
    if (!s->interrupted && !R_ToplevelExec(check_interrupt, NULL))
        s->interrupted = 1;
    return s->interrupted;
}

static const char *opt_string(SEXP x)
{
    if (Rf_isNull(x))
        return NULL;
    if (!Rf_isString(x) || Rf_length(x) != 1 || STRING_ELT(x, 0) == NA_STRING)
        Rf_error("tradeq: expected a single string or NULL");
    return Rf_translateCharUTF8(STRING_ELT(x, 0));
}

static SEXP mkstr(const char *s)
{
    return Rf_mkCharCE(s ? s : "", CE_UTF8);
}

/* The "tq_c_error" list for status st with the detail recorded in s's context. */
static SEXP error_value(session *s, tq_status st)
{
    char msg[4096];
    const tq_error *e = tq_last_error(s->ctx);
    tq_error_format(s->ctx, msg, sizeof msg);
    if (st == TQ_ERR_CANCELLED && s->interrupted)
        snprintf(msg, sizeof msg, "interrupted");
    const char *names[] = {"status", "message", "file", "line", "field", "interrupted", ""};
    SEXP out = PROTECT(Rf_mkNamed(VECSXP, names));
    SET_VECTOR_ELT(out, 0, Rf_ScalarInteger(st));
    SET_VECTOR_ELT(out, 1, Rf_ScalarString(mkstr(msg)));
    SET_VECTOR_ELT(out, 2, Rf_ScalarString(mkstr(e->file)));
    SET_VECTOR_ELT(out, 3, Rf_ScalarInteger((int)e->line));
    SET_VECTOR_ELT(out, 4, Rf_ScalarString(mkstr(e->field)));
    SET_VECTOR_ELT(out, 5, Rf_ScalarLogical(s->interrupted));
    Rf_setAttrib(out, R_ClassSymbol, Rf_mkString("tq_c_error"));
    UNPROTECT(1);
    return out;
}

static void begin(session *s)
{
    s->interrupted = 0;
    tq_context_reset_cancel(s->ctx);
}

SEXP tqr_version(void)
{
    return Rf_mkString(tq_version());
}

SEXP tqr_session_new(SEXP data_dir)
{
    const char *dir = opt_string(data_dir);
    session *s = calloc(1, sizeof *s);
    if (!s)
        Rf_error("tradeq: out of memory");
    if (tq_context_new(&s->ctx, NULL) != TQ_OK || tq_runner_new(s->ctx, &s->runner) != TQ_OK) {
        session_free(s);
        Rf_error("tradeq: cannot create a context");
    }
    tq_context_set_progress(s->ctx, on_progress, s);
    SEXP p = PROTECT(R_MakeExternalPtr(s, R_NilValue, R_NilValue));
    R_RegisterCFinalizerEx(p, session_finalizer, TRUE);
    Rf_setAttrib(p, R_ClassSymbol, Rf_mkString("tq_session"));
    if (dir) {
        tq_status st = tq_runner_set_data_dir(s->runner, dir);
        if (st != TQ_OK) {
            SEXP e = error_value(s, st);
            UNPROTECT(1);
            return e;
        }
    }
    UNPROTECT(1);
    return p;
}

SEXP tqr_session_free(SEXP p)
{
    if (TYPEOF(p) == EXTPTRSXP)
        session_finalizer(p);
    return R_NilValue;
}

SEXP tqr_data_dir(SEXP p)
{
    return Rf_ScalarString(mkstr(tq_runner_data_dir(get_session(p)->runner)));
}

SEXP tqr_default_scenario(SEXP p)
{
    session *s = get_session(p);
    char buf[8192];
    begin(s);
    tq_status st = tq_runner_default_scenario(s->runner, buf, sizeof buf);
    return st == TQ_OK ? Rf_ScalarString(mkstr(buf)) : error_value(s, st);
}

static SEXP strings(int n, const char *(*get)(const tq_dataset *, int), const tq_dataset *ds)
{
    SEXP v = PROTECT(Rf_allocVector(STRSXP, n));
    for (int k = 0; k < n; k++)
        SET_STRING_ELT(v, k, mkstr(get(ds, k)));
    UNPROTECT(1);
    return v;
}

/* list(ptr, name, source, regions, region_names, sectors, sector_names, tradable, years) */
SEXP tqr_load(SEXP p, SEXP name, SEXP elasticities, SEXP region_map, SEXP sector_map)
{
    session *s = get_session(p);
    const tq_dataset *ds = NULL;
    begin(s);
    tq_status st = tq_runner_dataset_set(s->runner, opt_string(name), opt_string(elasticities), opt_string(region_map),
                                         opt_string(sector_map), &ds);
    if (st != TQ_OK)
        return error_value(s, st);
    int N = tq_dataset_regions(ds), J = tq_dataset_sectors(ds), Y = tq_dataset_years(ds);
    const char *names[] = {"ptr",     "name",         "source",   "regions", "region_names",
                           "sectors", "sector_names", "tradable", "years",   ""};
    SEXP out = PROTECT(Rf_mkNamed(VECSXP, names));
    /* borrowed from the runner: the session is kept alive by the pointer's protected value */
    SEXP dp = PROTECT(R_MakeExternalPtr((void *)ds, R_NilValue, p));
    SET_VECTOR_ELT(out, 0, dp);
    SET_VECTOR_ELT(out, 1, Rf_ScalarString(mkstr(tq_dataset_name(ds))));
    SET_VECTOR_ELT(out, 2, Rf_ScalarString(mkstr(tq_dataset_source(ds))));
    SET_VECTOR_ELT(out, 3, strings(N, tq_dataset_region_code, ds));
    SET_VECTOR_ELT(out, 4, strings(N, tq_dataset_region_name, ds));
    SET_VECTOR_ELT(out, 5, strings(J, tq_dataset_sector_code, ds));
    SET_VECTOR_ELT(out, 6, strings(J, tq_dataset_sector_name, ds));
    SEXP tr = PROTECT(Rf_allocVector(LGLSXP, J));
    for (int j = 0; j < J; j++)
        LOGICAL(tr)[j] = tq_dataset_sector_tradable(ds, j) != 0;
    SET_VECTOR_ELT(out, 7, tr);
    SEXP yr = PROTECT(Rf_allocVector(INTSXP, Y));
    for (int y = 0; y < Y; y++)
        INTEGER(yr)[y] = tq_dataset_year(ds, y);
    SET_VECTOR_ELT(out, 8, yr);
    UNPROTECT(4);
    return out;
}

/* Dataset array `which` (a tq_array number) of year index y, as a double vector. */
SEXP tqr_dataset_array(SEXP dp, SEXP which, SEXP year_index)
{
    const tq_dataset *ds = TYPEOF(dp) == EXTPTRSXP ? R_ExternalPtrAddr(dp) : NULL;
    if (!ds)
        Rf_error("tradeq: not a live dataset");
    size_t n = 0;
    const double *a = tq_dataset_array_const(ds, (tq_array)Rf_asInteger(which), Rf_asInteger(year_index), &n);
    if (!a)
        Rf_error("tradeq: no such array or year");
    SEXP v = PROTECT(Rf_allocVector(REALSXP, (R_xlen_t)n));
    memcpy(REAL(v), a, n * sizeof(double));
    UNPROTECT(1);
    return v;
}

/* Table k of t as a list of columns (a data.frame built in R): text as character,
 * number as double, integer and flag as integer. */
static SEXP table_frame(const tq_tables *t, int k)
{
    int nc = tq_tables_cols(t, k);
    size_t n = tq_tables_rows(t, k);
    SEXP cols = PROTECT(Rf_allocVector(VECSXP, nc));
    SEXP names = PROTECT(Rf_allocVector(STRSXP, nc));
    const char **txt = n ? malloc(n * sizeof *txt) : NULL;
    double *num = n ? malloc(n * sizeof *num) : NULL;
    if (n && (!txt || !num)) {
        free(txt);
        free(num);
        Rf_error("tradeq: out of memory");
    }
    for (int c = 0; c < nc; c++) {
        SET_STRING_ELT(names, c, mkstr(tq_tables_col_name(t, k, c)));
        tq_coltype ty = tq_tables_col_type(t, k, c);
        SEXP v;
        if (ty == TQ_COL_TEXT) {
            v = PROTECT(Rf_allocVector(STRSXP, (R_xlen_t)n));
            tq_tables_texts(t, k, c, 0, n, txt);
            const char *last = NULL;
            SEXP lastc = R_NilValue;
            for (size_t r = 0; r < n; r++) {
                if (txt[r] != last) { /* runs of one string share a CHARSXP */
                    last = txt[r];
                    lastc = mkstr(last);
                }
                SET_STRING_ELT(v, (R_xlen_t)r, lastc);
            }
        } else {
            tq_tables_numbers(t, k, c, 0, n, num);
            if (ty == TQ_COL_NUMBER) {
                v = PROTECT(Rf_allocVector(REALSXP, (R_xlen_t)n));
                for (size_t r = 0; r < n; r++) /* a missing number (NaN) is R's NA */
                    REAL(v)[r] = ISNAN(num[r]) ? NA_REAL : num[r];
            } else {
                v = PROTECT(Rf_allocVector(INTSXP, (R_xlen_t)n));
                for (size_t r = 0; r < n; r++)
                    INTEGER(v)[r] = (int)num[r];
            }
        }
        SET_VECTOR_ELT(cols, c, v);
        UNPROTECT(1);
    }
    free(txt);
    free(num);
    Rf_setAttrib(cols, R_NamesSymbol, names);
    UNPROTECT(2);
    return cols;
}

/* The outcomes of a run, freed in one place whatever happens. */
typedef struct run_state {
    tq_spec *spec;
    tq_outcome **oc;
    tq_run *runs;
    int n;
    tq_tables *tables;
} run_state;

static void run_state_free(run_state *rs)
{
    tq_tables_free(rs->tables);
    for (int q = 0; q < rs->n; q++)
        tq_outcome_free(rs->oc[q]);
    free(rs->oc);
    free(rs->runs);
    tq_spec_free(rs->spec);
}

/* Run scenario (a path, or YAML text when is_text) with the options; returns
 * list(tables = list(name = columns...), converged = logical) or a tq_c_error. */
SEXP tqr_run(SEXP p, SEXP scenario, SEXP is_text, SEXP data, SEXP closure, SEXP elasticities, SEXP detail, SEXP tol,
             SEXP max_iter, SEXP threads, SEXP max_seconds)
{
    session *s = get_session(p);
    const char *scen = opt_string(scenario);
    const char *dataset = opt_string(data), *elast = opt_string(elasticities);
    int cl = Rf_asInteger(closure), full = Rf_asLogical(detail) == TRUE;
    run_state rs = {0};
    tq_status st = TQ_OK;
    begin(s);
    char dflt[8192];
    if (!scen) {
        st = tq_runner_default_scenario(s->runner, dflt, sizeof dflt);
        scen = dflt;
    }
    if (st == TQ_OK)
        st = Rf_asLogical(is_text) == TRUE ? tq_spec_parse(s->ctx, scen, strlen(scen), "<text>", &rs.spec)
                                           : tq_spec_load(s->ctx, scen, &rs.spec);
    if (st == TQ_OK && cl != NA_INTEGER) {
        for (int k = 0; k < tq_spec_count(rs.spec) && st == TQ_OK; k++) {
            tq_spec_info si;
            tq_spec_get(rs.spec, k, &si);
            if (si.closure == TQ_CLOSURE_TARGET && cl != TQ_CLOSURE_TARGET)
                st = TQ_ERR_INVALID;
        }
        if (st != TQ_OK) {
            run_state_free(&rs);
            const char *names[] = {"status", "message", "file", "line", "field", "interrupted", ""};
            SEXP out = PROTECT(Rf_mkNamed(VECSXP, names));
            SET_VECTOR_ELT(out, 0, Rf_ScalarInteger(TQ_ERR_INVALID));
            SET_VECTOR_ELT(out, 1,
                           Rf_mkString("a scenario sets deficit targets (closure target); "
                                       "the closure argument would drop them"));
            SET_VECTOR_ELT(out, 2, Rf_mkString(""));
            SET_VECTOR_ELT(out, 3, Rf_ScalarInteger(0));
            SET_VECTOR_ELT(out, 4, Rf_mkString("closure"));
            SET_VECTOR_ELT(out, 5, Rf_ScalarLogical(0));
            Rf_setAttrib(out, R_ClassSymbol, Rf_mkString("tq_c_error"));
            UNPROTECT(1);
            return out;
        }
        st = tq_spec_set_closure(rs.spec, -1, (tq_closure)cl);
    }
    int total = st == TQ_OK ? tq_spec_count(rs.spec) : 0;
    if (st == TQ_OK) {
        rs.oc = calloc((size_t)total + 1, sizeof *rs.oc);
        rs.runs = calloc((size_t)total + 1, sizeof *rs.runs);
        if (!rs.oc || !rs.runs) {
            run_state_free(&rs);
            Rf_error("tradeq: out of memory");
        }
    }
    tq_run_options o;
    tq_run_options_default(&o);
    o.dataset = dataset;
    o.elasticities = elast;
    o.tol = Rf_asReal(tol);
    o.max_iter = Rf_asInteger(max_iter);
    o.threads = Rf_asInteger(threads);
    o.max_seconds = Rf_asReal(max_seconds);
    int converged = 1;
    for (int k = 0; k < total && st == TQ_OK; k++) {
        st = tq_runner_run(s->runner, rs.spec, k, &o, &rs.oc[rs.n]);
        if (rs.oc[rs.n]) {
            tq_outcome_run(rs.oc[rs.n], &rs.runs[rs.n]);
            rs.n++;
        }
        if (st == TQ_ERR_NOT_CONVERGED)
            converged = 0;
    }
    if (st != TQ_OK) {
        SEXP e = PROTECT(error_value(s, st));
        run_state_free(&rs);
        UNPROTECT(1);
        return e;
    }
    st = tq_tables_new(s->ctx, rs.runs, rs.n, full ? TQ_DETAIL_FULL : TQ_DETAIL_SUMMARY, &rs.tables);
    if (st != TQ_OK) {
        SEXP e = PROTECT(error_value(s, st));
        run_state_free(&rs);
        UNPROTECT(1);
        return e;
    }
    int nt = tq_tables_count(rs.tables);
    SEXP tabs = PROTECT(Rf_allocVector(VECSXP, nt));
    SEXP tnames = PROTECT(Rf_allocVector(STRSXP, nt));
    for (int k = 0; k < nt; k++) {
        SET_STRING_ELT(tnames, k, mkstr(tq_tables_name(rs.tables, k)));
        SET_VECTOR_ELT(tabs, k, table_frame(rs.tables, k));
    }
    Rf_setAttrib(tabs, R_NamesSymbol, tnames);
    run_state_free(&rs);
    const char *names[] = {"tables", "converged", ""};
    SEXP out = PROTECT(Rf_mkNamed(VECSXP, names));
    SET_VECTOR_ELT(out, 0, tabs);
    SET_VECTOR_ELT(out, 1, Rf_ScalarLogical(converged));
    UNPROTECT(3);
    return out;
}

/* Decimal texts to doubles with the C library's strtod (correctly rounded; R's own
 * reader may be one unit in the last place off): the CSV result files hold the shortest
 * text that reads back as the same double, so this reads them exactly. "" is NA. */
SEXP tqr_strtod(SEXP x)
{
    if (!Rf_isString(x))
        Rf_error("tradeq: expected a character vector");
    R_xlen_t n = XLENGTH(x);
    SEXP v = PROTECT(Rf_allocVector(REALSXP, n));
    for (R_xlen_t k = 0; k < n; k++) {
        SEXP e = STRING_ELT(x, k);
        const char *s = e == NA_STRING ? "" : CHAR(e);
        char *end = NULL;
        double d = *s ? strtod(s, &end) : NA_REAL;
        REAL(v)[k] = *s && end && *end == 0 ? d : NA_REAL;
    }
    UNPROTECT(1);
    return v;
}

static const R_CallMethodDef calls[] = {{"tqr_strtod", (DL_FUNC)&tqr_strtod, 1},
                                        {"tqr_version", (DL_FUNC)&tqr_version, 0},
                                        {"tqr_session_new", (DL_FUNC)&tqr_session_new, 1},
                                        {"tqr_session_free", (DL_FUNC)&tqr_session_free, 1},
                                        {"tqr_data_dir", (DL_FUNC)&tqr_data_dir, 1},
                                        {"tqr_default_scenario", (DL_FUNC)&tqr_default_scenario, 1},
                                        {"tqr_load", (DL_FUNC)&tqr_load, 5},
                                        {"tqr_dataset_array", (DL_FUNC)&tqr_dataset_array, 3},
                                        {"tqr_run", (DL_FUNC)&tqr_run, 11},
                                        {NULL, NULL, 0}};

void R_init_tradeq(DllInfo *dll)
{
    R_registerRoutines(dll, NULL, calls, NULL, NULL);
    R_useDynamicSymbols(dll, FALSE);
}
