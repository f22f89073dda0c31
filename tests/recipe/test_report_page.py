"""report/index.html: the page's data from a small run (samples, evidence, before/after, FIM parts,
file order), nothing the PII stage would redact, a bounded size; and the page in headless Chromium
(Debian's package): it renders without script errors, its sections and sample counts are in the DOM,
the search filters by path, and a screenshot is taken."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest
from datatrove.data import Document

from codecurate import metadata as keys
from codecurate.cli import main
from codecurate.recipe import report_page
from codecurate.recipe.run import run_recipe
from codecurate.recipe.schema import validate
from tests.conftest import write

pytest.importorskip("tree_sitter_language_pack")

#: values the PII stage redacts, planted in files that several stages drop or rewrite
EMAILS = [f"planted.person{i}@corp-mail.org" for i in range(7)]
LIB = "".join(f"def f{i}(x):\n    return x * {i} + {i}\n\n" for i in range(30))


def corpus(root):
    for r in range(2):
        repo = root / f"r{r}"
        write(repo / "lib.py", f"# owner: {EMAILS[0]}\n" + LIB)  # an exact duplicate across the repositories
        write(repo / "main.py", f"import util\n\n\ndef run():\n    return util.add({r}, 2)\n")
        write(repo / "util.py", f"def add(a, b):\n    return a + b + {r}\n")
        write(repo / "contact.py", f"# maintainer: {EMAILS[1]}\nX = {r}\n")
    write(root / "r0" / "wide.py", f"# {EMAILS[2]}\n" + "x = 1\n" * 20 + "y = '" + "a" * 1500 + "'\n")
    write(root / "r0" / EMAILS[6] / "many.py", "x = 1\n" * 10_001)  # a value in the path of a dropped file
    write(root / "r0" / "broken.py", f"# {EMAILS[3]}\ndef ok():\n    return 1\n\ndef broken(:\n    pass\n")
    commented = "".join(
        f"# y{i} = compute_{i}(x)\n# if y{i} > 3:\n#     notify('{EMAILS[4]}', y{i})\n" for i in range(3)
    )
    write(root / "r1" / "cleaned.py", f"x = 1\n{commented}z = 2\n")
    return root


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A run of the small corpus through dropping, rewriting and formatting stages, and its report."""
    root = tmp_path_factory.mktemp("page")
    out = root / "out"
    recipe = {
        "name": "page",
        "seed": 5,
        "output": str(out),
        "executor": {"type": "local", "tasks": 2, "workers": 1},
        "inputs": [{"reader": "repositories", "params": {"data_folder": str(corpus(root / "repos"))}}],
        "stages": [
            {"block": "long_files", "id": "long", "params": {"max_line_chars": 1000}},
            {"block": "syntax", "id": "syntax"},
            {"block": "exact_dedup", "id": "exact", "params": {"partitions": 2}},
            {"block": "commented_code", "id": "commented_code", "params": {"delete_share": 1.0, "min_lines": 3}},
            {"block": "pii_redaction", "id": "pii", "params": {"scope": "code"}},
            {"block": "repository_order", "id": "order", "params": {"weights": {"dependency": 1.0}}},
            {"block": "training_objectives", "id": "objectives"},
        ],
    }
    run_recipe(validate(recipe))
    assert main(["report", str(out), "--no-plots"]) in (0, 3)
    html = (out / "report" / "index.html").read_text(encoding="utf-8")
    return out, html, page_data(html)


