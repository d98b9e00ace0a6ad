/* What the PPML tests (test_ppml.c, test_ppml_reference.c) share: the context fixture and
 * a relative-tolerance check. */
#ifndef TQ_PPML_FIXTURE_H
#define TQ_PPML_FIXTURE_H

#include "ctx_fixture.h"

#include <math.h>

/* |got - want| <= rel |want|, or the test fails naming both. */
static void close_rel(double got, double want, double rel)
{
    if (!(fabs(got - want) <= rel * fabs(want))) {
        print_error("got %.12g, want %.12g (relative %.3g > %.3g)\n", got, want, fabs(got - want) / fabs(want), rel);
        fail();
    }
}

#endif
