import pytest

pytest.importorskip("tree_sitter_language_pack")

from codecurate import metadata as keys  # noqa: E402
from codecurate.filters.commented_code import CommentedCodeCleaner, is_code  # noqa: E402
from tests.conftest import make_doc  # noqa: E402

PYTHON = '''"""Geometry helpers.

    # this docstring shows code, but a docstring is never a comment:
    # def area(r):
    #     return 3.14 * r * r
"""

import math

# The area of a circle, exact up to floating point. We keep the old
# approximation below for reference only; it should not be used.
# def area_old(radius):
#     approx = 3.14
#     result = approx * radius * radius
#     print("old area", result)
#     return result


def area(radius):
    """Area of a circle of ``radius``."""
    return math.pi * radius ** 2  # r = radius; no shortcut


# def perimeter_old(radius):
#     approx = 3.14
#     result = 2 * approx * radius
#     print("old perimeter", result)
#     return result

# Perimeter: the circumference of a circle is two pi times its radius, and
# this function is the one callers should use when they need it.
def perimeter(radius):
    return 2 * math.pi * radius
'''

COMMENTED_FUNCTION = '''# def perimeter_old(radius):
#     approx = 3.14
#     result = 2 * approx * radius
#     print("old perimeter", result)
#     return result
'''


def clean(text, language="Python", path="geometry.py", **params):
    document = make_doc(text, path, **{keys.LANGUAGE: language})
    block = CommentedCodeCleaner(**params)
    assert list(block.run(iter([document]))) == [document]  # never dropped
    return document, block


def test_commented_out_function_removed_docstring_and_prose_stay():
    document, block = clean(PYTHON, delete_share=1.0)
    assert "perimeter_old" not in document.text
    assert "def area_old" in document.text  # prose in the same block: never touched
    assert "# The area of a circle, exact up to floating point." in document.text
    assert "# Perimeter: the circumference of a circle" in document.text
    assert PYTHON.split('"""')[1] in document.text  # the module docstring, code in it included
    assert '"""Area of a circle of ``radius``."""' in document.text
    assert "# r = radius; no shortcut" in document.text  # a trailing comment is not a block
    assert document.text == PYTHON.replace(COMMENTED_FUNCTION, "")
    removed = len(COMMENTED_FUNCTION.encode())
    assert document.metadata[keys.COMMENTED_CODE_REMOVED_BYTES] == removed
    stats = {k: v.total for k, v in block.stats.stats.items()}
    assert (stats["large_code_blocks"], stats["deleted_blocks"]) == (1, 1)
    assert stats["large_blocks"] >= 2  # the prose blocks of >= 5 lines are judged too, and kept
    assert stats["deleted_bytes"] == removed
    assert stats["in_bytes"] == stats["kept_bytes"] == len(PYTHON.encode())  # the summary balances


def test_share_and_min_lines():
    document, block = clean(PYTHON, delete_share=0.0)
    assert document.text == PYTHON and document.metadata[keys.COMMENTED_CODE_REMOVED_BYTES] == 0
    assert block.stats["large_code_blocks"].total == 1 and "deleted_blocks" not in block.stats.stats
    document, block = clean(PYTHON, delete_share=1.0, min_lines=6)  # the block has 5 lines: not large
    assert document.text == PYTHON and "large_code_blocks" not in block.stats.stats


def test_the_random_share_is_seeded_per_document():
    text = "\n\n".join(f"def f{k}():\n    return {k}\n\n# x{k} = compute({k})\n# y{k} = x{k} * 2\n"
                       f"# z{k} = [x{k}, y{k}]\n# print(z{k})\n# save(z{k}, 'out{k}.txt')" for k in range(40))
    runs = [clean(text, delete_share=0.5, seed=seed)[0].text for seed in (7, 7, 8)]
    assert runs[0] == runs[1] != runs[2]
    kept = sum(f"# x{k} = compute" in runs[0] for k in range(40))
    assert 10 <= kept <= 30  # about half of the 40 large blocks deleted
    assert all(f"def f{k}():" in runs[0] for k in range(40))


def test_c_commented_code_and_doc_comments():
    source = '''/**
 * Public API. Example:
 *   int n = count(list);
 */
int count(const struct list *l);

/* Old implementation, kept for a while:
int count_old(const struct list *l) {
    int n = 0;
    for (const struct node *p = l->head; p; p = p->next)
        n++;
    return n;
}
*/

// for (int i = 0; i < n; i++) {
//     total += values[i];
//     printf("%d\\n", total);
//     check(total);
// }
int total;
'''
    document, _ = clean(source, "C", "list.c", delete_share=1.0)
    assert "/**\n * Public API." in document.text  # a documentation comment is never a block
    assert "Old implementation" in document.text  # prose and code together: kept
    assert "values[i]" not in document.text  # statements, parsed inside a function body
    assert document.text.endswith("}\n*/\n\nint total;\n")


@pytest.mark.parametrize(
    ("text", "grammar", "expected"),
    [
        ("x = foo(1)\nreturn x", "python", True),
        ("Note: this is important", "python", False),  # parses (an annotation), assigns nothing
        ("import compatibility functions and utilities", "python", False),
        ("This function frees the buffer.", "c", False),
        ("total += values[i];\nprintf(\"%d\", total);", "c", True),
        ("see below", "javascript", False),
        ("const all = await stream.collect()", "javascript", True),
        ("TODO: the cache should be cleared here when we know the size", "python", False),
    ],
)
def test_detector(text, grammar, expected):
    assert is_code(text, grammar) is expected


def test_files_without_grammar_pass_untouched():
    document, block = clean("# x = 1\n# y = 2\n# z = 3\n# w = 4\n# v = 5\n", "Text", "notes.txt", delete_share=1.0)
    assert document.text.startswith("# x = 1") and document.metadata[keys.COMMENTED_CODE_REMOVED_BYTES] == 0


def test_parameters_validated():
    with pytest.raises(ValueError, match="delete_share"):
        CommentedCodeCleaner(delete_share=1.5)
    with pytest.raises(ValueError, match="min_lines"):
        CommentedCodeCleaner(min_lines=0)
