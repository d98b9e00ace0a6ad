/* Strict scenario files (docs/scenarios.md, "Limits"): size and nesting caps checked
 * before libyaml parses, duplicate keys, a single document, UTF-8 text, and error
 * messages that never echo raw bytes of the file. */
#include "tq_test.h"

#include <dirent.h>

static tq_context *ctx;

static int setup(void **state)
{
    (void)state;
    return tq_context_new(&ctx, NULL) ? -1 : 0;
}
static int teardown(void **state)
{
    (void)state;
    tq_context_free(ctx);
    return 0;
}

/* Parse text (len bytes) as "t.yaml"; it must fail with TQ_ERR_PARSE, and the formatted
 * error must start with the position want_at and contain want. Every byte of the
 * message is printable ASCII. */
static void refuse(const char *text, size_t len, const char *want_at, const char *want)
{
    tq_spec *sp = NULL;
    tq_status st = tq_spec_parse(ctx, text, len, "t.yaml", &sp);
    char b[2048];
    tq_error_format(ctx, b, sizeof b);
    if (st != TQ_ERR_PARSE || strncmp(b, want_at, strlen(want_at)) || !strstr(b, want))
        fail_msg("status %d, error '%s'; wanted '%s' ... '%s'", (int)st, b, want_at, want);
    assert_null(sp);
    for (const unsigned char *p = (const unsigned char *)b; *p; p++)
        if (*p < 0x20 || *p >= 0x7f)
            fail_msg("raw byte 0x%02X in the message '%s'", *p, b);
}

static void accept(const char *text)
{
    tq_spec *sp = NULL;
    if (tq_spec_parse(ctx, text, strlen(text), "t.yaml", &sp) != TQ_OK) {
        char b[2048];
        tq_error_format(ctx, b, sizeof b);
        fail_msg("parse failed: %s", b);
    }
    tq_spec_free(sp);
}

/* 100,000 nested '[' (libyaml alone takes most of a minute) are refused by the pre-scan,
 * at the bracket that goes past 64 levels: column 65 of line 1. */
static void test_deep_flow(void **state)
{
    (void)state;
    size_t n = 100000;
    char *t = malloc(2 * n + 1);
    assert_non_null(t);
    memset(t, '[', n);
    memset(t + n, ']', n);
    t[2 * n] = 0;
    refuse(t, 2 * n, "t.yaml:1:64:", "nesting deeper than 64");
    /* the same after a key, in braces: 'a: ' then 100,000 '{' */
    memcpy(t, "a: ", 3);
    memset(t + 3, '{', n - 3);
    refuse(t, n, "t.yaml:1:", "nesting deeper than 64");
    free(t);
    /* 64 levels in all pass the pre-scan (the key is one level, 63 brackets) */
    char ok[200];
    snprintf(ok, sizeof ok, "title: %.63s%.63s\n",
             "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
             "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]");
    tq_spec *sp = NULL;
    tq_status st = tq_spec_parse(ctx, ok, strlen(ok), "t.yaml", &sp);
    char b[2048];
    tq_error_format(ctx, b, sizeof b);
    /* libyaml parses it; the scenario parser then refuses the value of title: */
    assert_int_not_equal(st, TQ_OK);
    assert_null(strstr(b, "nesting deeper"));
    /* brackets inside quotes, comments and block scalars are text, not nesting */
    char big[6000];
    size_t o = 0;
    o += (size_t)snprintf(
        big + o, sizeof big - o, "title: \"%.100s\"  # %.100s\ndescription: |\n  %.100s\n",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
        "{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[");
    (void)o;
    accept(big);
}

/* Block nesting by indentation, and by '- ' repeated on one line, is counted too. */
static void test_deep_block(void **state)
{
    (void)state;
    char t[20000];
    size_t o = 0;
    for (int k = 0; k < 100; k++)
        o += (size_t)snprintf(t + o, sizeof t - o, "%*sk%d:\n", k, "", k);
    o += (size_t)snprintf(t + o, sizeof t - o, "%*sx\n", 100, "");
    refuse(t, o, "t.yaml:65:", "nesting deeper than 64");
    o = 0;
    for (int k = 0; k < 100; k++)
        o += (size_t)snprintf(t + o, sizeof t - o, "- ");
    o += (size_t)snprintf(t + o, sizeof t - o, "x\n");
    refuse(t, o, "t.yaml:1:", "nesting deeper than 64");
    /* a block scalar's lines do not hide nesting after it ends */
    o = (size_t)snprintf(t, sizeof t, "scenarios:\n  - name: a\n    description: |\n      text\n    tariffs: ");
    for (int k = 0; k < 100; k++)
        t[o++] = '[';
    t[o++] = '\n';
    refuse(t, o, "t.yaml:5:", "nesting deeper than 64");
}

