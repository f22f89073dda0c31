import time

import pytest

from codecurate.filters.syntax.c_structure import configurations, structure_fault

SOUND = {
    "function": b"int f(int a) {\n  return a;\n}\n",
    "macro at the end": b"G_BEGIN_DECLS\nint f(void);\nG_END_DECLS\n",
    "macro use at the end": b"int f(void);\nTEST_MAIN(foo)\n",
    "branches opening one brace each": b"#ifdef X\nif (a) {\n#else\nif (b) {\n#endif\n  f();\n}\n",
    "extern C guards": b'#ifdef __cplusplus\nextern "C" {\n#endif\nint f(void);\n#ifdef __cplusplus\n}\n#endif\n',
    "if 0 holds anything": b"#if 0 // off\n int broken( {\n#else\nint y;\n#endif\nint x;\n",
    "raw string with brackets": b'const char* s = R"x(a ) } " b)x";\n',
    "digit separators": b"int x = 1'000'000; int y = f(0x1'0000);\n",
    "directive inside a comment": b"/*\n#if X\n*/\nint x;\n",
    "character literals": b"char c = '(';\nchar d = '\\'';\n",
    "comment on a directive line": b"#define A 1 /* a (\n comment */\nint x;\n",
    "only directives": b"#pragma once\n#include <x.h>\n",
    "directives of every kind": b'#include "a.h"\n#include <b/c.h>\n#include MACRO_HEADER(x)\n#define A(x) (x)\n'
                                b"#undef A\n#pragma once\n#error don't @ me\n# 12 \"file.c\"\n#\n"
                                b"#if defined(A) && (B > 1)\n#elif !defined(C)\n#endif\nint x;\n",
    "conditionals testing one condition": b"#ifndef AS_CPP\nextern \"C\" {\n#else\n#define X 1\n#endif\n"
                                          b"int f(void);\n#ifndef AS_CPP\n}\n#endif\n#if !defined(AS_CPP)\n#endif\n",
    "a brace closed on either side of a condition": b"namespace a {\n#ifdef NO_ADL\n}\n#endif\nint f();\n"
                                                    b"#ifndef NO_ADL\n}\n#endif\nnamespace a {\n}\n",
    "prose inside if 0": b"#if 0\nwe don't @ \"this\n#endif\nint x;\n",
}
BROKEN = {
    "cut short": (b"int f(int a) {\n  return a", "unbalanced_brackets"),
    "statement cut short": (b"int x = 5", "open_end"),
    "stray token": (b"int f(void);\n@# int g(void);\n", "stray_character"),
    "else branch broken": (b"#ifdef X\nint a(void) { return 1; }\n#else\nint a(void) { return 2; \n#endif\n",
                           "unbalanced_brackets"),
    "third branch broken": (b"#if A\nint f() {\n#elif B\nint f() {\n#elif C\nint f() { {\n#else\nint f() {\n"
                            b"#endif\nreturn 0; }\n", "unbalanced_brackets"),
    "merge conflict": (b"int x;\n<<<<<<< HEAD\nint y;\n=======\nint z;\n>>>>>>> b\n", "conflict_marker"),
    "if never closed": (b"#if X\nint x;\n", "unbalanced_conditionals"),
    "endif never opened": (b"int x;\n#endif\n", "unbalanced_conditionals"),
    "string left open": (b'const char* s = "abc;\nint x;\n', "unclosed_literal"),
    "comment left open": (b"int x; /* the end\n", "unclosed_literal"),
    "include of no file": (b"#include )<stdio.h>\nint x;\n", "bad_directive"),
    "include cut short": (b"int x;\n#include <stdio.h\nint y;\n", "bad_directive"),
    "define of no name": (b"#define )NAME 1\nint x;\n", "bad_directive"),
    "unknown directive": (b"#defnie NAME 1\nint x;\n", "bad_directive"),
    "stray token in a macro": (b"#define CAT(a, b) a @## b\nint x;\n", "bad_directive"),
    "condition with a stray bracket": (b"#if defined(A))\nint x;\n#endif\n", "bad_directive"),
    "comment left open after an endif": (b"#ifndef A_H\n#define A_H\nint x;\n#endif /* A_H", "unclosed_literal"),
    "comment left open in a directive": (b"int x;\n#define A 1 /* the end\n", "unclosed_literal"),
    "closing parenthesis too many": (b"int f(void) { g(1)); }\n", "unbalanced_brackets"),
}


@pytest.mark.parametrize("name", sorted(SOUND))
def test_sound_structure(name):
    assert structure_fault(SOUND[name]) is None


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_structure(name):
    source, fault = BROKEN[name]
    assert structure_fault(source) == fault


def test_configurations_cover_every_branch():
    source = b"#if A\na\n#elif B\nb\n#else\nc\n#endif\n#ifdef D\nd\n#endif\n"
    variants = configurations(source)
    assert [variant.split() for variant in variants] == [[b"a", b"d"], [b"b", b"d"], [b"c", b"d"]]
    assert all(len(variant) == len(source) for variant in variants)  # offsets kept


@pytest.mark.parametrize("text", [b"R\"x(" * 50_000, b"#if A\n(" * 50_000, b"'" * 1_000_001, b"/*" * 500_000],
                         ids=["raw strings", "conditionals", "quotes", "comments"])
def test_pathological_input_is_judged_quickly(text):
    start = time.perf_counter()
    assert structure_fault(text) is not None
    assert time.perf_counter() - start < 30  # seconds; about 1 here
