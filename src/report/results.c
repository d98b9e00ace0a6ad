/* Result files of solved scenarios in a folder (issue 5, "Results -> Files";
 * docs/results.md): the tables of tq_tables_new, one file per table and format (CSV,
 * .dta) or one per format (JSON, xlsx).
 *
 * The files of a call are one set, published at once (issue 16; docs/results.md,
 * "How the files are written"): every file is written into a staging folder made
 * exclusively beside the target, fsynced with the folder, and the staging folder is
 * swapped with the target by one renameat2(RENAME_EXCHANGE) (or renamed to it when the
 * target is new). Whatever happens before the swap leaves the old set; after it, the
 * new one; the old folder is then emptied and removed. The user's own files in the
 * target are hard-linked into the staging folder before the swap (subfolders, and files
 * that cannot be linked, are moved across after it).
 */
#define _GNU_SOURCE /* renameat2 (glibc 2.28+, Linux 3.15+) */
#include "report.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define ALL_FORMATS (TQ_FORMAT_CSV | TQ_FORMAT_JSON | TQ_FORMAT_XLSX | TQ_FORMAT_DTA)

unsigned tq_results_formats(void)
{
    unsigned f = TQ_FORMAT_CSV | TQ_FORMAT_JSON;
#ifdef TQ_WITH_XLSX
    f |= TQ_FORMAT_XLSX;
#endif
#ifdef TQ_WITH_DTA
    f |= TQ_FORMAT_DTA;
#endif
    return f;
}

typedef struct target {
    char *final; /* the name in the target folder, for messages */
    const char *name;
    int kind;  /* TQ_FORMAT_* */
    int table; /* index into the tables, for csv and dta */
    char buf[64];
} target;

static tq_status validate(tq_context *ctx, const tq_run *runs, int n, const char *dir, unsigned formats)
{
    if (!runs || n < 1)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, "runs", "no runs to write");
    if (!dir || !dir[0])
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, "dir", "no output folder");
    if (formats == 0 || (formats & ~(unsigned)ALL_FORMATS))
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, "formats", "formats 0x%x: want a combination of TQ_FORMAT_*",
                         formats);
    unsigned missing = formats & ~tq_results_formats();
    if (missing)
        return tq__error(ctx, TQ_ERR_UNSUPPORTED, NULL, 0, "format",
                         "this tradeq was built without %s output (CMake option %s, needs %s)",
                         missing & TQ_FORMAT_XLSX ? "xlsx" : "Stata .dta",
                         missing & TQ_FORMAT_XLSX ? "TQ_WITH_XLSX" : "TQ_WITH_DTA",
                         missing & TQ_FORMAT_XLSX ? "libxlsxwriter" : "ReadStat");
    return tq__runs_check(ctx, runs, n);
}

/* Cut s to at most max bytes without splitting a UTF-8 character. */
static void utf8_cut(char *s, size_t max)
{
    size_t n = strlen(s);
    if (n <= max)
        return;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    s[max] = 0;
}

/* 1 if name is a result file of one of formats: results.json, results.xlsx, or
 * results_<table>.csv / .dta for any kind of table tradeq writes (at any detail).
 * These are the set a write replaces; every other name in the folder is the user's. */
static int is_result_name(const char *name, unsigned formats)
{
    if ((formats & TQ_FORMAT_JSON) && !strcmp(name, "results.json"))
        return 1;
    if ((formats & TQ_FORMAT_XLSX) && !strcmp(name, "results.xlsx"))
        return 1;
    if (strncmp(name, "results_", 8))
        return 0;
    for (int k = 0; k < TQ__TB_COUNT; k++) {
        const char *kn = tq__table_kind_name(k);
        size_t len = strlen(kn);
        if (strncmp(name + 8, kn, len))
            continue;
        const char *ext = name + 8 + len;
        if (((formats & TQ_FORMAT_CSV) && !strcmp(ext, ".csv")) || ((formats & TQ_FORMAT_DTA) && !strcmp(ext, ".dta")))
            return 1;
    }
    return 0;
}

static tq_status sys_error(tq_context *ctx, const char *what, const char *doing)
{
    return tq__error(ctx, TQ_ERR_IO, what, 0, NULL, "%s: %s", doing, strerror(errno));
}

static int fsync_path(const char *path, int flags)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | flags);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

/* One file of the set, created exclusively in the staging folder (sfd), written
 * through a file sink, flushed to disk and closed. */
