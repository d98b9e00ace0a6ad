#!/usr/bin/env python3
"""Check the one-way layering of src/ (STYLE.md, item 1).

Modules are the folders of src/. An edge A -> B means module A uses module B:
  (a) a file of A includes a header of B ("#include" resolved against the including
      file's folder, then src/, then include/);
  (b) a file of A uses a function tq_* or tq__* that is defined (not just declared)
      in a file of B: a call, or its address taken (a callback).
Comments, string and character literals are ignored; a use is an identifier inside a
function body or an initializer (brace depth >= 1) or in a #define body, not a field
access (.name, ->name); a static function is private to its .c file.

The check fails (exit 1) on
  - a cycle between modules (listing every edge of it with file:line);
  - an edge against the order core -> solve -> data -> model -> scenario ->
    policy / estimate -> report -> runner (a module uses only modules before it;
    estimate uses core and data only; policy uses up to scenario);
  - a folder of src/ that is not in that order;
  - a program file (cli/, python/, server/, r/) that includes a src/ header or uses an
    internal tq__ function: programs use include/tradeq.h only.
bench/ and tools/ break the program rule today (they reach src/ headers and tq__
functions through libtradeq.a): they are listed as warnings, and fail only with
--strict.

Usage: check_layers.py [--strict] [SOURCE_DIR]     (default: the repository root)
       check_layers.py --self-test                 (synthetic trees with known faults)
Python 3 standard library only.
"""

import os
import re
import sys
import tempfile

ORDER = ["core", "solve", "data", "model", "scenario", "policy", "estimate", "report", "runner"]
_BEFORE_POLICY = {"core", "solve", "data", "model", "scenario"}
ALLOWED = {
    "core": set(),
    "solve": {"core"},
    "data": {"core", "solve"},
    "model": {"core", "solve", "data"},
    "scenario": {"core", "solve", "data", "model"},
    "policy": set(_BEFORE_POLICY),
    "estimate": {"core", "data"},
    "report": _BEFORE_POLICY | {"policy", "estimate"},
    "runner": _BEFORE_POLICY | {"policy", "estimate", "report"},
}
PROGRAM_DIRS = ["cli", "bench", "tools", "python", "server", "r"]
WARN_ONLY_PROGRAMS = {"bench", "tools"}  # known exceptions today; failures with --strict
C_EXTS = (".c", ".h", ".cc", ".cpp", ".hpp", ".cxx")

IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*([<"])([^>"\n]+)[>"]', re.M)
AGGREGATE = re.compile(r"\b(struct|union|enum)\b[^=()]*$")
KEYWORDS = {"if", "for", "while", "switch", "return", "sizeof", "do", "else", "case", "defined",
            "__attribute__", "_Alignas", "_Static_assert", "_Generic", "alignof", "_Alignof"}


# ----------------------------------------------------------------- lexing ---

def strip_c(text):
    """Return (nocomment, code): comments blanked in both; in `code` the contents of
    string and character literals are blanked too. Newlines are kept, so offsets and
    line numbers stay those of the original."""
    nc = []
    code = []
    i, n = 0, len(text)
    state = None
    while i < n:
        ch = text[i]
        nxt = text[i + 1] if i + 1 < n else ""
        if state is None:
            if ch == "/" and nxt in ("/", "*"):
                state = "line" if nxt == "/" else "block"
                nc.append("  ")
                code.append("  ")
                i += 2
                continue
            if ch == '"' or ch == "'":
                state = ch
            nc.append(ch)
            code.append(ch)
            i += 1
            continue
        if state == "line":
            if ch == "\n":
                state = None
                nc.append(ch)
                code.append(ch)
            elif ch == "\\" and nxt == "\n":
                nc.append(" \n")
                code.append(" \n")
                i += 2
                continue
            else:
                nc.append(" ")
                code.append(" ")
            i += 1
            continue
        if state == "block":
            if ch == "*" and nxt == "/":
                state = None
                nc.append("  ")
                code.append("  ")
                i += 2
                continue
            keep = ch if ch == "\n" else " "
            nc.append(keep)
            code.append(keep)
            i += 1
            continue
        # inside a string or character literal
        if ch == "\\" and i + 1 < n:
            nc.append(text[i:i + 2])
            code.append("  " if nxt != "\n" else " \n")
            i += 2
            continue
        if ch == state or ch == "\n":  # an unterminated literal ends at the line
            state = None
            nc.append(ch)
            code.append(ch)
            i += 1
            continue
        nc.append(ch)
        code.append(" ")
        i += 1
    return "".join(nc), "".join(code)


def split_preprocessor(code):
    """Blank out preprocessor lines (with continuations) from `code`. Returns the body
    and the list of (offset, text) of #define directives (whose bodies may use
    functions)."""
    out = list(code)
    defines = []
    pos = 0
    lines = code.split("\n")
    in_directive = False
    start = 0
    directive = []
    for line in lines:
        stripped = line.lstrip()
        if not in_directive and stripped.startswith("#"):
            in_directive = True
            start = pos
            directive = []
        if in_directive:
            directive.append(line)
            for k in range(pos, pos + len(line)):
                out[k] = " "
            if not line.rstrip().endswith("\\"):
                in_directive = False
                text = "\n".join(directive)
                if re.match(r"\s*#\s*define\b", text):
                    defines.append((start, text))
        pos += len(line) + 1
    return "".join(out), defines


def line_of(text, offset, _cache={}):
    key = id(text)
    starts = _cache.get(key)
    if starts is None or starts[0] is not text:
        idx = [0]
        for m in re.finditer("\n", text):
            idx.append(m.end())
        starts = (text, idx)
        _cache.clear()
        _cache[key] = starts
    idx = starts[1]
    lo, hi = 0, len(idx) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if idx[mid] <= offset:
            lo = mid
        else:
            hi = mid - 1
    return lo + 1


def matching_paren(body, i):
    """body[i] == '('; return the index of its ')' (or -1)."""
    depth = 0
    for k in range(i, len(body)):
        c = body[k]
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return k
    return -1


def skip_ws_attrs(body, k):
    """Skip whitespace and __attribute__((...)) after a parameter list."""
    n = len(body)
    while True:
        while k < n and body[k].isspace():
            k += 1
        if body.startswith("__attribute__", k):
            p = body.find("(", k)
            if p < 0:
                return k
            e = matching_paren(body, p)
            if e < 0:
                return k
            k = e + 1
            continue
        return k


class Source:
    """One C file: its includes, function definitions and uses of tq_ names."""

    def __init__(self, root, rel):
        self.rel = rel
        with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
            text = f.read()
        self.nocomment, code = strip_c(text)
        self.body, self.defines = split_preprocessor(code)
        self.includes = []  # (line, quote, name)
        for m in INCLUDE.finditer(self.nocomment):
            self.includes.append((line_of(self.nocomment, m.start()), m.group(1), m.group(2).strip()))
        self.definitions = []  # (name, line, static)
        self.uses = []  # (name, line)
        self.declarations = []  # (name, line): prototypes of tq_ functions
        self._scan()

    def _scan(self):
        body = self.body
        depth = 0
        decl_start = 0  # start of the current top-level declaration
        stmt_start = 0  # start of the current statement or member declaration
        aggregate = []  # per open brace: is it a struct / union / enum body?
        i, n = 0, len(body)
        while i < n:
            c = body[i]
            if c == "{":
                head = body[stmt_start:i]
                aggregate.append(AGGREGATE.search(head) is not None or (bool(aggregate) and aggregate[-1]
                                                                         and "=" not in head))
                depth += 1
                i += 1
                stmt_start = i
                continue
            if c == "}":
                depth = max(0, depth - 1)
                if aggregate:
                    aggregate.pop()
                i += 1
                stmt_start = i
                if depth == 0:
                    decl_start = i
                continue
            if c == ";":
                stmt_start = i + 1
                if depth == 0:
                    decl_start = i + 1
                i += 1
                continue
            if c.isalpha() or c == "_":
                m = IDENT.match(body, i)
                name = m.group(0)
                end = m.end()
                k = i - 1
                while k >= 0 and body[k].isspace():
                    k -= 1
                member = k >= 0 and (body[k] == "." or (body[k] == ">" and k > 0 and body[k - 1] == "-"))
                member = member or (bool(aggregate) and aggregate[-1])  # a field declaration
                if depth == 0:
                    k = end
                    while k < n and body[k].isspace():
                        k += 1
                    if k < n and body[k] == "(" and name not in KEYWORDS:
                        e = matching_paren(body, k)
                        if e > 0:
                            after = skip_ws_attrs(body, e + 1)
                            if after < n and body[after] == "{":
                                head = body[decl_start:i]
                                static = re.search(r"\bstatic\b", head) is not None
                                self.definitions.append((name, line_of(body, i), static))
                            elif after < n and body[after] in ";," and name.startswith("tq_"):
                                self.declarations.append((name, line_of(body, i)))
                elif name.startswith("tq_") and not member:
                    self.uses.append((name, line_of(body, i)))
                i = end
                continue
            i += 1
        for off, text in self.defines:
            m = re.match(r"\s*#\s*define\s+([A-Za-z_][A-Za-z0-9_]*)", text)
            macro = m.group(1) if m else None
            rest = text[m.end():] if m else text
            base = off + (m.end() if m else 0)
            for u in IDENT.finditer(rest):
                nm = u.group(0)
                if nm.startswith("tq_") and nm != macro:
                    pre = rest[:u.start()].rstrip()
                    if pre.endswith(".") or pre.endswith("->"):
                        continue
                    self.uses.append((nm, line_of(self.body, base + u.start())))


# --------------------------------------------------------------- analysis ---

def walk(root, top):
    out = []
    base = os.path.join(root, top)
    if not os.path.isdir(base):
        return out
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames.sort()
        for fn in sorted(filenames):
            if fn.endswith(C_EXTS):
                out.append(os.path.relpath(os.path.join(dirpath, fn), root))
    return out


def module_of(rel):
    """Module of a path under src/ ("src/model/ge.h" -> "model"); None outside src/;
    "" for a file directly in src/."""
    parts = rel.replace(os.sep, "/").split("/")
    if parts[0] != "src":
        return None
    return parts[1] if len(parts) > 2 else ""


def resolve_include(root, rel, quote, name):
    """The project file an include refers to (relative to root), or None."""
    cands = []
    if quote == '"':
        cands.append(os.path.join(os.path.dirname(rel), name))
    cands.append(os.path.join("src", name))
    cands.append(os.path.join("include", name))
    for c in cands:
        p = os.path.normpath(c)
        if not p.startswith("..") and os.path.isfile(os.path.join(root, p)):
            return p.replace(os.sep, "/")
    return None


class Report:
    def __init__(self):
        self.modules = []
        self.edges = {}  # (a, b) -> list of sites
        self.cycles = []  # list of lists of modules (one per strongly connected component)
        self.back = []  # (a, b) edges against the order
        self.unknown = []  # modules not in ORDER
        self.prog_fail = []  # program sites that fail
        self.prog_warn = []  # program sites reported as warnings
        self.unresolved = []  # quoted includes that match no project file (informational)
        self.foreign = []  # a module's header declaring another module's function (informational)

    def failed(self, strict=False):
        return bool(self.cycles or self.back or self.unknown or self.prog_fail or (strict and self.prog_warn))


def analyze(root):
    rep = Report()
    src_files = walk(root, "src")
    srcs = {rel: Source(root, rel) for rel in src_files}
    mods = sorted({module_of(r) for r in src_files}, key=lambda m: (m not in ORDER, ORDER.index(m) if m in ORDER else 0, m))
    rep.modules = mods
    rep.unknown = [m for m in mods if m not in ORDER]

    # where each tq_ function is defined (non-static in a .c, or any in a header)
    defs = {}
    for rel, s in srcs.items():
        for name, line, static in s.definitions:
            if not name.startswith("tq_"):
                continue
            if static and not rel.endswith((".h", ".hpp")):
                continue
            defs.setdefault(name, []).append((rel, line))

    def add_edge(a, b, site):
        if a == b:
            return
        rep.edges.setdefault((a, b), []).append(site)

    for rel, s in sorted(srcs.items()):
        a = module_of(rel)
        for line, quote, name in s.includes:
            tgt = resolve_include(root, rel, quote, name)
            if tgt is None:
                if quote == '"':
                    rep.unresolved.append("%s:%d: #include \"%s\"" % (rel, line, name))
                continue
            b = module_of(tgt)
            if b is None:
                continue
            add_edge(a, b, "%s:%d: includes %s" % (rel, line, tgt))
        private = {nm for nm, _, st in s.definitions if st}
        for name, line in s.uses:
            if name in private or name not in defs:
                continue
            for drel, dline in defs[name]:
                b = module_of(drel)
                add_edge(a, b, "%s:%d: uses %s (defined %s:%d)" % (rel, line, name, drel, dline))

    # headers that declare functions defined in another module (not an edge by itself:
    # the users of the declaration make the edges; listed as a note)
    for rel, s in sorted(srcs.items()):
        if not rel.endswith((".h", ".hpp")):
            continue
        a = module_of(rel)
        groups = {}
        for name, line in s.declarations:
            for drel, dline in defs.get(name, []):
                if module_of(drel) != a:
                    groups.setdefault(drel, []).append("%s (line %d)" % (name, line))
        for drel, names in sorted(groups.items()):
            rep.foreign.append("%s declares %d function%s defined in %s (%s): %s"
                               % (rel, len(names), "" if len(names) == 1 else "s", module_of(drel), drel,
                                  ", ".join(names)))

    # edges against the order
    for (a, b) in sorted(rep.edges):
        if a in ALLOWED and b in ALLOWED and b not in ALLOWED[a]:
            rep.back.append((a, b))

    # cycles: strongly connected components of more than one module (Tarjan)
    graph = {m: sorted({b for (x, b) in rep.edges if x == m}) for m in mods}
    index, low, onstack, stack, comps = {}, {}, set(), [], []
    counter = [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        onstack.add(v)
        for w in graph.get(v, []):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in onstack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                onstack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp, key=lambda m: ORDER.index(m) if m in ORDER else 99))

    for m in mods:
        if m not in index:
            strong(m)
    rep.cycles = comps

    # programs: only include/tradeq.h (and their own headers), no internal tq__ functions
    for top in PROGRAM_DIRS:
        for rel in walk(root, top):
            s = Source(root, rel)
            sink = rep.prog_warn if top in WARN_ONLY_PROGRAMS else rep.prog_fail
            for line, quote, name in s.includes:
                tgt = resolve_include(root, rel, quote, name)
                if tgt is not None and tgt.startswith("src/"):
                    sink.append("%s:%d: includes %s (a src/ header)" % (rel, line, tgt))
            lines = {}
            for name, line in s.uses:
                if name.startswith("tq__") and name in defs:
                    lines.setdefault(name, [])
                    if line not in lines[name]:
                        lines[name].append(line)
            for name in sorted(lines, key=lambda nm: lines[nm][0]):
                drel, dline = defs[name][0]
                more = lines[name][1:]
                sink.append("%s:%d: uses internal %s (defined %s:%d)%s"
                            % (rel, lines[name][0], name, drel, dline,
                               " (also line%s %s)" % ("s" if len(more) > 1 else "", ", ".join(map(str, more)))
                               if more else ""))
    return rep