static void test_size_cap(void **state)
{
    (void)state;
    size_t n = (4u << 20) + 1; /* one byte over 4 MiB: a comment line */
    char *t = malloc(n);
    assert_non_null(t);
    memset(t, ' ', n);
    t[0] = '#';
    t[n - 1] = '\n';
    refuse(t, n, "t.yaml:1:1:", "larger than the limit of 4 MiB");
    free(t);
}

static void test_duplicate_keys(void **state)
{
    (void)state;
    const char *t = "name: a\ntitle: T\nname: b\n";
    refuse(t, strlen(t), "t.yaml:3:1:", "duplicate key 'name'");
    /* in a nested flow mapping, with the same key written two ways */
    t = "tariffs:\n  - {importer: USA, exporter: CHN, sectors: all, add: 10pp, 'importer': JPN}\n";
    refuse(t, strlen(t), "t.yaml:2:61:", "duplicate key 'importer'");
    /* the first second-occurrence in the file is reported, in whichever mapping */
    t = "scenarios:\n  - name: a\n    closure: fixed\n    closure: fixed\n  - name: b\n    name: c\n";
    refuse(t, strlen(t), "t.yaml:4:5:", "duplicate key 'closure'");
    /* the same key in two mappings is not a duplicate */
    accept("scenarios:\n  - name: a\n  - name: b\n");
}

static void test_one_document(void **state)
{
    (void)state;
    const char *t = "name: a\n---\nname: b\n";
    refuse(t, strlen(t), "t.yaml:2:1:", "second YAML document");
    t = "name: a\n---\n";
    refuse(t, strlen(t), "t.yaml:2:1:", "second YAML document");
    t = "name: a\n---\n: : [\n";
    refuse(t, strlen(t), "t.yaml:", "malformed YAML");
    /* an explicit start and end of the one document are fine */
    accept("---\nname: a\n...\n");
}

static void test_utf8(void **state)
{
    (void)state;
    /* raw invalid UTF-8 in a label: refused at its byte, escaped in the message */
    const char *t;
    t = "title: caf\xC3\x28\n";
    refuse(t, strlen(t), "t.yaml:1:11:", "invalid UTF-8 byte \\xC3");
    t = "title: a\x01z\n";
    refuse(t, strlen(t), "t.yaml:1:9:", "control byte \\x01");
    t = "title: ab\xED\xA0\x80\n";
    refuse(t, strlen(t), "t.yaml:1:10:", "invalid UTF-8 byte \\xED"); /* a surrogate */
    /* a control character made by an escape */
    t = "title: \"a\\x01b\"\n";
    refuse(t, strlen(t), "t.yaml:1:8:", "holds the control byte \\x01");
    t = "title: \"a\\0b\"\n";
    refuse(t, strlen(t), "t.yaml:1:8:", "\\x00");
    /* valid UTF-8 labels are kept as written */
    tq_spec *sp = NULL;
    t = "name: s\ntitle: \"Caf\xC3\xA9 \xE2\x82\xAC \\u00e9\"\n";
    assert_int_equal(tq_spec_parse(ctx, t, strlen(t), "t.yaml", &sp), TQ_OK);
    tq_spec_info info;
    assert_int_equal(tq_spec_get(sp, 0, &info), TQ_OK);
    assert_string_equal(info.title, "Caf\xC3\xA9 \xE2\x82\xAC \xC3\xA9");
    tq_spec_free(sp);
    /* a non-ASCII key in an error message is escaped, not echoed */
    t = "caf\xC3\xA9: 1\n";
    refuse(t, strlen(t), "t.yaml:1:1:", "caf\\xC3\\xA9");
    t = "name: a\ncaf\xC3\xA9: 1\ncaf\xC3\xA9: 2\n";
    refuse(t, strlen(t), "t.yaml:3:1:", "duplicate key 'caf\\xC3\\xA9'");
}

static void assert_ascii_error(tq_status st, tq_status want, const char *want_in)
{
    char b[2048];
    tq_error_format(ctx, b, sizeof b);
    if (st != want || !strstr(b, want_in))
        fail_msg("status %d, error '%s'; wanted %d with '%s'", (int)st, b, (int)want, want_in);
    for (const unsigned char *p = (const unsigned char *)b; *p; p++)
        if (*p < 0x20 || *p >= 0x7f)
            fail_msg("raw byte 0x%02X in the message '%s'", *p, b);
}

