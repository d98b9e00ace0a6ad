/* Shared skeleton of the reader fuzz targets: a temporary folder made once from a
 * fixture (files given as text, or copied from a folder), the input bytes written as one
 * of its files, the folder read, and the file restored for the next input. Header-only
 * (static functions); no cmocka. */
#ifndef TQ_FUZZ_COMMON_H
#define TQ_FUZZ_COMMON_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tradeq.h"

#define FZ_MAX_FILES 32

typedef struct fz_file {
    const char *name;
    const char *text; /* the valid content */
    size_t len;
} fz_file;

static char fz_dir[512];
static fz_file fz_fixture[FZ_MAX_FILES]; /* owned copies, for fz_restore */
static size_t fz_nfixture;

/* Write n bytes to fz_dir/name; abort on any failure. */
static inline void fz_put(const char *name, const void *data, size_t n)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", fz_dir, name);
    FILE *f = fopen(p, "wb");
    if (!f)
        abort();
    if (n && fwrite(data, 1, n, f) != n)
        abort();
    if (fclose(f) != 0)
        abort();
}

static inline void fz_remove(const char *name)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", fz_dir, name);
    unlink(p);
}

/* Remove the folder and every file in it (at exit). */
static inline void fz_cleanup(void)
{
    DIR *d = opendir(fz_dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)))
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                fz_remove(e->d_name);
        closedir(d);
    }
    rmdir(fz_dir);
    for (size_t k = 0; k < fz_nfixture; k++) {
        free((char *)fz_fixture[k].name);
        free((char *)fz_fixture[k].text);
    }
    fz_nfixture = 0;
}

/* Once per process: make the folder /tmp/tradeq-fuzz-<tag>-XXXXXX, write the fixture's
 * n files (len 0: strlen(text)) and keep copies for fz_restore; removed at exit.
 * Returns 1 the first time, else 0. */
/* For the targets whose first input byte picks a fixture file (the rest replacing it):
 * with TQ_FUZZ_WRITE_SEEDS=DIR in the environment, write into DIR, for each fixture file
 * k, the input that replaces it by its own valid content (first byte k, and with with_hi
 * also k with bit 7 set: the target's other reading of it), so that the fuzzer starts from inputs that load
 * and reach the code after the reader. tests/fuzz/make_seeds.sh runs each target once
 * this way. Call after fz_setup. */
static inline void fz_write_seeds(int with_hi)
{
    const char *dir = getenv("TQ_FUZZ_WRITE_SEEDS");
    if (!dir || !*dir)
        return;
    const fz_file *files = fz_fixture;
    for (size_t k = 0; k < fz_nfixture; k++)
        for (int hi = 0; hi < 1 + (with_hi != 0); hi++) {
            char p[1024];
            snprintf(p, sizeof p, "%s/seed-%02zu%s-%s", dir, k, hi ? "-hi" : "", files[k].name);
            FILE *f = fopen(p, "wb");
            if (!f)
                abort();
            unsigned char first = (unsigned char)(k | (hi ? 0x80u : 0u));
            size_t len = files[k].len ? files[k].len : strlen(files[k].text);
            if (fwrite(&first, 1, 1, f) != 1 || fwrite(files[k].text, 1, len, f) != len || fclose(f) != 0)
                abort();
        }
}

static inline int fz_setup(const char *tag, const fz_file *files, size_t n)
{
    if (fz_dir[0])
        return 0;
    if (n > FZ_MAX_FILES)
        abort();
    const char *tmp = getenv("TMPDIR");
    snprintf(fz_dir, sizeof fz_dir, "%s/tradeq-fuzz-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", tag);
    if (!mkdtemp(fz_dir))
        abort();
    for (size_t k = 0; k < n; k++) {
        size_t len = files[k].len ? files[k].len : strlen(files[k].text);
        char *name = strdup(files[k].name), *text = malloc(len + 1);
        if (!name || !text)
            abort();
        memcpy(text, files[k].text, len);
        text[len] = '\0';
        fz_fixture[k] = (fz_file){name, text, len};
        fz_nfixture = k + 1;
        fz_put(name, text, len);
    }
    atexit(fz_cleanup);
    return 1;
}

/* fz_setup from copies of the files `names` of folder src. */
static inline int fz_setup_copy(const char *tag, const char *src, const char *const *names, size_t n)
{
    if (fz_dir[0])
        return 0;
    if (n > FZ_MAX_FILES)
        abort();
    fz_file files[FZ_MAX_FILES];
    for (size_t k = 0; k < n; k++) {
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", src, names[k]);
        FILE *f = fopen(p, "rb");
        if (!f)
            abort();
        char *buf = malloc(1 << 16);
        if (!buf)
            abort();
        size_t len = fread(buf, 1, 1 << 16, f);
        fclose(f);
        files[k] = (fz_file){names[k], buf, len};
    }
    int r = fz_setup(tag, files, n);
    for (size_t k = 0; k < n; k++)
        free((char *)files[k].text);
    return r;
}

/* Write the fixture's valid content of name back. */
static inline void fz_restore(const char *name)
{
    for (size_t k = 0; k < fz_nfixture; k++) {
        if (strcmp(fz_fixture[k].name, name) == 0) {
            fz_put(name, fz_fixture[k].text, fz_fixture[k].len);
            return;
        }
    }
    abort();
}

typedef tq_status (*fz_reader)(tq_context *ctx, const char *dir, tq_dataset **out);

/* Read fz_dir with read on a new context: on success the dataset must exist and is
 * checked (then given to extra, if not NULL), on failure it must be left NULL; the
 * error is formatted. Any crash, leak or sanitizer report is a bug. */
static inline void fz_read(fz_reader read, void (*extra)(tq_context *ctx, tq_dataset *ds))
{
    tq_context *ctx = NULL;
    if (tq_context_new(&ctx, NULL) != TQ_OK)
        return;
    tq_dataset *ds = NULL;
    if (read(ctx, fz_dir, &ds) == TQ_OK) {
        if (!ds)
            abort();
        if (extra)
            extra(ctx, ds);
        tq_consistency c;
        (void)tq_dataset_check(ctx, ds, 0, &c);
    } else if (ds) {
        abort(); /* failure must leave *out NULL */
    }
    tq_dataset_free(ds);
    char buf[1024];
    tq_error_format(ctx, buf, sizeof buf);
    tq_context_free(ctx);
}

#endif
