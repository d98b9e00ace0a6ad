/* Strategic moves of scenario files (`strategy:`, docs/strategic.md "Moves in scenario
 * files"): each move is one of the public strategic objects (tq_optimal, tq_nash,
 * tq_talks) started from the tariffs the previous move left; the layer above (the runner)
 * then solves the scenario at the final tariffs. */
#include "../scenario/spec.h"
#include "policy.h"

#include <math.h>
#include <string.h>

struct tq_moves {
    tq_context *ctx;
    int N, J;
    size_t NNJ;
    int n, cap;
    tq_move *m;
};

void tq_moves_free(tq_moves *m)
{
    if (!m)
        return;
    for (int k = 0; k < m->n; k++) {
        tq__free(m->ctx, (void *)m->m[k].players);
        tq__free(m->ctx, (void *)m->m[k].tariffs_before); /* one block: tariffs and welfare */
    }
    tq__free(m->ctx, m->m);
    tq__free(m->ctx, m);
}

int tq_moves_count(const tq_moves *m)
{
    return m ? m->n : 0;
}

const tq_move *tq_moves_get(const tq_moves *m, int k)
{
    return m && k >= 0 && k < m->n ? &m->m[k] : NULL;
}

/* A new move record with its arrays (tariffs before and after, welfare before and after
 * in one block) and the players copied. */
static tq_status add_move(tq_moves *ms, const tq__move_spec *spec, tq_tariff_form form, tq_move **out)
{
    if (ms->n == ms->cap) {
        int cap = ms->cap ? 2 * ms->cap : 4;
        tq_move *p = tq__realloc(ms->ctx, ms->m, sizeof *p * (size_t)cap);
        if (!p)
            return TQ_ERR_NOMEM;
        ms->m = p;
        ms->cap = cap;
    }
    tq_move *mv = &ms->m[ms->n];
    memset(mv, 0, sizeof *mv);
    double *block = tq__calloc(ms->ctx, 2 * ms->NNJ + 2 * (size_t)ms->N, sizeof(double));
    int *players = tq__malloc(ms->ctx, sizeof(int) * (size_t)(spec->nplayers > 0 ? spec->nplayers : 1));
    if (!block || !players) {
        tq__free(ms->ctx, block);
        tq__free(ms->ctx, players);
        return TQ_ERR_NOMEM;
    }
    memcpy(players, spec->players, sizeof(int) * (size_t)spec->nplayers);
    mv->kind = spec->kind;
    mv->where = spec->where;
    mv->nplayers = spec->nplayers;
    mv->players = players;
    mv->form = form;
    mv->tariffs_before = block;
    mv->tariffs_after = block + ms->NNJ;
    mv->welfare_before = block + 2 * ms->NNJ;
    mv->welfare_after = block + 2 * ms->NNJ + ms->N;
    mv->info.second_order_ok = -1;
    ms->n++;
    *out = mv;
    return TQ_OK;
}

/* A war's info over its players: the worst gradient and curvature, the weakest
 * second-order verdict, counts summed. */
static void nash_summary(const tq_nash *g, int np, tq_optimum_info *oi)
{
    const tq_nash_info *ni = tq_nash_info_get(g);
    memset(oi, 0, sizeof *oi);
    oi->second_order_ok = 1;
    oi->max_curvature = -INFINITY;
    for (int k = 0; k < np; k++) {
        const tq_optimum_info *pk = tq_nash_player_info(g, k);
        if (!pk)
            continue;
        oi->variables += pk->variables;
        oi->at_bounds += pk->at_bounds;
        oi->evaluations += pk->evaluations;
        oi->grad_norm = fmax(oi->grad_norm, pk->grad_norm);
        oi->max_curvature = fmax(oi->max_curvature, pk->max_curvature);
        if (pk->second_order_ok < oi->second_order_ok)
            oi->second_order_ok = pk->second_order_ok;
    }
    if (ni) {
        oi->status = ni->status;
        oi->partial = ni->partial;
        oi->solves = ni->solves;
        oi->seconds = ni->seconds;
    }
}

