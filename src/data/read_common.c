/* Small helpers shared by read_wiot.c, read_square.c and read_flows.c. */
#include "readers_extra.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

void tq__year_files_free(tq_context *ctx, tq__year_files *yf)
{
    if (!yf)
        return;
    for (int k = 0; k < yf->count; k++)
        tq__free(ctx, yf->path[k]);
    tq__free(ctx, yf->path);
    tq__free(ctx, yf->year);
    memset(yf, 0, sizeof *yf);
}

/* Year of "<prefix>YYYY.csv" or "<prefix>YYYY.csv.gz", or -1. */
static int year_of(const char *name, const char *prefix)
{
    size_t p = strlen(prefix);
    if (strncmp(name, prefix, p) != 0)
        return -1;
    const char *s = name + p;
    int y = 0;
    for (int k = 0; k < 4; k++) {
        if (s[k] < '0' || s[k] > '9')
            return -1;
        y = y * 10 + (s[k] - '0');
    }
    if (strcmp(s + 4, ".csv") != 0 && strcmp(s + 4, ".csv.gz") != 0)
        return -1;
    return y;
}

tq_status tq__list_year_files(tq_context *ctx, const char *dir, const char *prefix, tq__year_files *out)
{
    memset(out, 0, sizeof *out);
    DIR *d = opendir(dir);
    if (!d)
        return tq__error(ctx, TQ_ERR_IO, dir, 0, NULL, "cannot open the folder");
    int cap = 0;
    tq_status st = TQ_OK;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        int y = year_of(e->d_name, prefix);
        if (y < 0)
            continue;
        char *path = tq__path_join(ctx, dir, e->d_name);
        if (!path) {
            st = TQ_ERR_NOMEM;
            break;
        }
        if (!tq__file_exists(path)) { /* a folder or a dangling link with that name */
            tq__free(ctx, path);
            continue;
        }
        int dup = -1;
        for (int k = 0; k < out->count; k++)
            if (out->year[k] == y)
                dup = k;
        if (dup >= 0) {
            st = tq__error(ctx, TQ_ERR_INVALID, path, 0, NULL, "year %d is also in %s: keep one of the two files", y,
                           out->path[dup]);
            tq__free(ctx, path);
            break;
        }
        if (out->count == cap) {
            int nc = cap ? cap * 2 : 16;
            int *ny = tq__realloc(ctx, out->year, sizeof(int) * (size_t)nc);
            if (ny)
                out->year = ny;
            char **np = ny ? tq__realloc(ctx, out->path, sizeof(char *) * (size_t)nc) : NULL;
            if (np)
                out->path = np;
            if (!ny || !np) {
                tq__free(ctx, path);
                st = TQ_ERR_NOMEM;
                break;
            }
            cap = nc;
        }
        out->year[out->count] = y;
        out->path[out->count] = path;
        out->count++;
    }
    closedir(d);
    if (!st && out->count == 0)
        st = tq__error(ctx, TQ_ERR_IO, dir, 0, NULL, "missing file: no %sYYYY.csv or %sYYYY.csv.gz here", prefix,
                       prefix);
    if (st) {
        tq__year_files_free(ctx, out);
        return st;
    }
    /* insertion sort: a few dozen years at most */
    for (int a = 1; a < out->count; a++) {
        int y = out->year[a];
        char *p = out->path[a];
        int b = a - 1;
        for (; b >= 0 && out->year[b] > y; b--) {
            out->year[b + 1] = out->year[b];
            out->path[b + 1] = out->path[b];
        }
        out->year[b + 1] = y;
        out->path[b + 1] = p;
    }
    return TQ_OK;
}

void tq__dir_basename(const char *dir, char *buf, size_t n)
{
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/')
        len--;
    size_t start = len;
    while (start > 0 && dir[start - 1] != '/')
        start--;
    size_t m = len - start;
    if (n == 0)
        return;
    if (m >= n)
        m = n - 1;
    memcpy(buf, dir + start, m);
    buf[m] = 0;
}
