/* The general-equilibrium engine's shared internal layout (not public): the baseline,
 * scenario and result objects. The Caliendo-Parro map and its solver are in cp.h. */
#ifndef TQ_GE_H
#define TQ_GE_H

#include "../data/dataset.h"

/* A base equilibrium ("b" in MODEL.md's decomposition). Arrays in MODEL.md order. */
struct tq_baseline {
    tq_context *ctx;
    int N, J;
    tq_closure closure; /* FIXED or BALANCED: the deficits the base has */
    double *pi;         /* [n,i,j] tariff-inclusive shares */
    double *t;          /* [n,i,j] tariffs */
    double *gamma;      /* [n,k,j] */
    double *beta;       /* [n,j] */
    double *alpha;      /* [n,j] */
    double *theta;      /* [j] */
    double *X;          /* [n,j] expenditure */
    double *VA;         /* [n] */
    double *D;          /* [n] */
    double *I;          /* [n] */
    double *R;          /* [n] */
    tq_dataset *labels; /* the source dataset's labels (name, source, region and sector codes and
                           names, tradable flags, years, groups) with no data arrays: every
                           per-year array has length 0; theta is kept */
    int year;
    tq_solve_info info; /* the recalibration solve */
    double moved_w, moved_p;
    const struct tq__model *model; /* the equilibrium model (model.h); NULL: Caliendo-Parro */
    double *own;                   /* a block of arrays the baseline owns besides b->pi's (Ossa: gamma, beta,
                                      alpha, t), freed with it; NULL for Caliendo-Parro */
};

struct tq_scenario {
    tq_context *ctx;
    const tq_baseline *b;
    double *t; /* [n,i,j] new tariffs */
    double *d; /* [n,i,j] iceberg changes; NULL (all 1) until an iceberg shock is set or
                  tq_scenario_iceberg is called */
    tq_closure closure;
    double *target; /* [n], TQ_CLOSURE_TARGET */
};

struct tq_result {
    tq_context *ctx;
    int N, J;
    tq_solve_info info;
    int numeraire_region;
    double *arr[TQ_RES_ARRAY_COUNT]; /* PI, TOT_NIJ, VOT_NIJ: NULL until first requested */
    size_t len[TQ_RES_ARRAY_COUNT];
    /* pi' and the [n,i,j] ToT / VoT contributions are computed on the first request
     * (into pi, nij: N^2 J and 2 N^2 J doubles, kept for later solves into the same
     * result) from ut and S of the solution, the baseline and the scenario of the solve,
     * borrowed: they must be alive and unchanged by then. tq_solve materialises them. */
    const tq_baseline *b;
    const tq_scenario *sc;
    double *ut, *S; /* the model's data for pi' (CP: c^^-theta [j][i] and sum_i A u [n,j]);
                       in the block of arr[0] */
    double *pi, *nij;
    int pi_valid, nij_valid;
    int eager; /* tq_solve's results: pi and nij are allocated up front and filled by the
                  solve (finish and welfare), so the result does not borrow anything */
};

/* Allocate a result for N x J with every array except the lazy [n,i,j] ones (zeroed). */
tq_status tq__result_alloc(tq_context *ctx, int N, int J, tq_result **out);

/* Advise the system that a large block (an N^2 J array) is best backed by huge pages
 * (mem.c; a no-op where unsupported). */
void tq__advise_huge(void *p, size_t bytes);

/* A block of count doubles from the context allocator, zeroed, advised as above (the
 * pages are touched here rather than in the first solve). NULL when it cannot be had,
 * count * sizeof(double) overflowing included. Free with tq__free. */
double *tq__huge_zeroed(tq_context *ctx, size_t count);

/* D' of a closure given the current wages (MODEL.md closures (a)-(d)). */
void tq__closure_deficits(const tq_baseline *b, tq_closure closure, const double *target, const double *what,
                          double *Dp);

/* A cached copy of the baseline tq_baseline_new(ctx, ds, y, closure, opt) would make,
 * from ds's baseline cache (src/model/baseline_io.c): 1 with *out set (owned by the
 * caller) when a record's key matches, 0 otherwise (then solve as usual). */
int tq__baseline_cache_lookup(tq_context *ctx, const tq_dataset *ds, int y, tq_closure closure,
                              const tq_solver_options *opt, tq_baseline **out);

/* The labels a baseline keeps of its source dataset (baseline.c): codes, names, years,
 * groups and the input arrays (so that its hash is the source's), without the derived
 * [n,i,j] arrays X and pi. *out owned by the caller. */
tq_status tq__baseline_labels(tq_context *ctx, const tq_dataset *ds, tq_dataset **out);

#endif
