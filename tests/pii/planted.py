"""A repository with secrets planted where real projects leak them, across 20 file types.

Each file carries its own values (an email, a public IP address, an AWS key id, a GitHub token, a
password, a private-key block), written as that format writes them: a Markdown paragraph, an INI
value, an unquoted shell word, a ``#define`` value, a YAML double-quoted scalar, a SQL row, a
notebook cell... ``write_planted_repository`` returns, per file, the values that must not survive.
Used by ``tests/pii/test_planted_secrets.py`` and ``benchmarks/pii_planted.py``.
"""

from __future__ import annotations

import json
import random
import string
from pathlib import Path

#: The folder name of the planted repository carries an email; one file's path carries an IP address.
REPOSITORY = "tools-of-grace.hopper@navy-mail.org"
PATH_IP = "52.44.201.17"


def _values(tag: str, index: int) -> dict[str, str]:
    """The values planted in one file, distinct from every other file's."""
    rng = random.Random(f"planted:{tag}")
    upper = string.ascii_uppercase + string.digits
    alnum = string.ascii_letters + string.digits
    body = "\n".join("".join(rng.choice(alnum + "+/") for _ in range(64)) for _ in range(4))
    return {
        "email": f"{tag.replace('_', '.')}.owner@corp-mail.com",
        "ip": f"54.{80 + index}.{rng.randrange(1, 250)}.{rng.randrange(1, 250)}",
        "aws": "AKIA" + "".join(rng.choice(upper) for _ in range(16)),
        "ghp": "ghp_" + "".join(rng.choice(alnum) for _ in range(36)),
        "password": "Pw" + "".join(rng.choice(alnum) for _ in range(12)) + "!x",
        "private_key": f"-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----",
        # more passwords (distinct per use) and one shaped as a password: both cases, a digit, a symbol
        "password2": "Pw" + "".join(rng.choice(alnum) for _ in range(12)) + "#2",
        "password3": "Pw" + "".join(rng.choice(alnum) for _ in range(12)) + "%3",
        "password4": "Pw" + "".join(rng.choice(alnum) for _ in range(12)) + "^4",
        "shaped": "Tr" + "".join(rng.choice(string.ascii_lowercase) for _ in range(4)) + "4dor&"
                  + str(rng.randrange(10, 99)) + "xyZ",
        "token": "".join(rng.choice(alnum) for _ in range(8)) + "7Kq" + "".join(rng.choice(alnum) for _ in range(21)),
    }


def _notebook(v: dict[str, str]) -> str:
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": [f"Ask {v['email']} for access to the cluster.\n"]},
        {"cell_type": "code", "execution_count": 1, "metadata": {},
         "source": ["import boto3\n", f"session = boto3.Session(aws_access_key_id=\"{v['aws']}\")\n",
                    f"db_password = \"{v['password']}\"\n"],
         "outputs": [{"name": "stdout", "output_type": "stream", "text": [f"connected to {v['ip']}\n"]}]},
    ]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1)


