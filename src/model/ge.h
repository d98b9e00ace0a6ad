/* The general-equilibrium engine's internal layout (not public). MODEL.md (E1)-(E5). */
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
    tq_dataset *labels; /* a clone of the source dataset, for labels and tq_baseline_dataset */
    int year;
    tq_solve_info info; /* the recalibration solve */
    double moved_w, moved_p;
};

struct tq_scenario {
    tq_context *ctx;
    const tq_baseline *b;
    double *t; /* [n,i,j] new tariffs */
    double *d; /* [n,i,j] iceberg changes */
    tq_closure closure;
    double *target; /* [n], TQ_CLOSURE_TARGET */
};

struct tq_result {
    tq_context *ctx;
    int N, J;
    tq_solve_info info;
    int numeraire_region;
    double *arr[TQ_RES_ARRAY_COUNT];
    size_t len[TQ_RES_ARRAY_COUNT];
};

/* The solver core: solve (E1)-(E5) from base b with new tariffs t1 and iceberg changes
 * d1 ([n,i,j]; d1 may be NULL = 1), closure and target. Fills the equilibrium arrays of
 * r (WHAT, PHAT, CHAT, PI, X, INCOME, REVENUE, DEFICIT; allocated by the caller) and
 * r->info. Returns TQ_OK, TQ_ERR_NOT_CONVERGED (r filled with the last iterate),
 * TQ_ERR_CANCELLED, TQ_ERR_NOMEM. */
tq_status tq__ge_solve(tq_context *ctx, const tq_baseline *b, const double *t1, const double *d1, tq_closure closure,
                       const double *target, const tq_solver_options *opt, tq_result *r);

/* Allocate a result for N x J with every array (zeroed). */
tq_status tq__result_alloc(tq_context *ctx, int N, int J, tq_result **out);

/* D' of a closure given the current wages (MODEL.md closures (a)-(d)). */
void tq__closure_deficits(const tq_baseline *b, tq_closure closure, const double *target, const double *what,
                          double *Dp);

/* A cached copy of the baseline tq_baseline_new(ctx, ds, y, closure, opt) would make,
 * from ds's baseline cache (src/model/baseline_io.c): 1 with *out set (owned by the
 * caller) when a record's key matches, 0 otherwise (then solve as usual). */
int tq__baseline_cache_lookup(tq_context *ctx, const tq_dataset *ds, int y, tq_closure closure,
                              const tq_solver_options *opt, tq_baseline **out);

#endif
