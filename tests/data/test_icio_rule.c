/* The food-and-tobacco rule of the embedded icio (tools/build_data.c, data/PROVENANCE.md):
 * against the reference data, every C10T12 tariff above 50% became the importer's highest
 * tariff on the same partner in the other goods sectors of that year, and every other
 * tariff is unchanged. */
#include "tq_test.h"

#include <math.h>

static void test_rule(void **state)
{
    (void)state;
    const char *ref_dir = tq_test_shared("icio");
    tq_context *ctx;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    tq_dataset *ref = NULL, *emb = NULL;
    assert_int_equal(tq_dataset_load(ctx, ref_dir, &ref), TQ_OK);
    assert_int_equal(tq_dataset_load(ctx, TQ_TEST_DATA "/../../data/icio", &emb), TQ_OK);
    const int N = tq_dataset_regions(ref), J = tq_dataset_sectors(ref), Y = tq_dataset_years(ref);
    assert_int_equal(tq_dataset_regions(emb), N);
    assert_int_equal(tq_dataset_years(emb), Y);
    const int food = tq_dataset_find_sector(ref, "C10T12"), serv = tq_dataset_find_sector(ref, "SERV");
    const int usa = tq_dataset_find_region(ref, "USA");
    assert_true(food >= 0 && serv >= 0 && usa >= 0);
    long changed = 0;
    double us0 = 0, us1 = 0;
    for (int y = 0; y < Y; y++) {
        const double *t0 = tq_dataset_array_const(ref, TQ_TARIFF, y, NULL);
        const double *t1 = tq_dataset_array_const(emb, TQ_TARIFF, y, NULL);
        const double *Z = tq_dataset_array_const(ref, TQ_Z, y, NULL);
        for (int n = 0; n < N; n++)
            for (int i = 0; i < N; i++) {
                const size_t c = ((size_t)n * N + i) * J;
                double mx = 0;
                for (int j = 0; j < J; j++)
                    if (j != food && j != serv && i != n && t0[c + j] > mx)
                        mx = t0[c + j];
                for (int j = 0; j < J; j++) {
                    double want = (j == food && t0[c + j] > 0.5) ? mx : t0[c + j];
                    if (t1[c + j] != want)
                        fail_msg("year %d, %s on %s, %s: %g, expected %g", tq_dataset_year(ref, y),
                                 tq_dataset_region_code(ref, n), tq_dataset_sector_code(ref, j),
                                 tq_dataset_region_code(ref, i), t1[c + j], want);
                    if (j == food && t0[c + j] > 0.5)
                        changed++;
                    if (n == usa && tq_dataset_year(ref, y) == 2018) {
                        us0 += t0[c + j] * Z[c + j];
                        us1 += t1[c + j] * Z[c + j];
                    }
                }
                /* flows untouched */
                assert_memory_equal(tq_dataset_array_const(emb, TQ_Z, y, NULL) + c, Z + c, sizeof(double) * (size_t)J);
            }
    }
    printf("food-and-tobacco rule: %ld tariffs changed; US tariff revenue 2018 %.1f -> %.1f bn USD\n", changed,
           us0 / 1000, us1 / 1000);
    assert_true(changed > 0);
    assert_true(us1 < us0);
    tq_dataset_free(ref);
    tq_dataset_free(emb);
    tq_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_rule)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
