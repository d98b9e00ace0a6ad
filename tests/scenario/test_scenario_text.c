/* The shipped scenarios' texts agree with their data: every tariff quoted in a title or
 * description as "N%" must be, at the rounding it is printed with, a tariff of a cell the
 * scenario changes (before or after the shock, from the embedded dataset) or the
 * trade-weighted average of those tariffs over a pair's changed sectors; every "N points"
 * or "Npp" must be the change of a changed cell. So text and data cannot drift apart. */
#include "tq_test.h"

#include <ctype.h>
#include <dirent.h>
#include <math.h>

#define EMBEDDED TQ_TEST_DATA "/../../data"
#define SCENARIOS TQ_TEST_DATA "/../../scenarios"

typedef struct quoted {
    double value;
    int decimals;
    int points; /* 1: "N points"/"Npp", 0: "N%" */
} quoted;

/* The numbers with a unit in text (at most cap). */
static int numbers(const char *text, quoted *q, int cap)
{
    int n = 0;
    for (const char *p = text; *p && n < cap; p++) {
        if (!isdigit((unsigned char)*p) || (p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '.')))
            continue;
        char *end;
        double v = strtod(p, &end);
        const char *dot = memchr(p, '.', (size_t)(end - p));
        int dec = dot ? (int)(end - dot - 1) : 0;
        const char *u = end;
        while (*u == ' ')
            u++;
        int unit = -1;
        if (*end == '%')
            unit = 0;
        else if (!strncmp(end, "pp", 2) || !strncmp(u, "points", 6) || !strncmp(u, "percentage points", 17))
            unit = 1;
        if (unit >= 0)
            q[n++] = (quoted){v, dec, unit};
        p = end - 1;
    }
    return n;
}

static int near(double x, const quoted *q)
{
    return fabs(x - q->value) <= 0.5 * pow(10, -q->decimals) + 1e-9;
}

/* Whether quoted number q is a tariff (or change) of a cell the scenario changes. */
static int explained(const tq_dataset *ds, const double *t0, const double *t1, const quoted *q)
{
    const int N = tq_dataset_regions(ds), J = tq_dataset_sectors(ds);
    const double *Z = tq_dataset_array_const(ds, TQ_Z, tq_dataset_years(ds) - 1, NULL);
    for (int n = 0; n < N; n++)
        for (int i = 0; i < N; i++) {
            double w = 0, a0 = 0, a1 = 0;
            for (int j = 0; j < J; j++) {
                const size_t c = ((size_t)n * N + i) * J + j;
                if (t1[c] == t0[c])
                    continue;
                if (q->points ? near(100 * (t1[c] - t0[c]), q) : (near(100 * t0[c], q) || near(100 * t1[c], q)))
                    return 1;
                w += Z[c], a0 += Z[c] * t0[c], a1 += Z[c] * t1[c];
            }
            if (!q->points && w > 0 && (near(100 * a0 / w, q) || near(100 * a1 / w, q)))
                return 1;
        }
    return 0;
}

static void check_file(tq_context *ctx, tq_dataset *ds, const tq_baseline *b, const char *path, int *checked)
{
    tq_spec *sp = NULL;
    assert_int_equal(tq_spec_load(ctx, path, &sp), TQ_OK);
    for (int k = 0; k < tq_spec_count(sp); k++) {
        tq_spec_info si;
        assert_int_equal(tq_spec_get(sp, k, &si), TQ_OK);
        if (strcmp(si.dataset ? si.dataset : "wiod2014", tq_dataset_name(ds)) != 0)
            continue; /* checked in the pass over that dataset */
        tq_scenario *sc = NULL;
        assert_int_equal(tq_scenario_new(ctx, b, &sc), TQ_OK);
        assert_int_equal(tq_spec_apply(ctx, sp, k, ds, b, sc), TQ_OK);
        const double *t0 = tq_baseline_array(b, TQ_TARIFF, NULL);
        const double *t1 = tq_scenario_tariffs(sc);
        const char *texts[2] = {si.title, si.description};
        for (int x = 0; x < 2; x++) {
            quoted q[64];
            int nq = numbers(texts[x] ? texts[x] : "", q, 64);
            for (int m = 0; m < nq; m++) {
                if (!explained(ds, t0, t1, &q[m]))
                    fail_msg("%s: scenario %s quotes %.*f%s, which is no tariff (or change) of a cell it changes", path,
                             si.name, q[m].decimals, q[m].value, q[m].points ? " points" : "%");
                (*checked)++;
            }
        }
        tq_scenario_free(sc);
    }
    tq_spec_free(sp);
}

