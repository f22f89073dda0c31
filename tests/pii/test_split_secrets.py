"""Secrets written in pieces (issue 32): a private key one line comment per line, a key split across
string concatenations or joined through variables, calls, ``concat!`` and template strings, a value
alone on the line after its name, passwords in Markdown inline code and code blocks and in SQL
``INSERT`` rows (a lower-case one in an account table without columns too).
Planted in real files of installed packages; each form is redacted piece by piece, the rest of the
host file is left as it was, and the fast path finds what one analysis per part finds."""

from __future__ import annotations

import json
import sysconfig
from pathlib import Path

import pytest

pytest.importorskip("presidio_analyzer")
pytest.importorskip("tree_sitter_language_pack")

from codecurate import metadata as keys  # noqa: E402
from codecurate.pii.redact import PIIRedactor  # noqa: E402
from tests.conftest import make_doc  # noqa: E402

STDLIB = Path(sysconfig.get_paths()["stdlib"])
SITE = Path(sysconfig.get_paths()["purelib"])
BODY = ["MIIEpAIBAAKCAQEA1x7b3Zk9Qw2Lr8PqVt0sUhYmXcN4aB6eFgHiJkLmNoPqRsTu",
        "VwXyZ0123456789abcdefGHIJKLmnopQRSTuvwxYZ+/abcDEFghiJKLmnoPQRst",
        "Zq81mNbVcXz7LkJhGfDsA2po9IuYtRe4WqAs3dFgHjKl6ZxCvBnM0qWeRtYuIoP"]
PEM = ["-----BEGIN RSA PRIVATE KEY-----", *BODY, "-----END RSA PRIVATE KEY-----"]


@pytest.fixture(scope="module")
def block():
    return PIIRedactor()


def host(path: Path) -> str:
    if not path.is_file():
        pytest.skip(f"{path} is not installed here")
    return path.read_text(encoding="utf-8")


def plant(text: str, lines: list[str], after_line: int) -> tuple[str, int]:
    """``lines`` inserted after line ``after_line`` of ``text``; the text and where they start."""
    cut = 0
    for _ in range(min(after_line, text.count("\n"))):
        cut = text.index("\n", cut) + 1
    return text[:cut] + "".join(line + "\n" for line in lines) + text[cut:], cut


def redact(block, text: str, path: str, language: str) -> str:
    document = make_doc(text, path, **{keys.LANGUAGE: language})
    assert block.find(document) == block.find_plain(document)  # the fast path finds the same
    assert block.filter(document) is True
    return document.text


HOSTS = [  # (host file, path, language, comment marker, indentation of the planted lines)
    (STDLIB / "json" / "decoder.py", "decoder.py", "Python", "#", "    "),
    (STDLIB / "asyncio" / "locks.py", "locks.py", "Python", "#", ""),
    (Path("/usr/include/aio.h"), "aio.h", "C", "//", ""),
    (SITE / "go" / "src" / "cmp" / "cmp.go", "cmp.go", "Go", "//", "\t"),
    (SITE / "matplotlib" / "mpl-data" / "kpsewhich.lua", "kpsewhich.lua", "Lua", "--", ""),
    (Path("/usr/lib/node_modules/npm/lib/npm.js"), "npm.js", "JavaScript", "//", "  "),
]


@pytest.mark.parametrize(("source", "path", "language", "marker", "indent"), HOSTS, ids=[h[1] for h in HOSTS])
def test_a_private_key_in_line_comments_is_redacted_line_by_line(block, source, path, language, marker, indent):
    original = host(source)
    text, cut = plant(original, [f"{indent}{marker} {line}" for line in PEM], 12)
    redacted = redact(block, text, path, language)
    assert not any(line in redacted for line in BODY) and "BEGIN RSA" not in redacted
    # each line keeps its marker, the host around it is as it was
    assert redacted[:cut] == original[:cut] and redacted.endswith(original[cut:])
    assert redacted[cut:].startswith("".join(f"{indent}{marker} <KEY>\n" for _ in PEM))


@pytest.mark.parametrize("marker", ["#", "//", "--", ";;", ";", "%", "'", "REM", "!", "*", ">"])
def test_every_line_comment_form_loses_its_key_in_a_file_scanned_whole(block, marker):
    text = "intro\n" + "".join(f"{marker} {line}\n" for line in PEM) + "outro\n"
    redacted = redact(block, text, "notes.txt", "Text")
    assert redacted == "intro\n" + "".join(f"{marker} <KEY>\n" for _ in PEM) + "outro\n"


