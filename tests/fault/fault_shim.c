/* A fault-injecting shim for the result-set tests (tests/cli/test_atomic.sh): loaded with
 * LD_PRELOAD, it makes the n-th call of one file-system function fail with EIO, or kills
 * the process with SIGKILL at that call, before the call is made.
 *
 *   TQ_FAULT=<function>:<n>:<eio|kill>   function: openat, fflush, fsync, linkat,
 *                                        rename, renameat, renameat2, unlinkat, rmdir, mkdir
 *   TQ_FAULT_HIT=<path>                  created when the fault fires (so that a sweep
 *                                        over n knows when it has passed the last call)
 *
 * fflush stands for a failed write: the library's stdio writes reach write(2) inside the
 * C library, where no preloaded symbol can catch them, while its fflush of each result
 * file is a call it makes itself. fflush(NULL), stdout and stderr are never counted.
 * Calls are counted in one process, not thread-safely: the writer is single-threaded. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char fault_fn[32];
static long fault_at = -1, calls;
static int fault_kill, parsed;

static void parse(void)
{
    parsed = 1;
    const char *s = getenv("TQ_FAULT");
    if (!s)
        return;
    const char *c1 = strchr(s, ':');
    if (!c1 || (size_t)(c1 - s) >= sizeof fault_fn)
        return;
    memcpy(fault_fn, s, (size_t)(c1 - s));
    fault_fn[c1 - s] = 0;
    char *end;
    fault_at = strtol(c1 + 1, &end, 10);
    fault_kill = *end == ':' && !strcmp(end + 1, "kill");
}

/* 1 if this call of fn must fail (errno is then EIO); does not return when it must kill. */
static int fire(const char *fn)
{
    if (!parsed)
        parse();
    if (fault_at < 1 || strcmp(fn, fault_fn) || ++calls != fault_at)
        return 0;
    const char *hit = getenv("TQ_FAULT_HIT");
    if (hit) {
        int fd = open(hit, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (fd >= 0)
            close(fd);
    }
    if (fault_kill)
        raise(SIGKILL);
    errno = EIO;
    return 1;
}

/* The C library's function of that name (dlsym gives an object pointer; ISO C converts
 * only between function pointer types, hence the copy). */
typedef void (*fn_ptr)(void);
static fn_ptr next_fn(const char *name)
{
    void *p = dlsym(RTLD_NEXT, name);
    fn_ptr f;
    memcpy(&f, &p, sizeof f);
    return f;
}
#define NEXT(name, type) ((type)next_fn(name))

int openat(int dirfd, const char *path, int flags, ...)
{
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    if (fire("openat"))
        return -1;
    return NEXT("openat", int (*)(int, const char *, int, ...))(dirfd, path, flags, mode);
}

int fflush(FILE *f)
{
    if (f && f != stdout && f != stderr && fire("fflush"))
        return EOF;
    return NEXT("fflush", int (*)(FILE *))(f);
}

int fsync(int fd)
{
    return fire("fsync") ? -1 : NEXT("fsync", int (*)(int))(fd);
}

int linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags)
{
    if (fire("linkat"))
        return -1;
    return NEXT("linkat", int (*)(int, const char *, int, const char *, int))(olddirfd, oldpath, newdirfd, newpath,
                                                                              flags);
}

int rename(const char *a, const char *b)
{
    return fire("rename") ? -1 : NEXT("rename", int (*)(const char *, const char *))(a, b);
}

int renameat(int da, const char *a, int db, const char *b)
{
    return fire("renameat") ? -1 : NEXT("renameat", int (*)(int, const char *, int, const char *))(da, a, db, b);
}

int renameat2(int da, const char *a, int db, const char *b, unsigned flags)
{
    if (fire("renameat2"))
        return -1;
    return NEXT("renameat2", int (*)(int, const char *, int, const char *, unsigned))(da, a, db, b, flags);
}

int unlinkat(int dirfd, const char *path, int flags)
{
    return fire("unlinkat") ? -1 : NEXT("unlinkat", int (*)(int, const char *, int))(dirfd, path, flags);
}

int rmdir(const char *path)
{
    return fire("rmdir") ? -1 : NEXT("rmdir", int (*)(const char *))(path);
}

int mkdir(const char *path, mode_t mode)
{
    return fire("mkdir") ? -1 : NEXT("mkdir", int (*)(const char *, mode_t))(path, mode);
}
