/* Internals shared by the files of src/runner/ (not public). */
#ifndef TQ_RUNNER_H
#define TQ_RUNNER_H

#include "../core/internal.h"

/* The context a runner borrows (tq_runner_new). */
tq_context *tq__runner_context(tq_runner *r);

#endif
