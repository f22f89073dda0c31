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
    return planted
