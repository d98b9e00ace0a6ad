/* tradeq serve: libmicrohttpd daemon (one thread per connection), a bounded queue of
 * solves and worker threads that each own a context and a runner (a runner is used by
 * one thread at a time). A request thread checks the body (size, nesting, JSON, the
 * scenario's keys), queues a job and waits for it with a deadline. */
#include "server.h"

#include "tradeq.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void srv_config_default(srv_config *c)
{
    memset(c, 0, sizeof *c);
    c->bind = "127.0.0.1";
    c->port = 8080;
    c->max_body = 256 * 1024;
    c->max_depth = 16;
    c->queue = 32;
    c->workers = 1;
    c->timeout = 60;
    c->max_connections = 64;
    c->max_draws = 500;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ------------------------------------------------------------------ buffer --- */

typedef struct buf {
    char *p;
    size_t n, cap;
    int oom;
} buf;

static void buf_add(buf *b, const void *s, size_t len)
{
    if (b->oom)
        return;
    if (b->n + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + len + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, len);
    b->n += len;
    b->p[b->n] = 0;
}

static void buf_str(buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

static void buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_printf(buf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (k < 0)
        return;
    if ((size_t)k < sizeof tmp) {
        buf_add(b, tmp, (size_t)k);
        return;
    }
    char *big = malloc((size_t)k + 1);
    if (!big) {
        b->oom = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)k + 1, fmt, ap);
    va_end(ap);
    buf_add(b, big, (size_t)k);
    free(big);
}

/* A JSON string literal; bytes outside printable ASCII are escaped as \u00XX (labels
 * are ASCII in the embedded data; anything else is never passed through raw). */
static void buf_json_str(buf *b, const char *s)
{
    buf_add(b, "\"", 1);
    for (const unsigned char *c = (const unsigned char *)(s ? s : ""); *c; c++) {
        if (*c == '"' || *c == '\\') {
            char e[2] = {'\\', (char)*c};
            buf_add(b, e, 2);
        } else if (*c < 0x20 || *c >= 0x7f) {
            buf_printf(b, "\\u%04x", *c < 0x7f ? *c : '?');
        } else {
            buf_add(b, c, 1);
        }
    }
    buf_add(b, "\"", 1);
}

static void buf_num(buf *b, double v)
{
    if (isfinite(v))
        buf_printf(b, "%.17g", v);
    else
        buf_str(b, "null");
}

static int sink_buf(void *ud, const void *p, size_t len)
{
    buf *b = ud;
    buf_add(b, p, len);
    return b->oom;
}

/* -------------------------------------------------------------------- jobs --- */

enum { JOB_SOLVE = 0, JOB_EXPORT_CSV = 1, JOB_EXPORT_XLSX = 2 };

typedef struct job {
    int kind;
    char *spec;       /* the scenario as YAML flow text (JSON) */
    char pair[2][16]; /* chosen pair (importer, exporter), "" = the scenario's */
    char table[32];   /* CSV export: which table */
    /* out */
    int status; /* HTTP status */
    buf body;
    const char *ctype;
    char filename[96];
    int done, abandoned;
    double t_queued, t_start, t_end;
    pthread_cond_t cv;
} job;

typedef struct server {
    const srv_config *cfg;
    pthread_mutex_t mu;
    pthread_cond_t work_cv;
    job **ring;
    int head, count, stop;
    int busy; /* workers solving */
    char *dataset_json;
    char *origin; /* where requests "come from" for the spec parser (inside the data folder) */
    char data_name[128];
    unsigned long served, solved, rejected, cancelled; /* cancelled: given up at the time limit */
} server;

static void job_free(job *j)
{
    if (!j)
        return;
    free(j->spec);
    free(j->body.p);
    pthread_cond_destroy(&j->cv);
    free(j);
}

/* The error message of ctx with the request's origin path replaced by "scenario". */
static void error_text(const server *S, tq_context *ctx, char *out, size_t cap)
{
    char msg[2048];
    tq_error_format(ctx, msg, sizeof msg);
    const char *o = S->origin;
    size_t ol = strlen(o), w = 0;
    for (const char *p = msg; *p && w + 1 < cap;) {
        if (ol && !strncmp(p, o, ol)) {
            const char *r = "scenario";
            for (; *r && w + 1 < cap; r++)
                out[w++] = *r;
            p += ol;
        } else {
            out[w++] = *p++;
        }
    }
    out[w] = 0;
}

static void job_error(job *j, int status, const char *msg)
{
    j->status = status;
    j->ctype = "application/json";
    j->body.n = 0;
    buf_str(&j->body, "{\"ok\": false, \"error\": ");
    buf_json_str(&j->body, msg);
    buf_str(&j->body, "}\n");
}

typedef struct worker {
    server *S;
    tq_context *ctx;
    tq_runner *runner;
    job *current; /* read by the progress callback: cancel a solve nobody waits for */
    pthread_t th;
} worker;

static int on_progress(void *ud, const char *stage, double fraction)
{
    (void)stage;
    (void)fraction;
    worker *w = ud;
    pthread_mutex_lock(&w->S->mu);
    const int stop = w->current && w->current->abandoned;
    pthread_mutex_unlock(&w->S->mu);
    return stop;
}

static int status_of(tq_status st)
{
    switch (st) {
    case TQ_ERR_PARSE:
    case TQ_ERR_INVALID:
    case TQ_ERR_NOT_FOUND:
    case TQ_ERR_UNSUPPORTED: return 400;
    case TQ_ERR_CANCELLED: return 504;
    default: return 500;
    }
}

/* The aggregates the page charts: the region x region matrix of non-domestic trade
 * (summed over sectors, before and after) and gross output by region and sector. Trade is
 * pre-tariff, M[n,i,j] = pi[n,i,j] X[n,j] / (1 + t[n,i,j]) (docs/results.md, the
 * bilateral table), from the baseline's and the result's arrays, summed in the order the
 * library's tables sum them, so output equals region_sector's output_*_musd exactly
 * (tests/server/test_api.py checks both against `tradeq run --detail full`). Building the
 * full tables for this would cost several times the solve. */
static int write_aggregates(buf *b, tq_outcome *oc)
{
    const tq_dataset *ds = tq_outcome_dataset(oc);
    const tq_baseline *base = tq_outcome_baseline(oc);
    const tq_result *res = tq_outcome_result(oc);
    const int N = tq_baseline_regions(base), J = tq_baseline_sectors(base);
    const size_t NJ = (size_t)N * J, NNJ = NJ * (size_t)N;
    size_t l[6] = {0};
    const double *pi0 = tq_baseline_array(base, TQ_PI, &l[0]), *t0 = tq_baseline_array(base, TQ_TARIFF, &l[1]);
    const double *X0 = tq_baseline_array(base, TQ_XJ, &l[2]);
    const double *pi1 = tq_result_array(res, TQ_RES_PI, &l[3]), *X1 = tq_result_array(res, TQ_RES_X, &l[4]);
    const double *t1 = tq_scenario_tariffs(tq_outcome_scenario(oc));
    if (!pi0 || !t0 || !X0 || !pi1 || !X1 || !t1 || l[0] != NNJ || l[1] != NNJ || l[2] != NJ || l[3] != NNJ ||
        l[4] != NJ || N != tq_dataset_regions(ds))
        return -1;
    double *m = calloc((size_t)N * N * 2, sizeof(double));
    double *y = calloc(NJ * 2, sizeof(double));
    if (!m || !y) {
        free(m);
        free(y);
        return -1;
    }
    for (int n = 0; n < N; n++)
        for (int i = 0; i < N; i++)
            for (int j = 0; j < J; j++) {
                const size_t a = ((size_t)n * N + i) * J + j, nj = (size_t)n * J + j, ij = (size_t)i * J + j;
                const double m0 = pi0[a] * X0[nj] / (1.0 + t0[a]);
                const double m1 = pi1[a] * X1[nj] / (1.0 + t1[a]);
                y[ij * 2] += m0;
                y[ij * 2 + 1] += m1;
                if (n != i) {
                    m[((size_t)n * N + i) * 2] += m0;
                    m[((size_t)n * N + i) * 2 + 1] += m1;
                }
            }
    static const char *const which[2] = {"before", "after"};
    buf_str(b, ",\n \"trade_matrix\": {\"unit\": \"M USD\", \"rows\": \"importer\", \"cols\": \"exporter\"");
    for (int h = 0; h < 2; h++) {
        buf_printf(b, ", \"%s\": [", which[h]);
        for (int n = 0; n < N; n++) {
            buf_str(b, n ? ",\n  [" : "\n  [");
            for (int i = 0; i < N; i++) {
                if (i)
                    buf_add(b, ",", 1);
                buf_num(b, m[((size_t)n * N + i) * 2 + h]);
            }
            buf_add(b, "]", 1);
        }
        buf_str(b, "]");
    }
    buf_str(b, "},\n \"output\": {\"unit\": \"M USD\", \"rows\": \"region\", \"cols\": \"sector\"");
    for (int h = 0; h < 2; h++) {
        buf_printf(b, ", \"%s\": [", which[h]);
        for (int n = 0; n < N; n++) {
            buf_str(b, n ? ",\n  [" : "\n  [");
            for (int j = 0; j < J; j++) {
                if (j)
                    buf_add(b, ",", 1);
                buf_num(b, y[((size_t)n * J + j) * 2 + h]);
            }
            buf_add(b, "]", 1);
        }
        buf_str(b, "]");
    }
    buf_str(b, "}");
    free(m);
    free(y);
    return b->oom ? -1 : 0;
}

/* Remove folder dir and the files in it (an export's temporary folder; no subfolders). */
static void remove_tmp_dir(const char *dir)
{
    static const char *const names[] = {"results.xlsx"};
    char p[4096];
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[k]);
        unlink(p);
    }
    rmdir(dir);
}

