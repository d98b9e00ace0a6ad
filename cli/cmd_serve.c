/* tradeq serve: the live what-if page (server/, docs/web.md, docs/api.md). */
#include "commands.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef TQ_WITH_SERVER
#include "server.h"
#endif

static void help(void)
{
    printf("usage: tradeq serve [--port 8080] [--bind 127.0.0.1] [--data PATH|NAME] [--threads N]\n"
           "                    [--workers N] [--queue N] [--timeout S] [--max-body BYTES] [--max-draws N]\n"
           "                    [--quiet]\n\n"
           "Serves the what-if page: move tariffs, choose the closure, and see welfare, trade and\n"
           "output change as soon as the solve returns. The page and its charts are built into the\n"
           "program; nothing is fetched from elsewhere. JSON API: docs/api.md.\n\n"
           "  --port N        TCP port (default 8080; 0 picks a free one, printed on start)\n"
           "  --bind ADDR     IPv4 address to listen on (default 127.0.0.1: this machine only;\n"
           "                  0.0.0.0 serves everyone who can reach it)\n"
           "  --data D        the dataset every request solves on (default wiod2014)\n"
           "  --threads N     OpenMP threads of one solve (default: OMP_NUM_THREADS, else all)\n"
           "  --workers N     solves run at the same time, each with its own copy of the data\n"
           "                  (default 1)\n"
           "  --queue N       solves waiting at most; more are refused with 503 (default 32)\n"
           "  --timeout S     seconds a request waits for its answer, also each solve's budget;\n"
           "                  then 504 (default 60)\n"
           "  --max-body B    largest request body in bytes (default 262144); larger: 413\n"
           "  --max-draws N   most theta draws one request may ask for (uncertainty: draws:;\n"
           "                  default 500, about 4 s of solving on 2 threads); more: 400\n"
           "  --quiet         no line per request on standard error\n");
}

static int positive(const char *s, double lo, double hi, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !isfinite(v) || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

int tq_cmd_serve(int argc, char **argv)
{
#ifdef TQ_WITH_SERVER
    srv_config c;
    srv_config_default(&c);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const int has_val = i + 1 < argc;
        double v;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            help();
            return CLI_OK;
        } else if (!strcmp(a, "--quiet")) {
            c.quiet = 1;
        } else if (!strcmp(a, "--bind") && has_val) {
            c.bind = argv[++i];
        } else if (!strcmp(a, "--data") && has_val) {
            c.data = argv[++i];
        } else if (!strcmp(a, "--port") && has_val) {
            if (positive(argv[++i], 0, 65535, &v) || v != floor(v))
                return cli_usage_error("serve", "--port must be a whole number 0-65535, not '%s'", argv[i]);
            c.port = (int)v;
        } else if ((!strcmp(a, "--threads") || !strcmp(a, "--workers") || !strcmp(a, "--queue")) && has_val) {
            if (positive(argv[++i], 1, 4096, &v) || v != floor(v))
                return cli_usage_error("serve", "%s must be a whole number 1-4096, not '%s'", a, argv[i]);
            *(!strcmp(a, "--threads") ? &c.threads : !strcmp(a, "--workers") ? &c.workers : &c.queue) = (int)v;
        } else if (!strcmp(a, "--timeout") && has_val) {
            if (positive(argv[++i], 0.1, 86400, &v))
                return cli_usage_error("serve", "--timeout must be seconds between 0.1 and 86400, not '%s'", argv[i]);
            c.timeout = v;
        } else if (!strcmp(a, "--max-body") && has_val) {
            if (positive(argv[++i], 1024, 64.0 * 1024 * 1024, &v) || v != floor(v))
                return cli_usage_error("serve", "--max-body must be bytes between 1024 and 67108864, not '%s'",
                                       argv[i]);
            c.max_body = (size_t)v;
        } else if (!strcmp(a, "--max-draws") && has_val) {
            if (positive(argv[++i], 1, 100000, &v) || v != floor(v))
                return cli_usage_error("serve", "--max-draws must be a whole number 1-100000, not '%s'", argv[i]);
            c.max_draws = (int)v;
        } else {
            return cli_usage_error("serve", "unknown option '%s'", a);
        }
    }
    return srv_run(&c);
#else
    (void)argc;
    (void)argv;
    (void)positive;
    help();
    fprintf(stderr, "tradeq serve: this build has no HTTP server (libmicrohttpd was not found at build time)\n");
    return CLI_FAIL;
#endif
}