#: path in the repository -> the file's text, from its values
TEMPLATES = {
    "README.md": lambda v: (
        "# Tools\n\nDeployment notes. Questions go to " + v["email"] + ".\n\n"
        "The staging box is " + v["ip"] + "; log in with the shared password: " + v["password"] + "\n\n"
        "```\nexport GITHUB_TOKEN=" + v["ghp"] + "\n```\n"),
    "config/db.ini": lambda v: (
        "[database]\nhost = " + v["ip"] + "\nuser = admin\npassword = " + v["password"] + "\n\n"
        "[aws]\naws_access_key_id = " + v["aws"] + "\nadmin_email = " + v["email"] + "\n"),
    ".env": lambda v: (
        "DATABASE_PASSWORD=" + v["password"] + "\nGITHUB_TOKEN=" + v["ghp"] + "\nAWS_ACCESS_KEY_ID=" + v["aws"]
        + "\nADMIN_EMAIL=" + v["email"] + "\nREDIS_HOST=" + v["ip"] + "\n"),
    "deploy/config.yaml": lambda v: (
        "server:\n  host: \"" + v["ip"] + "\"\n  admin: \"" + v["email"] + "\"\n"
        "credentials:\n  password: \"" + v["password"] + "\"\n  token: \"" + v["ghp"] + "\"\n"),
    "db/seed.sql": lambda v: (
        "-- seed data\nINSERT INTO users (id, email, last_ip) VALUES (1, '" + v["email"] + "', '" + v["ip"] + "');\n"
        "UPDATE users SET password = '" + v["password"] + "' WHERE id = 1;\n"
        "INSERT INTO secrets (name, value) VALUES ('aws', '" + v["aws"] + "');\n"),
    "deploy/deploy.sh": lambda v: (
        "#!/bin/bash\nset -e\nexport AWS_ACCESS_KEY_ID=" + v["aws"] + "\nexport DB_PASSWORD=" + v["password"] + "\n"
        "ssh deploy@" + v["ip"] + " 'sudo systemctl restart app'\n"
        "git config user.email " + v["email"] + "\n"
        "cat > key.pem <<EOF\n" + v["private_key"] + "\nEOF\n"),
    "include/secrets.h": lambda v: (
        "#ifndef SECRETS_H\n#define SECRETS_H\n#define ADMIN_MAIL " + v["email"] + "\n"
        "#define UPSTREAM_HOST " + v["ip"] + "\n#define AWS_KEY_ID \"" + v["aws"] + "\"\n"
        "#define ADMIN_PASSWORD \"" + v["password"] + "\"\nint connect_upstream(void);\n#endif\n"),
    "web/index.html": lambda v: (
        "<!DOCTYPE html>\n<html><body>\n<p>Contact: " + v["email"] + "</p>\n"
        "<p>Mirror at " + v["ip"] + "</p>\n<div data-token=\"" + v["ghp"] + "\"></div>\n"
        "<!-- admin password: " + v["password"] + " -->\n</body></html>\n"),
    "notebooks/analysis.ipynb": _notebook,
    "src/app.py": lambda v: (
        "import os\n\n# maintainer: " + v["email"] + "\nDATABASE_URL = \"postgres://app:" + v["password"] + "@"
        + v["ip"] + "/prod\"\nGITHUB_TOKEN = '" + v["ghp"] + "'\n\n\ndef main():\n    return os.environ.get('X')\n"),
    "src/main.js": lambda v: (
        "const token = '" + v["ghp"] + "';\nconst admin = `" + v["email"] + "`;\n"
        "// upstream " + v["ip"] + "\nmodule.exports = { token, admin, password: \"" + v["password"] + "\" };\n"),
    "src/Config.java": lambda v: (
        "package app;\n\n/** Owner: " + v["email"] + " */\npublic class Config {\n"
        "    static final String PASSWORD = \"" + v["password"] + "\";\n"
        "    static final String AWS_KEY = \"" + v["aws"] + "\";\n"
        "    static final String HOST = \"" + v["ip"] + "\";\n}\n"),
    "src/main.go": lambda v: (
        "package main\n\n// Contact " + v["email"] + "\nconst key = `" + v["private_key"] + "`\n\n"
        "const host = \"" + v["ip"] + "\"\n\nfunc main() {}\n"),
    "src/lib.rs": lambda v: (
        "/// Contact " + v["email"] + "\npub const TOKEN: &str = \"" + v["ghp"] + "\";\n"
        "pub const HOST: &str = r\"" + v["ip"] + "\";\n"),
    "src/task.rb": lambda v: (
        "# owner " + v["email"] + "\nKEY = <<~PEM\n" + v["private_key"] + "\nPEM\n"
        "PASSWORD = '" + v["password"] + "'\n"),
    "src/index.php": lambda v: (
        "<html><p>Mail " + v["email"] + "</p>\n<?php\n$password = \"" + v["password"] + "\";\n"
        "$text = <<<EOT\nserver " + v["ip"] + " token " + v["ghp"] + "\nEOT;\n?>\n"),
    "settings.toml": lambda v: (
        "[server]\nip = \"" + v["ip"] + "\"\nadmin = \"" + v["email"] + "\"\n[auth]\npassword = \"" + v["password"]
        + "\"\naws_key = \"" + v["aws"] + "\"\n"),
    "package.json": lambda v: json.dumps({"name": "tools", "author": v["email"],
                                          "config": {"host": v["ip"], "token": v["ghp"]}}, indent=2),
    "conf/datasource.xml": lambda v: (
        "<datasource host=\"" + v["ip"] + "\" password=\"" + v["password"] + "\">\n"
        "  <owner>" + v["email"] + "</owner>\n  <key>" + v["aws"] + "</key>\n</datasource>\n"),
    "Dockerfile": lambda v: (
        "FROM python:3.11\nENV AWS_ACCESS_KEY_ID=" + v["aws"] + "\nENV DB_PASSWORD=" + v["password"] + "\n"
        "LABEL maintainer=" + v["email"] + "\nRUN curl http://" + v["ip"] + "/setup.sh | sh\n"),
    "Makefile": lambda v: (
        "HOST = " + v["ip"] + "\nTOKEN := " + v["ghp"] + "\n\ndeploy:\n\tscp build.tar " + v["email"]
        + ":/srv\n"),
    f"backups/{PATH_IP}/notes.txt": lambda v: "Backups of the staging database, mailed to " + v["email"] + ".\n",
}

