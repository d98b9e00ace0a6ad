/* tradeq sweep --plot: the headline numbers of a one-axis sweep against the varied
 * parameter, drawn with cairo (Debian libcairo2) as SVG or PNG. Two panels: percent
 * changes (welfare, real wage, real GDP of the named regions) above, money (EV, the
 * pair's balance, world EV; USD bn) below. Without cairo at build time (TQ_HAVE_CAIRO
 * unset) --plot is refused. */
#include "commands.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef TQ_HAVE_CAIRO
#include <cairo-svg.h>
#include <cairo.h>
#ifdef TQ_HAVE_FONTCONFIG
#include <fontconfig/fontconfig.h>
#endif

static const double palette[][3] = {{0.12, 0.47, 0.71}, {0.84, 0.15, 0.16}, {0.17, 0.63, 0.17}, {1.0, 0.5, 0.05},
                                    {0.58, 0.4, 0.74},  {0.55, 0.34, 0.29}, {0.89, 0.47, 0.76}, {0.5, 0.5, 0.5}};

static int ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcmp(s + a - b, suf);
}

/* Nice tick step for a span. */
static double tick_step(double span)
{
    if (!(span > 0))
        return 1;
    double raw = span / 5, mag = pow(10, floor(log10(raw))), f = raw / mag;
    return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
}

static void panel(cairo_t *cr, const tq_sweep *sw, const int *cols, int ncols, double scale, const char *ylabel,
                  double x0, double y0, double w, double h, const char *xlabel)
{
    const int np = tq_sweep_points(sw);
    double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
    for (int p = 0; p < np; p++) {
        double x = tq_sweep_cell(sw, p, 0);
        xmin = fmin(xmin, x);
        xmax = fmax(xmax, x);
        for (int c = 0; c < ncols; c++) {
            double y = tq_sweep_cell(sw, p, cols[c]) * scale;
            if (isfinite(y)) {
                ymin = fmin(ymin, y);
                ymax = fmax(ymax, y);
            }
        }
    }
    if (!(xmax > xmin))
        xmax = xmin + 1;
    if (!isfinite(ymin))
        ymin = 0, ymax = 1;
    if (!(ymax > ymin)) {
        ymin -= 0.5;
        ymax += 0.5;
    }
    double pad = 0.05 * (ymax - ymin);
    ymin -= pad;
    ymax += pad;
#define PX(x) (x0 + ((x)-xmin) / (xmax - xmin) * w)
#define PY(y) (y0 + h - ((y)-ymin) / (ymax - ymin) * h)
    cairo_set_line_width(cr, 1);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_rectangle(cr, x0, y0, w, h);
    cairo_stroke(cr);
    cairo_set_font_size(cr, 11);
    char buf[64];
    double st = tick_step(ymax - ymin);
    for (double t = ceil(ymin / st) * st; t <= ymax; t += st) {
        cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
        cairo_move_to(cr, x0, PY(t));
        cairo_line_to(cr, x0 + w, PY(t));
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        snprintf(buf, sizeof buf, "%g", fabs(t) < st * 1e-6 ? 0.0 : t);
        cairo_move_to(cr, x0 - 8 - 6.0 * strlen(buf), PY(t) + 4);
        cairo_show_text(cr, buf);
    }
    st = tick_step(xmax - xmin);
    for (double t = ceil(xmin / st) * st; t <= xmax + st * 1e-9; t += st) {
        snprintf(buf, sizeof buf, "%g", t);
        cairo_move_to(cr, PX(t) - 3.0 * strlen(buf), y0 + h + 15);
        cairo_show_text(cr, buf);
    }
    cairo_move_to(cr, x0 + w / 2 - 3.0 * strlen(xlabel), y0 + h + 32);
    cairo_show_text(cr, xlabel);
    cairo_save(cr);
    cairo_move_to(cr, x0 - 52, y0 + h / 2 + 3.0 * strlen(ylabel));
    cairo_rotate(cr, -1.5707963267948966);
    cairo_show_text(cr, ylabel);
    cairo_restore(cr);
    for (int c = 0; c < ncols; c++) {
        const double *rgb = palette[c % 8];
        cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
        cairo_set_line_width(cr, 2);
        int pen = 0;
        for (int p = 0; p < np; p++) {
            double y = tq_sweep_cell(sw, p, cols[c]) * scale;
            if (!isfinite(y)) {
                pen = 0;
                continue;
            }
            if (pen)
                cairo_line_to(cr, PX(tq_sweep_cell(sw, p, 0)), PY(y));
            else
                cairo_move_to(cr, PX(tq_sweep_cell(sw, p, 0)), PY(y));
            pen = 1;
        }
        cairo_stroke(cr);
        /* legend, right of the panel */
        cairo_rectangle(cr, x0 + w + 12, y0 + 6 + 16 * c, 14, 3);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        cairo_move_to(cr, x0 + w + 32, y0 + 11 + 16 * c);
        cairo_show_text(cr, tq_sweep_column_name(sw, cols[c]));
    }
#undef PX
#undef PY
}