static int read_file(const char *path, buf *b)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    char tmp[65536];
    size_t k;
    while ((k = fread(tmp, 1, sizeof tmp, f)) > 0)
        buf_add(b, tmp, k);
    const int err = ferror(f);
    fclose(f);
    return err || b->oom ? -1 : 0;
}

static void run_job(worker *w, job *j)
{
    server *S = w->S;
    tq_context *ctx = w->ctx;
    char msg[2048];
    tq_spec *sp = NULL;
    tq_outcome *oc = NULL, *own = NULL; /* own: a run without draws (else oc is the sweep's) */
    tq_sweep *sw = NULL;
    const tq_bands *bands = NULL;
    tq_tables *ts = NULL;
    tq_context_reset_cancel(ctx);
    tq_status st = tq_spec_parse(ctx, j->spec, strlen(j->spec), S->origin, &sp);
    if (st != TQ_OK) {
        error_text(S, ctx, msg, sizeof msg);
        job_error(j, status_of(st), msg);
        return;
    }
    tq_run_options ro;
    tq_run_options_default(&ro);
    ro.dataset = S->cfg->data;
    ro.threads = S->cfg->threads;
    ro.max_seconds = S->cfg->timeout;
    /* uncertainty: {draws: N|sets, seed: S} (docs/api.md): the central run and its draws
     * through the library's sweep, as `tradeq run --draws` does; the outcome is then the
     * sweep's and carries the bands into the tables */
    int udraws = 0, usets = 0; /* what was asked, for the answer's "uncertainty" field */
    uint64_t useed = 1;
    tq_spec_uncertainty(sp, 0, &udraws, &usets, &useed);
    const double t0 = now_s();
    tq_sweep_options swo;
    tq_sweep_options_default(&swo);
    swo.run = ro;
    swo.run.threads = 0;
    swo.threads = S->cfg->threads;
    st = tq_sweep_new_draws(w->runner, sp, 0, &swo, NULL, NULL, &sw);
    if (sw) {
        oc = tq_sweep_outcome(sw);
        if (!st)
            st = tq_sweep_run(sw, 0, tq_sweep_blocks(sw));
        if (!st)
            st = tq_sweep_bands(sw, &bands);
        if (!st && tq_result_info(tq_outcome_result(oc))->status != TQ_OK)
            st = TQ_ERR_NOT_CONVERGED;
        /* a central run that did not converge is answered as without draws (200,
         * converged false); any other failure (cancelled at the time limit, a bad
         * scenario) is an error */
        if (st != TQ_OK && !(st == TQ_ERR_NOT_CONVERGED && oc && !bands))
            oc = NULL;
    } else if (!st) {
        st = tq_runner_run(w->runner, sp, 0, &ro, &own);
        oc = own;
    }
    const double t1 = now_s();
    if (!oc) {
        error_text(S, ctx, msg, sizeof msg);
        job_error(j, status_of(st), msg);
        goto done;
    }
    const int converged = st == TQ_OK;
    tq_run run;
    tq_outcome_run(oc, &run);
    const tq_dataset *ds = tq_outcome_dataset(oc);
    run.importer = run.exporter = -1;
    tq_outcome_named_regions(oc, NULL, &run.importer, &run.exporter);
    if (j->pair[0][0] && j->pair[1][0]) {
        run.importer = tq_dataset_find_region(ds, j->pair[0]);
        run.exporter = tq_dataset_find_region(ds, j->pair[1]);
        if (run.importer < 0 || run.exporter < 0 || run.importer == run.exporter) {
            snprintf(msg, sizeof msg, "pair: '%.15s' and '%.15s' must be two different region codes of %s", j->pair[0],
                     j->pair[1], tq_dataset_name(ds));
            job_error(j, 400, msg);
            goto done;
        }
    }
    if (j->kind == JOB_EXPORT_XLSX) {
        char dir[] = "/tmp/tradeq-serve-XXXXXX";
        if (!mkdtemp(dir)) {
            job_error(j, 500, "could not make a temporary folder for the xlsx file");
            goto done;
        }
        st = tq_results_write_detail(ctx, &run, 1, dir, TQ_FORMAT_XLSX, 1, TQ_DETAIL_SUMMARY);
        char path[4096];
        snprintf(path, sizeof path, "%s/results.xlsx", dir);
        if (st != TQ_OK) {
            error_text(S, ctx, msg, sizeof msg);
            job_error(j, status_of(st) == 400 ? 500 : status_of(st), msg);
        } else if (read_file(path, &j->body)) {
            job_error(j, 500, "could not read the xlsx file back");
        } else {
            j->status = 200;
            j->ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
            snprintf(j->filename, sizeof j->filename, "tradeq-%s.xlsx", run.scenario);
        }
        remove_tmp_dir(dir);
        goto done;
    }
    if (j->kind == JOB_EXPORT_CSV) {
        tq_sink sink = {sink_buf, &j->body};
        st = tq_results_write_csv(ctx, &run, 1, j->table, TQ_DETAIL_SUMMARY, &sink);
        if (st != TQ_OK) {
            j->body.n = 0;
            error_text(S, ctx, msg, sizeof msg);
            job_error(j, status_of(st), msg);
        } else {
            j->status = 200;
            j->ctype = "text/csv; charset=utf-8";
            snprintf(j->filename, sizeof j->filename, "tradeq-%s-%s.csv", run.scenario, j->table);
        }
        goto done;
    }
    /* solve: the summary document of the library's writer, wrapped with the aggregates */
    st = tq_tables_new(ctx, &run, 1, TQ_DETAIL_SUMMARY, &ts);
    if (st != TQ_OK) {
        error_text(S, ctx, msg, sizeof msg);
        job_error(j, 500, msg);
        goto done;
    }
    const double t2 = now_s();
    buf *b = &j->body;
    buf_printf(b, "{\"ok\": true, \"converged\": %s, \"seconds\": {\"run\": %.4f, \"tables\": %.4f}, \"dataset\": ",
               converged ? "true" : "false", t1 - t0, t2 - t1);
    buf_json_str(b, tq_dataset_name(ds));
    buf_str(b, ", \"message\": ");
    if (converged) {
        buf_str(b, "null");
    } else {
        error_text(S, ctx, msg, sizeof msg);
        buf_json_str(b, msg);
    }
    buf_str(b, ",\n \"uncertainty\": ");
    if (bands)
        buf_printf(b, "{\"theta\": \"%s\", \"draws\": %d, \"used\": %d, \"seed\": %llu}", usets ? "sets" : "normal",
                   usets ? tq_sweep_points(sw) : udraws, bands->draws, (unsigned long long)useed);
    else
        buf_str(b, "null");
    buf_str(b, ",\n \"results\": ");
    tq_sink sink = {sink_buf, b};
    st = tq_tables_write_json(ctx, ts, &sink);
    if (st != TQ_OK) {
        error_text(S, ctx, msg, sizeof msg);
        job_error(j, 500, msg);
        goto done;
    }
    if (write_aggregates(b, oc)) {
        job_error(j, 500, "the result's arrays are missing, or out of memory");
        goto done;
    }
    buf_str(b, "}\n");
    if (b->oom) {
        job_error(j, 500, "out of memory");
        goto done;
    }
    j->status = 200;
    j->ctype = "application/json";
done:
    tq_tables_free(ts);
    tq_outcome_free(own);
    tq_sweep_free(sw);
    tq_spec_free(sp);
}