/* Every scenario of the shipped files that uses embedded dataset `name` (the default
 * wiod2014 when it names none). */
static void check_dataset(const char *name, int *checked, int *files)
{
    tq_context *ctx;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    tq_dataset *ds = NULL;
    char dp[512];
    snprintf(dp, sizeof dp, "%s/%s", EMBEDDED, name);
    assert_int_equal(tq_dataset_load(ctx, dp, &ds), TQ_OK);
    tq_solver_options o;
    tq_solver_options_default(&o);
    o.baseline_mode = TQ_BASELINE_RAW; /* tariffs as in the data */
    tq_baseline *b = NULL;
    assert_int_equal(tq_baseline_new(ctx, ds, tq_dataset_years(ds) - 1, TQ_CLOSURE_FIXED, &o, &b), TQ_OK);
    DIR *d = opendir(SCENARIOS);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t L = strlen(e->d_name);
        if (L < 6 || strcmp(e->d_name + L - 5, ".yaml"))
            continue;
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", SCENARIOS, e->d_name);
        check_file(ctx, ds, b, p, checked);
        (*files)++;
    }
    closedir(d);
    tq_baseline_free(b);
    tq_dataset_free(ds);
    tq_context_free(ctx);
}

static void test_shipped_texts(void **state)
{
    (void)state;
    int checked = 0, files = 0;
    check_dataset("wiod2014", &checked, &files);
    check_dataset("ge_gravity_eu", &checked, &files);
    printf("%d scenario files (read once per dataset), %d quoted numbers checked against the data\n", files / 2,
           checked);
    assert_true(files / 2 >= 7);
    assert_true(checked >= 5); /* autos' 25 points, agriculture's three tariffs, the talks' points */
}

/* The checker itself: a text quoting a tariff the data does not have is caught. */
static void test_catches_drift(void **state)
{
    (void)state;
    tq_context *ctx;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    tq_dataset *ds = NULL;
    assert_int_equal(tq_dataset_load(ctx, EMBEDDED "/wiod2014", &ds), TQ_OK);
    tq_solver_options o;
    tq_solver_options_default(&o);
    o.baseline_mode = TQ_BASELINE_RAW;
    tq_baseline *b = NULL;
    assert_int_equal(tq_baseline_new(ctx, ds, tq_dataset_years(ds) - 1, TQ_CLOSURE_FIXED, &o, &b), TQ_OK);
    tq_spec *sp = NULL;
    const char *yaml = "name: drift\ntitle: x\ndescription: Japan's tariff on US crops is 2.2% today.\n"
                       "tariffs:\n  - importer: JPN\n    exporter: USA\n    sectors: agriculture\n    set: 0%\n";
    assert_int_equal(tq_spec_parse(ctx, yaml, strlen(yaml), "drift.yaml", &sp), TQ_OK);
    tq_scenario *sc = NULL;
    assert_int_equal(tq_scenario_new(ctx, b, &sc), TQ_OK);
    assert_int_equal(tq_spec_apply(ctx, sp, 0, ds, b, sc), TQ_OK);
    quoted q[4];
    assert_int_equal(numbers("is 2.2% today, 1.8% there, +25pp and 25 points; 2014 and r20", q, 4), 4);
    assert_false(explained(ds, tq_baseline_array(b, TQ_TARIFF, NULL), tq_scenario_tariffs(sc), &q[0]));
    assert_true(explained(ds, tq_baseline_array(b, TQ_TARIFF, NULL), tq_scenario_tariffs(sc), &q[1]));
    tq_scenario_free(sc);
    tq_spec_free(sp);
    tq_baseline_free(b);
    tq_dataset_free(ds);
    tq_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_catches_drift), cmocka_unit_test(test_shipped_texts)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