def _pem_in_comments(marker: str, before: str, after: str):
    """A template: a private key written one line comment per line (``marker`` and a space before
    each line), between ``before`` and ``after``; the key's body lines must not survive."""
    def template(v: dict[str, str]) -> tuple[str, list[str]]:
        lines = v["private_key"].splitlines()
        block = "".join(f"{marker} {line}\n" for line in lines)
        return before + block + after, lines[1:-1]
    return template


def _joined(write):
    """A template: ``write(parts)`` holds an AWS key id split after ``AKIA`` and a GitHub token split
    in two; the pieces of eight characters or more must not survive."""
    def template(v: dict[str, str]) -> tuple[str, list[str]]:
        aws, ghp = ("AKIA", v["aws"][4:]), (v["ghp"][:20], v["ghp"][20:])
        return write(aws, ghp), [piece for piece in (*aws, *ghp) if len(piece) >= 8]
    return template


def _sql_rows(v: dict[str, str]) -> tuple[str, list[str]]:
    text = ("CREATE TABLE accounts (\n  id INTEGER PRIMARY KEY,\n  login VARCHAR(40),\n  passwd VARCHAR(64)\n);\n"
            "INSERT INTO accounts VALUES (1, 'alice', '" + v["password"] + "');\n"
            "INSERT INTO users (id, name, password, created) VALUES\n  (1, 'bob', '" + v["password2"] + "', NOW()),\n"
            "  (2, 'carol', '" + v["password3"] + "', NOW());\n"
            "INSERT INTO legacy VALUES (7, 'dave', '" + v["shaped"] + "', 'dave@corp-mail.com');\n"
            "INSERT INTO settings (name, value) VALUES ('smtp_password', '" + v["password4"] + "'),\n"
            "  ('stripe_api_key', '" + v["token"] + "');\n")
    return text, [v["password"], v["password2"], v["password3"], v["shaped"], v["password4"], v["token"]]


def _markdown(v: dict[str, str]) -> tuple[str, list[str]]:
    text = ("# Staging\n\nLog in as `deploy` with the password `" + v["shaped"] + "`, then rotate it.\n\n"
            "- **Password**: `" + v["password"] + "`\n- API key `" + v["token"] + "`\n\n"
            "The database password is:\n\n```\n" + v["password2"] + "\n```\n\n"
            "```sql\nINSERT INTO users (name, password) VALUES ('eve', '" + v["password3"] + "');\n```\n")
    return text, [v["shaped"], v["password"], v["token"], v["password2"], v["password3"]]


def _sql_in_python(v: dict[str, str]) -> tuple[str, list[str]]:
    text = ("import sqlite3\n\n\ndef seed(db: sqlite3.Connection) -> None:\n"
            "    db.execute(\"INSERT INTO users (name, password) VALUES ('eve', '" + v["password"] + "')\")\n")
    return text, [v["password"]]