static void *worker_main(void *ud)
{
    worker *w = ud;
    server *S = w->S;
    for (;;) {
        pthread_mutex_lock(&S->mu);
        while (!S->stop && S->count == 0)
            pthread_cond_wait(&S->work_cv, &S->mu);
        if (S->stop) {
            pthread_mutex_unlock(&S->mu);
            return NULL;
        }
        job *j = S->ring[S->head];
        S->head = (S->head + 1) % S->cfg->queue;
        S->count--;
        const int skip = j->abandoned;
        w->current = j;
        S->busy++;
        pthread_mutex_unlock(&S->mu);

        j->t_start = now_s();
        if (skip)
            job_error(j, 504, "gave up waiting in the queue");
        else
            run_job(w, j);
        j->t_end = now_s();

        pthread_mutex_lock(&S->mu);
        w->current = NULL;
        S->busy--;
        S->solved++;
        j->done = 1;
        const int orphan = j->abandoned;
        if (orphan && j->status == 504)
            S->cancelled++;
        if (!orphan)
            pthread_cond_signal(&j->cv);
        pthread_mutex_unlock(&S->mu);
        if (orphan)
            job_free(j);
    }
}

/* Queue j and wait for it. Returns 0 when done (the job's body is the answer), or an
 * HTTP status: 503 (queue full) or 504 (deadline passed; the job is then the worker's). */