AWS = ("AKIA", "Q7ZK2M4P9R3T6W8Y")
GHP = ("ghp_x7Kq2Lm9Pz4Rt6Wv8", "YbN3cD5fG1hJ0kS2aQeU")
JOINS = [  # (host, path, language, the planted lines with {a0} {a1} {g0} {g1}, after which line)
    (Path("/usr/lib/node_modules/npm/lib/npm.js"), "npm.js", "JavaScript",
     ['const aws = "{a0}" + "{a1}";', "const gh = '{g0}' +", "  '{g1}';"], 3),
    (STDLIB / "json" / "decoder.py", "decoder.py", "Python", ['AWS = "{a0}" "{a1}"', 'GH = ("{g0}"', '      "{g1}")'],
     3),
    (STDLIB / "json" / "encoder.py", "encoder.py", "Python", ["AWS = '{a0}' + '{a1}'", "GH = f'{g0}' \\", "    '{g1}'"],
     3),
    (Path("/usr/include/aio.h"), "aio.h", "C", ['static const char *aws = "{a0}" "{a1}";',
                                                'static const char *gh = "{g0}"', '    "{g1}";'], 30),
    (SITE / "go" / "src" / "cmp" / "cmp.go", "cmp.go", "Go", ['const aws = "{a0}" + "{a1}"', 'const gh = "{g0}" +',
                                                              '\t"{g1}"'], 8),
    (SITE / "matplotlib" / "mpl-data" / "kpsewhich.lua", "kpsewhich.lua", "Lua",
     ['local aws = "{a0}" .. "{a1}"', 'local gh = "{g0}" .. "{g1}"'], 2),
]


@pytest.mark.parametrize(("source", "path", "language", "lines", "after"), JOINS, ids=[f"{j[2]}-{j[1]}" for j in JOINS])
def test_a_key_split_across_concatenated_literals_is_redacted_piece_by_piece(block, source, path, language, lines,
                                                                             after):
    original = host(source)
    planted = [line.format(a0=AWS[0], a1=AWS[1], g0=GHP[0], g1=GHP[1]) for line in lines]
    text, cut = plant(original, planted, after)
    redacted = redact(block, text, path, language)
    assert not any(piece in redacted for piece in (*AWS[1:], *GHP)), redacted[cut : cut + 300]
    assert redacted[:cut] == original[:cut] and redacted.endswith(original[cut:])
    # the quotes and operators stay: each piece became <KEY>
    expected = [line.format(a0="<KEY>", a1="<KEY>", g0="<KEY>", g1="<KEY>") for line in lines]
    assert redacted[cut:].startswith("".join(line + "\n" for line in expected))


def test_joined_words_and_data_stay(block):
    text = ('msg = "Hello, " + "world"\nurl = "https://" + host + "/api"\nids = ["a1b2c3d4e5f6", "Zx9Yw8Vu7Ts6"]\n'
            'label = "Tr0ub4dor" "&3xyz"\nblob = ("MIIBIjANBgkqhkiG9w0B" "AQEFAAOCAQ8AMIIBCgKC"\n'
            '        "AQEAu1SU1LfVLPHCozMx" "H2Mo4lgOEePzNm0tRgeL")\n')  # joined: 80 characters of data, no key
    assert redact(block, text, "a.py", "Python") == text


def test_passwords_and_keys_in_markdown_prose_and_code_blocks(block):
    original = host(Path("/usr/lib/node_modules/npm/README.md"))
    addition = ("\n## Staging\n\nLog in as `deploy` with the password `Tr0ub4dor&3xyz`, then rotate it.\n\n"
                "- **Password**: `Pw8fK2mZq1!x`\n- API key `2xmUWGcu7KqNJLtp5zMJtLscJcEIXkUl`\n\n"
                "The database password is:\n\n```\nWq3#rT8vLp2z\n```\n\n"
                "Set the password in `config.yaml` or pass `--password`; the password `secret` is a placeholder.\n")
    redacted = redact(block, original + addition, "README.md", "Markdown")
    assert redacted.startswith(original)
    assert redacted[len(original) :] == (
        "\n## Staging\n\nLog in as `deploy` with the password `<PASSWORD>`, then rotate it.\n\n"
        "- **Password**: `<PASSWORD>`\n- API key `<KEY>`\n\nThe database password is:\n\n```\n<PASSWORD>\n```\n\n"
        "Set the password in `config.yaml` or pass `--password`; the password `secret` is a placeholder.\n")


