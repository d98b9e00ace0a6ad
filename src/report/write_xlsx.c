/* The xlsx workbook of a table set: one sheet per table, bold frozen header row,
 * numbers as numbers (libxlsxwriter writes 16 significant digits), an empty text or a
 * missing number as an empty cell. Built only with TQ_WITH_XLSX (CMake option, on by
 * default); without it asking for xlsx is TQ_ERR_UNSUPPORTED. */
#include "report.h"

#include <math.h>
#include <string.h>

#define XLSX_MAX_ROWS 1048576 /* Excel's limit, header row included */
#define XLSX_MAX_STR 32767

#ifdef TQ_WITH_XLSX
#include <xlsxwriter.h>

static tq_status check_xlsx(tq_context *ctx, const tq_tables *t, const char *what)
{
    for (int tb = 0; tb < t->count; tb++) {
        const tq__table *T = &t->tb[tb];
        if (T->nrows + 1 > XLSX_MAX_ROWS)
            return tq__error(ctx, TQ_ERR_UNSUPPORTED, what, 0, T->name,
                             "%zu rows do not fit an Excel sheet (at most %d); write csv or dta instead", T->nrows,
                             XLSX_MAX_ROWS - 1);
        for (size_t r = 0; r < T->nrows; r++)
            for (int k = 0; k < T->ncols; k++) {
                const tq__cell *c = &T->cells[r * (size_t)T->ncols + (size_t)k];
                if (T->cols[k].type == TQ_COL_TEXT && c->s && strlen(c->s) > XLSX_MAX_STR)
                    return tq__error(ctx, TQ_ERR_UNSUPPORTED, what, 0, T->cols[k].name,
                                     "a text longer than Excel's %d characters", XLSX_MAX_STR);
            }
    }
    return TQ_OK;
}

tq_status tq__write_xlsx(tq_context *ctx, const tq_tables *t, const char *path, const char *what, tq__prog *pg)
{
    tq_status st = check_xlsx(ctx, t, what);
    if (st)
        return st;
    /* constant_memory: rows go to disk as they are written (in order), so a large
     * bilateral table does not sit in memory twice. */
    lxw_workbook_options opt = {.constant_memory = LXW_TRUE, .tmpdir = NULL, .use_zip64 = LXW_TRUE};
    size_t total = 0;
    for (int tb = 0; tb < t->count; tb++)
        total += t->tb[tb].nrows;
    tq__prog_file(pg, total);
    lxw_workbook *wb = workbook_new_opt(path, &opt);
    if (!wb)
        return tq__error(ctx, TQ_ERR_NOMEM, what, 0, NULL, "cannot start the workbook");
    lxw_format *bold = workbook_add_format(wb);
    lxw_error err = LXW_NO_ERROR;
    if (bold)
        format_set_bold(bold);
    else
        err = LXW_ERROR_MEMORY_MALLOC_FAILED;
    const char *field = NULL;
    for (int tb = 0; tb < t->count && !err && !pg->st; tb++) {
        const tq__table *T = &t->tb[tb];
        field = T->name;
        lxw_worksheet *ws = workbook_add_worksheet(wb, T->name);
        if (!ws) {
            err = LXW_ERROR_MEMORY_MALLOC_FAILED;
            break;
        }
        worksheet_freeze_panes(ws, 1, 0);
        for (int k = 0; k < T->ncols && !err; k++)
            err = worksheet_write_string(ws, 0, (lxw_col_t)k, T->cols[k].name, bold);
        for (size_t r = 0; r < T->nrows && !err && !tq__prog_row(pg); r++) {
            const tq__cell *row = T->cells + r * (size_t)T->ncols;
            lxw_row_t xr = (lxw_row_t)(r + 1);
            for (int k = 0; k < T->ncols && !err; k++) {
                lxw_col_t xc = (lxw_col_t)k;
                switch (T->cols[k].type) {
                case TQ_COL_INTEGER:
                case TQ_COL_FLAG: err = worksheet_write_number(ws, xr, xc, (double)row[k].i, NULL); break;
                case TQ_COL_NUMBER:
                    if (isfinite(row[k].d)) /* non-finite: an empty cell */
                        err = worksheet_write_number(ws, xr, xc, row[k].d, NULL);
                    break;
                default:
                    if (row[k].s && row[k].s[0]) /* an empty text is an empty cell */
                        err = worksheet_write_string(ws, xr, xc, row[k].s, NULL);
                    break;
                }
            }
        }
    }
    /* workbook_close also frees wb, so it runs even after an error (the .part file it
     * may leave is removed by the caller). */
    lxw_error cerr = workbook_close(wb);
    if (pg->st)
        return pg->st;
    if (err)
        return tq__error(ctx, err == LXW_ERROR_MEMORY_MALLOC_FAILED ? TQ_ERR_NOMEM : TQ_ERR_IO, what, 0, field,
                         "xlsx: %s", lxw_strerror(err));
    if (cerr)
        return tq__error(ctx, cerr == LXW_ERROR_MEMORY_MALLOC_FAILED ? TQ_ERR_NOMEM : TQ_ERR_IO, what, 0, NULL,
                         "xlsx: %s", lxw_strerror(cerr));
    return TQ_OK;
}

#else

tq_status tq__write_xlsx(tq_context *ctx, const tq_tables *t, const char *path, const char *what, tq__prog *pg)
{
    (void)t;
    (void)path;
    (void)pg;
    return tq__error(ctx, TQ_ERR_UNSUPPORTED, what, 0, "format",
                     "this tradeq was built without xlsx output (CMake option TQ_WITH_XLSX, needs libxlsxwriter); "
                     "write csv or dta instead");
}

#endif