def print_report(rep, strict, out=sys.stdout):
    w = out.write
    for (a, b), sites in sorted(rep.edges.items(), key=lambda e: (ORDER.index(e[0][0]) if e[0][0] in ORDER else 99,
                                                                   ORDER.index(e[0][1]) if e[0][1] in ORDER else 99)):
        w("edge %s -> %s (%d site%s)\n" % (a, b, len(sites), "" if len(sites) == 1 else "s"))
    for m in rep.unknown:
        w("FAIL: src/%s is not a module of the layering order (%s)\n" % (m, " -> ".join(ORDER)))
    for comp in rep.cycles:
        w("FAIL: cycle between modules %s\n" % ", ".join(comp))
        for (a, b), sites in sorted(rep.edges.items()):
            if a in comp and b in comp:
                w("  %s -> %s:\n" % (a, b))
                for s in sites:
                    w("    %s\n" % s)
    for a, b in rep.back:
        allowed = ", ".join(sorted(ALLOWED[a], key=ORDER.index)) or "nothing"
        w("FAIL: %s uses %s, against the order (%s may use: %s)\n" % (a, b, a, allowed))
        for s in rep.edges[(a, b)]:
            w("    %s\n" % s)
    if rep.prog_fail:
        w("FAIL: programs must use include/tradeq.h only:\n")
        for s in rep.prog_fail:
            w("    %s\n" % s)
    if rep.prog_warn:
        w("%s: bench/ and tools/ use library internals (allowed for now%s):\n"
          % ("FAIL" if strict else "warning", "; --strict makes this a failure" if not strict else ""))
        for s in rep.prog_warn:
            w("    %s\n" % s)
    for s in rep.foreign:
        w("note: %s\n" % s)
    for s in rep.unresolved:
        w("note: unresolved include %s\n" % s)
    nedges = len(rep.edges)
    if rep.cycles:
        cyc = "%d cycle%s" % (len(rep.cycles), "" if len(rep.cycles) == 1 else "s")
    else:
        cyc = "no cycle"
    summary = "layers: %d modules, %d edges, %s" % (len(rep.modules), nedges, cyc)
    if rep.back:
        summary += ", %d against the order" % len(rep.back)
    if rep.prog_fail or (strict and rep.prog_warn):
        summary += ", %d program violations" % (len(rep.prog_fail) + (len(rep.prog_warn) if strict else 0))
    if rep.unknown:
        summary += ", %d unknown modules" % len(rep.unknown)
    w(summary + "\n")