static int submit(server *S, job *j)
{
    pthread_mutex_lock(&S->mu);
    if (S->count >= S->cfg->queue || S->stop) {
        S->rejected++;
        pthread_mutex_unlock(&S->mu);
        return 503;
    }
    j->t_queued = now_s();
    S->ring[(S->head + S->count) % S->cfg->queue] = j;
    S->count++;
    pthread_cond_signal(&S->work_cv);
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    const double t = S->cfg->timeout;
    dl.tv_sec += (time_t)t;
    dl.tv_nsec += (long)((t - floor(t)) * 1e9);
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    while (!j->done) {
        if (pthread_cond_timedwait(&j->cv, &S->mu, &dl) == ETIMEDOUT && !j->done) {
            j->abandoned = 1; /* the worker frees it (and cancels its solve) */
            pthread_mutex_unlock(&S->mu);
            return 504;
        }
    }
    pthread_mutex_unlock(&S->mu);
    return 0;
}

/* ------------------------------------------------------- scenario checking --- */

static int simple_name(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= '0' && s[n] <= '9') ||
              s[n] == '_' || s[n] == '-'))
            return 0;
    return n > 0 && n <= 64;
}

static int fail(char *err, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
    return -1;
}

/* A key of the request, printable in a message (no raw bytes). */
static const char *safe_key(const char *k, char *out, size_t cap)
{
    size_t w = 0;
    for (const unsigned char *c = (const unsigned char *)k; *c && w + 5 < cap; c++) {
        if (*c >= 0x20 && *c < 0x7f && *c != '\'')
            out[w++] = (char)*c;
        else
            w += (size_t)snprintf(out + w, cap - w, "\\x%02X", *c);
    }
    out[w] = 0;
    return out;
}

static int is_code_list(const json_t *v)
{
    if (json_is_string(v))
        return 1;
    if (!json_is_array(v) || json_array_size(v) == 0)
        return 0;
    size_t k;
    json_t *e;
    json_array_foreach(v, k, e) if (!json_is_string(e)) return 0;
    return 1;
}

static int check_shocks(const char *list, const json_t *a, char *err, size_t cap)
{
    char kb[160];
    if (!json_is_array(a))
        return fail(err, cap, "scenario: '%s' must be a list of shocks", list);
    size_t k;
    json_t *e;
    json_array_foreach(a, k, e)
    {
        if (!json_is_object(e))
            return fail(err, cap, "scenario: %s[%zu] must be an object", list, k);
        const char *key;
        json_t *v;
        json_object_foreach(e, key, v)
        {
            if (!strcmp(key, "importer") || !strcmp(key, "exporter") || !strcmp(key, "sectors")) {
                if (!is_code_list(v))
                    return fail(err, cap, "scenario: %s[%zu].%s must be a code or a list of codes", list, k, key);
            } else if (!strcmp(key, "set") || !strcmp(key, "add") || !strcmp(key, "scale") ||
                       (!strcmp(list, "ntb") && (!strcmp(key, "ave") || !strcmp(key, "partial_effect")))) {
                if (!json_is_string(v) && !json_is_number(v))
                    return fail(err, cap, "scenario: %s[%zu].%s must be a value such as \"25pp\"", list, k, key);
            } else {
                return fail(err, cap, "scenario: %s[%zu]: unknown or not allowed key '%s'%s", list, k,
                            safe_key(key, kb, sizeof kb),
                            !strcmp(key, "pairs_file") ? " (the server reads no files)" : "");
            }
        }
    }
    return 0;
}

/* Check the scenario object of a request against the keys the server accepts
 * (docs/api.md): the scenario file's keys, minus what would read a file or switch the
 * dataset. 0, or -1 with a message. */