def _next_line(label: str, indent: str, before: str = "", after: str = "", key: str = "password"):
    """A template: a line ending in ``label`` (a password's name and a colon), then the value alone on the
    next line after ``indent`` (the same comment marker, or spaces); the value must not survive."""
    def template(v: dict[str, str]) -> tuple[str, list[str]]:
        return f"{before}{label}\n{indent}{v[key]}\n{after}", [v[key]]
    return template


def _sql_lowercase(v: dict[str, str]) -> tuple[str, list[str]]:
    """Passwords in lower case in the rows of an account table whose columns nothing names."""
    lower = v["token"].lower()
    first, second = f"{lower[:6]}7{lower[6:12]}", "".join(c for c in lower if c.isalpha())[:14] + "battery"
    text = ("-- accounts of the demo\n"
            f"INSERT INTO users VALUES (1, 'alice', '{first}', 'alice@corp-mail.com', 'admin');\n"
            f"INSERT INTO app_users VALUES (2, 'bob', '{second}', 'active');\n")
    return text, [first, second]


#: (form, language) -> (path, template): the forms of issue 32, each giving its text and the
#: pieces that must not survive
FORMS = {
    ("key in line comments", "Python"): ("forms/comments/key.py", _pem_in_comments(
        "    #", "def load():\n    # the deploy key:\n", "    return None\n")),
    ("key in line comments", "Ruby"): ("forms/comments/key.rb", _pem_in_comments("#", "module Keys\n", "end\n")),
    ("key in line comments", "Shell"): ("forms/comments/key.sh", _pem_in_comments("#", "#!/bin/sh\n", "echo ok\n")),
    ("key in line comments", "Perl"): ("forms/comments/key.pl", _pem_in_comments("#", "use strict;\n", "1;\n")),
    ("key in line comments", "C"): ("forms/comments/key.c", _pem_in_comments(
        "//", "#include <stdio.h>\n", "int main(void) { return 0; }\n")),
    ("key in line comments", "Go"): ("forms/comments/key.go", _pem_in_comments(
        "//", "package main\n\n", "func main() {}\n")),
    ("key in line comments", "JavaScript"): ("forms/comments/key.js", _pem_in_comments(
        "  //", "function load() {\n", "  return null;\n}\n")),
    ("key in line comments", "Java"): ("forms/comments/Key.java", _pem_in_comments(
        "    //", "class Key {\n", "    int x = 1;\n}\n")),
    ("key in line comments", "Rust"): ("forms/comments/key.rs", _pem_in_comments("//", "", "fn main() {}\n")),
    ("key in line comments", "C#"): ("forms/comments/Key.cs", _pem_in_comments(
        "    //", "class Key {\n", "    int x = 1;\n}\n")),
    ("key in line comments", "SQL"): ("forms/comments/key.sql", _pem_in_comments("--", "", "SELECT 1;\n")),
    ("key in line comments", "Lua"): ("forms/comments/key.lua", _pem_in_comments("--", "local x = 1\n", "return x\n")),
    ("key in line comments", "Haskell"): ("forms/comments/Key.hs", _pem_in_comments(
        "--", "module Key where\n", "x :: Int\nx = 1\n")),
    ("key in line comments", "Emacs Lisp"): ("forms/comments/key.el", _pem_in_comments(";;", "", "(provide 'key)\n")),
    ("key in line comments", "Assembly"): ("forms/comments/key.asm", _pem_in_comments(";", "section .text\n", "ret\n")),
    ("key in line comments", "Erlang"): ("forms/comments/key.erl", _pem_in_comments("%", "-module(key).\n", "")),
    ("key in line comments", "TeX"): ("forms/comments/key.tex", _pem_in_comments("%", "\\section{Keys}\n", "")),
    ("key in line comments", "Visual Basic"): ("forms/comments/Key.vb", _pem_in_comments(
        "'", "Module Key\n", "End Module\n")),
    ("key in line comments", "Batchfile"): ("forms/comments/key.bat", _pem_in_comments(
        "REM", "@echo off\n", "exit /b 0\n")),
    ("key in line comments", "Fortran"): ("forms/comments/key.f90", _pem_in_comments(
        "!", "program key\n", "end program key\n")),
    ("concatenation", "JavaScript"): ("forms/joined/keys.js", _joined(
        lambda a, g: f'const aws = "{a[0]}" + "{a[1]}";\nconst gh = \'{g[0]}\' +\n  \'{g[1]}\';\n')),
    ("concatenation", "TypeScript"): ("forms/joined/keys.ts", _joined(
        lambda a, g: f'export const aws: string = "{a[0]}" + "{a[1]}";\nexport const gh = `{g[0]}` + "{g[1]}";\n')),
    ("concatenation", "Java"): ("forms/joined/Keys.java", _joined(
        lambda a, g: f'class Keys {{\n  String aws = "{a[0]}" + "{a[1]}";\n  String gh = "{g[0]}"\n'
                     f'      + "{g[1]}";\n}}\n')),
    ("concatenation", "C#"): ("forms/joined/Keys.cs", _joined(
        lambda a, g: f'class Keys {{\n  string aws = "{a[0]}" + "{a[1]}";\n  string gh = "{g[0]}" + "{g[1]}";\n}}\n')),
    ("concatenation", "Go"): ("forms/joined/keys.go", _joined(
        lambda a, g: f'package keys\n\nconst aws = "{a[0]}" + "{a[1]}"\nconst gh = "{g[0]}" +\n\t"{g[1]}"\n')),
    ("concatenation", "Kotlin"): ("forms/joined/Keys.kt", _joined(
        lambda a, g: f'val aws = "{a[0]}" + "{a[1]}"\nval gh = "{g[0]}" + "{g[1]}"\n')),
    ("concatenation", "Swift"): ("forms/joined/Keys.swift", _joined(
        lambda a, g: f'let aws = "{a[0]}" + "{a[1]}"\nlet gh = "{g[0]}" + "{g[1]}"\n')),
    ("concatenation", "Python"): ("forms/joined/keys.py", _joined(
        lambda a, g: f'AWS = "{a[0]}" "{a[1]}"\nGH = ("{g[0]}"\n      "{g[1]}")\n')),
    ("concatenation", "C"): ("forms/joined/keys.c", _joined(
        lambda a, g: f'static const char *aws = "{a[0]}" "{a[1]}";\n'
                     f'static const char *gh = "{g[0]}"\n    "{g[1]}";\n')),
    ("concatenation", "PHP"): ("forms/joined/keys.php", _joined(
        lambda a, g: f"<?php\n$aws = '{a[0]}' . '{a[1]}';\n$gh = \"{g[0]}\" . \"{g[1]}\";\n")),
    ("concatenation", "Perl"): ("forms/joined/keys.pl", _joined(
        lambda a, g: f"my $aws = '{a[0]}' . '{a[1]}';\nmy $gh = \"{g[0]}\" . \"{g[1]}\";\n")),
    ("concatenation", "Ruby"): ("forms/joined/keys.rb", _joined(
        lambda a, g: f"AWS = '{a[0]}' + '{a[1]}'\nGH = \"{g[0]}\" \\\n  \"{g[1]}\"\n")),
    ("concatenation", "Lua"): ("forms/joined/keys.lua", _joined(
        lambda a, g: f'local aws = "{a[0]}" .. "{a[1]}"\nlocal gh = "{g[0]}" .. "{g[1]}"\n')),
    ("concatenation", "Visual Basic"): ("forms/joined/Keys.vb", _joined(
        lambda a, g: f'Module Keys\n  Const Aws = "{a[0]}" & "{a[1]}"\n'
                     f'  Const Gh = "{g[0]}" & _\n    "{g[1]}"\nEnd Module\n')),
    ("concatenation", "SQL"): ("forms/joined/keys.sql", _joined(
        lambda a, g: f"SELECT '{a[0]}' || '{a[1]}' AS aws, '{g[0]}' || '{g[1]}' AS gh;\n")),
    ("Markdown inline code and code blocks", "Markdown"): ("forms/markdown/STAGING.md", _markdown),
    ("SQL INSERT values", "SQL"): ("forms/sql/seed.sql", _sql_rows),
    ("SQL INSERT values", "SQL (lower case, no columns)"): ("forms/sql/accounts.sql", _sql_lowercase),
    ("value on the next line", "Python"): ("forms/next/db.py", _next_line(
        "    # password:", "    #   ", "def connect():\n", "    return None\n")),
    ("value on the next line", "Ruby"): ("forms/next/db.rb", _next_line("# password:", "#   ", "module Db\n", "end\n")),
    ("value on the next line", "Shell"): ("forms/next/db.sh", _next_line(
        "# the DB password:", "# ", "#!/bin/sh\n", "psql -h db\n")),
    ("value on the next line", "C"): ("forms/next/db.c", _next_line(
        "// password:", "//   ", "#include <stdio.h>\n", "int main(void) { return 0; }\n")),
    ("value on the next line", "Go"): ("forms/next/db.go", _next_line(
        "// password =", "//   ", "package db\n\n", "func Connect() {}\n")),
    ("value on the next line", "JavaScript"): ("forms/next/db.js", _next_line(
        "  // password:", "  // ", "function connect() {\n", "  return null;\n}\n")),
    ("value on the next line", "Java"): ("forms/next/Db.java", _next_line(
        "    // password:", "    //     ", "class Db {\n", "    int x = 1;\n}\n")),
    ("value on the next line", "Rust"): ("forms/next/db.rs", _next_line(
        "// api_key:", "//   ", "", "fn main() {}\n", key="token")),
    ("value on the next line", "SQL"): ("forms/next/db.sql", _next_line("-- password:", "--   ", "", "SELECT 1;\n")),
    ("value on the next line", "Lua"): ("forms/next/db.lua", _next_line(
        "-- password:", "-- ", "local x = 1\n", "return x\n")),
    ("value on the next line", "YAML"): ("forms/next/db.yaml", _next_line(
        "  password:", "    ", "database:\n  user: app\n", "  port: 5432\n")),
    ("value on the next line", "Text"): ("forms/next/NOTES.txt", _next_line(
        "The staging password:", "", "Staging\n\n", "\nAsk before use.\n")),
    ("joined through variables or calls", "Python"): ("forms/calls/keys.py", _joined(
        lambda a, g: f'PREFIX = "{a[0]}"\nREST = "{a[1]}"\nAWS = PREFIX + REST\nGH = "".join(["{g[0]}", "{g[1]}"])\n')),
    ("joined through variables or calls", "JavaScript"): ("forms/calls/keys.js", _joined(
        lambda a, g: f'const rest = "{a[1]}";\nconst aws = `{a[0]}${{rest}}`;\n'
                     f'const gh = ["{g[0]}", "{g[1]}"].join("");\n')),
    ("joined through variables or calls", "TypeScript"): ("forms/calls/keys.ts", _joined(
        lambda a, g: f'const a = "{a[0]}";\nconst b = "{a[1]}";\nexport const aws = `${{a}}${{b}}`;\n'
                     f'export const gh = `${{"{g[0]}"}}${{"{g[1]}"}}`;\n')),
    ("joined through variables or calls", "Java"): ("forms/calls/Keys.java", _joined(
        lambda a, g: f'class Keys {{\n  String aws = String.join("", "{a[0]}", "{a[1]}");\n'
                     f'  String gh = new StringBuilder("{g[0]}").append("{g[1]}").toString();\n}}\n')),
    ("joined through variables or calls", "C#"): ("forms/calls/Keys.cs", _joined(
        lambda a, g: f'class Keys {{\n  string aws = string.Concat("{a[0]}", "{a[1]}");\n'
                     f'  string gh = string.Format("{{0}}{{1}}", "{g[0]}", "{g[1]}");\n}}\n')),
    ("joined through variables or calls", "Go"): ("forms/calls/keys.go", _joined(
        lambda a, g: f'package keys\n\nimport (\n\t"fmt"\n\t"strings"\n)\n\n'
                     f'var aws = strings.Join([]string{{"{a[0]}", "{a[1]}"}}, "")\n'
                     f'var gh = fmt.Sprintf("%s%s", "{g[0]}", "{g[1]}")\n')),
    ("joined through variables or calls", "Rust"): ("forms/calls/keys.rs", _joined(
        lambda a, g: f'pub const AWS: &str = concat!("{a[0]}", "{a[1]}");\n'
                     f'pub fn gh() -> String {{\n    format!("{{}}{{}}", "{g[0]}", "{g[1]}")\n}}\n')),
    ("joined through variables or calls", "Ruby"): ("forms/calls/keys.rb", _joined(
        lambda a, g: f'a = "{a[0]}"\nb = "{a[1]}"\nAWS = "#{{a}}#{{b}}"\nGH = ["{g[0]}", "{g[1]}"].join\n')),
    ("joined through variables or calls", "PHP"): ("forms/calls/keys.php", _joined(
        lambda a, g: f"<?php\n$aws = implode('', ['{a[0]}', '{a[1]}']);\n"
                     f"$gh = sprintf('%s%s', '{g[0]}', '{g[1]}');\n")),
    ("joined through variables or calls", "Kotlin"): ("forms/calls/Keys.kt", _joined(
        lambda a, g: f'val aws = "{a[0]}".plus("{a[1]}")\nval gh = listOf("{g[0]}", "{g[1]}").joinToString("")\n')),
    ("joined through variables or calls", "Swift"): ("forms/calls/Keys.swift", _joined(
        lambda a, g: f'let a = "{a[0]}"\nlet b = "{a[1]}"\nlet aws = a + b\nlet gh = ["{g[0]}", "{g[1]}"].joined()\n')),
    ("joined through variables or calls", "C"): ("forms/calls/keys.c", _joined(
        lambda a, g: f'#include <string.h>\nvoid keys(char *aws, char *gh) {{\n  strcpy(aws, "{a[0]}");\n'
                     f'  strcat(aws, "{a[1]}");\n  sprintf(gh, "%s%s", "{g[0]}", "{g[1]}");\n}}\n')),
    ("joined through variables or calls", "Perl"): ("forms/calls/keys.pl", _joined(
        lambda a, g: f"my $aws = join('', '{a[0]}', '{a[1]}');\n"
                     f"my ($x, $y) = ('{g[0]}', '{g[1]}');\nmy $gh = \"$x$y\";\n")),
    ("joined through variables or calls", "Lua"): ("forms/calls/keys.lua", _joined(
        lambda a, g: f'local aws = table.concat({{"{a[0]}", "{a[1]}"}})\n'
                     f'local gh = string.format("%s%s", "{g[0]}", "{g[1]}")\n')),
    ("SQL INSERT values", "Python"): ("forms/sql/seed.py", _sql_in_python),
}

#: the value kinds each file's template writes
KINDS = ("email", "ip", "aws", "ghp", "password", "private_key")


def write_planted_repository(root: Path) -> dict[str, list[str]]:
    """Write the planted repository under ``root/REPOSITORY``; per file path, the values written in it
    (the path's own IP address included for the file under it)."""
    folder = root / REPOSITORY
    planted: dict[str, list[str]] = {}
    for index, (path, template) in enumerate(sorted(TEMPLATES.items())):
        values = _values(path.replace("/", "_").replace(".", "_").strip("_"), index)
        text = template(values)
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(text, encoding="utf-8")
        found = {v for k, v in values.items() if k != "private_key" and v in text}
        if values["private_key"] in text:  # each line of the key's body: none may survive, even in part
            found.update(values["private_key"].splitlines()[1:-1])
        planted[path] = sorted(found | ({PATH_IP} if PATH_IP in path else set()))
    for index, (path, template) in enumerate(sorted(FORMS.values())):
        text, fragments = template(_values(path.replace("/", "_").replace(".", "_"), 100 + index))
        assert all(fragment in text for fragment in fragments), path
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(text, encoding="utf-8")
        planted[path] = sorted(set(fragments))
    return planted