# -------------------------------------------------------------- self-test ---

def write_tree(root, files):
    for rel, text in files.items():
        p = os.path.join(root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w", encoding="utf-8") as f:
            f.write(text)


SELFTEST_TREE = {
    "include/tradeq.h": "int tq_public(int x);\n",
    # core: the base; uses nothing ... except one back-edge (core -> data) by a call
    "src/core/internal.h": '#include "tradeq.h"\nvoid *tq__malloc(int n);\n',
    "src/core/context.c": (
        '#include "internal.h"\n'
        "void *tq__malloc(int n) { return 0; }\n"
        "int tq_public(int x)\n"
        "{\n"
        "    return tq__data_load(x); /* back-edge core -> data */\n"
        "}\n"),
    # solve includes a model header: with model calling solve, a cycle solve <-> model
    "src/solve/ge_solve.c": (
        '#include "../model/ge.h"\n'
        "int tq__ge_solve(int n)\n"
        "{\n"
        '    const char *s = "tq__model_helper(1)"; /* a string is not a call */\n'
        "    // tq__model_helper(2) in a comment is not a call\n"
        "    return n + (s != 0);\n"
        "}\n"),
    "src/model/ge.h": (
        '#include "../core/internal.h"\n'
        "int tq__ge_solve(int n); /* a declaration, not a definition */\n"
        "int tq__model_helper(int n);\n"),
    "src/model/engine.c": (
        '#include "ge.h"\n'
        "int tq__model_helper(int n) { return tq__ge_solve(n); }\n"),
    # data uses core only (through a header); its function is called by core above
    "src/data/dataset.h": '#include "../core/internal.h"\nint tq__data_load(int x);\n',
    "src/data/load.c": (
        '#include "dataset.h"\n'
        "static int tq__local(int x) { return x; }\n"
        "int tq__data_load(int x) { return tq__local(x) + (tq__malloc(x) != 0); }\n"),
    # scenario: a static function of the same name as model's is private (no edge);
    # a field access .tq__ge_solve is not a call
    "src/scenario/spec.c": (
        "struct ops { int (*tq__ge_solve)(int); };\n"
        "static int tq__model_helper(int n) { return n; }\n"
        "int tq_spec(struct ops *o) { return tq__model_helper(1) + o->tq__ge_solve(2); }\n"),
    # estimate may use core and data only: a call into model is against the order
    "src/estimate/ppml.c": (
        "#define CALL_DATA(x) tq__data_load(x)\n"
        "int tq_ppml(int x) { return CALL_DATA(x) + tq__model_helper(x); }\n"),
    # report may use anything before it (no violation)
    "src/report/results.c": (
        '#include "../model/ge.h"\n'
        "int tq_report(void) { return tq__model_helper(0) + tq_ppml(0); }\n"),
    # programs
    "cli/main.c": '#include "commands.h"\n#include "tradeq.h"\nint main(void) { return tq_public(0); }\n',
    "cli/commands.h": '#include "tradeq.h"\n',
    "bench/bench_x.c": ('#include "tradeq.h"\n#include "data/dataset.h"\n'
                        "int main(void) { return tq__data_load(0); }\n"),
    "tools/tool.c": '#include "../src/core/internal.h"\nint main(void) { return 0; }\n',
}


def self_test():
    fails = []

    def expect(cond, what):
        print(("ok   " if cond else "FAIL ") + what)
        if not cond:
            fails.append(what)

    with tempfile.TemporaryDirectory() as tmp:
        write_tree(tmp, SELFTEST_TREE)
        rep = analyze(tmp)
        edges = set(rep.edges)
        expect(rep.modules == ["core", "solve", "data", "model", "scenario", "estimate", "report"],
               "modules found in layering order: %s" % rep.modules)
        want = {("core", "data"), ("solve", "model"), ("model", "solve"), ("model", "core"), ("data", "core"),
                ("estimate", "data"), ("estimate", "model"), ("report", "model"), ("report", "estimate")}
        expect(edges == want, "exact edge set (got %s)" % sorted(edges))
        expect(("scenario", "model") not in edges, "a static function and a field access make no edge")
        expect(not any("comment" in s or "string" in s for v in rep.edges.values() for s in v),
               "comments and strings make no edge")
        cyc = [set(c) for c in rep.cycles]
        expect({"solve", "model"} in cyc, "the cycle solve <-> model is reported")
        expect({"core", "data"} in cyc, "the cycle core <-> data is reported")
        expect(len(cyc) == 2, "exactly two cycles (got %s)" % rep.cycles)
        expect(set(rep.back) == {("core", "data"), ("solve", "model"), ("estimate", "model")},
               "edges against the order: core->data, solve->model, estimate->model (got %s)" % rep.back)
        sites = rep.edges[("solve", "model")]
        expect(any(s.startswith("src/solve/ge_solve.c:1: includes src/model/ge.h") for s in sites),
               "the include edge names file:line")
        sites = rep.edges[("model", "solve")]
        expect(any(s.startswith("src/model/engine.c:2: uses tq__ge_solve (defined src/solve/ge_solve.c:2)")
                   for s in sites), "the call edge names file:line and the definition")
        expect(any("estimate/ppml.c:1: uses tq__data_load" in s for s in rep.edges[("estimate", "data")]),
               "a use in a #define body is an edge")
        expect(rep.prog_fail == [], "cli including tradeq.h and its own header passes (got %s)" % rep.prog_fail)
        expect(len(rep.prog_warn) == 3 and any("bench/bench_x.c:2" in s for s in rep.prog_warn)
               and any("bench/bench_x.c:3: uses internal tq__data_load" in s for s in rep.prog_warn)
               and any("tools/tool.c:1" in s for s in rep.prog_warn),
               "bench/tools reaching src/ are warnings (got %s)" % rep.prog_warn)
        expect(rep.failed() and rep.failed(strict=True), "the faulty tree fails")
        expect(rep.foreign == ["src/model/ge.h declares 1 function defined in solve (src/solve/ge_solve.c): "
                              "tq__ge_solve (line 2)"],
               "a header declaring another module's function is noted (got %s)" % rep.foreign)

        # a clean tree passes, and --strict turns program warnings into failures
    with tempfile.TemporaryDirectory() as tmp:
        clean = {k: v for k, v in SELFTEST_TREE.items()
                 if k not in ("src/core/context.c", "src/solve/ge_solve.c", "src/estimate/ppml.c")}
        clean["src/core/context.c"] = '#include "internal.h"\nvoid *tq__malloc(int n) { return 0; }\n'
        clean["src/solve/ge_solve.c"] = '#include "../core/internal.h"\nint tq__ge_solve(int n) { return n; }\n'
        write_tree(tmp, clean)
        rep = analyze(tmp)
        expect(not rep.cycles and not rep.back, "clean tree: no cycle, nothing against the order")
        expect(not rep.failed(), "clean tree passes without --strict")
        expect(rep.failed(strict=True), "clean tree with bench/tools warnings fails with --strict")
        with open(os.path.join(tmp, "cli", "bad.c"), "w") as f:
            f.write('#include "../src/model/ge.h"\n')
        write_tree(tmp, {"src/policy/nash.c": "int tq_nash(void) { return 0; }\n",
                         "src/extra/x.c": "int tq_x(void) { return 0; }\n"})
        rep = analyze(tmp)
        expect(any("cli/bad.c:1" in s for s in rep.prog_fail), "cli including a src/ header fails")
        expect(rep.unknown == ["extra"], "a folder outside the order is reported (got %s)" % rep.unknown)
    print("self-test: %s" % ("FAILED (%d)" % len(fails) if fails else "all checks passed"))
    return 1 if fails else 0


def main(argv):
    strict = "--strict" in argv
    args = [a for a in argv if not a.startswith("--")]
    if "--self-test" in argv:
        return self_test()
    unknown_opts = [a for a in argv if a.startswith("--") and a not in ("--strict", "--self-test")]
    if unknown_opts or len(args) > 1:
        sys.stderr.write("usage: check_layers.py [--strict] [SOURCE_DIR] | --self-test\n")
        return 2
    root = args[0] if args else os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    if not os.path.isdir(os.path.join(root, "src")):
        sys.stderr.write("check_layers.py: no src/ folder in %s\n" % root)
        return 2
    rep = analyze(root)
    print_report(rep, strict)
    return 1 if rep.failed(strict) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
