"""codecurate's driver of go vet's analyzers (``codecurate/data/govet/main.go``) on packages go vet
refuses: their imports are not all here, so nothing of them type-checks completely.

Each defect sits in a package that imports third-party modules go cannot have offline, next to code
whose types depend on those modules; its correct twin (the same code, the defect fixed, and calls
whose arguments have no known type) must come out clean: the driver tolerates the type errors, runs
vet's analyzers on what is typed, and must not blame what it could not type.
"""

from __future__ import annotations

import textwrap

import pytest

from codecurate.filters.analysis import SourceFile
from codecurate.filters.analysis.govet import GoVetAnalyzer
from tests.filters.analysis_tools import ToolUnavailable, ensure_go

HEAD = """package store

import (
\t"context"
\t"crypto/tls"
\t"encoding/json"
\t"fmt"
\t"os"
\t"strings"
\t"sync"
\t"time"
\t"unsafe"

\t"github.com/jackc/pgx/v4/pgxpool"
\tlog "github.com/sirupsen/logrus"
)

type Store struct {
\tpool *pgxpool.Pool
\tmu   sync.Mutex
\tn    int
}
"""

#: go vet analyzer, or one of codecurate's own (checks.go) -> (a function with the defect, its correct twin)
CASES: dict[str, tuple[str, str]] = {
    "printf": (
        """
        func (s *Store) Describe(name string) string {
            log.Infof("describing %s", s.pool.Stat())
            return fmt.Sprintf("%s has %d rows in %s", name, s.n)
        }
        """,
        """
        func (s *Store) Describe(name string) string {
            log.Infof("describing %d", s.pool.Stat().TotalConns())
            fmt.Printf(name)  // a non-constant format: vet reports it only in modules of go >= 1.24
            return fmt.Sprintf("%s has %d rows: %v", name, s.n, s.pool.Stat())
        }
        """,
    ),
    "printf_recursion": (
        """
        type State int

        func (s State) String() string {
            log.Debug("formatting")
            return fmt.Sprintf("state(%v)", s)
        }
        """,
        """
        type State int

        func (s State) String() string {
            log.Debug("formatting")
            return fmt.Sprintf("state(%d)", int(s))
        }
        """,
    ),
    "lostcancel": (
        """
        func (s *Store) Ping(parent context.Context) error {
            ctx, _ := context.WithTimeout(parent, time.Second)
            return s.pool.Ping(ctx)
        }
        """,
        """
        func (s *Store) Ping(parent context.Context) error {
            ctx, cancel := context.WithTimeout(parent, time.Second)
            defer cancel()
            return s.pool.Ping(ctx)
        }
        """,
    ),
    "assign": (
        """
        func (s *Store) Resize(n int) {
            conn := s.pool.Config()
            n = n
            s.n = conn.MaxConns
        }
        """,
        """
        func (s *Store) Resize(n int) {
            conn := s.pool.Config()
            conn.MaxConns = conn.MaxConns + int32(n)
            s.n = n
        }
        """,
    ),
    "copylocks": (
        """
        func (s Store) Count() int {
            s.mu.Lock()
            defer s.mu.Unlock()
            return s.pool.Stat().TotalConns()
        }
        """,
        """
        func (s *Store) Count() int {
            s.mu.Lock()
            defer s.mu.Unlock()
            return s.pool.Stat().TotalConns()
        }
        """,
    ),
    "unmarshal": (
        """
        func (s *Store) Load(data []byte) error {
            var rows int
            return json.Unmarshal(data, rows)
        }
        """,
        """
        func (s *Store) Load(data []byte) error {
            config := s.pool.Config()
            return json.Unmarshal(data, config)
        }
        """,
    ),
    "unsafeptr": (
        """
        func (s *Store) Field(base uintptr) unsafe.Pointer {
            s.pool.Reset()
            return unsafe.Pointer(base + 8)
        }
        """,
        """
        func (s *Store) Field() unsafe.Pointer {
            s.pool.Reset()
            return unsafe.Pointer(&s.n)
        }
        """,
    ),
    "unreachable": (
        """
        func (s *Store) Close() error {
            s.pool.Close()
            return nil
            log.Info("closed")
            return nil
        }
        """,
        """
        func (s *Store) Close() error {
            s.pool.Close()
            log.Info("closed")
            return nil
        }
        """,
    ),
    "sqlformat": (
        """
        func (s *Store) Find(ctx context.Context, name string) error {
            query := fmt.Sprintf("SELECT id FROM users WHERE name = '%s'", name)
            _, err := s.pool.Exec(ctx, query)
            return err
        }
        """,
        """
        func (s *Store) Find(ctx context.Context, table, name string) error {
            query := fmt.Sprintf("SELECT id FROM %s WHERE name = $1", table)
            _, err := s.pool.Exec(ctx, query, name)
            log.Infof("found '%s'", name)
            return err
        }
        """,
    ),
    "tlsinsecure": (
        """
        func (s *Store) TLS() *tls.Config {
            s.pool.Reset()
            return &tls.Config{InsecureSkipVerify: true}
        }
        """,
        """
        func (s *Store) TLS(insecure bool) *tls.Config {
            s.pool.Reset()
            if insecure {
                return &tls.Config{InsecureSkipVerify: true}
            }
            return &tls.Config{InsecureSkipVerify: insecure, MinVersion: tls.VersionTLS12}
        }
        """,
    ),
    "replacezero": (
        """
        func (s *Store) Slug(name string) string {
            s.pool.Reset()
            return strings.Replace(name, " ", "-", 0)
        }
        """,
        """
        func (s *Store) Slug(name string) string {
            s.pool.Reset()
            return strings.Replace(name, " ", "-", -1)
        }
        """,
    ),
    "lockdefer": (
        """
        func (s *Store) Len() int {
            s.mu.Lock()
            defer s.mu.Lock()
            return s.pool.Stat().TotalConns()
        }
        """,
        """
        func (s *Store) Len() int {
            s.mu.Lock()
            defer s.mu.Unlock()
            return s.pool.Stat().TotalConns()
        }
        """,
    ),
    "closeinloop": (
        """
        func (s *Store) Import(paths []string) error {
            for _, path := range paths {
                file, err := os.Open(path)
                if err != nil {
                    return err
                }
                defer file.Close()
                s.pool.CopyFrom(file)
            }
            return nil
        }
        """,
        """
        func (s *Store) Import(paths []string) error {
            for _, path := range paths {
                err := func() error {
                    file, err := os.Open(path)
                    if err != nil {
                        return err
                    }
                    defer file.Close()
                    return s.pool.CopyFrom(file)
                }()
                if err != nil {
                    return err
                }
            }
            file, err := os.Open(paths[0])
            if err != nil {
                return err
            }
            defer file.Close()
            return s.pool.CopyFrom(file)
        }
        """,
    ),
}


