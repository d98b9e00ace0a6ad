/* The dataset's internal layout, shared by the library's modules (not public). */
#ifndef TQ_DATASET_H
#define TQ_DATASET_H

#include "../core/internal.h"

/* Index helpers (MODEL.md order). */
#define TQ_NIJ(N, J, n, i, j) ((((size_t)(n)) * (size_t)(N) + (size_t)(i)) * (size_t)(J) + (size_t)(j))
#define TQ_NKJ(J, n, k, j) ((((size_t)(n)) * (size_t)(J) + (size_t)(k)) * (size_t)(J) + (size_t)(j))
#define TQ_NJ(J, n, j) (((size_t)(n)) * (size_t)(J) + (size_t)(j))

typedef struct tq__group {
    char *name;
    int kind;
    int count;
    int *members;
} tq__group;

struct tq_dataset {
    tq_context *ctx; /* the context it was made with (allocator) */
    int N, J, Y;
    int has_io;
    char *name, *source;
    char **rcode, **rname; /* [N] */
    char **scode, **sname; /* [J] */
    int *tradable;         /* [J] */
    int *year;             /* [Y] */
    double *theta;         /* [J] */
    /* per-year arrays: arr[a] points to Y consecutive blocks of size len[a] */
    double *arr[TQ_ARRAY_COUNT];
    size_t len[TQ_ARRAY_COUNT];
    tq__group *groups;
    int ngroups;
};

/* Length of one year's block of array a for dimensions N, J. */
size_t tq__array_len(tq_array a, int N, int J);

#endif
