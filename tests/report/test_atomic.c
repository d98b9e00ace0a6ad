/* The result files of a write are one set (src/report/results.c; docs/results.md, "How
 * the files are written"), on tests/data/tiny: after a failure at any step (cancellation
 * at each progress report, each allocation failing in turn, a SIGKILL of a child process
 * at each progress report) the folder holds exactly the old set, byte for byte, and the
 * user's files; a symlink planted at "results_regions.csv.part" or at a final name is
 * never followed; overwriting replaces the whole set of the formats written (a table the
 * new set lacks goes) and keeps everything else; a symlinked folder stays a symlink; the
 * folder keeps its permissions. Faults at the file-system calls themselves (EIO, SIGKILL
 * during the swap) are injected by tests/cli/test_atomic.sh through tests/fault/. */
#include "tiny_runs.h"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int setup(void **state)
{
    (void)state;
    return tiny_runs_setup(NULL, NULL);
}
#define teardown tiny_runs_teardown

/* ------------------------------------------------------------- helpers --- */

/* The file's bytes (NUL-terminated), or NULL when it cannot be read. */
static char *slurp(const char *path)
{
    return slurp_or_null(path, NULL);
}

static int is_result(const char *name)
{
    size_t n = strlen(name);
    return !strncmp(name, "results", 7) && (n < 5 || strcmp(name + n - 5, ".part"));
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* The result files of dir ("results*" but not "*.part"), sorted, in names[0..]; returns
 * how many (-1: no folder). */
static int result_names(const char *dir, char names[][64], int max)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (is_result(e->d_name) && strlen(e->d_name) < 64 && n < max)
            memcpy(names[n++], e->d_name, strlen(e->d_name) + 1);
    closedir(d);
    qsort(names, (size_t)n, 64, cmp_name);
    return n;
}

/* 1 if dir holds exactly the result files of ref, with the same bytes. */
static int same_set(const char *dir, const char *ref)
{
    char a[32][64], b[32][64];
    int na = result_names(dir, a, 32), nb = result_names(ref, b, 32);
    if (na != nb || na < 0)
        return 0;
    for (int k = 0; k < na; k++) {
        if (strcmp(a[k], b[k]))
            return 0;
        char *pa = path_in(dir, a[k]), *pb = path_in(ref, b[k]);
        char *ta = slurp(pa), *tb = slurp(pb);
        int same = ta && tb && !strcmp(ta, tb);
        free(ta);
        free(tb);
        free(pa);
        free(pb);
        if (!same)
            return 0;
    }
    return 1;
}

static void assert_file(const char *dir, const char *name, const char *text)
{
    char *p = path_in(dir, name);
    char *t = slurp(p);
    if (!t || strcmp(t, text))
        fail_msg("%s: want \"%s\", have \"%s\"", p, text, t ? t : "(none)");
    free(t);
    free(p);
}

/* A work folder with: ref_old (the one-run set), ref_new (the two-run set), and out (a
 * copy of the old set plus the user's notes.txt and sub/y). Formats CSV and JSON. */
typedef struct work {
    char *root, *old, *new_, *out;
} work;

enum { FMT = TQ_FORMAT_CSV | TQ_FORMAT_JSON };