static tq_status write_target(tq_context *ctx, const tq_tables *t, const target *g, int sfd, const char *spath,
                              const char *label, tq__prog *pg)
{
    if (g->kind == TQ_FORMAT_XLSX) { /* libxlsxwriter writes the file itself, by name */
        char *p = tq__path_join(ctx, spath, g->name);
        if (!p)
            return TQ_ERR_NOMEM;
        tq_status st = tq__write_xlsx(ctx, t, p, g->final, pg);
        if (!st && fsync_path(p, O_NOFOLLOW) != 0)
            st = sys_error(ctx, g->final, "cannot write to disk");
        tq__free(ctx, p);
        return st;
    }
    int fd = openat(sfd, g->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0)
        return sys_error(ctx, g->final, "cannot create");
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        close(fd);
        return TQ_ERR_NOMEM;
    }
    tq_sink sink = tq_sink_file(f);
    tq_status st = TQ_OK;
    switch (g->kind) {
    case TQ_FORMAT_CSV: st = tq__write_csv(ctx, &t->tb[g->table], &sink, g->final, pg); break;
    case TQ_FORMAT_JSON: st = tq__write_json(ctx, t, &sink, g->final, pg); break;
    case TQ_FORMAT_DTA: st = tq__write_dta(ctx, &t->tb[g->table], label, &sink, g->final, pg); break;
    }
    int bad = fflush(f) != 0 || ferror(f);
    if (!st && !bad && fsync(fd) != 0)
        st = sys_error(ctx, g->final, "cannot write to disk");
    if ((fclose(f) != 0 || bad) && !st)
        st = tq__sink_error(ctx, g->final);
    return st;
}

/* The folders a write created (missing parents of the output folder, as `mkdir -p`),
 * so that a failure removes them again, deepest first. */
typedef struct made_dirs {
    char path[4096];
    size_t end[64]; /* path[0..end[k]) is the k-th folder created */
    int n;
} made_dirs;

static tq_status make_dirs(tq_context *ctx, const char *dir, made_dirs *m)
{
    size_t len = strlen(dir);
    if (len >= sizeof m->path)
        return tq__error(ctx, TQ_ERR_IO, dir, 0, NULL, "folder name too long");
    memcpy(m->path, dir, len + 1);
    for (size_t k = 1; k <= len; k++) {
        if (k < len && m->path[k] != '/')
            continue;
        char keep = m->path[k];
        m->path[k] = 0;
        struct stat sb;
        tq_status st = TQ_OK;
        if (stat(m->path, &sb) == 0) {
            if (!S_ISDIR(sb.st_mode))
                st = tq__error(ctx, TQ_ERR_IO, m->path, 0, NULL, "not a folder");
        } else if (mkdir(m->path, 0777) == 0) {
            if (m->n < 64)
                m->end[m->n++] = k;
        } else {
            st = tq__error(ctx, TQ_ERR_IO, m->path, 0, NULL, "cannot create folder: %s", strerror(errno));
        }
        m->path[k] = keep;
        if (st)
            return st;
    }
    return TQ_OK;
}

static void remove_made(made_dirs *m)
{
    for (int k = m->n - 1; k >= 0; k--) {
        char keep = m->path[m->end[k]];
        m->path[m->end[k]] = 0;
        rmdir(m->path);
        m->path[m->end[k]] = keep;
    }
}

/* A listing of the folder at dfd from its start (a dup shares the file offset, so
 * rewind: an earlier listing of the same folder has left it at the end). */
static DIR *open_dir(int dfd)
{
    int fd = dup(dfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d && fd >= 0)
        close(fd);
    if (d)
        rewinddir(d);
    return d;
}

/* Remove every entry of the folder at dfd that is not a folder; 0 when none is left
 * (folders included). The folder itself stays. */
static int empty_folder(int dfd)
{
    DIR *d = open_dir(dfd);
    if (!d)
        return -1;
    int left = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (unlinkat(dfd, e->d_name, 0) != 0)
            left++;
    }
    closedir(d);
    return left ? -1 : 0;
}

/* The folder paths of a write: the target as given (for messages), the folder it is
 * in, its last name, and the staging folder "<parent>/.<base>.tq-XXXXXX" beside it. */
typedef struct place {
    char target[PATH_MAX], parent[PATH_MAX], staging[PATH_MAX];
    const char *base;
    int exists; /* the target folder was there before the call */
    mode_t mode;
} place;

