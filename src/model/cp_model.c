/* The Caliendo-Parro model as the solver object sees it (model.h): its workspace, solve,
 * pi' and exact welfare gradient, joining the solver (cp.c) and the gradient (cp_grad.c),
 * which do not know each other's entry points. */
#include "cp_impl.h"

#include "model.h"

static tq_status cp_ws_new(tq_context *ctx, const tq_baseline *b, void **ws)
{
    tq__cp *cp = NULL;
    tq_status st = tq__cp_new(ctx, b, &cp);
    *ws = cp;
    return st;
}

static void cp_ws_free(void *ws)
{
    if (ws)
        tq__cp_grad_free(ws); /* the gradient's scratch, made on its first use */
    tq__cp_free(ws);
}

static tq_status cp_prepare(void *ws, const tq_solver_options *opt)
{
    return tq__cp_prepare(ws, opt);
}

static tq_status cp_solve(void *ws, const tq_scenario *sc, const tq_solver_options *opt, int warm, tq_result *r)
{
    const tq__cp_out out = tq__cp_result_out(r);
    return tq__cp_solve(ws, sc->t, sc->d, sc->closure, sc->target, opt, warm, &out, &r->info, &r->numeraire_region);
}

static tq_status cp_gradient(void *ws, const tq_scenario *sc, int region, const double *weights, double *grad)
{
    return tq__cp_gradient(ws, sc, region, weights, grad);
}

const tq__model tq__model_cp = {"caliendo-parro", cp_ws_new,    cp_ws_free, cp_prepare,
                                cp_solve,         tq__cp_pi_at, cp_gradient};