static void reset_out(work *w)
{
    char cmd[4400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir '%s' && mkdir '%s/sub'", w->out, w->out, w->out);
    assert_int_equal(system(cmd), 0);
    tq_test_copydir(w->old, w->out);
    tq_test_write(w->out, "notes.txt", "mine\n");
    tq_test_write(w->out, "sub/y", "deep\n");
}

static work work_new(void)
{
    work w;
    w.root = tq_test_tmpdir();
    w.old = path_in(w.root, "ref_old");
    w.new_ = path_in(w.root, "ref_new");
    w.out = path_in(w.root, "out");
    assert_int_equal(tq_results_write(F.ctx, F.runs, 1, w.old, FMT, 0), TQ_OK);
    assert_int_equal(tq_results_write(F.ctx, F.runs, 2, w.new_, FMT, 0), TQ_OK);
    assert_false(same_set(w.old, w.new_));
    reset_out(&w);
    assert_true(same_set(w.out, w.old));
    return w;
}

static void work_free(work *w)
{
    free(w->old);
    free(w->new_);
    free(w->out);
    tq_test_rmtree(w->root);
}

/* The folder after a failure: the whole old set, the user's files, and beside it no
 * staging folder (root holds ref_old, ref_new, out and what the test put there). */
static void assert_old_kept(const work *w, int root_entries)
{
    assert_true(same_set(w->out, w->old));
    assert_file(w->out, "notes.txt", "mine\n");
    assert_file(w->out, "sub/y", "deep\n");
    assert_int_equal(dir_entries(w->out), dir_entries(w->old) + 2);
    assert_int_equal(dir_entries(w->root), root_entries);
}

/* -------------------------------------------------------------- tests --- */

/* A symlink planted at "results_regions.csv.part" (where the writer once put that file)
 * is neither followed nor removed: its target keeps its bytes. */
static void test_planted_part_symlink(void **state)
{
    (void)state;
    work w = work_new();
    tq_test_write(w.root, "victim", "victim\n");
    char *victim = path_in(w.root, "victim"), *part = path_in(w.out, "results_regions.csv.part");
    assert_int_equal(symlink(victim, part), 0);
    assert_int_equal(tq_results_write(F.ctx, F.runs, 2, w.out, FMT, 1), TQ_OK);
    assert_true(same_set(w.out, w.new_));
    assert_file(w.root, "victim", "victim\n");
    struct stat sb;
    assert_int_equal(lstat(part, &sb), 0);
    assert_true(S_ISLNK(sb.st_mode));
    assert_file(w.out, "notes.txt", "mine\n");
    assert_file(w.out, "sub/y", "deep\n");
    /* in a folder that holds nothing else, without overwrite */
    char *fresh = path_in(w.root, "fresh"), *part2 = path_in(fresh, "results_regions.csv.part");
    assert_int_equal(mkdir(fresh, 0777), 0);
    assert_int_equal(symlink(victim, part2), 0);
    assert_int_equal(tq_results_write(F.ctx, F.runs, 2, fresh, FMT, 0), TQ_OK);
    assert_true(same_set(fresh, w.new_));
    assert_file(w.root, "victim", "victim\n");
    assert_int_equal(dir_entries(w.root), 5); /* ref_old, ref_new, out, victim, fresh */
    free(fresh);
    free(part2);
    free(victim);
    free(part);
    work_free(&w);
}

/* A symlink at a final name is in the way: refused (not followed, not replaced), with
 * and without overwrite, and nothing else changes. */
static void test_final_symlink(void **state)
{
    (void)state;
    work w = work_new();
    tq_test_write(w.root, "victim", "victim\n");
    char *victim = path_in(w.root, "victim"), *fin = path_in(w.out, "results_regions.csv");
    char *keep = slurp(fin);
    assert_int_equal(unlink(fin), 0);
    assert_int_equal(symlink(victim, fin), 0);
    assert_int_equal(tq_results_write(F.ctx, F.runs, 2, w.out, FMT, 1), TQ_ERR_IO);
    tq_assert_error(F.ctx, "results_regions.csv", "not a regular file");
    assert_int_equal(tq_results_write(F.ctx, F.runs, 2, w.out, FMT, 0), TQ_ERR_EXISTS);
    assert_file(w.root, "victim", "victim\n");
    struct stat sb;
    assert_int_equal(lstat(fin, &sb), 0);
    assert_true(S_ISLNK(sb.st_mode));
    assert_int_equal(dir_entries(w.root), 4);
    /* the rest of the old set is untouched */
    assert_int_equal(unlink(fin), 0);
    FILE *f = fopen(fin, "wb");
    assert_non_null(f);
    fputs(keep, f);
    fclose(f);
    assert_old_kept(&w, 4);
    free(keep);
    free(victim);
    free(fin);
    work_free(&w);
}

/* Cancel at every progress report in turn, overwriting: each time the old set stays
 * whole with the user's files, and no staging folder is left beside it. */

static void test_cancel_each_step(void **state)
{
    (void)state;
    work w = work_new();
    int k = 1;
    for (;; k++) {
        assert_true(k < 1000);
        tq_context_set_progress(F.ctx, cancel_cb, NULL);
        tq_context_reset_cancel(F.ctx);
        cancel_at = k;
        tq_status st = tq_results_write(F.ctx, F.runs, 2, w.out, FMT, 1);
        tq_context_set_progress(F.ctx, NULL, NULL);
        tq_context_reset_cancel(F.ctx);
        if (st == TQ_OK)
            break;
        assert_int_equal(st, TQ_ERR_CANCELLED);
        assert_old_kept(&w, 3);
    }
    assert_true(k >= dir_entries(w.new_) + 2); /* the start, and a report after each file */
    assert_true(same_set(w.out, w.new_));
    assert_file(w.out, "notes.txt", "mine\n");
    assert_file(w.out, "sub/y", "deep\n");
    assert_int_equal(dir_entries(w.root), 3);
    work_free(&w);
}

/* Every allocation failing in turn, overwriting: the same. */
static work *alloc_work;
static tq_status overwrite_op(tq_context *ctx, void *arg)
{
    (void)arg;
    tq_status st = tq_results_write(ctx, F.runs, 2, alloc_work->out, FMT, 1);
    if (st != TQ_OK)
        assert_old_kept(alloc_work, 3);
    return st;
}

static void test_alloc_each_step(void **state)
{
    (void)state;
    work w = work_new();
    alloc_work = &w;
    long k = tq_test_alloc_sweep(overwrite_op, NULL, TQ_ERR_NOMEM, TQ_SWEEP_ONE_CONTEXT);
    assert_true(k > 5 && k <= 1000);
    assert_true(same_set(w.out, w.new_));
    assert_int_equal(dir_entries(w.root), 3);
    work_free(&w);
}

/* A child process overwriting is killed (SIGKILL) at its k-th progress report, for every
 * k: the folder then holds the whole old set (no step before the swap reports progress
 * after it: a kill during the swap is tests/cli/test_atomic.sh's), never a mix. */
static int kill_at;
static int kill_cb(void *ud, const char *stage, double fraction)
{
    (void)ud;
    (void)stage;
    (void)fraction;
    if (--kill_at == 0)
        raise(SIGKILL);
    return 0;
}

static void test_kill_each_step(void **state)
{
    (void)state;
    work w = work_new();
    int k = 1;
    for (;; k++) {
        assert_true(k < 1000);
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            kill_at = k;
            tq_context_set_progress(F.ctx, kill_cb, NULL);
            _exit(tq_results_write(F.ctx, F.runs, 2, w.out, FMT, 1) == TQ_OK ? 0 : 1);
        }
        int ws;
        assert_int_equal(waitpid(pid, &ws, 0), pid);
        if (WIFEXITED(ws)) {
            assert_int_equal(WEXITSTATUS(ws), 0);
            break;
        }
        assert_true(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL);
        /* the old set and the user's files; the killed writer's staging folder stays */
        assert_true(same_set(w.out, w.old));
        assert_file(w.out, "notes.txt", "mine\n");
        assert_file(w.out, "sub/y", "deep\n");
        assert_int_equal(dir_entries(w.out), dir_entries(w.old) + 2);
        assert_in_range(dir_entries(w.root), 3, 2 + k); /* at most one per kill after the start */
    }
    assert_true(k >= dir_entries(w.new_) + 2);
    assert_true(same_set(w.out, w.new_));
    assert_file(w.out, "notes.txt", "mine\n");
    assert_file(w.out, "sub/y", "deep\n");
    work_free(&w);
}

