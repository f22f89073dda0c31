"""Go modules outside the standard library (go vet, and semgrep for the files go vet skips): corpus
and planted defects.

``go vet`` type-checks packages; offline, a file importing anything outside the standard library
cannot be type-checked and is skipped, which on real repositories is nearly every file. Those files
go to semgrep with ``codecurate/data/semgrep/go.yaml`` (syntactic rules that mirror vet's analyzers).

The corpus is Debian's ``golang-*-dev`` packages: each puts a Go module's sources under
``/usr/share/gocode/src`` (tests included; ``testdata`` folders left out, as go does).

dev (what the semgrep rules were tuned on): cobra, pflag, viper, urfave/cli v2, logrus, gorilla/mux,
testify, gin, go-kit, hashicorp/raft.
heldout (never read while writing the rules): prometheus/client_golang, chi, gorilla/websocket,
echo, pgx v4, go-sql-driver/mysql, minio-go v7, hashicorp/memberlist, badger, fsnotify.

    CODECURATE_SEMGREP_RULES=... python benchmarks/analysis_languages/go_modules.py [--split heldout]

measures go vet's skips and semgrep's verdicts on this corpus without the whole oracle
(``python benchmarks/analysis_oracle.py --languages go_modules --only-modules`` runs it through the block).
"""

from __future__ import annotations

import random
import re
from pathlib import Path

LANGUAGE = "Go"
GOCODE = Path("/usr/share/gocode/src")
#: split -> Debian package -> the module's folder under /usr/share/gocode/src
PACKAGES = {
    "dev": {
        "golang-github-spf13-cobra-dev": "github.com/spf13/cobra",
        "golang-github-spf13-pflag-dev": "github.com/spf13/pflag",
        "golang-github-spf13-viper-dev": "github.com/spf13/viper",
        "golang-github-urfave-cli-v2-dev": "github.com/urfave/cli/v2",
        "golang-github-sirupsen-logrus-dev": "github.com/sirupsen/logrus",
        "golang-github-gorilla-mux-dev": "github.com/gorilla/mux",
        "golang-github-stretchr-testify-dev": "github.com/stretchr/testify",
        "golang-github-gin-gonic-gin-dev": "github.com/gin-gonic/gin",
        "golang-github-go-kit-kit-dev": "github.com/go-kit/kit",
        "golang-github-hashicorp-raft-dev": "github.com/hashicorp/raft",
    },
    "heldout": {
        "golang-github-prometheus-client-golang-dev": "github.com/prometheus/client_golang",
        "golang-github-go-chi-chi-dev": "github.com/go-chi/chi",
        "golang-github-gorilla-websocket-dev": "github.com/gorilla/websocket",
        "golang-github-labstack-echo-dev": "github.com/labstack/echo",
        "golang-github-jackc-pgx-v4-dev": "github.com/jackc/pgx/v4",
        "golang-github-go-sql-driver-mysql-dev": "github.com/go-sql-driver/mysql",
        "golang-github-minio-minio-go-v7-dev": "github.com/minio/minio-go/v7",
        "golang-github-hashicorp-memberlist-dev": "github.com/hashicorp/memberlist",
        "golang-github-dgraph-io-badger-dev": "github.com/dgraph-io/badger",
        "golang-github-fsnotify-fsnotify-dev": "github.com/fsnotify/fsnotify",
    },
}
INSTALL = ["apt-get install -y --no-install-recommends "
           + " ".join(name for packages in PACKAGES.values() for name in packages)]


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def module_files(module: str) -> list[tuple[str, str, str]]:
    """(repo, path, text) of the ``.go`` files of one module folder (``testdata`` left out)."""
    root = GOCODE / module
    if not root.is_dir():
        return []
    out = []
    for path in sorted(root.rglob("*.go")):
        relative = path.relative_to(root)
        if "testdata" in relative.parts or not path.is_file():
            continue
        text = _read(path)
        if text is not None:
            out.append((module, str(relative), text))
    return out