def test_passwords_and_keys_in_sql_insert_rows(block):
    original = host(Path("/usr/share/doc/golang-github-jackc-pgx-v4-dev/examples/todo/structure.sql"))
    addition = (
        "\ncreate table users (\n  id serial primary key,\n  login text,\n  passwd text not null,\n"
        "  unique (login)\n);\n"
        "insert into tasks values (1, 'Buy milk: 2 bottles, 1.5L!');\n"                  # a task: no secret's shape
        "insert into users values (1, 'alice', 'hunter22');\n"                            # CREATE TABLE names it
        "INSERT INTO `users` (`id`, `login`, `passwd`) VALUES (2, 'bob', 'b0bSecret'), (3, 'carol', 'Carol-1234');\n"
        "INSERT INTO legacy VALUES (7, 'dave', 'Tr0ub4dor&3xyz', 'dave@corp-mail.com', '2024-01-05T10:00:00Z');\n"
        "INSERT INTO settings (name, value) VALUES ('smtp_password', 'm41l!Pass'), ('theme', 'Dark-Blue#2');\n"
        "INSERT INTO api (owner, access_token, token_type) VALUES ('x', 'Zq81mNbVcXz7LkJh', 'Bearer');\n"
        "INSERT INTO logins (user_name, note) VALUES ('erin', 'Tr0ub4dor&3xyz');\n")       # columns known: no secret
    redacted = redact(block, original + addition, "structure.sql", "SQL")
    assert redacted.startswith(original)
    assert redacted[len(original) :] == addition.replace("'hunter22'", "'<PASSWORD>'").replace(
        "'b0bSecret'", "'<PASSWORD>'").replace("'Carol-1234'", "'<PASSWORD>'").replace(
        "'Tr0ub4dor&3xyz', 'dave@corp-mail.com", "'<PASSWORD>', '<EMAIL>").replace(
        "'m41l!Pass'", "'<PASSWORD>'").replace("'Zq81mNbVcXz7LkJh'", "'<KEY>'")


CALLS = [  # (host, path, language, planted lines: a token's pieces joined through variables, calls, templates)
    (STDLIB / "json" / "decoder.py", "decoder.py", "Python",
     ['PREFIX = "{a0}"', 'REST = "{a1}"', "AWS = PREFIX + REST", 'GH = "".join(["{g0}", "{g1}"])'], 3),
    (Path("/usr/lib/node_modules/npm/lib/npm.js"), "npm.js", "JavaScript",
     ['const rest = "{a1}"', "const aws = `{a0}${{rest}}`", 'const gh = ["{g0}", "{g1}"].join("")'], 3),
    (SITE / "go" / "src" / "cmp" / "cmp.go", "cmp.go", "Go",
     ['var aws = strings.Join([]string{{"{a0}", "{a1}"}}, "")', 'var gh = fmt.Sprintf("%s%s", "{g0}", "{g1}")'], 8),
    (Path("/usr/include/aio.h"), "aio.h", "C", ['static void keys(char *aws, char *gh) {{', '  strcpy(aws, "{a0}");',
                                                '  strcat(aws, "{a1}");', '  sprintf(gh, "%s%s", "{g0}", "{g1}");',
                                                "}}"], 30),
]


@pytest.mark.parametrize(("source", "path", "language", "lines", "after"), CALLS, ids=[c[2] for c in CALLS])
def test_a_token_joined_through_variables_or_calls_is_redacted_piece_by_piece(block, source, path, language, lines,
                                                                              after):
    original = host(source)
    planted = [line.format(a0=AWS[0], a1=AWS[1], g0=GHP[0], g1=GHP[1]) for line in lines]
    text, cut = plant(original, planted, after)
    redacted = redact(block, text, path, language)
    assert redacted[:cut] == original[:cut] and redacted.endswith(original[cut:])
    expected = [line.format(a0="<KEY>", a1="<KEY>", g0="<KEY>", g1="<KEY>") for line in lines]
    assert redacted[cut:].startswith("".join(line + "\n" for line in expected)), redacted[cut : cut + 400]


def test_a_rust_concat_and_template_strings_are_joined(block):
    text = (f'pub const AWS: &str = concat!("{AWS[0]}", "{AWS[1]}");\n'
            f'pub fn gh() -> String {{ format!("{{}}{{}}", "{GHP[0]}", "{GHP[1]}") }}\n')
    assert redact(block, text, "keys.rs", "Rust") == ('pub const AWS: &str = concat!("<KEY>", "<KEY>");\n'
                                                       'pub fn gh() -> String { format!("{}{}", "<KEY>", "<KEY>") }\n')
    text = f'const a = "{GHP[0]}";\nconst b = "{GHP[1]}";\nexport const gh = `${{a}}${{b}}`;\n'
    assert redact(block, text, "keys.ts", "TypeScript") == text.replace(GHP[0], "<KEY>").replace(GHP[1], "<KEY>")