static int check_scenario(const server *S, json_t *sc, char *err, size_t cap)
{
    char kb[160];
    if (!json_is_object(sc))
        return fail(err, cap, "'scenario' must be an object (the scenario file's keys as JSON)");
    const char *key;
    json_t *v;
    json_object_foreach(sc, key, v)
    {
        if (!strcmp(key, "name")) {
            if (!json_is_string(v) || !simple_name(json_string_value(v)))
                return fail(err, cap, "scenario: name must be 1-64 letters, digits, '-' or '_'");
        } else if (!strcmp(key, "title") || !strcmp(key, "description")) {
            if (!json_is_string(v) || json_string_length(v) > 1000)
                return fail(err, cap, "scenario: %s must be a text of at most 1000 bytes", key);
        } else if (!strcmp(key, "closure")) {
            if (!json_is_string(v))
                return fail(err, cap, "scenario: closure must be fixed, balanced, share or target");
        } else if (!strcmp(key, "data")) {
            if (!json_is_object(v))
                return fail(err, cap, "scenario: data must be an object");
            const char *dk;
            json_t *dv;
            json_object_foreach(v, dk, dv)
            {
                if (!strcmp(dk, "dataset")) {
                    if (!json_is_string(dv) || (strcmp(json_string_value(dv), S->data_name) &&
                                                (!S->cfg->data || strcmp(json_string_value(dv), S->cfg->data))))
                        return fail(err, cap, "scenario: data.dataset: this server solves on %s only", S->data_name);
                } else if (!strcmp(dk, "aggregate") || !strcmp(dk, "sector_aggregate")) {
                    if (!json_is_string(dv) || !simple_name(json_string_value(dv)))
                        return fail(err, cap, "scenario: data.%s must be a preset name (no paths)", dk);
                } else if (!strcmp(dk, "year")) {
                    if (!json_is_integer(dv))
                        return fail(err, cap, "scenario: data.year must be a whole number");
                } else {
                    return fail(err, cap, "scenario: data: unknown key '%s'", safe_key(dk, kb, sizeof kb));
                }
            }
        } else if (!strcmp(key, "elasticities")) {
            if (json_is_string(v)) {
                if (!simple_name(json_string_value(v)))
                    return fail(err, cap, "scenario: elasticities must be a set name or a mapping");
            } else if (json_is_object(v)) {
                const char *ek;
                json_t *ev;
                json_object_foreach(
                    v, ek, ev) if (!json_is_number(ev) &&
                                   !(json_is_string(ev) &&
                                     !strcmp(ek, "set"))) return fail(err, cap,
                                                                      "scenario: elasticities.%s must be a number",
                                                                      safe_key(ek, kb, sizeof kb));
            } else {
                return fail(err, cap, "scenario: elasticities must be a set name or a mapping");
            }
        } else if (!strcmp(key, "uncertainty")) {
            /* docs/api.md: draws capped (--max-draws) so that one request cannot hold a
             * worker for minutes while the others queue */
            if (!json_is_object(v))
                return fail(err, cap,
                            "scenario: uncertainty must be an object {\"draws\": N or \"sets\", \"seed\": S}");
            const char *uk;
            json_t *uv;
            json_object_foreach(v, uk, uv)
            {
                if (!strcmp(uk, "draws")) {
                    if (json_is_string(uv) && !strcmp(json_string_value(uv), "sets"))
                        continue;
                    if (!json_is_integer(uv) || json_integer_value(uv) < 1 ||
                        json_integer_value(uv) > S->cfg->max_draws)
                        return fail(err, cap,
                                    "scenario: uncertainty.draws must be a whole number from 1 to %d (this "
                                    "server's limit) or \"sets\"",
                                    S->cfg->max_draws);
                } else if (!strcmp(uk, "seed")) {
                    if (!json_is_integer(uv) || json_integer_value(uv) < 0 ||
                        json_integer_value(uv) > 9007199254740992LL)
                        return fail(err, cap, "scenario: uncertainty.seed must be a whole number, 0 or more");
                } else {
                    return fail(err, cap, "scenario: uncertainty: unknown key '%s' (draws, seed)",
                                safe_key(uk, kb, sizeof kb));
                }
            }
        } else if (!strcmp(key, "tariffs") || !strcmp(key, "retaliation") || !strcmp(key, "ntb")) {
            if (check_shocks(key, v, err, cap))
                return -1;
        } else if (!strcmp(key, "deficits")) {
            if (!json_is_object(v))
                return fail(err, cap, "scenario: deficits must map region codes to M USD");
            const char *dk;
            json_t *dv;
            json_object_foreach(v, dk, dv) if (!json_is_number(dv)) return fail(
                err, cap, "scenario: deficits.%s must be a number", safe_key(dk, kb, sizeof kb));
        } else {
            return fail(err, cap, "scenario: unknown or not allowed key '%s'%s", safe_key(key, kb, sizeof kb),
                        !strcmp(key, "scenarios") ? " (one scenario per request)" : "");
        }
    }
    return 0;
}

/* ------------------------------------------------------------------- HTTP --- */

typedef struct conn {
    buf body;
    size_t seen; /* body bytes received */
    int too_big, answered;
} conn;

static enum MHD_Result respond(struct MHD_Connection *c, unsigned status, const char *ctype, const void *data,
                               size_t len, const char *filename)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", ctype);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
                            "img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'");
    if (filename) {
        char cd[160];
        snprintf(cd, sizeof cd, "attachment; filename=\"%s\"", filename);
        MHD_add_response_header(r, "Content-Disposition", cd);
    }
    const enum MHD_Result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result respond_error(struct MHD_Connection *c, unsigned status, const char *msg)
{
    buf b = {0};
    buf_str(&b, "{\"ok\": false, \"error\": ");
    buf_json_str(&b, msg);
    buf_str(&b, "}\n");
    enum MHD_Result r = b.oom ? MHD_NO : respond(c, status, "application/json", b.p, b.n, NULL);
    free(b.p);
    return r;
}