def corpus(rng: random.Random, limit: int, split: str) -> list[tuple[str, str, str]]:
    """Every file of the split's modules; ``limit`` caps each module (a sample of whole folders, so
    that go vet still sees whole packages)."""
    files: list[tuple[str, str, str]] = []
    for module in PACKAGES[split].values():
        found = module_files(module)
        if len(found) > limit:
            folders = sorted({path.rsplit("/", 1)[0] if "/" in path else "" for _, path, _ in found})
            rng.shuffle(folders)
            kept: list[tuple[str, str, str]] = []
            for folder in folders:
                members = [f for f in found if (f[1].rsplit("/", 1)[0] if "/" in f[1] else "") == folder]
                if kept and len(kept) + len(members) > limit:
                    continue
                kept.extend(members)
            found = sorted(kept)
        files.extend(found)
    return files


#: kind -> a small function holding the defect; ``plant`` adds the imports it uses that the host lacks
PLANTS: dict[str, str] = {
    "unreachable code": """
func codecurateClamp(v int) int {
	if v < 0 {
		return 0
	}
	return v
	fmt.Println("clamped", v)
	return v
}
""",
    "printf arguments": """
func codecurateReport(name string, count int) string {
	return fmt.Sprintf("%s has %d items in %s", name, count)
}
""",
    "self-assignment": """
type codecurateWindow struct {
	width, height int
}

func (w *codecurateWindow) codecurateResize(width, height int) {
	width = width
	w.height = height
}
""",
    "lock copied by value": """
type codecurateCounter struct {
	mu    sync.Mutex
	total int
}

func (c codecurateCounter) codecurateAdd(n int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.total += n
	return c.total
}
""",
    "lost context cancel": """
func codecurateWithDeadline(parent context.Context, seconds int) context.Context {
	ctx, _ := context.WithTimeout(parent, time.Duration(seconds)*time.Second)
	return ctx
}
""",
    "discarded result": """
func codecurateValidate(port int) error {
	if port <= 0 || port > 65535 {
		fmt.Errorf("invalid port %d", port)
	}
	return nil
}
""",
    "WaitGroup.Add in the goroutine": """
func codecurateFanOut(jobs []func()) {
	var wg sync.WaitGroup
	for _, job := range jobs {
		go func(run func()) {
			wg.Add(1)
			defer wg.Done()
			run()
		}(job)
	}
	wg.Wait()
}
""",
    "response body before the error check": """
func codecurateFetchStatus(client *http.Client, url string) (int, error) {
	resp, err := client.Get(url)
	defer resp.Body.Close()
	if err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}
""",
    "Unmarshal into a value": """
type codecurateSettings struct {
	Name    string `json:"name"`
	Retries int    `json:"retries"`
}

func codecurateLoadSettings(data []byte) (codecurateSettings, error) {
	var settings codecurateSettings
	if err := json.Unmarshal(data, settings); err != nil {
		return settings, err
	}
	return settings, nil
}
""",
    "String calls itself": """
type codecurateState int

func (s codecurateState) String() string {
	return fmt.Sprintf("state(%v)", s)
}
""",
    "SQL injection": """
func codecurateFindUser(db *sql.DB, name string) (int, error) {
	var id int
	query := fmt.Sprintf("SELECT id FROM users WHERE name = '%s'", name)
	err := db.QueryRow(query).Scan(&id)
	return id, err
}
""",
}
#: package name -> import path, for the packages the snippets use
IMPORTS = {"fmt": "fmt", "sync": "sync", "context": "context", "time": "time", "http": "net/http",
           "json": "encoding/json", "sql": "database/sql"}
_PACKAGE = re.compile(r"^package\s+\w+[^\n]*\n", re.M)
_QUALIFIED = re.compile(r"\b(" + "|".join(IMPORTS) + r")\.[A-Z]")


def plant(host_text: str, snippet: str) -> str | None:
    """The host with the snippet appended and the standard packages it uses imported after the package
    clause (those the host does not import already); None for a host without a package clause."""
    from codecurate.filters.analysis.govet import go_head

    package = _PACKAGE.search(host_text)
    if package is None:
        return None
    _, present = go_head(host_text)
    names = {path.rsplit("/", 1)[-1] for path in present}
    missing = sorted({IMPORTS[name] for name in _QUALIFIED.findall(snippet) if name not in names})
    head = host_text[:package.end()] + "".join(f'\nimport "{path}"\n' for path in missing)
    body = host_text[package.end():]
    return head + body + ("" if body.endswith("\n") else "\n") + snippet


