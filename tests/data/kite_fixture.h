/* A minimal valid KITE folder (2 regions x 2 sectors) written to a temporary folder,
 * for the KITE reader's unit tests and its fuzz target. Header-only (static functions).
 *
 * Regions USA, JPN; sectors S1 (tradable), S2 (not). Hand-checkable values:
 *   expenditure USA S1 100, S2 200; JPN S1 50, S2 80
 *   trade_share S1: USA->USA 0.8, JPN->USA 0.2, USA->JPN 0.1, JPN->JPN 0.9; S2 domestic only
 *   tariff (power, as labelled) JPN->USA S1 1.1, USA->JPN S1 1.05, else 1
 *   => Z[USA,JPN,S1] = 20/1.1, Z[JPN,USA,S1] = 5/1.05
 *   intermediate_share (of intermediates) output S1: S1 0.6, S2 0.4; output S2: 0.3, 0.7
 *   factor_share S1 0.4, S2 0.6 => gamma[.,S1,S1] = 0.36, gamma[.,S2,S1] = 0.24, ...
 *   consumption_share S1 0.3, S2 0.7; value_added USA 150, JPN 60
 *   trade_balance = exports - imports from the ex-tariff flows; 1/theta S1 0.25, S2 0.2
 */
#ifndef TQ_KITE_FIXTURE_H
#define TQ_KITE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

enum {
    KF_COUNTRIES,
    KF_SECTORS,
    KF_EXPENDITURE,
    KF_TRADE_SHARE,
    KF_TARIFF,
    KF_INTERMEDIATE,
    KF_FACTOR,
    KF_CONSUMPTION,
    KF_VALUE_ADDED,
    KF_BALANCE,
    KF_ELASTICITY,
    KF_COUNT
};

static const char *const kf_names[KF_COUNT] = {
    "countries.csv",          "sectors.csv",      "expenditure.csv",       "trade_share.csv", "tariff.csv",
    "intermediate_share.csv", "factor_share.csv", "consumption_share.csv", "value_added.csv", "trade_balance.csv",
    "trade_elasticity.csv",
};

/* The valid content of file f (static storage). */
static const char *kf_content(int f)
{
    static char balance[256];
    switch (f) {
    case KF_COUNTRIES: return "code\nUSA\nJPN\n";
    case KF_SECTORS:
        return "code,name,wiod_code,tradable,confidence,evidence\n"
               "S1,Goods,A01,1,high,none\n"
               "S2,Services,B,0,high,none\n";
    case KF_EXPENDITURE:
        return "country,sector,value\n"
               "USA,S1,100\nUSA,S2,200\nJPN,S1,50\nJPN,S2,80\n";
    case KF_TRADE_SHARE:
        return "origin,destination,sector,value\n"
               "USA,USA,S1,0.8\nUSA,USA,S2,1\nUSA,JPN,S1,0.1\nUSA,JPN,S2,0\n"
               "JPN,USA,S1,0.2\nJPN,USA,S2,0\nJPN,JPN,S1,0.9\nJPN,JPN,S2,1\n";
    case KF_TARIFF:
        return "origin,destination,sector,value\n"
               "USA,USA,S1,1\nUSA,USA,S2,1\nUSA,JPN,S1,1.05\nUSA,JPN,S2,1\n"
               "JPN,USA,S1,1.1\nJPN,USA,S2,1\nJPN,JPN,S1,1\nJPN,JPN,S2,1\n";
    case KF_INTERMEDIATE:
        return "input,output,country,value\n"
               "S1,S1,USA,0.6\nS1,S1,JPN,0.6\nS1,S2,USA,0.3\nS1,S2,JPN,0.3\n"
               "S2,S1,USA,0.4\nS2,S1,JPN,0.4\nS2,S2,USA,0.7\nS2,S2,JPN,0.7\n";
    case KF_FACTOR: return "sector,country,value\nS1,USA,0.4\nS1,JPN,0.4\nS2,USA,0.6\nS2,JPN,0.6\n";
    case KF_CONSUMPTION: return "sector,country,value\nS1,USA,0.3\nS1,JPN,0.3\nS2,USA,0.7\nS2,JPN,0.7\n";
    case KF_VALUE_ADDED: return "country,value\nUSA,150\nJPN,60\n";
    case KF_BALANCE: {
        double us_exports = 0.1 * 50 / 1.05, us_imports = 0.2 * 100 / 1.1;
        snprintf(balance, sizeof balance, "country,value\nUSA,%.17g\nJPN,%.17g\n", us_exports - us_imports,
                 us_imports - us_exports);
        return balance;
    }
    case KF_ELASTICITY: return "sector,value\nS1,0.25\nS2,0.2\n";
    }
    return "";
}

/* Make a fresh temporary folder; returns a static buffer. */
static const char *kf_mkdtemp(void)
{
    static char dir[512];
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/tq_kite_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    return mkdtemp(dir);
}

static int kf_write(const char *dir, const char *name, const char *data, size_t len, int gz)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s%s", dir, name, gz ? ".gz" : "");
    if (gz) {
        gzFile g = gzopen(path, "wb");
        if (!g)
            return -1;
        int ok = len == 0 || gzwrite(g, data, (unsigned)len) == (int)len;
        return gzclose(g) == Z_OK && ok ? 0 : -1;
    }
    FILE *fp = fopen(path, "wb");
    if (!fp)
        return -1;
    size_t w = fwrite(data, 1, len, fp);
    return fclose(fp) == 0 && w == len ? 0 : -1;
}

/* Remove every fixture file (plain and .gz) and the folder itself. */
static void kf_cleanup(const char *dir)
{
    char path[1024];
    for (int f = 0; f < KF_COUNT; f++) {
        snprintf(path, sizeof path, "%s/%s", dir, kf_names[f]);
        unlink(path);
        snprintf(path, sizeof path, "%s/%s.gz", dir, kf_names[f]);
        unlink(path);
    }
    rmdir(dir);
}

/* Write the valid set into dir, except that file `replace` (or -1) gets `data` (len
 * bytes; data NULL = leave the file out). gz: write every file gzipped. */
static int kf_write_set(const char *dir, int replace, const char *data, size_t len, int gz)
{
    for (int f = 0; f < KF_COUNT; f++) {
        if (f == replace) {
            if (data && kf_write(dir, kf_names[f], data, len, gz))
                return -1;
            continue;
        }
        const char *s = kf_content(f);
        if (kf_write(dir, kf_names[f], s, strlen(s), gz))
            return -1;
    }
    return 0;
}

#endif
