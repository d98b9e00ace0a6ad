/* The run pipeline (include/tradeq.h, "runner"): dataset by name, presets, caches,
 * overrides, baseline, solve.
 *
 * Everything a program needs between "a scenario spec" and "a solved result" lives here,
 * so that the CLI, the web server and the bindings resolve names, presets and caches the
 * same way (STYLE.md rule 10). The runner only composes public calls of the modules
 * below it (data, model, scenario); its own state is two caches.
 *
 * Caches. Datasets are keyed by the strings they were asked for (name or path, region
 * map, sector map): loading is the slow part and the same request always means the same
 * files. The unaggregated dataset is cached too, so that several aggregations of one
 * dataset read it once. Baselines are keyed by what determines them: the dataset's
 * content hash (tq_dataset_hash covers codes, years and every input array, theta
 * included) plus its name (the hash leaves out labels, which a baseline carries into
 * its results), the year index, the closure and the solver settings that change the
 * recalibration. So a scenario whose elasticity overrides leave the data unchanged
 * reuses the baseline made for an earlier copy, while one that changes theta gets its
 * own. Entries are never evicted: a program that serves many datasets calls
 * tq_runner_clear(). Lookups are linear: a runner holds a handful of entries.
 */
/* realpath() is an X/Open function in the C library headers */
#define _XOPEN_SOURCE 700

#include "runner.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_DIRS 8
#define DEFAULT_SCENARIO "us-japan-autos.yaml"

typedef struct ds_entry {
    char *name, *set, *region_map, *sector_map; /* the request ("" for NULL set / maps) */
    tq_dataset *ds;
} ds_entry;

typedef struct base_entry {
    uint64_t hash;
    char *ds_name;
    int y;
    tq_closure closure;
    tq_solver_options opt; /* normalised: start NULL, threads 0 */
    tq_baseline *b;
    tq_model model;
} base_entry;

struct tq_runner {
    tq_context *ctx;
    char *override; /* tq_runner_set_data_dir(), or NULL */
    char *dirs[MAX_DIRS];
    int ndirs;
    ds_entry *ds;
    int nds, capds;
    base_entry *bs;
    int nbs, capbs;
};

struct tq_outcome {
    tq_context *ctx;
    const tq_spec *sp;
    int k;
    tq_spec_info si;
    const tq_dataset *ds;    /* owned (own_ds) or borrowed from the runner's cache */
    tq_dataset *own_ds;      /* the copy with the scenario's elasticity overrides, if any */
    const tq_baseline *base; /* owned by the runner */
    tq_scenario *sc;
    tq_result *res;
    int y;
    const char *set; /* the named elasticity set used (owned by the options or sp), or NULL */
    tq_moves *moves; /* the scenario's strategy: moves played, or NULL */
};

/* ------------------------------------------------------------ data folders --- */