tq_status tq_moves_play(tq_context *ctx, const tq_spec *sp, int k, const tq_dataset *ds, const tq_baseline *b,
                        tq_scenario *sc, const tq_policy_options *opt, tq_moves **out)
{
    *out = NULL;
    if (!sp || !ds || !b || !sc)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, NULL,
                         "tq_moves_play needs a spec, dataset, baseline and scenario");
    const int nm = tq_spec_moves(sp, k);
    if (nm == 0)
        return TQ_OK;
    tq_policy_options base;
    if (opt)
        base = *opt;
    else
        tq_policy_options_default(&base);
    tq_moves *ms = tq__calloc(ctx, 1, sizeof *ms);
    if (!ms)
        return TQ_ERR_NOMEM;
    ms->ctx = ctx;
    ms->N = tq_baseline_regions(b);
    ms->J = tq_baseline_sectors(b);
    ms->NNJ = (size_t)ms->N * (size_t)ms->N * (size_t)ms->J;
    if (tq_dataset_regions(ds) != ms->N || tq_dataset_sectors(ds) != ms->J) {
        tq__free(ctx, ms);
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, NULL, "baseline and dataset differ in size");
    }
    double *t = tq_scenario_tariffs(sc); /* the tariffs as the moves leave them */
    double *W = tq__malloc(ctx, sizeof(double) * (size_t)ms->N);
    tq__game g;
    tq_status st = tq__game_init(&g, ctx, b);
    tq_status final = TQ_OK;
    if (!W && !st)
        st = TQ_ERR_NOMEM;
    if (!st) {
        /* welfare where the first move starts: the scenario's own shocks */
        tq_policy_options one = base;
        one.threads = 1;
        one.sectors = NULL;
        one.nsectors = 0;
        if (!(st = tq__game_set_options(&g, &one)))
            st = tq__game_welfare(&g, t, W);
    }
    for (int m = 0; m < nm && !st; m++) {
        tq__move_spec spec;
        if ((st = tq__spec_move(ctx, sp, k, m, ds, &spec)))
            break;
        tq_policy_options o = base;
        if (spec.form >= 0)
            o.form = (tq_tariff_form)spec.form;
        if (spec.sectors) {
            o.sectors = spec.sectors;
            o.nsectors = spec.nsectors;
        }
        if (spec.upper > 0)
            o.upper = spec.upper;
        tq_move *mv = NULL;
        if ((st = add_move(ms, &spec, o.form, &mv))) {
            tq__move_spec_free(ctx, &spec);
            break;
        }
        memcpy((double *)mv->tariffs_before, t, ms->NNJ * sizeof(double));
        memcpy((double *)mv->welfare_before, W, sizeof(double) * (size_t)ms->N);
        const double *tt = NULL, *ww = NULL;
        if (spec.kind == TQ_MOVE_OPTIMAL) {
            tq_optimal *ob = NULL;
            st = tq_optimal_new(ctx, b, spec.players[0], &ob);
            if (!st && !(st = tq_optimal_set_options(ob, &o)) && !(st = tq_optimal_set_tariffs(ob, t)))
                st = tq_optimal_run(ob);
            if (tq_optimal_info(ob)) {
                mv->info = *tq_optimal_info(ob);
                tt = tq_optimal_tariffs(ob);
                ww = tq_optimal_welfare(ob);
            }
            if (tt) {
                memcpy(t, tt, ms->NNJ * sizeof(double));
                memcpy(W, ww, sizeof(double) * (size_t)ms->N);
            }
            tq_optimal_free(ob);
        } else if (spec.kind == TQ_MOVE_NASH) {
            tq_nash *ob = NULL;
            st = tq_nash_new(ctx, b, spec.players, spec.nplayers, &ob);
            if (!st && !(st = tq_nash_set_options(ob, &o)) && !(st = tq_nash_set_tariffs(ob, t)))
                st = tq_nash_run(ob);
            if (tq_nash_info_get(ob)) {
                mv->nash = *tq_nash_info_get(ob);
                nash_summary(ob, spec.nplayers, &mv->info);
                tt = tq_nash_tariffs(ob);
                ww = tq_nash_welfare(ob);
            }
            if (tt) {
                memcpy(t, tt, ms->NNJ * sizeof(double));
                memcpy(W, ww, sizeof(double) * (size_t)ms->N);
            }
            tq_nash_free(ob);
        } else {
            tq_talks *ob = NULL;
            double *threat = NULL;
            st = tq_talks_new(ctx, b, spec.players, spec.nplayers, &ob);
            if (!st && !(st = tq_talks_set_options(ob, &o)) && !(st = tq_talks_set_tariffs(ob, t)) && spec.has_threat) {
                /* the threat point: the tariffs now plus the entry's threatened ones */
                if (!(threat = tq__malloc(ctx, ms->NNJ * sizeof(double))))
                    st = TQ_ERR_NOMEM;
                else {
                    memcpy(threat, t, ms->NNJ * sizeof(double));
                    if (!(st = tq__spec_move_threat(ctx, sp, k, m, ds, threat)))
                        st = tq_talks_set_threat(ob, threat);
                }
            }
            if (!st)
                st = tq_talks_run(ob);
            if (tq_talks_info(ob)) {
                mv->info = *tq_talks_info(ob);
                tt = tq_talks_tariffs(ob);
                ww = tq_talks_welfare(ob);
            }
            if (tt) {
                memcpy(t, tt, ms->NNJ * sizeof(double));
                memcpy(W, ww, sizeof(double) * (size_t)ms->N);
            }
            tq__free(ctx, threat);
            tq_talks_free(ob);
        }
        tq__move_spec_free(ctx, &spec);
        mv->status = st;
        if (!tt) { /* nothing reached: the move leaves the tariffs as they were */
            memcpy((double *)mv->tariffs_after, mv->tariffs_before, ms->NNJ * sizeof(double));
            memcpy((double *)mv->welfare_after, mv->welfare_before, sizeof(double) * (size_t)ms->N);
        } else {
            memcpy((double *)mv->tariffs_after, t, ms->NNJ * sizeof(double));
            memcpy((double *)mv->welfare_after, W, sizeof(double) * (size_t)ms->N);
        }
        if (st == TQ_ERR_NOT_CONVERGED && tt) {
            /* the best point is kept and the next move starts there; say so at the end */
            final = st;
            st = TQ_OK;
        }
    }
    tq__game_free(&g);
    tq__free(ctx, W);
    if (ms->n == 0) {
        tq_moves_free(ms);
        ms = NULL;
    }
    *out = ms;
    return st ? st : final;
}