@pytest.fixture(scope="module")
def go() -> None:
    try:
        ensure_go()
    except ToolUnavailable as error:
        pytest.skip(str(error))


def _file(name: str, code: str) -> SourceFile:
    return SourceFile(HEAD + textwrap.dedent(code), f"{name}/store.go", "Go", "example/store")


@pytest.fixture(scope="module")
def reports(go) -> dict[str, list[str]]:
    """file folder -> the analyzers that reported there; all files in one analyzer run (one driver run)."""
    files = [_file(f"{kind}-{side}", code) for kind, pair in CASES.items() for side, code in zip(("bad", "good"), pair)]
    analyzer = GoVetAnalyzer()
    if (why := analyzer.available()) is not None:
        pytest.skip(why)
    done = analyzer.analyze(files)
    assert all(report.status == "ok" for report in done), [r.detail for r in done if r.status != "ok"]
    return {file.path.split("/")[0]: sorted(f.rule for f in report.findings) for file, report in zip(files, done)}


@pytest.mark.parametrize("kind", list(CASES))
def test_driver_finds_the_defect_and_not_its_twin(reports, kind):
    assert reports[f"{kind}-bad"] == [kind], reports[f"{kind}-bad"]
    assert reports[f"{kind}-good"] == [], reports[f"{kind}-good"]


def test_files_that_redeclare_each_other_are_judged_apart(go):
    """Two files of a package declaring the same names (variants for other build configurations, or
    copies) would not type-check together: each is checked alone, and both defects are found."""
    analyzer = GoVetAnalyzer()
    if (why := analyzer.available()) is not None:
        pytest.skip(why)
    first = _file("twice", CASES["lostcancel"][0] + CASES["printf"][1])
    second = SourceFile(
        _file("twice", CASES["printf"][0] + CASES["lostcancel"][1]).text, "twice/other.go", "Go", "example/store"
    )
    reports = analyzer.analyze([first, second])
    assert [sorted(f.rule for f in report.findings) for report in reports] == [["lostcancel"], ["printf"]]


def test_an_unparsable_file_is_skipped_not_blamed(go):
    analyzer = GoVetAnalyzer()
    if (why := analyzer.available()) is not None:
        pytest.skip(why)
    broken = SourceFile(HEAD + "\nfunc (s *Store) Stop() {\n\ts.n = \n", "broken/store.go", "Go", "example/store")
    sibling = _file("broken", CASES["lostcancel"][0])
    sibling = SourceFile(sibling.text, "broken/ping.go", "Go", "example/store")
    report, other = analyzer.analyze([broken, sibling])
    assert report.status == "skipped" and report.detail.startswith("go could not parse it:"), report
    assert other.status == "ok" and [f.rule for f in other.findings] == ["lostcancel"]


def test_injection_and_tls_findings_do_not_count_in_tests(go):
    """Test files build SQL and skip TLS verification on purpose (fixtures, test servers)."""
    analyzer = GoVetAnalyzer()
    if (why := analyzer.available()) is not None:
        pytest.skip(why)
    code = textwrap.dedent(CASES["sqlformat"][0] + CASES["tlsinsecure"][0] + CASES["replacezero"][0])
    real, test = (SourceFile(HEAD + code, path, "Go", "example/store") for path in ("a/store.go", "b/store_test.go"))
    reports = analyzer.analyze([real, test])
    assert [sorted(f.rule for f in r.findings) for r in reports] == [["replacezero", "sqlformat", "tlsinsecure"],
                                                                     ["replacezero"]]