int cli_sweep_plot(tq_context *ctx, const tq_sweep *sw, const char *path)
{
    (void)ctx;
    if (tq_sweep_axes(sw) != 1 || isnan(tq_sweep_cell(sw, 0, 0))) {
        fprintf(stderr, "tradeq sweep: --plot needs exactly one numeric --vary axis\n");
        return CLI_USAGE;
    }
    const int svg = ends_with(path, ".svg"), png = ends_with(path, ".png");
    if (!svg && !png) {
        fprintf(stderr, "tradeq sweep: --plot writes FILE.svg or FILE.png, not '%s'\n", path);
        return CLI_USAGE;
    }
    const int nc = tq_sweep_columns(sw);
    int *pctc = calloc((size_t)nc, sizeof(int)), *money = calloc((size_t)nc, sizeof(int));
    int np_ = 0, nm = 0;
    for (int c = 3; c < nc && pctc && money; c++) {
        const char *n = tq_sweep_column_name(sw, c);
        size_t l = strlen(n);
        if (l > 4 && !strcmp(n + l - 4, "_pct"))
            pctc[np_++] = c;
        else if (l > 5 && !strcmp(n + l - 5, "_musd"))
            money[nm++] = c;
    }
    if (np_ > 8)
        np_ = 8; /* a sweep over a scenario without a pair has every region: the first only */
    if (nm > 8)
        nm = 8;
    const double W = 900, H = 640;
    cairo_surface_t *surf =
        svg ? cairo_svg_surface_create(path, W, H) : cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)W, (int)H);
    cairo_t *cr = cairo_create(surf);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    const char *xl = tq_sweep_axis_name(sw, 0);
    if (pctc && money) {
        panel(cr, sw, pctc, np_, 1.0, "change, %", 80, 30, 560, 230, xl);
        panel(cr, sw, money, nm, 1e-3, "USD bn", 80, 340, 560, 230, xl);
    }
    cairo_destroy(cr);
    cairo_surface_flush(surf);
    int rc = CLI_OK;
    if (png && cairo_surface_write_to_png(surf, path) != CAIRO_STATUS_SUCCESS)
        rc = CLI_FAIL;
    cairo_surface_finish(surf);
    if (cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS)
        rc = CLI_FAIL;
    cairo_surface_destroy(surf);
    /* the font caches of cairo and fontconfig live until the process ends; drop them, so
     * that a leak checker sees only what is ours (the program draws one plot) */
    cairo_debug_reset_static_data();
#ifdef TQ_HAVE_FONTCONFIG
    FcFini();
#endif
    free(pctc);
    free(money);
    if (rc)
        fprintf(stderr, "tradeq sweep: cannot write the plot %s\n", path);
    return rc;
}

#else

int cli_sweep_plot(tq_context *ctx, const tq_sweep *sw, const char *path)
{
    (void)ctx;
    (void)sw;
    fprintf(stderr, "tradeq sweep: this build has no cairo (libcairo2-dev): cannot write the plot %s\n", path);
    return CLI_FAIL;
}

#endif