def page_data(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="page-data">(.*?)</script>', html, re.S)
    return json.loads(found.group(1).replace("<\\/", "</"))


def group(data: dict, stage: str, reason: str) -> dict:
    return next(g for g in data["drops"] if g["stage"] == stage and g["reason"] == reason)


def marked(sample: dict) -> dict[int, str]:
    return {row[0]: row[2] for row in sample["rows"] if row[2] and row[2] != "shared"}


def test_the_page_shows_each_drop_with_its_evidence(run):
    out, html, data = run
    assert html.startswith("<!DOCTYPE html>") and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    wide = group(data, "long", "long_line")["samples"]
    assert [s["path"] for s in wide] == ["wide.py"]
    assert marked(wide[0]) == {22: "1,506 characters (limit 1,000)"}  # the line over the limit, and only it
    many = group(data, "long", "too_many_lines")["samples"][0]
    assert re.fullmatch(r"<EMAIL>/many\.py~[0-9a-f]{8}", many["path"])  # the path redacted as the PII stage does
    broken = group(data, "syntax", "syntax_error")["samples"][0]
    assert broken["path"] == "broken.py" and broken["evidence"]["line"] == 5 and list(marked(broken)) == [5]
    duplicate = group(data, "exact", "exact_duplicate")["samples"][0]
    assert duplicate["path"] == "lib.py" and duplicate["pair"]["where"] == "kept in documents/"
    assert duplicate["pair"]["path"] == "lib.py" and duplicate["pair"]["repo"] != duplicate["repo"]
    assert duplicate["shared_lines"] >= 60  # every distinct line of the file but the comment the PII changed
    code = [row for row in duplicate["rows"] if row[0] > 1 and row[1].strip()]
    assert len(code) >= 30 and all(row[2] == "shared" for row in code)  # marked beside the copy kept
    assert duplicate["rows"][0][1] == "# owner: <EMAIL>" and duplicate["pair"]["rows"][0][1] == "# owner: <EMAIL>"
    assert group(data, "exact", "exact_duplicate")["documents"] == 1


def test_the_page_shows_rewrites_training_parts_and_file_order(run):
    out, html, data = run
    rewrites = {g["stage"]: g for g in data["rewrites"]}
    assert set(rewrites) == {"commented_code", "pii"}
    pii = rewrites["pii"]
    assert pii["masked"] and {s["path"] for s in pii["samples"]} >= {"contact.py", "lib.py"}
    contact = next(s for s in pii["samples"] if s["path"] == "contact.py")
    changed = [row for row in contact["rows"] if row[0] == "chg"]
    assert changed[0][4] == [["# maintainer: ", False], ["<EMAIL>", True]]  # the after side, highlighted
    assert changed[0][2][1][1] and set(changed[0][2][1][0]) == {"•"}  # the value replaced, masked
    cleaned = rewrites["commented_code"]["samples"][0]
    deleted = [segment[0] for row in cleaned["rows"] if row[0] == "chg" for segment in row[2] if segment[1]]
    assert cleaned["path"] == "cleaned.py" and any("compute_1(x)" in text for text in deleted)
    assert [row[4] for row in cleaned["rows"] if row[0] == "chg"] == [[]] * 9  # nine lines deleted, none added
    assert any("notify('<EMAIL>', y0)" in text for text in deleted)  # redacted on both sides
    modes = {s["mode"] for s in data["training"]}
    assert modes <= {"psm", "spm", "ntp"} and modes & {"psm", "spm"}
    documents = {r["id"]: r for r in _documents(out)}
    for sample in data["training"]:
        text = documents[sample["id"]]["text"]
        if sample["mode"] != "ntp" and "…" not in sample["prefix"] + sample["middle"] + sample["suffix"]:
            assert sample["middle"] and sample["middle"] in text and sample["prefix"] in text
            meta = documents[sample["id"]]["metadata"]
            start, end = meta[keys.FIM_MIDDLE]
            assert len(sample["middle"]) == end - start
    orders = {o["repo"]: o for o in data["orders"]}
    assert set(orders) == {"r0", "r1"} and all(o["strategy"] == "dependency" for o in orders.values())
    order = [f[1] for f in orders["r1"]["order"]]
    imports = {f[1]: f[2] for f in orders["r1"]["order"]}
    assert imports["main.py"] == ["util.py"] and order.index("util.py") < order.index("main.py")


def _documents(out):
    import gzip

    for path in sorted((out / "documents").glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            yield from (json.loads(line) for line in f)


def texts(value) -> list[str]:
    """Every string in the page's data."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in texts(v)]
    return []


def test_the_page_holds_nothing_the_pii_stage_would_redact(run):
    out, html, data = run
    assert data["redacted_by"] == "pii" and data["raw"] == []
    assert not any(email in html for email in EMAILS)
    # the planted values were in the excluded files and the rewrite samples, raw
    assert EMAILS[2] in "".join(texts(list(_excluded(out))))
    redactor = report_page.Redactor(out, raw=False)
    shown = [t for t in texts({k: data[k] for k in ("drops", "rewrites", "training", "orders")}) if len(t) > 3]
    joined = "\n".join(shown)
    document = Document(text=joined, id="page", metadata={keys.PATH: "page.txt", keys.KIND: keys.KIND_TEXT})
    redactor.block.filter(document)
    assert document.metadata.get(keys.PII_COUNTS) == {}
    assert document.text == joined
    control = Document(text=joined + f"\n# {EMAILS[5]}\n", id="control", metadata=dict(document.metadata))
    redactor.block.filter(control)  # the same check finds a value the page would hold
    assert control.metadata[keys.PII_COUNTS] == {"EMAIL": 1}


def _excluded(out):
    import gzip

    for path in sorted((out / "excluded").rglob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            yield from (json.loads(line)["text"] for line in f)


def test_findings_and_matched_spans_are_marked_at_their_lines():
    text = "".join(f"line {n}\n" for n in range(1, 101))
    start = text.index("line 60")
    meta = {
        keys.PATH: "a.py",
        keys.EVIDENCE: {
            "findings": [
                {"rule": "ruff:F821", "severity": "blocker", "line": 57, "message": "Undefined name `x`"},
                {"rule": "ruff:F601", "severity": "major", "line": 57, "message": "repeated key"},
            ],
            "spans": [[start, text.index("line 62") + 3]],
        },
    }
    sample = report_page._sample({"id": "o/a.py", "text": text, "metadata": meta}, report_page.Redactor("", raw=True))
    assert marked(sample) == {
        57: "ruff:F821 (blocker): Undefined name `x`; ruff:F601 (major): repeated key",
        60: "matches the benchmark item",
        61: "matches the benchmark item",
        62: "matches the benchmark item",
    }
    numbers = [row[0] for row in sample["rows"] if row[0]]
    assert numbers == list(range(52, 52 + report_page.WINDOW_LINES))  # from a little before the first mark
    assert sample["rows"][0] == [0, "… 51 lines …", ""] and sample["rows"][-1][1].startswith("… ")


def test_a_file_of_a_duplicate_repository_is_shown_beside_the_same_file_kept(tmp_path):
    import gzip

    def jsonl(path, records):
        path.parent.mkdir(parents=True, exist_ok=True)
        with gzip.open(path, "wt", encoding="utf-8") as f:
            f.writelines(json.dumps(r) + "\n" for r in records)

    text = "def f():\n    return 1\n"
    dropped = {
        keys.REPO: "fork/x",
        keys.PATH: "a.py",
        keys.DUPLICATE_REPOSITORY_OF: "origin/x",
        keys.DUPLICATE_SIMILARITY: 1.0,
        keys.FILTER_REASON: "duplicate_repository",
    }
    jsonl(
        tmp_path / "excluded" / "project" / "00000.jsonl.gz", [{"id": "fork/x/a.py", "text": text, "metadata": dropped}]
    )
    jsonl(
        tmp_path / "documents" / "00000.jsonl.gz",
        [{"id": "origin/x/a.py", "text": text + "g = 2\n", "metadata": {keys.REPO: "origin/x", keys.PATH: "a.py"}}],
    )
    report = {"funnel": [{"stage": "project", "dropped": {"duplicate_repository": {"documents": 1, "bytes": 22}}}]}
    data = report_page.collect_page(tmp_path, report)
    sample = data["drops"][0]["samples"][0]
    assert sample["pair"]["id"] == "origin/x/a.py" and sample["pair"]["where"] == "kept in documents/"
    assert sample["shared_lines"] == 2 and [row[2] for row in sample["pair"]["rows"]] == ["shared", "shared", "", ""]
    assert data["raw"]  # no recipe, no PII stage: the page says the texts are raw


def test_an_analyzer_message_quoting_a_secret_is_redacted(run):
    out, _, _ = run
    meta = {
        keys.PATH: "a.py",
        keys.LANGUAGE: "Python",
        keys.KIND: keys.KIND_CODE,
        keys.EVIDENCE: {
            "findings": [
                {"rule": "semgrep:hardcoded-email", "severity": "minor", "line": 2, "message": f"'{EMAILS[5]}' in code"}
            ]
        },
    }
    record = {"id": "o/a.py", "text": "x = 1\ny = 2\n", "metadata": meta}
    sample = report_page._sample(record, report_page.Redactor(out, raw=False))
    assert sample["evidence"]["findings"][0]["message"] == "'<EMAIL>' in code"
    assert marked(sample) == {2: "semgrep:hardcoded-email (minor): '<EMAIL>' in code"}


def test_raw_samples_are_said_on_the_page(run, tmp_path):
    out, _, _ = run
    data = report_page.collect_page(out, json.loads((out / "report" / "report.json").read_text()), raw=True)
    assert data["redacted_by"] is None and len(data["raw"]) == 3
    assert any(EMAILS[2] in t for t in texts(data["drops"]))


def test_texts_are_withheld_when_the_pii_stage_cannot_be_rebuilt(run, tmp_path):
    out, _, _ = run
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    recorded = json.loads((copy / "recipe.json").read_text())
    next(s for s in recorded["stages"] if s["id"] == "pii")["params"]["scope"] = "everything"
    (copy / "recipe.json").write_text(json.dumps(recorded))
    data = report_page.collect_page(copy, json.loads((copy / "report" / "report.json").read_text()))
    assert "'pii' could not be rebuilt" in data["withheld"] and data["raw"] == []
    before_pii = [s for g in data["drops"] for s in g["samples"]]
    assert before_pii and all(s["rows"] is None for s in before_pii)
    shown = {g["stage"]: len(g["samples"]) for g in data["rewrites"]}
    assert shown["commented_code"] == 0 and shown["pii"] > 0  # commented code's pairs withheld, PII's masked
    assert not any(email in t for email in EMAILS for t in texts(data))


def test_codecurate_remove_takes_the_files_out_of_the_samples_and_the_page(run, tmp_path, capsys):
    out, html, _ = run
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    assert "contact.py" in html and any("contact.py" in r["id"] for r in _samples(copy))
    (tmp_path / "opt-out.txt").write_text("path r*/contact.py\n")
    assert main(["remove", str(copy), "--opt-out", str(tmp_path / "opt-out.txt")]) == 0
    assert not any("contact.py" in r["id"] for r in _samples(copy))
    page = (copy / "report" / "index.html").read_text(encoding="utf-8")
    assert "contact.py" not in page and page_data(page)["rewrites"]


def _samples(out):
    import gzip

    for path in sorted((out / "samples").rglob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            yield from (json.loads(line) for line in f)


def test_a_text_of_undecodable_bytes_still_makes_a_page(run):
    out, html, data = run
    odd = {**data, "drops": [{**data["drops"][0], "samples": [{"path": "bad.py", "rows": [[1, "x = '\udcff'", ""]]}]}]}
    page = report_page.render(odd)
    page.encode("utf-8")  # written as UTF-8: the lone surrogate is replaced
    assert page_data(page)["drops"][0]["samples"][0]["rows"][0][1] == "x = '?'"


def test_the_page_stays_within_its_bound(run, monkeypatch):
    out, html, data = run
    monkeypatch.setattr(report_page, "MAX_PAGE_BYTES", len(html) // 2)
    smaller = report_page.collect_page(out, json.loads((out / "report" / "report.json").read_text()))
    assert smaller["trimmed"] and len(report_page.render(smaller).encode()) <= len(html) // 2 + 40_000
    assert sum(len(g["samples"]) for g in smaller["drops"]) < sum(len(g["samples"]) for g in data["drops"])


def test_the_page_of_an_output_in_a_bucket_is_the_same(run):
    """``codecurate report s3://...``: the page is read from and written to the bucket (moto's S3 server)."""
    from tests.s3_server import s3_filesystem, s3_server

    out, html, data = run
    with s3_server():
        fs = s3_filesystem()
        fs.mkdir("runs")
        fs.put(f"{out}/", "runs/out/", recursive=True)
        fs.rm("runs/out/report/index.html")
        written = report_page.write_page("s3://runs/out")
        assert written == "s3://runs/out/report/index.html"
        assert page_data(s3_filesystem().cat(written).decode("utf-8")) == data


# --- in a real browser --------------------------------------------------------------------------


def chromium() -> str:
    """Debian's headless Chromium, installed with apt as the analyzer tests install their tools."""
    from tests.filters.analysis_tools import ToolUnavailable, apt_install

    found = shutil.which("chromium")
    if found:
        return found
    try:
        apt_install("chromium")
    except ToolUnavailable as why:
        if not shutil.which("apt-get") or os.geteuid() != 0:  # no apt here: nothing installs it
            pytest.skip(str(why))
        raise
    return shutil.which("chromium")


def browse(page, *args: str) -> subprocess.CompletedProcess:
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=5000",
    ]
    return subprocess.run([chromium(), *flags, *args, page], capture_output=True, text=True, timeout=120)


def test_the_page_renders_in_chromium(run, tmp_path):
    out, html, data = run
    url = (out / "report" / "index.html").resolve().as_uri()
    done = browse(url, "--dump-dom")
    dom = done.stdout
    assert 'data-rendered="1"' in dom, done.stderr[-3000:]
    body = re.search(r"<body[^>]*>", dom).group(0)
    assert "data-errors" not in body and '<pre id="js-errors" class="hidden"></pre>' in dom
    console = [line for line in done.stderr.splitlines() if "CONSOLE" in line and "index.html" in line]
    assert console == [] and "Uncaught" not in done.stderr, console
    for section in ("funnel", "plots", "drops", "rewrites", "training", "orders"):
        assert f'<section id="{section}">' in dom
    samples = sum(len(g["samples"]) for g in data["drops"])
    assert dom.count('data-kind="drop"') == samples
    assert dom.count('data-kind="rewrite"') == sum(len(g["samples"]) for g in data["rewrites"])
    assert dom.count('data-kind="training"') == len(data["training"])
    assert dom.count('class="ordered"') == sum(len(o["order"]) for o in data["orders"])
    assert dom.count('class="bar"') >= 2 * len(data["report"]["funnel"])
    assert dom.count("<title>") >= 2 * len(data["report"]["funnel"])  # the numbers a hover shows
    assert 'data-table="Commented-out code"' in dom and "<td>commented_code</td>" in dom  # the report's tables
    total = samples + dom.count('data-kind="rewrite"') + len(data["training"])
    assert f"{total} samples" in dom
    # the search: the address's #q= fills it
    searched = browse(url + "#q=contact", "--dump-dom").stdout
    shown = len(re.findall(r'class="card sample"[^>]*data-path="[^"]*contact[^"]*"', searched))
    assert shown and f"{shown} of {total} samples" in searched
    # served as static files (as from a bucket): the same page
    import socket
    import sys
    import time

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(out / "report")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            with socket.socket() as client:
                if client.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        served = browse(f"http://127.0.0.1:{port}/index.html", "--dump-dom").stdout
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert 'data-rendered="1"' in served and served.count('data-kind="drop"') == samples
    shot = tmp_path / "page.png"
    browse(url, f"--screenshot={shot}", "--window-size=1280,2000")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


def test_the_inlined_data_is_json_whatever_the_samples_hold():
    """Samples of HTML, XML or Markdown hold ``<!--`` and ``</script>``: the page's data must still be
    JSON (``<\\!--`` was not: the quick start's page failed on an Apache licence header in XML)."""
    import json
    import re

    from codecurate.recipe.report_page import render

    texts = ["<!--\n  Licensed to the Apache Software Foundation\n-->", "</script><script>alert(1)</script>", "a < b"]
    page = render({"drops": [], "rewrites": [], "samples": texts})
    script = re.search(r'<script[^>]*id="page-data"[^>]*>(.*?)</script>', page, re.S).group(1)
    assert "</" not in script and "<!--" not in script
    assert json.loads(script)["samples"] == texts