def test_a_first_piece_with_nothing_that_completes_it_stays(block):
    """Prefix-like literals whose neighbours make no token, a whole token beside other literals, and
    a token of no fixed length followed by a word: only what makes a token is redacted."""
    whole = "ghp_" + GHP[0][4:] + GHP[1]
    text = ('MARKER = "AKIA"\nNAMES = ["ASIA", "Europe", "Africa"]\nHOOK = "npm_"\nVERSION = "1.2.3"\n'
            f'TOKEN = "{whole}"\nNEXT = "hello"\nPARTS = ["{GHP[0]}", "{GHP[1]}", "world"]\n')
    assert redact(block, text, "names.py", "Python") == text.replace(f'"{whole}"', '"<KEY>"').replace(
        f'"{GHP[0]}", "{GHP[1]}"', '"<KEY>", "<KEY>"')


def test_a_password_alone_on_the_line_after_its_name(block):
    original = host(STDLIB / "asyncio" / "locks.py")
    addition = ("\n# password:\n#   Tr0ub4dor&3xyz\n\n# The password:\n# see the vault, not here\n"
                "# api_key =\n#   2xmUWGcu7KqNJLtp5zMJtLscJcEIXkUl\n# password:\nx = 'not the value'\n")
    redacted = redact(block, original + addition, "locks.py", "Python")
    assert redacted == original + addition.replace("Tr0ub4dor&3xyz", "<PASSWORD>").replace(
        "2xmUWGcu7KqNJLtp5zMJtLscJcEIXkUl", "<KEY>")
    text = "Staging\n\nThe staging password:\ncorrect-Horse-42\n\nThe password:\nis in the vault.\n"
    assert redact(block, text, "NOTES.txt", "Text") == text.replace("correct-Horse-42", "<PASSWORD>")


def test_lower_case_passwords_in_an_account_table_without_columns(block):
    original = host(Path("/usr/share/doc/golang-github-jackc-pgx-v4-dev/examples/todo/structure.sql"))
    addition = ("\nINSERT INTO users VALUES (1, 'alice', 'hunter2hunter2', 'alice@corp-mail.com', 'admin');\n"
                "INSERT INTO app_users VALUES (2, 'bob@corp-mail.com', 'correcthorsebattery', 'active');\n"
                "INSERT INTO users VALUES (3, 'carol', 'carol_smith', 'moderator', 'verified');\n"  # no password
                "INSERT INTO tasks VALUES (4, 'dave', 'buymilk2bottles');\n")  # not an account table
    redacted = redact(block, original + addition, "structure.sql", "SQL")
    assert redacted == original + addition.replace("'hunter2hunter2'", "'<PASSWORD>'").replace(
        "'correcthorsebattery'", "'<PASSWORD>'").replace("alice@corp-mail.com", "<EMAIL>").replace(
        "bob@corp-mail.com", "<EMAIL>")


def test_an_insert_in_a_python_string_is_scanned_as_sql(block):
    text = ("def seed(db):\n    db.execute(\"INSERT INTO users (name, password) VALUES ('eve', 'Pw8fK2mZq1x')\")\n"
            "    db.execute(json.dumps({}))\n")
    assert "'<PASSWORD>'" in redact(block, text, "seed.py", "Python")


def test_the_planted_forms_of_issue_32_leave_nothing(block, tmp_path):
    from codecurate.readers.repositories import RepositoriesReader
    from tests.pii.planted import FORMS, write_planted_repository

    planted = write_planted_repository(tmp_path)
    forms = {path for path, _ in FORMS.values()}
    languages = {language for _, language in FORMS}
    assert len(languages) >= 10 and len(forms) >= 30
    seen = 0
    for document in RepositoriesReader(str(tmp_path)).run(None, 0, 1):
        path = document.metadata[keys.PATH]
        if path not in forms:
            continue
        assert block.find(document) == block.find_plain(document), path
        assert block.filter(document) is True
        record = json.dumps({"text": document.text, "metadata": document.metadata})
        assert [v for v in planted[path] if v in record] == [], path
        seen += 1
    assert seen == len(forms)
