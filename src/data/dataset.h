/* The dataset's internal layout, shared by the library's modules (not public). */
#ifndef TQ_DATASET_H
#define TQ_DATASET_H

#include "../core/internal.h"

/* Index helpers (MODEL.md order). */
#define TQ_NIJ(N, J, n, i, j) ((((size_t)(n)) * (size_t)(N) + (size_t)(i)) * (size_t)(J) + (size_t)(j))
#define TQ_NKJ(J, n, k, j) ((((size_t)(n)) * (size_t)(J) + (size_t)(k)) * (size_t)(J) + (size_t)(j))
#define TQ_NJ(J, n, j) (((size_t)(n)) * (size_t)(J) + (size_t)(j))

/* Records of cached recalibrated baselines attached to a dataset (read from a .tqb file
 * or added with tq_dataset_cache_baseline). Opaque bytes here: src/model/baseline_io.c
 * writes and reads them. Immutable once made and shared between clones by reference
 * count (atomic: clones made with other contexts may live in other threads); freed
 * through a copy of the allocator so that it does not depend on one context outliving
 * another. */
typedef struct tq__bcache {
    tq_allocator alloc;
    atomic_int refs;
    size_t size;         /* bytes used in data: records of [uint64 len][len bytes, padded to 8] */
    unsigned char *data; /* 8-byte aligned */
    void *map;           /* non-NULL: data lies in this read-only mapping of a .tqb file */
    size_t map_len;
} tq__bcache;

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
    /* The content hash kept from load time (a .tqb file carries it), so that the
     * baseline cache need not hash megabytes on every lookup. Valid while hash_valid
     * and theta still equals hash_theta: every writable pointer (tq_dataset_array) and
     * every setter clears hash_valid; theta is compared because scenario elasticity
     * overrides write it in place. */
    uint64_t hash;
    int hash_valid;
    double *hash_theta; /* [J] */
    tq__bcache *bcache; /* cached baselines, or NULL */
};

/* Length of one year's block of array a for dimensions N, J. */
size_t tq__array_len(tq_array a, int N, int J);

/* The dataset's content hash (tq_dataset_hash), from the stored value when it is still
 * valid, else computed (and not stored). */
uint64_t tq__dataset_hash(const tq_dataset *ds);
/* Keep h as ds's content hash (the caller vouches that it is tq_dataset_hash(ds)). */
tq_status tq__dataset_store_hash(tq_dataset *ds, uint64_t h);

/* Append one record (copied) to ds's baseline cache. */
tq_status tq__dataset_cache_add(tq_dataset *ds, const void *rec, size_t len);
/* Attach a cache read from a file: the records are size bytes at data, inside the
 * read-only mapping map of map_len bytes, which ds (and its clones) then own and unmap.
 * On failure the mapping is unmapped. */
tq_status tq__dataset_cache_adopt(tq_dataset *ds, void *map, size_t map_len, const unsigned char *data, size_t size);
/* Iterate the records: start with *off = 0; returns the next record and its length, or
 * NULL at the end (or at a malformed record). */
const unsigned char *tq__dataset_cache_next(const tq_dataset *ds, size_t *off, size_t *len);

#endif