def _main() -> None:
    """go vet's skips, then semgrep on what it skipped (and on every file, as when go is missing)."""
    import argparse
    import sys
    from collections import Counter

    from codecurate.filters.analysis.base import DEFAULT_WEIGHTS, SKIPPED, SourceFile, is_test_path
    from codecurate.filters.analysis.govet import GoVetAnalyzer
    from codecurate.filters.analysis.semgrep import SemgrepAnalyzer

    parser = argparse.ArgumentParser(description=_main.__doc__)
    parser.add_argument("--split", default="dev", choices=sorted(PACKAGES))
    parser.add_argument("--limit", type=int, default=100000)
    parser.add_argument("--plants", type=int, default=40, help="files planted per kind")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    files = [SourceFile(text, path, LANGUAGE, repo) for repo, path, text in corpus(rng, args.limit, args.split)]

    def folder(file: SourceFile) -> tuple[str, str]:
        return file.repo, file.path.rsplit("/", 1)[0] if "/" in file.path else ""

    def dropped(file: SourceFile, report) -> bool:
        weight = sum(DEFAULT_WEIGHTS[f.severity] for f in report.findings)
        return weight * 1000 / max(50, file.text.count("\n") + 1) > 20

    vet = GoVetAnalyzer().analyze(files)
    skipped = [i for i, r in enumerate(vet) if r.status == SKIPPED]
    why = Counter(r.detail.split(":")[0] for r in vet if r.status == SKIPPED)
    semgrep = SemgrepAnalyzer()
    everything = semgrep.analyze(files)
    print(f"{args.split}: {len(files)} files ({sum(is_test_path(f.path) for f in files)} tests) in "
          f"{len({f.repo for f in files})} modules; go vet analyzed {len(files) - len(skipped)}, skipped "
          f"{len(skipped)} {dict(why)}; go vet dropped {sum(dropped(files[i], r) for i, r in enumerate(vet))}")
    for label, indexes in (("semgrep on go vet's skips", skipped), ("semgrep on every file", range(len(files)))):
        reports = [everything[i] for i in indexes]
        failed = Counter(r.detail[:80] for r in reports if r.status != "ok")
        drops = [i for i in indexes if everything[i].status == "ok" and dropped(files[i], everything[i])]
        print(f"{label}: {len(reports)} files, analyzed {len(reports) - sum(failed.values())}, not analyzed "
              f"{dict(failed)}, dropped {len(drops)} ({100 * len(drops) / max(1, len(reports)):.2f}%)")
        for i in drops:
            rules = Counter(f"{f.rule}@{f.line}" for f in everything[i].findings)
            print(f"  {files[i].repo}/{files[i].path} ({files[i].text.count(chr(10)) + 1} lines): {dict(rules)}")
    fired = Counter(f.rule for r in everything for f in r.findings)
    print(f"findings by rule (every file): {dict(fired)}")
    hosts = [i for i in skipped if everything[i].status == "ok" and not dropped(files[i], everything[i])
             and not is_test_path(files[i].path)]
    print("| planted defect | planted | caught |")
    for kind, snippet in PLANTS.items():
        rng.shuffle(hosts)
        planted, folders = [], set()
        for i in hosts:  # hosts of distinct packages: go vet reads each with the rest of its package
            text = plant(files[i].text, snippet)
            if text is not None and folder(files[i]) not in folders and len(planted) < args.plants:
                folders.add(folder(files[i]))
                planted.append(SourceFile(text, files[i].path, LANGUAGE, files[i].repo))
        hosted = {(p.repo, p.path) for p in planted}
        siblings = [f for f in files if folder(f) in folders and (f.repo, f.path) not in hosted]
        verdicts = dict(zip(planted, GoVetAnalyzer().analyze(planted + siblings)))
        left = [f for f in planted if verdicts[f].status == SKIPPED]
        verdicts.update(zip(left, semgrep.analyze(left)))
        missed = [f for f in planted if not dropped(f, verdicts[f])]
        print(f"| {kind} | {len(planted)} | {len(planted) - len(missed)} |")
        for f in missed:
            print(f"  missed: {f.repo}/{f.path} ({f.text.count(chr(10)) + 1} lines): {verdicts[f].status} "
                  f"{[x.rule for x in verdicts[f].findings]}")
    sys.stdout.flush()


if __name__ == "__main__":
    _main()