static int is_dir(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static int is_file(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

static void free_dirs(tq_runner *r)
{
    for (int d = 0; d < r->ndirs; d++)
        tq__free(r->ctx, r->dirs[d]);
    r->ndirs = 0;
}

/* Add cand if it is a folder not already listed (compared after realpath, so that
 * build/../data and the source tree's data/ count once). */
static tq_status add_dir(tq_runner *r, const char *cand)
{
    char real[PATH_MAX];
    if (r->ndirs == MAX_DIRS || !is_dir(cand) || !realpath(cand, real))
        return TQ_OK;
    for (int d = 0; d < r->ndirs; d++)
        if (!strcmp(r->dirs[d], real))
            return TQ_OK;
    char *copy = tq__strdup(r->ctx, real);
    if (!copy)
        return TQ_ERR_NOMEM;
    r->dirs[r->ndirs++] = copy;
    return TQ_OK;
}

/* The search order of include/tradeq.h. The library is linked into the program, so
 * /proc/self/exe names the program (the CLI, the server, the Python interpreter). */
static tq_status find_dirs(tq_runner *r)
{
    free_dirs(r);
    if (r->override)
        return add_dir(r, r->override);
    tq_status st = TQ_OK;
    const char *env = getenv("TRADEQ_DATA");
    if (env && env[0])
        st = add_dir(r, env);
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (!st && n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = 0;
        static const char *const rel[] = {"/../share/tradeq/data", "/data", "/../data"};
        for (size_t k = 0; !st && k < sizeof rel / sizeof rel[0]; k++) {
            char cand[PATH_MAX + 32];
            snprintf(cand, sizeof cand, "%s%s", exe, rel[k]);
            st = add_dir(r, cand);
        }
    }
#ifdef TQ_SOURCE_DIR
    if (!st)
        st = add_dir(r, TQ_SOURCE_DIR "/data");
#endif
    return st;
}

/* "dir1, dir2" (or a phrase when there is none) into buf, for messages. */
static const char *dir_list(const tq_runner *r, char *buf, size_t cap)
{
    size_t o = 0;
    buf[0] = 0;
    for (int d = 0; d < r->ndirs && o < cap; d++)
        o += (size_t)snprintf(buf + o, cap - o, "%s%s", d ? ", " : "", r->dirs[d]);
    if (!r->ndirs)
        snprintf(buf, cap, "no data folder found");
    return buf;
}

/* ------------------------------------------------------------------ runner --- */

tq_status tq_runner_new(tq_context *ctx, tq_runner **out)
{
    *out = NULL;
    tq_runner *r = tq__calloc(ctx, 1, sizeof *r);
    if (!r)
        return TQ_ERR_NOMEM;
    r->ctx = ctx;
    tq_status st = find_dirs(r);
    if (st) {
        tq_runner_free(r);
        return st;
    }
    *out = r;
    return TQ_OK;
}

static void clear_datasets(tq_runner *r)
{
    for (int e = 0; e < r->nds; e++) {
        ds_entry *d = &r->ds[e];
        tq__free(r->ctx, d->name);
        tq__free(r->ctx, d->set);
        tq__free(r->ctx, d->region_map);
        tq__free(r->ctx, d->sector_map);
        tq_dataset_free(d->ds);
    }
    r->nds = 0;
}

void tq_runner_clear(tq_runner *r)
{
    if (!r)
        return;
    clear_datasets(r);
    for (int e = 0; e < r->nbs; e++) {
        tq__free(r->ctx, r->bs[e].ds_name);
        tq_baseline_free(r->bs[e].b);
    }
    r->nbs = 0;
}

void tq_runner_free(tq_runner *r)
{
    if (!r)
        return;
    tq_runner_clear(r);
    tq__free(r->ctx, r->ds);
    tq__free(r->ctx, r->bs);
    free_dirs(r);
    tq__free(r->ctx, r->override);
    tq__free(r->ctx, r);
}

tq_status tq_runner_set_data_dir(tq_runner *r, const char *dir)
{
    if (dir && !is_dir(dir))
        return tq__error(r->ctx, TQ_ERR_NOT_FOUND, dir, 0, NULL, "not a folder: cannot use it as the data folder");
    char *copy = NULL;
    if (dir && !(copy = tq__strdup(r->ctx, dir)))
        return TQ_ERR_NOMEM;
    tq__free(r->ctx, r->override);
    r->override = copy;
    clear_datasets(r); /* names may now mean other files */
    return find_dirs(r);
}

const char *tq_runner_data_dir(const tq_runner *r)
{
    return r->ndirs ? r->dirs[0] : "";
}

tq_status tq_runner_dataset_folder(tq_runner *r, const char *name, const char *file, char *buf, size_t cap)
{
    for (int d = 0; d < r->ndirs; d++) {
        char cand[PATH_MAX + 512];
        snprintf(cand, sizeof cand, "%s/%s/%s", r->dirs[d], name, file);
        if (!is_file(cand))
            continue;
        int len = snprintf(buf, cap, "%s/%s", r->dirs[d], name);
        if (len < 0 || (size_t)len >= cap)
            return tq__error(r->ctx, TQ_ERR_INVALID, NULL, 0, NULL,
                             "the dataset folder's path needs %d bytes, the buffer has %zu", len + 1, cap);
        return TQ_OK;
    }
    char dl[2048];
    return tq__error(r->ctx, TQ_ERR_NOT_FOUND, NULL, 0, NULL, "no data folder has %s/%s (looked in %s)", name, file,
                     dir_list(r, dl, sizeof dl));
}

tq_status tq_runner_default_scenario(tq_runner *r, char *buf, size_t cap)
{
    static const char *const rel[] = {"/../scenarios/" DEFAULT_SCENARIO, "/scenarios/" DEFAULT_SCENARIO};
    for (int d = 0; d < r->ndirs; d++)
        for (size_t k = 0; k < sizeof rel / sizeof rel[0]; k++) {
            char cand[PATH_MAX + 64];
            snprintf(cand, sizeof cand, "%s%s", r->dirs[d], rel[k]);
            if (!is_file(cand))
                continue;
            char real[PATH_MAX];
            const char *p = realpath(cand, real) ? real : cand;
            if (strlen(p) + 1 > cap)
                return tq__error(r->ctx, TQ_ERR_INVALID, NULL, 0, NULL,
                                 "the default scenario's path needs %zu bytes, the buffer has %zu", strlen(p) + 1, cap);
            memcpy(buf, p, strlen(p) + 1);
            return TQ_OK;
        }
    char dl[2048];
    return tq__error(r->ctx, TQ_ERR_NOT_FOUND, NULL, 0, NULL,
                     "the default scenario " DEFAULT_SCENARIO " is not installed (looked beside %s)",
                     dir_list(r, dl, sizeof dl));
}

/* ---------------------------------------------------------------- datasets --- */

static int has_slash(const char *s)
{
    return strchr(s, '/') != NULL;
}

/* The short name a preset file is named after: the last component of a path. */
static void dataset_base(const char *name, char *out, size_t cap)
{
    size_t len = strlen(name);
    while (len > 1 && name[len - 1] == '/')
        len--;
    size_t start = len;
    while (start > 0 && name[start - 1] != '/')
        start--;
    snprintf(out, cap, "%.*s", (int)(len - start), name + start);
    char *dot = strstr(out, ".tqb");
    if (dot && dot[4] == 0)
        *dot = 0;
}

/* The file of map `map` for dataset `name`: a path as is, else a preset looked up as
 * maps/<base>_<map>.csv in the data folders. *out is allocated (tq__free). */
static tq_status map_path(tq_runner *r, const char *name, const char *map, char **out)
{
    *out = NULL;
    if (has_slash(map) || strstr(map, ".csv")) {
        *out = tq__strdup(r->ctx, map);
        return *out ? TQ_OK : TQ_ERR_NOMEM;
    }
    char base[256], looked[4096] = "";
    size_t o = 0;
    dataset_base(name, base, sizeof base);
    for (int d = 0; d < r->ndirs; d++) {
        char cand[PATH_MAX + 600];
        snprintf(cand, sizeof cand, "%s/maps/%s_%s.csv", r->dirs[d], base, map);
        if (is_file(cand)) {
            *out = tq__strdup(r->ctx, cand);
            return *out ? TQ_OK : TQ_ERR_NOMEM;
        }
        if (o < sizeof looked)
            o += (size_t)snprintf(looked + o, sizeof looked - o, "%s%s", d ? ", " : "", cand);
    }
    if (!r->ndirs)
        snprintf(looked, sizeof looked, "maps/%s_%s.csv, but no data folder was found", base, map);
    return tq__error(r->ctx, TQ_ERR_NOT_FOUND, NULL, 0, NULL,
                     "no aggregation preset '%s' for dataset %s (looked for %s)", map, base, looked);
}

/* Read dataset `name` (NULL: the default): a path as is, else NAME.tqb or NAME/ in the
 * first data folder that has one. */
static tq_status load_named(tq_runner *r, const char *name, tq_dataset **out)
{
    const char *want = name ? name : TQ_DEFAULT_DATASET;
    struct stat sb;
    if (has_slash(want) || stat(want, &sb) == 0)
        return tq_dataset_load(r->ctx, want, out);
    for (int d = 0; d < r->ndirs; d++) {
        char cand[PATH_MAX + 600];
        snprintf(cand, sizeof cand, "%s/%s.tqb", r->dirs[d], want);
        if (is_file(cand))
            return tq_dataset_load(r->ctx, cand, out);
        snprintf(cand, sizeof cand, "%s/%s", r->dirs[d], want);
        if (is_dir(cand))
            return tq_dataset_load(r->ctx, cand, out);
    }
    char dl[2048];
    dir_list(r, dl, sizeof dl);
    if (!name)
        return tq__error(r->ctx, TQ_ERR_NOT_FOUND, NULL, 0, NULL,
                         "no embedded default dataset '%s' in this build (looked in %s); give a dataset path", want,
                         dl);
    return tq__error(r->ctx, TQ_ERR_NOT_FOUND, want, 0, NULL,
                     "no such file or folder, and no embedded dataset of that name (looked for %s.tqb and %s/ in "
                     "%s)",
                     want, want, dl);
}

static const tq_dataset *find_dataset(const tq_runner *r, const char *name, const char *set, const char *rm,
                                      const char *sm)
{
    for (int e = 0; e < r->nds; e++) {
        const ds_entry *d = &r->ds[e];
        if (!strcmp(d->name, name) && !strcmp(d->set, set) && !strcmp(d->region_map, rm) && !strcmp(d->sector_map, sm))
            return d->ds;
    }
    return NULL;
}

/* Take ownership of ds under the key (name, set, rm, sm); frees ds on failure. */
static tq_status put_dataset(tq_runner *r, const char *name, const char *set, const char *rm, const char *sm,
                             tq_dataset *ds)
{
    if (r->nds == r->capds) {
        int cap = r->capds ? 2 * r->capds : 4;
        ds_entry *grown = tq__realloc(r->ctx, r->ds, sizeof *grown * (size_t)cap);
        if (!grown) {
            tq_dataset_free(ds);
            return TQ_ERR_NOMEM;
        }
        r->ds = grown;
        r->capds = cap;
    }
    ds_entry e = {tq__strdup(r->ctx, name), tq__strdup(r->ctx, set), tq__strdup(r->ctx, rm), tq__strdup(r->ctx, sm),
                  ds};
    if (!e.name || !e.set || !e.region_map || !e.sector_map) {
        tq__free(r->ctx, e.name);
        tq__free(r->ctx, e.set);
        tq__free(r->ctx, e.region_map);
        tq__free(r->ctx, e.sector_map);
        tq_dataset_free(ds);
        return TQ_ERR_NOMEM;
    }
    r->ds[r->nds++] = e;
    return TQ_OK;
}

tq_status tq_runner_elasticities(tq_runner *r, const char *dataset, tq_elasticities **out)
{
    *out = NULL;
    char base[256], looked[4096] = "";
    size_t o = 0;
    dataset_base(dataset ? dataset : TQ_DEFAULT_DATASET, base, sizeof base);
    for (int d = 0; d < r->ndirs; d++) {
        char dir[PATH_MAX + 64], cand[PATH_MAX + 600];
        snprintf(dir, sizeof dir, "%s/elasticities", r->dirs[d]);
        snprintf(cand, sizeof cand, "%s/%s.csv", dir, base);
        if (is_file(cand))
            return tq_elasticities_load(r->ctx, dir, base, out);
        if (o < sizeof looked)
            o += (size_t)snprintf(looked + o, sizeof looked - o, "%s%s", d ? ", " : "", cand);
    }
    return tq__error(r->ctx, TQ_ERR_NOT_FOUND, NULL, 0, "elasticities",
                     "no named elasticity sets for dataset %s (looked for %s)", base,
                     r->ndirs ? looked : "elasticities/, but no data folder was found");
}

tq_status tq_runner_dataset(tq_runner *r, const char *name_or_path, const char *region_map, const char *sector_map,
                            const tq_dataset **out)
{
    return tq_runner_dataset_set(r, name_or_path, NULL, region_map, sector_map, out);
}

tq_status tq_runner_dataset_set(tq_runner *r, const char *name_or_path, const char *elasticities,
                                const char *region_map, const char *sector_map, const tq_dataset **out)
{
    *out = NULL;
    const char *name = name_or_path ? name_or_path : TQ_DEFAULT_DATASET;
    const char *set = elasticities ? elasticities : "";
    const char *rm = region_map ? region_map : "", *sm = sector_map ? sector_map : "";
    if ((*out = find_dataset(r, name, set, rm, sm)))
        return TQ_OK;
    tq_status st;
    if (!rm[0] && !sm[0] && !set[0]) {
        tq_dataset *ds = NULL;
        if ((st = load_named(r, name_or_path, &ds)))
            return st;
        if ((st = put_dataset(r, name, "", "", "", ds)))
            return st;
        *out = ds;
        return TQ_OK;
    }
    if (!rm[0] && !sm[0]) {
        /* a named set goes on the data as read, before any aggregation (its sectors are
         * the dataset's own) */
        const tq_dataset *raw = NULL;
        tq_elasticities *e = NULL;
        tq_dataset *copy = NULL;
        if ((st = tq_runner_dataset_set(r, name_or_path, NULL, NULL, NULL, &raw)) ||
            (st = tq_runner_elasticities(r, tq_dataset_name(raw)[0] ? tq_dataset_name(raw) : name, &e)) ||
            (st = tq_dataset_clone(r->ctx, raw, &copy)) || (st = tq_elasticities_apply(r->ctx, e, set, copy))) {
            tq_elasticities_free(e);
            tq_dataset_free(copy);
            return st;
        }
        tq_elasticities_free(e);
        if ((st = put_dataset(r, name, set, "", "", copy)))
            return st;
        *out = copy;
        return TQ_OK;
    }
    /* presets first, so that a bad one fails before any reading */
    char *rpath = NULL, *spath = NULL;
    if ((rm[0] && (st = map_path(r, name, rm, &rpath))) || (sm[0] && (st = map_path(r, name, sm, &spath)))) {
        tq__free(r->ctx, rpath);
        return st;
    }
    const tq_dataset *raw = NULL;
    tq_dataset *agg = NULL;
    st = tq_runner_dataset_set(r, name_or_path, elasticities, NULL, NULL, &raw);
    if (!st)
        st = tq_dataset_aggregate(r->ctx, raw, rpath, spath, &agg);
    tq__free(r->ctx, rpath);
    tq__free(r->ctx, spath);
    if (!st && !(st = put_dataset(r, name, set, rm, sm, agg)))
        *out = agg;
    return st;
}

/* --------------------------------------------------------------- baselines --- */

static void normalise(const tq_solver_options *opt, tq_solver_options *o)
{
    if (opt)
        *o = *opt;
    else
        tq_solver_options_default(o);
    o->start = NULL;
    o->threads = 0;
}

static int same_options(const tq_solver_options *a, const tq_solver_options *b)
{
    return a->method == b->method && a->tol == b->tol && a->max_iter == b->max_iter && a->anderson_m == b->anderson_m &&
           a->damping == b->damping && a->baseline_mode == b->baseline_mode &&
           a->numeraire_region == b->numeraire_region;
}

tq_status tq_runner_baseline(tq_runner *r, const tq_dataset *ds, int y, tq_closure closure,
                             const tq_solver_options *opt, const tq_baseline **out)
{
    return tq_runner_baseline_model(r, ds, y, closure, TQ_MODEL_CP, opt, out);
}

tq_status tq_runner_baseline_model(tq_runner *r, const tq_dataset *ds, int y, tq_closure closure, tq_model model,
                                   const tq_solver_options *opt, const tq_baseline **out)
{
    *out = NULL;
    if (!ds)
        return tq__error(r->ctx, TQ_ERR_INVALID, NULL, 0, NULL, "tq_runner_baseline: no dataset");
    tq_solver_options key;
    normalise(opt, &key);
    uint64_t hash = tq_dataset_hash(ds);
    const char *name = tq_dataset_name(ds);
    for (int e = 0; e < r->nbs; e++) {
        const base_entry *b = &r->bs[e];
        if (b->hash == hash && b->y == y && b->closure == closure && b->model == model && !strcmp(b->ds_name, name) &&
            same_options(&b->opt, &key)) {
            *out = b->b;
            return TQ_OK;
        }
    }
    if (r->nbs == r->capbs) {
        int cap = r->capbs ? 2 * r->capbs : 4;
        base_entry *grown = tq__realloc(r->ctx, r->bs, sizeof *grown * (size_t)cap);
        if (!grown)
            return TQ_ERR_NOMEM;
        r->bs = grown;
        r->capbs = cap;
    }
    base_entry e = {hash, tq__strdup(r->ctx, name), y, closure, key, NULL, model};
    if (!e.ds_name)
        return TQ_ERR_NOMEM;
    tq_status st = tq_baseline_new_model(r->ctx, ds, y, closure, model, opt, &e.b);
    if (st) {
        tq__free(r->ctx, e.ds_name);
        return st;
    }
    r->bs[r->nbs++] = e;
    *out = e.b;
    return TQ_OK;
}

/* -------------------------------------------------------------------- runs --- */

void tq_run_options_default(tq_run_options *o)
{
    memset(o, 0, sizeof *o);
    o->method = TQ_METHOD_ANDERSON;
}

tq_status tq_runner_spec_dataset(tq_runner *r, const tq_spec *sp, int k, const tq_run_options *o,
                                 const tq_dataset **out)
{
    *out = NULL;
    tq_spec_info si;
    if (!sp || tq_spec_get(sp, k, &si) != TQ_OK)
        return tq__error(r->ctx, TQ_ERR_INVALID, NULL, 0, NULL, "no scenario %d in the spec", k);
    const char *name = o && o->dataset ? o->dataset : si.dataset;
    const char *set = o && o->elasticities ? o->elasticities : si.elasticities;
    return tq_runner_dataset_set(r, name, set, si.aggregate, si.sector_aggregate, out);
}

void tq_outcome_free(tq_outcome *oc)
{
    if (!oc)
        return;
    tq_result_free(oc->res);
    tq_moves_free(oc->moves);
    tq_scenario_free(oc->sc);
    tq_dataset_free(oc->own_ds);
    tq__free(oc->ctx, oc);
}

tq_status tq_runner_run(tq_runner *r, const tq_spec *sp, int k, const tq_run_options *o, tq_outcome **out)
{
    *out = NULL;
    tq_context *ctx = r->ctx;
    tq_run_options ro;
    if (o)
        ro = *o;
    else
        tq_run_options_default(&ro);
    const tq_dataset *src = NULL;
    tq_status st = tq_runner_spec_dataset(r, sp, k, &ro, &src);
    if (st)
        return st;
    tq_outcome *oc = tq__calloc(ctx, 1, sizeof *oc);
    if (!oc)
        return TQ_ERR_NOMEM;
    oc->ctx = ctx;
    oc->sp = sp;
    oc->k = k;
    tq_spec_get(sp, k, &oc->si);
    oc->set = ro.elasticities ? ro.elasticities : oc->si.elasticities;
    oc->y = tq_dataset_years(src) - 1;
    if (oc->si.year && (oc->y = tq_dataset_find_year(src, oc->si.year)) < 0) {
        st = tq__error(ctx, TQ_ERR_NOT_FOUND, oc->si.origin, 0, NULL, "scenario %s asks for year %d, not in dataset %s",
                       oc->si.name, oc->si.year, tq_dataset_name(src));
        tq_outcome_free(oc);
        return st;
    }
    /* elasticity overrides change the data: they go on a copy, and the baseline cache
     * (keyed by content) decides whether that copy needs a baseline of its own */
    oc->ds = src;
    if (oc->si.overrides &&
        ((st = tq_dataset_clone(ctx, src, &oc->own_ds)) || (st = tq_spec_apply_data(ctx, sp, k, oc->own_ds)))) {
        tq_outcome_free(oc);
        return st;
    }
    if (oc->own_ds)
        oc->ds = oc->own_ds;
    tq_model model = oc->si.model;
    if (ro.model && tq_model_parse(ro.model, &model) != TQ_OK) {
        st = tq__error(ctx, TQ_ERR_INVALID, NULL, 0, "model", "unknown model '%s' (cp or ossa)", ro.model);
        tq_outcome_free(oc);
        return st;
    }
    if (model == TQ_MODEL_CP && !tq_dataset_has_io(oc->ds) && tq_dataset_sectors(oc->ds) > 1)
        tq__log(ctx, TQ_LOG_INFO,
                "dataset %s has no input-output coefficients: scenario %s is solved as a multi-sector model "
                "without intermediate inputs",
                tq_dataset_name(oc->ds), oc->si.name);
    tq_solver_options so;
    tq_solver_options_default(&so);
    so.method = ro.method;
    if (ro.tol > 0)
        so.tol = ro.tol;
    so.max_iter = ro.max_iter;
    so.max_seconds = ro.max_seconds;
    so.threads = ro.threads;
    tq_closure bc = oc->si.closure == TQ_CLOSURE_BALANCED ? TQ_CLOSURE_BALANCED : TQ_CLOSURE_FIXED;
    if (model == TQ_MODEL_OSSA && tq_dataset_has_io(oc->ds))
        tq__log(ctx, TQ_LOG_INFO,
                "scenario %s: the Ossa model uses the flows, tariffs and theta (sigma = theta + 1) of dataset %s, "
                "not its input-output coefficients",
                oc->si.name, tq_dataset_name(oc->ds));
    if ((st = tq_runner_baseline_model(r, oc->ds, oc->y, bc, model, &so, &oc->base)) ||
        (st = tq_scenario_new(ctx, oc->base, &oc->sc)) || (st = tq_spec_apply(ctx, sp, k, oc->ds, oc->base, oc->sc))) {
        tq_outcome_free(oc);
        return st;
    }
    /* strategy: the moves start from the tariffs of the shocks and leave the scenario at
     * the tariffs after the last one (docs/strategic.md, "Moves in scenario files") */
    tq_status moves_st = TQ_OK;
    if (tq_spec_moves(sp, k) > 0) {
        tq_policy_options po;
        tq_policy_options_default(&po);
        po.threads = ro.threads;
        moves_st = tq_moves_play(ctx, sp, k, oc->ds, oc->base, oc->sc, &po, &oc->moves);
        if (moves_st && moves_st != TQ_ERR_NOT_CONVERGED) {
            tq_outcome_free(oc);
            return moves_st;
        }
        if (moves_st)
            tq__log(ctx, TQ_LOG_WARN,
                    "scenario %s: a strategic move stopped at its evaluation limit; its best point "
                    "is kept",
                    oc->si.name);
    }
    st = tq_solve(ctx, oc->base, oc->sc, &so, &oc->res);
    if (st && st != TQ_ERR_NOT_CONVERGED) {
        tq_outcome_free(oc);
        return st;
    }
    *out = oc;
    return st;
}

/* ----------------------------------------------------------------- outcome --- */

const tq_spec_info *tq_outcome_spec_info(const tq_outcome *oc)
{
    return &oc->si;
}

const tq_dataset *tq_outcome_dataset(const tq_outcome *oc)
{
    return oc->ds;
}

const tq_baseline *tq_outcome_baseline(const tq_outcome *oc)
{
    return oc->base;
}

tq_scenario *tq_outcome_scenario(tq_outcome *oc)
{
    return oc->sc;
}

const tq_result *tq_outcome_result(const tq_outcome *oc)
{
    return oc->res;
}

int tq_outcome_year_index(const tq_outcome *oc)
{
    return oc->y;
}

void tq_outcome_run(const tq_outcome *oc, tq_run *out)
{
    memset(out, 0, sizeof *out);
    out->scenario = oc->si.name;
    /* tq_spec_new() names its origin "(command line)": no file to point to */
    out->scenario_file = strcmp(oc->si.origin, "(command line)") ? oc->si.origin : "";
    out->description = oc->si.title;
    out->base = oc->base;
    out->sc = oc->sc;
    out->res = oc->res;
    tq_outcome_named_regions(oc, NULL, &out->importer, &out->exporter);
    out->elasticities = oc->set;
}

int tq_outcome_named_regions(const tq_outcome *oc, unsigned char *mask, int *importer, int *exporter)
{
    if (mask)
        return tq_spec_named_regions(oc->sp, oc->k, oc->ds, mask, importer, exporter);
    unsigned char *own = tq__calloc(oc->ctx, (size_t)tq_dataset_regions(oc->ds), 1);
    if (!own) {
        if (importer)
            *importer = -1;
        if (exporter)
            *exporter = -1;
        return -1;
    }
    int cnt = tq_spec_named_regions(oc->sp, oc->k, oc->ds, own, importer, exporter);
    tq__free(oc->ctx, own);
    return cnt;
}

const tq_moves *tq_outcome_moves(const tq_outcome *oc)
{
    return oc ? oc->moves : NULL;
}

tq_context *tq__runner_context(tq_runner *r)
{
    return r->ctx;
}