/* Overwriting replaces the set of the formats written as a whole: a table of the old set
 * that the new one lacks goes; another format's results, a user's "results_mine.csv"
 * (not a table tradeq writes), notes and subfolders stay. Without overwrite, any result
 * file of a format being written is in the way, even one the new set does not have. */
static void test_force_replaces_set(void **state)
{
    (void)state;
    char *root = tq_test_tmpdir();
    char *full = path_in(root, "full"), *summ = path_in(root, "summary"), *out = path_in(root, "out");
    assert_int_equal(tq_results_write_detail(F.ctx, F.runs, 2, full, TQ_FORMAT_CSV, 0, TQ_DETAIL_FULL), TQ_OK);
    assert_int_equal(tq_results_write_detail(F.ctx, F.runs, 2, summ, TQ_FORMAT_CSV, 0, TQ_DETAIL_SUMMARY), TQ_OK);
    int nfull = dir_entries(full), nsumm = dir_entries(summ);
    assert_true(nfull > nsumm && nsumm > 1);
    /* out: the full CSV set, a JSON, the user's files */
    assert_int_equal(tq_results_write_detail(F.ctx, F.runs, 1, out, TQ_FORMAT_CSV | TQ_FORMAT_JSON, 0, TQ_DETAIL_FULL),
                     TQ_OK);
    char *json = path_in(out, "results.json");
    char *json_before = slurp(json);
    assert_non_null(json_before);
    tq_test_write(out, "results_mine.csv", "mine\n");
    tq_test_write(out, "notes.txt", "notes\n");
    char *sub = path_in(out, "sub");
    assert_int_equal(mkdir(sub, 0777), 0);
    tq_test_write(sub, "y", "deep\n");
    /* a summary-only table of the old set is in the way without overwrite */
    char names[32][64];
    int n = result_names(summ, names, 32);
    for (int k = 0; k < n; k++) {
        char *p = path_in(out, names[k]);
        assert_int_equal(unlink(p), 0);
        free(p);
    }
    assert_int_equal(tq_results_write_detail(F.ctx, F.runs, 2, out, TQ_FORMAT_CSV, 0, TQ_DETAIL_SUMMARY),
                     TQ_ERR_EXISTS);
    tq_assert_error(F.ctx, "refusing to overwrite");
    /* overwrite: the summary set exactly, plus JSON and the user's things */
    assert_int_equal(tq_results_write_detail(F.ctx, F.runs, 2, out, TQ_FORMAT_CSV, 1, TQ_DETAIL_SUMMARY), TQ_OK);
    assert_int_equal(dir_entries(out), nsumm + 4);
    for (int k = 0; k < n; k++) {
        char *a = path_in(out, names[k]), *b = path_in(summ, names[k]);
        char *ta = slurp(a), *tb = slurp(b);
        assert_non_null(ta);
        assert_non_null(tb);
        assert_string_equal(ta, tb);
        free(ta);
        free(tb);
        free(a);
        free(b);
    }
    char *json_after = slurp(json);
    assert_non_null(json_after);
    assert_string_equal(json_after, json_before);
    assert_file(out, "results_mine.csv", "mine\n");
    assert_file(out, "notes.txt", "notes\n");
    assert_file(sub, "y", "deep\n");
    assert_int_equal(dir_entries(root), 3);
    free(json_after);
    free(json_before);
    free(json);
    free(sub);
    free(full);
    free(summ);
    free(out);
    tq_test_rmtree(root);
}

