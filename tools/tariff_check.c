/* tariff_check: cross-check the wiod2014 tariff table (as labelled and swapped) against
 * Teti's 2014 rates (shared/data/wiod16) and, for the US, USITC 2017 MFN rates.
 *
 *   tariff_check SHARED_DATA OUT.csv [--force] [--concordance DIR] [--summary FILE|-]
 *
 * Writes one row per importer x goods sector to OUT.csv (refuses to overwrite an existing
 * file without --force). DIR holds wiod2014_to_wiod16.csv and hs2_to_wiod2014.csv
 * (default: OUT's folder/../concordance, i.e. data/concordance for the committed
 * data/wiod2014/tariff_crosscheck.csv). --summary writes the Markdown summary used in
 * data/PROVENANCE.md. Output is the same bytes on every run. */
#include "tariff_check_lib.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static FILE *open_out(const char *path, int force)
{
    FILE *f = fopen(path, force ? "w" : "wx"); /* C11 "x": fail if it exists */
    if (!f && !force && errno == EEXIST)
        fprintf(stderr, "tariff_check: %s exists; use --force to overwrite\n", path);
    else if (!f)
        fprintf(stderr, "tariff_check: cannot write %s: %s\n", path, strerror(errno));
    return f;
}

int main(int argc, char **argv)
{
    const char *pos[2] = {0}, *conc = NULL, *summary = NULL;
    int np = 0, force = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--force"))
            force = 1;
        else if (!strcmp(argv[i], "--concordance") && i + 1 < argc)
            conc = argv[++i];
        else if (!strcmp(argv[i], "--summary") && i + 1 < argc)
            summary = argv[++i];
        else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "tariff_check: unknown option %s\n", argv[i]);
            return 2;
        } else if (np < 2)
            pos[np++] = argv[i];
        else {
            fprintf(stderr, "tariff_check: too many arguments\n");
            return 2;
        }
    }
    if (np < 2) {
        fprintf(stderr, "usage: tariff_check SHARED_DATA OUT.csv [--force] [--concordance DIR] "
                        "[--summary FILE|-]\n");
        return 2;
    }
    char dir[4096];
    if (!conc) {
        const char *slash = strrchr(pos[1], '/');
        if (slash)
            snprintf(dir, sizeof dir, "%.*s/../concordance", (int)(slash - pos[1]), pos[1]);
        else
            snprintf(dir, sizeof dir, "../concordance");
        conc = dir;
    }
    char err[2048];
    tc_result *r = NULL;
    if (tc_compute(pos[0], conc, &r, err, sizeof err)) {
        fprintf(stderr, "tariff_check: %s\n", err);
        return 1;
    }
    int rc = 0;
    FILE *f = open_out(pos[1], force);
    if (!f || tc_write_csv(r, f) || fclose(f)) {
        if (f)
            fprintf(stderr, "tariff_check: error writing %s\n", pos[1]);
        rc = 1;
    }
    if (!rc && summary) {
        int to_stdout = !strcmp(summary, "-");
        FILE *s = to_stdout ? stdout : open_out(summary, force);
        if (!s || tc_write_summary(r, s, 2.0) || (!to_stdout && fclose(s)))
            rc = 1;
    }
    tc_free(r);
    return rc;
}