/* Split path into parent and last name (trailing slashes dropped). */
static tq_status split_path(tq_context *ctx, const char *path, place *pl)
{
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/')
        len--;
    if (len >= sizeof pl->target)
        return tq__error(ctx, TQ_ERR_IO, path, 0, NULL, "folder name too long");
    memcpy(pl->target, path, len);
    pl->target[len] = 0;
    char *slash = strrchr(pl->target, '/');
    if (!slash) {
        strcpy(pl->parent, ".");
        pl->base = pl->target;
    } else {
        size_t plen = slash == pl->target ? 1 : (size_t)(slash - pl->target);
        memcpy(pl->parent, pl->target, plen);
        pl->parent[plen] = 0;
        pl->base = slash + 1;
    }
    if (!pl->base[0] || !strcmp(pl->base, ".") || !strcmp(pl->base, ".."))
        return tq__error(ctx, TQ_ERR_IO, path, 0, NULL, "cannot replace this folder: name it by its own name");
    return TQ_OK;
}

/* Make the staging folder exclusively (mkdir fails on anything already there, a
 * symlink included), with a name no other writer picks. */
static tq_status make_staging(tq_context *ctx, place *pl, const char *what)
{
    static const char digits[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^ ((uint64_t)getpid() << 16) ^ (uintptr_t)pl;
    for (int tries = 0; tries < 100; tries++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        char sfx[7];
        uint64_t y = x >> 16;
        for (int k = 0; k < 6; k++, y /= 36)
            sfx[k] = digits[y % 36];
        sfx[6] = 0;
        int w = snprintf(pl->staging, sizeof pl->staging, "%s/.%s.tq-%s", pl->parent, pl->base, sfx);
        if (w < 0 || (size_t)w >= sizeof pl->staging)
            return tq__error(ctx, TQ_ERR_IO, what, 0, NULL, "folder name too long");
        if (mkdir(pl->staging, pl->exists ? 0700 : 0777) == 0) {
            if (pl->exists && chmod(pl->staging, pl->mode & 07777) != 0) {
                tq_status st = sys_error(ctx, what, "cannot set the permissions of a staging folder");
                rmdir(pl->staging);
                return st;
            }
            return TQ_OK;
        }
        if (errno != EEXIST)
            return tq__error(ctx, TQ_ERR_IO, what, 0, NULL, "cannot create a staging folder in %s: %s", pl->parent,
                             strerror(errno));
    }
    return tq__error(ctx, TQ_ERR_IO, what, 0, NULL, "cannot create a staging folder in %s", pl->parent);
}

/* Refuse what is in the way in the existing target (tfd): without overwrite any result
 * file of the formats written; with it, a result name that is not a regular file (a
 * symlink is never followed nor replaced). The exact names come first, so that the
 * message names a file of this set. */
static tq_status check_target(tq_context *ctx, int tfd, const target *tg, int ntg, unsigned formats, int overwrite,
                              const char *dir)
{
    struct stat sb;
    for (int k = 0; k < ntg; k++) {
        if (fstatat(tfd, tg[k].name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if (!overwrite)
            return tq__error(ctx, TQ_ERR_EXISTS, tg[k].final, 0, NULL,
                             "already exists; refusing to overwrite (use --force)");
        if (!S_ISREG(sb.st_mode))
            return tq__error(ctx, TQ_ERR_IO, tg[k].final, 0, NULL, "is in the way and not a regular file");
    }
    DIR *d = open_dir(tfd);
    if (!d)
        return sys_error(ctx, dir, "cannot list");
    tq_status st = TQ_OK;
    for (struct dirent *e; !st && (e = readdir(d));) {
        if (!is_result_name(e->d_name, formats))
            continue;
        if (!overwrite)
            st = tq__error(ctx, TQ_ERR_EXISTS, dir, 0, e->d_name,
                           "%s already exists; refusing to overwrite (use --force)", e->d_name);
        else if (fstatat(tfd, e->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(sb.st_mode))
            st = tq__error(ctx, TQ_ERR_IO, dir, 0, e->d_name, "%s is in the way and not a regular file", e->d_name);
    }
    closedir(d);
    return st;
}

/* Hard-link the user's files (every name that is not a result file of formats) of the
 * target tfd into the staging folder sfd, so that they are in the new folder from the
 * moment it is published. A folder or a file that cannot be linked is moved after the
 * swap instead (move_leftovers). */
static tq_status link_user_files(tq_context *ctx, int tfd, int sfd, unsigned formats, const char *dir)
{
    DIR *d = open_dir(tfd);
    if (!d)
        return sys_error(ctx, dir, "cannot list");
    tq_status st = TQ_OK;
    for (struct dirent *e; !st && (e = readdir(d));) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || is_result_name(e->d_name, formats))
            continue;
        /* flags 0: a symlink is linked as itself, never followed */
        if (linkat(tfd, e->d_name, sfd, e->d_name, 0) != 0 && errno != EPERM && errno != EMLINK && errno != EXDEV &&
            errno != ENOENT)
            st = tq__error(ctx, TQ_ERR_IO, dir, 0, e->d_name, "cannot keep %s: %s", e->d_name, strerror(errno));
    }
    closedir(d);
    return st;
}

/* After the swap: move what the old folder (ofd) still holds of the user's (folders,
 * files that could not be linked) into the new target (tfd). */
static tq_status move_leftovers(tq_context *ctx, int ofd, int tfd, unsigned formats, const char *dir, const char *old)
{
    DIR *d = open_dir(ofd);
    if (!d)
        return sys_error(ctx, old, "cannot list");
    tq_status st = TQ_OK;
    struct stat sb;
    for (struct dirent *e; (e = readdir(d));) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || is_result_name(e->d_name, formats))
            continue;
        if (fstatat(tfd, e->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0)
            continue; /* linked before the swap */
        if (renameat(ofd, e->d_name, tfd, e->d_name) != 0 && !st)
            st = tq__error(ctx, TQ_ERR_IO, dir, 0, e->d_name,
                           "the results are written, but %s could not be moved back from %s: %s", e->d_name, old,
                           strerror(errno));
    }
    closedir(d);
    return st;
}

/* Without RENAME_EXCHANGE (a filesystem without it): each file renamed into place,
 * then the old set's files of these formats that the new set does not have removed.
 * Each file is whole at all times, but a crash can leave old and new files side by
 * side (docs/results.md). */
static tq_status publish_by_file(tq_context *ctx, int sfd, int tfd, const target *tg, int ntg, unsigned formats,
                                 const char *dir)
{
    for (int k = 0; k < ntg; k++)
        if (renameat(sfd, tg[k].name, tfd, tg[k].name) != 0)
            return sys_error(ctx, tg[k].final, "cannot rename");
    DIR *d = open_dir(tfd);
    if (!d)
        return sys_error(ctx, dir, "cannot list");
    for (struct dirent *e; (e = readdir(d));) {
        if (!is_result_name(e->d_name, formats))
            continue;
        int ours = 0;
        for (int k = 0; k < ntg && !ours; k++)
            ours = !strcmp(e->d_name, tg[k].name);
        if (!ours)
            unlinkat(tfd, e->d_name, 0);
    }
    closedir(d);
    return fsync(tfd) == 0 ? TQ_OK : sys_error(ctx, dir, "cannot write to disk");
}

tq_status tq_results_write_detail(tq_context *ctx, const tq_run *runs, int n, const char *dir, unsigned formats,
                                  int overwrite, tq_detail detail)
{
    tq_status st = validate(ctx, runs, n, dir, formats);
    if (st)
        return st;

    tq_tables *t = NULL;
    if ((st = tq_tables_new(ctx, runs, n, detail, &t)))
        return st;
    enum { MAX_TARGETS = 2 * TQ__TB_COUNT + 2 };
    target tg[MAX_TARGETS];
    int ntg = 0, tfd = -1, sfd = -1, pfd = -1, staged = 0;
    made_dirs made = {0};
    place *pl = tq__calloc(ctx, 1, sizeof *pl);
    memset(tg, 0, sizeof tg);
    st = pl ? tq__progress(ctx, "write results", 0.0) : TQ_ERR_NOMEM;

    /* targets, in the order they are written */
    static const char *const ext[2] = {"csv", "dta"};
    for (int f = 0; f < 4 && !st; f++) {
        unsigned kind = 1u << f;
        if (!(formats & kind))
            continue;
        int per_table = kind == TQ_FORMAT_CSV || kind == TQ_FORMAT_DTA;
        for (int tb = 0; tb < (per_table ? t->count : 1) && !st; tb++) {
            target *g = &tg[ntg++];
            if (per_table)
                snprintf(g->buf, sizeof g->buf, "results_%s.%s", t->tb[tb].name, ext[kind == TQ_FORMAT_DTA]);
            else
                snprintf(g->buf, sizeof g->buf, "results.%s", kind == TQ_FORMAT_JSON ? "json" : "xlsx");
            g->name = g->buf;
            g->kind = (int)kind;
            g->table = tb;
            if (!(g->final = tq__path_join(ctx, dir, g->name)))
                st = TQ_ERR_NOMEM;
        }
    }

    /* the folder, and what is in the way; a target that is a symlink to a folder is
     * replaced where it points (the symlink stays) */
    struct stat sb;
    if (!st && stat(dir, &sb) == 0) {
        if (!S_ISDIR(sb.st_mode))
            st = tq__error(ctx, TQ_ERR_IO, dir, 0, NULL, "not a folder");
        else if (!realpath(dir, pl->staging))
            st = sys_error(ctx, dir, "cannot resolve");
        else {
            pl->exists = 1;
            pl->mode = sb.st_mode;
            st = split_path(ctx, pl->staging, pl);
        }
    } else if (!st && !(st = split_path(ctx, dir, pl)) && strcmp(pl->parent, "/")) {
        st = make_dirs(ctx, pl->parent, &made);
    }
    if (!st && pl->exists) {
        tfd = open(pl->target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (tfd < 0)
            st = sys_error(ctx, dir, "cannot open");
        else
            st = check_target(ctx, tfd, tg, ntg, formats, overwrite, dir);
    }
    if (!st && (pfd = open(pl->parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        st = sys_error(ctx, pl->parent, "cannot open");
    if (!st && !(st = make_staging(ctx, pl, dir))) {
        staged = 1;
        sfd = open(pl->staging, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sfd < 0)
            st = sys_error(ctx, pl->staging, "cannot open");
    }

    /* the files, in the staging folder */
    char label[TQ__DTA_MAX_LABEL + 1] = "";
    if (!st) {
        const tq__run_info *ri = t->ri;
        if (n == 1)
            snprintf(label, sizeof label, "tradeq %s %s %s", ri[0].name, ri[0].dataset, ri[0].hash);
        else
            snprintf(label, sizeof label, "tradeq %d scenarios %s %s", n, ri[0].dataset, ri[0].hash);
        utf8_cut(label, TQ__DTA_MAX_LABEL);
    }
    tq__prog pg = {ctx, 0, ntg, 0, 0, TQ_OK};
    for (int k = 0; k < ntg && !st; k++) {
        pg.file = k;
        st = write_target(ctx, t, &tg[k], sfd, pl->staging, label, &pg);
        if (!st)
            st = tq__progress(ctx, "write results", (double)(k + 1) / ntg);
    }
    if (!st && pl->exists)
        st = link_user_files(ctx, tfd, sfd, formats, dir);
    if (!st && fsync(sfd) != 0)
        st = sys_error(ctx, dir, "cannot write to disk");

    /* publish: until here the target is untouched */
    int swapped = 0;
    if (!st && pl->exists) {
        if (renameat2(AT_FDCWD, pl->staging, AT_FDCWD, pl->target, RENAME_EXCHANGE) == 0)
            swapped = 1;
        else if (errno == EINVAL || errno == ENOSYS || errno == ENOTSUP)
            st = publish_by_file(ctx, sfd, tfd, tg, ntg, formats, dir);
        else
            st = sys_error(ctx, dir, "cannot replace the folder");
    } else if (!st) {
        if (rename(pl->staging, pl->target) == 0)
            staged = 0;
        else
            st = sys_error(ctx, dir, "cannot create the folder");
    }
    if (!st && fsync(pfd) != 0)
        st = sys_error(ctx, pl->parent, "cannot write to disk");

    if (swapped) {
        /* The new set is in place. sfd is now the new target, tfd the old folder at the
         * staging name: move over what was not linked, then remove the old set. */
        struct stat cwd, old;
        if (stat(".", &cwd) == 0 && fstat(tfd, &old) == 0 && cwd.st_dev == old.st_dev && cwd.st_ino == old.st_ino)
            (void)!fchdir(sfd); /* the working folder was the target: stay in it by name */
        tq_status mv = move_leftovers(ctx, tfd, sfd, formats, dir, pl->staging);
        if (!mv && empty_folder(tfd) == 0 && rmdir(pl->staging) == 0)
            fsync(pfd);
        if (!st)
            st = mv;
        staged = 0;
    } else if (staged) {
        /* nothing published: the staging folder goes, with the folders this call made */
        if (sfd >= 0)
            empty_folder(sfd);
        rmdir(pl->staging);
        if (st)
            remove_made(&made);
    } else if (st) {
        remove_made(&made);
    }

    if (tfd >= 0)
        close(tfd);
    if (sfd >= 0)
        close(sfd);
    if (pfd >= 0)
        close(pfd);
    for (int k = 0; k < ntg; k++)
        tq__free(ctx, tg[k].final);
    tq__free(ctx, pl);
    tq_tables_free(t);
    return st;
}

tq_status tq_results_write(tq_context *ctx, const tq_run *runs, int n, const char *dir, unsigned formats, int overwrite)
{
    return tq_results_write_detail(ctx, runs, n, dir, formats, overwrite, TQ_DETAIL_FULL);
}