static enum MHD_Result too_big(server *S, struct MHD_Connection *c, conn *cs)
{
    char err[128];
    cs->too_big = cs->answered = 1;
    snprintf(err, sizeof err, "request body over the limit of %zu bytes", S->cfg->max_body);
    return respond_error(c, 413, err);
}

/* POST /api/solve and /api/export: check the body, make the job, queue it, answer. */
static enum MHD_Result handle_post(server *S, struct MHD_Connection *c, const char *url, conn *cs)
{
    char err[600];
    int kind = JOB_SOLVE;
    const char *table = NULL;
    if (!strcmp(url, "/api/export")) {
        const char *fmt = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "format");
        table = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "table");
        if (fmt && !strcmp(fmt, "xlsx")) {
            kind = JOB_EXPORT_XLSX;
        } else if (fmt && !strcmp(fmt, "csv")) {
            kind = JOB_EXPORT_CSV;
            if (!table)
                table = "regions";
            if (strcmp(table, "regions") && strcmp(table, "region_sector") && strcmp(table, "pair_sector") &&
                strcmp(table, "run"))
                return respond_error(c, 400, "table must be regions, region_sector, pair_sector or run");
        } else {
            return respond_error(c, 400, "format must be csv or xlsx");
        }
    }
    const int depth = srv_json_depth_exceeds(cs->body.p ? cs->body.p : "", cs->body.n, S->cfg->max_depth);
    if (depth) {
        snprintf(err, sizeof err, "JSON nested deeper than %d levels", S->cfg->max_depth);
        return respond_error(c, 400, err);
    }
    json_error_t je;
    json_t *root = json_loadb(cs->body.p ? cs->body.p : "", cs->body.n, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        char kb[160];
        snprintf(err, sizeof err, "malformed JSON at line %d, column %d: %s", je.line, je.column,
                 safe_key(je.text, kb, sizeof kb));
        return respond_error(c, 400, err);
    }
    enum MHD_Result res;
    job *j = NULL;
    if (!json_is_object(root)) {
        res = respond_error(c, 400, "the body must be a JSON object {\"scenario\": {...}}");
        goto out;
    }
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v) if (strcmp(key, "scenario") && strcmp(key, "pair"))
    {
        char kb[160];
        snprintf(err, sizeof err, "unknown key '%s' (the body holds scenario and pair)", safe_key(key, kb, sizeof kb));
        res = respond_error(c, 400, err);
        goto out;
    }
    json_t *sc = json_object_get(root, "scenario");
    if (!sc) {
        res = respond_error(c, 400, "the body needs a \"scenario\" object");
        goto out;
    }
    if (check_scenario(S, sc, err, sizeof err)) {
        res = respond_error(c, 400, err);
        goto out;
    }
    j = calloc(1, sizeof *j);
    if (!j || pthread_cond_init(&j->cv, NULL)) {
        free(j);
        j = NULL;
        res = respond_error(c, 500, "out of memory");
        goto out;
    }
    j->kind = kind;
    if (table)
        snprintf(j->table, sizeof j->table, "%s", table);
    json_t *pair = json_object_get(root, "pair");
    if (pair && !json_is_null(pair)) {
        json_t *pi = json_object_get(pair, "importer"), *pe = json_object_get(pair, "exporter");
        if (!json_is_object(pair) || json_object_size(pair) != 2 || !json_is_string(pi) || !json_is_string(pe) ||
            json_string_length(pi) >= 16 || json_string_length(pe) >= 16) {
            res = respond_error(c, 400, "pair must be {\"importer\": CODE, \"exporter\": CODE}");
            goto out;
        }
        snprintf(j->pair[0], sizeof j->pair[0], "%s", json_string_value(pi));
        snprintf(j->pair[1], sizeof j->pair[1], "%s", json_string_value(pe));
    }
    if (!json_object_get(sc, "name"))
        json_object_set_new(sc, "name", json_string("whatif"));
    /* JSON is YAML (flow style): the library's scenario parser reads it as a scenario file */
    j->spec = json_dumps(sc, JSON_INDENT(1) | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
    if (!j->spec) {
        res = respond_error(c, 500, "out of memory");
        goto out;
    }
    const int w = submit(S, j);
    if (w == 503) {
        res = respond_error(c, 503, "busy: the queue of solves is full; try again");
        goto out;
    }
    if (w == 504) {
        j = NULL; /* the worker's now */
        snprintf(err, sizeof err, "no answer within %g s", S->cfg->timeout);
        res = respond_error(c, 504, err);
        goto out;
    }
    if (!S->cfg->quiet)
        fprintf(stderr, "tradeq serve: POST %s %d, queued %.3f s, solved %.3f s\n", url, j->status,
                j->t_start - j->t_queued, j->t_end - j->t_start);
    res = j->body.oom
              ? respond_error(c, 500, "out of memory")
              : respond(c, (unsigned)j->status, j->ctype, j->body.p, j->body.n, j->filename[0] ? j->filename : NULL);
out:
    if (j)
        job_free(j);
    json_decref(root);
    return res;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                               const char *version, const char *upload_data, size_t *upload_size, void **con_cls)
{
    (void)version;
    server *S = cls;
    const int post = !strcmp(method, "POST");
    if (!*con_cls) {
        conn *cs = calloc(1, sizeof *cs);
        if (!cs)
            return MHD_NO;
        *con_cls = cs;
        if (post) {
            const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
            if (cl && strtoull(cl, NULL, 10) > S->cfg->max_body)
                return too_big(S, c, cs); /* answered before the body is read */
        }
        return MHD_YES;
    }
    conn *cs = *con_cls;
    if (*upload_size) {
        /* a body without Content-Length (chunked) that passes the cap: read on without
         * keeping it, answer 413 at its end; one that goes on past 16 times the cap is
         * cut off (the connection is closed) */
        cs->seen += *upload_size;
        if (cs->seen > S->cfg->max_body)
            cs->too_big = 1;
        if (cs->seen > 16 * S->cfg->max_body)
            return MHD_NO;
        if (!cs->too_big)
            buf_add(&cs->body, upload_data, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    if (cs->too_big && !cs->answered)
        return too_big(S, c, cs);
    if (cs->answered)
        return MHD_YES;
    pthread_mutex_lock(&S->mu);
    S->served++;
    pthread_mutex_unlock(&S->mu);
    if (!strcmp(method, "GET") || !strcmp(method, "HEAD")) {
        if (!strcmp(url, "/api/dataset"))
            return respond(c, 200, "application/json", S->dataset_json, strlen(S->dataset_json), NULL);
        if (!strcmp(url, "/api/health")) {
            char b[256];
            pthread_mutex_lock(&S->mu);
            snprintf(b, sizeof b,
                     "{\"ok\": true, \"queued\": %d, \"solving\": %d, \"queue_limit\": %d, \"solved\": %lu, "
                     "\"rejected\": %lu, \"cancelled\": %lu}\n",
                     S->count, S->busy, S->cfg->queue, S->solved, S->rejected, S->cancelled);
            pthread_mutex_unlock(&S->mu);
            return respond(c, 200, "application/json", b, strlen(b), NULL);
        }
        for (size_t k = 0; k < srv_asset_count; k++)
            if (!strcmp(url, srv_assets[k].path))
                return respond(c, 200, srv_assets[k].mime, srv_assets[k].data, srv_assets[k].len, NULL);
        if (!strcmp(url, "/api/solve") || !strcmp(url, "/api/export"))
            return respond_error(c, 405, "method not allowed: POST a scenario");
        return respond_error(c, 404, "not found");
    }
    if (post && (!strcmp(url, "/api/solve") || !strcmp(url, "/api/export")))
        return handle_post(S, c, url, cs);
    if (post || !strcmp(url, "/api/solve") || !strcmp(url, "/api/export")) {
        for (size_t k = 0; k < srv_asset_count; k++)
            if (!strcmp(url, srv_assets[k].path))
                return respond_error(c, 405, "method not allowed");
        if (!strcmp(url, "/api/solve") || !strcmp(url, "/api/export") || !strcmp(url, "/api/dataset") ||
            !strcmp(url, "/api/health"))
            return respond_error(c, 405, "method not allowed");
        return respond_error(c, 404, "not found");
    }
    return respond_error(c, 405, "method not allowed");
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    conn *cs = *con_cls;
    if (cs) {
        free(cs->body.p);
        free(cs);
        *con_cls = NULL;
    }
}

/* ---------------------------------------------------------------- startup --- */

/* GET /api/dataset: labels, groups and limits, made once. */
static int make_dataset_json(server *S, const tq_dataset *ds, tq_runner *r)
{
    buf b = {0};
    const int N = tq_dataset_regions(ds), J = tq_dataset_sectors(ds), Y = tq_dataset_years(ds);
    buf_str(&b, "{\"name\": ");
    buf_json_str(&b, tq_dataset_name(ds));
    buf_str(&b, ", \"source\": ");
    buf_json_str(&b, tq_dataset_source(ds));
    buf_printf(&b, ", \"year\": %d, \"input_output\": %s,\n \"regions\": [", tq_dataset_year(ds, Y - 1),
               tq_dataset_has_io(ds) ? "true" : "false");
    for (int n = 0; n < N; n++) {
        buf_str(&b, n ? ",\n  {\"code\": " : "\n  {\"code\": ");
        buf_json_str(&b, tq_dataset_region_code(ds, n));
        buf_str(&b, ", \"name\": ");
        buf_json_str(&b, tq_dataset_region_name(ds, n));
        buf_str(&b, "}");
    }
    buf_str(&b, "],\n \"sectors\": [");
    for (int j = 0; j < J; j++) {
        buf_str(&b, j ? ",\n  {\"code\": " : "\n  {\"code\": ");
        buf_json_str(&b, tq_dataset_sector_code(ds, j));
        buf_str(&b, ", \"name\": ");
        buf_json_str(&b, tq_dataset_sector_name(ds, j));
        buf_printf(&b, ", \"tradable\": %s}", tq_dataset_sector_tradable(ds, j) ? "true" : "false");
    }
    static const char *const kinds[2] = {"region_groups", "sector_groups"};
    for (int g = 0; g < 2; g++) {
        const tq_group_kind kind = g == 0 ? TQ_GROUP_REGION : TQ_GROUP_SECTOR;
        buf_printf(&b, "],\n \"%s\": [", kinds[g]);
        const int G = tq_dataset_group_count(ds, kind);
        for (int k = 0; k < G; k++) {
            if (k)
                buf_str(&b, ", ");
            buf_json_str(&b, tq_dataset_group_name(ds, kind, k));
        }
    }
    buf_printf(&b,
               "],\n \"limits\": {\"max_body_bytes\": %zu, \"max_json_depth\": %d, \"queue\": %d, "
               "\"timeout_seconds\": %g, \"max_draws\": %d},\n \"default_scenario\": ",
               S->cfg->max_body, S->cfg->max_depth, S->cfg->queue, S->cfg->timeout, S->cfg->max_draws);
    /* the shipped default question, as YAML text (the page parses it) */
    char path[4096];
    buf y = {0};
    if (tq_runner_default_scenario(r, path, sizeof path) == TQ_OK && read_file(path, &y) == 0 && y.p)
        buf_json_str(&b, y.p);
    else
        buf_str(&b, "null");
    free(y.p);
    buf_str(&b, "}\n");
    if (b.oom) {
        free(b.p);
        return -1;
    }
    S->dataset_json = b.p;
    return 0;
}

static int worker_init(worker *w, server *S, int first, char *err, size_t cap)
{
    w->S = S;
    if (tq_context_new(&w->ctx, NULL) != TQ_OK || tq_runner_new(w->ctx, &w->runner) != TQ_OK) {
        snprintf(err, cap, "out of memory");
        return -1;
    }
    tq_context_set_progress(w->ctx, on_progress, w);
    if (S->cfg->data_dir && tq_runner_set_data_dir(w->runner, S->cfg->data_dir) != TQ_OK)
        goto fail;
    /* load the data and make the baseline now (an empty scenario), so that the first
     * request is as fast as the others */
    tq_spec *sp = NULL;
    tq_outcome *oc = NULL;
    if (tq_spec_new(w->ctx, "warmup", &sp) != TQ_OK)
        goto fail;
    tq_run_options ro;
    tq_run_options_default(&ro);
    ro.dataset = S->cfg->data;
    ro.threads = S->cfg->threads;
    if (tq_runner_run(w->runner, sp, 0, &ro, &oc) != TQ_OK) {
        tq_outcome_free(oc);
        tq_spec_free(sp);
        goto fail;
    }
    if (first) {
        const tq_dataset *ds = tq_outcome_dataset(oc);
        snprintf(S->data_name, sizeof S->data_name, "%s", tq_dataset_name(ds));
        const char *dir = tq_runner_data_dir(w->runner);
        size_t len = strlen(dir) + 32;
        S->origin = malloc(len);
        if (!S->origin || make_dataset_json(S, ds, w->runner)) {
            tq_outcome_free(oc);
            tq_spec_free(sp);
            snprintf(err, cap, "out of memory");
            return -1;
        }
        /* requests are parsed as if they were a file in the data folder: a name in them
         * can only ever resolve to the shipped data, never to the working directory */
        snprintf(S->origin, len, "%s/request", dir[0] ? dir : "/nonexistent");
    }
    tq_outcome_free(oc);
    tq_spec_free(sp);
    return 0;
fail:
    tq_error_format(w->ctx, err, cap);
    return -1;
}

int srv_run(const srv_config *cfg)
{
    server S;
    memset(&S, 0, sizeof S);
    S.cfg = cfg;
    pthread_mutex_init(&S.mu, NULL);
    pthread_cond_init(&S.work_cv, NULL);
    int rc = 1, started = 0;
    struct MHD_Daemon *d = NULL;
    worker *ws = calloc((size_t)cfg->workers, sizeof *ws);
    S.ring = calloc((size_t)cfg->queue, sizeof *S.ring);
    char err[2048];
    if (!ws || !S.ring) {
        fprintf(stderr, "tradeq serve: out of memory\n");
        goto out;
    }
    for (int k = 0; k < cfg->workers; k++)
        if (worker_init(&ws[k], &S, k == 0, err, sizeof err)) {
            fprintf(stderr, "tradeq serve: %s\n", err);
            for (int q = 0; q <= k; q++) {
                tq_runner_free(ws[q].runner);
                tq_context_free(ws[q].ctx);
            }
            goto out;
        }
    /* SIGINT/SIGTERM are taken by sigwait below; every thread started after this
     * inherits the blocked mask */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    for (; started < cfg->workers; started++)
        if (pthread_create(&ws[started].th, NULL, worker_main, &ws[started])) {
            fprintf(stderr, "tradeq serve: could not start a worker thread\n");
            goto stop;
        }
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)cfg->port);
    if (inet_pton(AF_INET, cfg->bind, &addr.sin_addr) != 1) {
        fprintf(stderr, "tradeq serve: --bind wants an IPv4 address such as 127.0.0.1, not '%s'\n", cfg->bind);
        goto stop;
    }
    d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL,
                         (uint16_t)cfg->port, NULL, NULL, handler, &S, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
                         MHD_OPTION_CONNECTION_LIMIT, (unsigned int)cfg->max_connections, MHD_OPTION_CONNECTION_TIMEOUT,
                         (unsigned int)(cfg->timeout + 30), MHD_OPTION_NOTIFY_COMPLETED, completed, &S, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "tradeq serve: could not listen on %s:%d (%s)\n", cfg->bind, cfg->port,
                errno ? strerror(errno) : "in use?");
        goto stop;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    printf("tradeq serve: listening on http://%s:%u/ (dataset %s; Ctrl-C stops)\n", cfg->bind,
           info ? (unsigned)info->port : (unsigned)cfg->port, S.data_name);
    fflush(stdout);
    int sig = 0;
    sigwait(&sigs, &sig);
    if (!cfg->quiet)
        fprintf(stderr, "tradeq serve: stopping (signal %d); %lu requests, %lu solves\n", sig, S.served, S.solved);
    rc = 0;
stop:
    if (d)
        MHD_stop_daemon(d); /* waits for the connection threads, so no job is waited on after this */
    pthread_mutex_lock(&S.mu);
    S.stop = 1;
    pthread_cond_broadcast(&S.work_cv);
    pthread_mutex_unlock(&S.mu);
    for (int k = 0; k < started; k++)
        pthread_join(ws[k].th, NULL);
    for (int k = 0; k < cfg->workers; k++) {
        tq_runner_free(ws[k].runner);
        tq_context_free(ws[k].ctx);
    }
    /* jobs still queued were abandoned by their connections (504) */
    for (int k = 0; k < S.count; k++)
        job_free(S.ring[(S.head + k) % cfg->queue]);
out:
    free(ws);
    free(S.ring);
    free(S.dataset_json);
    free(S.origin);
    pthread_mutex_destroy(&S.mu);
    pthread_cond_destroy(&S.work_cv);
    return rc;
}