/* A folder reached through a symlink is replaced where it is: the symlink stays; the
 * folder keeps its permissions. */
static void test_symlinked_folder_and_mode(void **state)
{
    (void)state;
    work w = work_new();
    char *link = path_in(w.root, "link");
    assert_int_equal(symlink("out", link), 0);
    assert_int_equal(chmod(w.out, 0750), 0);
    assert_int_equal(tq_results_write(F.ctx, F.runs, 2, link, FMT, 1), TQ_OK);
    struct stat sb;
    assert_int_equal(lstat(link, &sb), 0);
    assert_true(S_ISLNK(sb.st_mode));
    assert_true(same_set(w.out, w.new_));
    assert_file(w.out, "notes.txt", "mine\n");
    assert_file(w.out, "sub/y", "deep\n");
    assert_int_equal(stat(w.out, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0750);
    assert_int_equal(dir_entries(w.root), 4);
    free(link);
    work_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_planted_part_symlink),
        cmocka_unit_test(test_final_symlink),
        cmocka_unit_test(test_cancel_each_step),
        cmocka_unit_test(test_alloc_each_step),
        cmocka_unit_test(test_kill_each_step),
        cmocka_unit_test(test_force_replaces_set),
        cmocka_unit_test(test_symlinked_folder_and_mode),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