/* Codes met when a scenario is applied, and a --tariff argument, are escaped too. */
static void test_escaped_later(void **state)
{
    (void)state;
    tq_dataset *ds = NULL;
    tq_baseline *base = NULL;
    tq_scenario *sc = NULL;
    assert_int_equal(tq_dataset_load(ctx, TQ_TEST_DATA "/tiny", &ds), TQ_OK);
    assert_int_equal(tq_baseline_new(ctx, ds, 0, TQ_CLOSURE_FIXED, NULL, &base), TQ_OK);
    assert_int_equal(tq_scenario_new(ctx, base, &sc), TQ_OK);
    const char *t = "tariffs:\n  - {importer: \"A\xC3\xA9\", exporter: BBB, sectors: all, add: 5pp}\n"
                    "deficits:\n  \"B\xC3\xA9\": 0\n";
    tq_spec *sp = NULL;
    assert_int_equal(tq_spec_parse(ctx, t, strlen(t), "t.yaml", &sp), TQ_OK);
    assert_ascii_error(tq_spec_apply(ctx, sp, 0, ds, base, sc), TQ_ERR_NOT_FOUND, "unknown region 'A\\xC3\\xA9'");
    tq_spec_free(sp);
    t = "closure: target\ndeficits:\n  \"B\xC3\xA9\": 0\n";
    assert_int_equal(tq_spec_parse(ctx, t, strlen(t), "t.yaml", &sp), TQ_OK);
    assert_ascii_error(tq_spec_apply(ctx, sp, 0, ds, base, sc), TQ_ERR_NOT_FOUND, "'B\\xC3\\xA9'");
    tq_spec_free(sp);
    assert_int_equal(tq_spec_new(ctx, "cli", &sp), TQ_OK);
    assert_ascii_error(tq_spec_add_tariff_arg(ctx, sp, "US\xC3\xA9\x01"), TQ_ERR_PARSE, "--tariff US\\xC3\\xA9\\x01");
    tq_spec_free(sp);
    tq_scenario_free(sc);
    tq_baseline_free(base);
    tq_dataset_free(ds);
}

/* An alias would let a few bytes stand for a huge scenario: refused at the anchored node. */
static void test_no_alias(void **state)
{
    (void)state;
    const char *t = "tariffs:\n  - &s {importer: USA, exporter: all, sectors: all, add: 1pp}\n  - *s\n";
    refuse(t, strlen(t), "t.yaml:2:5:", "alias");
    t = "tariffs:\n  - {importer: &c [USA, CAN], exporter: all, sectors: all, add: 1pp}\n"
        "  - {importer: *c, exporter: all, sectors: all, add: 2pp}\n";
    refuse(t, strlen(t), "t.yaml:2:16:", "anchors and aliases are not accepted");
    /* an anchor alone is harmless */
    accept("tariffs:\n  - &s {importer: USA, exporter: all, sectors: all, add: 1pp}\n");
}

/* Every shipped scenario and every fuzz seed still parses. */
static void load_all(const char *dir, int want_bad)
{
    int nbad = 0;
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t L = strlen(e->d_name);
        if (L < 6 || strcmp(e->d_name + L - 5, ".yaml"))
            continue;
        char p[4200];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        tq_spec *sp = NULL;
        if (!strncmp(e->d_name, "bad-", 4)) { /* the fuzz seeds that break a rule above */
            assert_int_equal(tq_spec_load(ctx, p, &sp), TQ_ERR_PARSE);
            assert_null(sp);
            nbad++;
            continue;
        }
        if (tq_spec_load(ctx, p, &sp) != TQ_OK) {
            char b[2048];
            tq_error_format(ctx, b, sizeof b);
            fail_msg("%s: %s", p, b);
        }
        assert_true(tq_spec_count(sp) >= 1);
        tq_spec_free(sp);
        n++;
    }
    closedir(d);
    assert_true(n >= 5);
    assert_int_equal(nbad, want_bad);
}

static void test_shipped(void **state)
{
    (void)state;
    load_all(TQ_TEST_DATA "/../../scenarios", 0);
    load_all(TQ_TEST_DATA "/../fuzz/corpus/fuzz_spec", 6);
}

/* A regression the solving fuzz target found: a block scalar indicator after a key at the
 * top level, with no indentation level open, read the level stack at index -1 (undefined
 * behaviour; the sanitizer build stops on it). The file is malformed: a parse error. */
static void test_block_scalar_at_top(void **state)
{
    (void)state;
    tq_spec *sp = NULL;
    assert_int_equal(tq_spec_load(ctx, TQ_TEST_DATA "/../fuzz/corpus/fuzz_solve/regress-block-scalar-top.yaml", &sp),
                     TQ_ERR_PARSE);
    assert_null(sp);
    const char *ok = "a: |\n  text\nb: >\n  folded\n";
    assert_int_equal(tq_spec_parse(ctx, ok, strlen(ok), "ok.yaml", &sp), TQ_ERR_PARSE); /* unknown keys */
    tq_spec_free(sp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deep_flow),     cmocka_unit_test(test_deep_block),
        cmocka_unit_test(test_size_cap),      cmocka_unit_test(test_duplicate_keys),
        cmocka_unit_test(test_one_document),  cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_escaped_later), cmocka_unit_test(test_no_alias),
        cmocka_unit_test(test_shipped),       cmocka_unit_test(test_block_scalar_at_top),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
