"""codecurate's semgrep rules for Go (codecurate/data/semgrep/go.yaml): the fallback for the Go files
``go vet`` cannot type-check offline (they import modules outside the standard library) and that
codecurate's driver of vet's analyzers cannot read either; five of them (what vet has no analyzer for)
also judge the files that driver analyzed.

Each rule fires on a small realistic defect in a file importing a third-party module and not on its
correct twin; every file goes through one semgrep run (a module-scoped fixture). One test runs the
block: go vet refuses such a file, codecurate's driver of its analyzers judges it, semgrep reads the
one the driver cannot parse.
"""

from __future__ import annotations

import textwrap

import pytest
from datatrove.data import Document

from codecurate import metadata as keys
from codecurate.filters.analysis import SourceFile, StaticAnalysisFilter
from codecurate.filters.analysis.base import AnalyzerMissing
from codecurate.filters.analysis.govet import GoVetAnalyzer
from codecurate.filters.analysis.semgrep import SemgrepAnalyzer, shipped_rules

HEAD = """package server

import (
\t"context"
\t"database/sql"
\t"crypto/tls"
\t"encoding/json"
\t"errors"
\t"fmt"
\t"log"
\t"net/http"
\t"os"
\t"os/signal"
\t"strings"
\t"sync"
\t"testing"
\t"time"

\t"github.com/sirupsen/logrus"
)

var logger = logrus.New()
"""

#: rule -> (code with the defect, its correct twin): top-level Go declarations
CASES: dict[str, tuple[str, str]] = {
    "go-self-assignment": (
        """
        func (s *Server) SetPort(port int) {
            port = port
            s.ready = true
        }
        """,
        """
        func (s *Server) SetPort(port int) {
            s.port = port
            prev, next := s.prev, s.next
            prev, next = next, prev
            for _, h := range s.handlers {
                h := h
                go h.Run()
            }
            next = s.wrap(next)
            s.prev = int(prev)
        }
        """,
    ),
    "go-identical-operands": (
        """
        func valid(port, retries int) bool {
            if port > 0 && port > 0 {
                return retries != 1 || retries != 2
            }
            return false
        }
        """,
        """
        func valid(port, retries int, ratio float64) bool {
            if ratio != ratio || next() && next() {
                return false
            }
            return port > 0 && retries > 0 && (retries != 1 || port != 2)
        }
        """,
    ),
    "go-unreachable-code": (
        """
        func clamp(v int) int {
            if v < 0 {
                return 0
            }
            return v
            logger.Info("clamped")
        }
        """,
        """
        func clamp(v int) int {
            switch {
            case v < 0:
                return 0
            case v > 100:
                panic("too large")
            }
            for v%2 != 0 {
                if v > 10 {
                    goto done
                }
                v++
            }
            return v
        done:
            return v - 1
        }
        """,
    ),
    "go-discarded-result": (
        """
        func validate(port int) error {
            if port <= 0 {
                fmt.Errorf("invalid port %d", port)
            }
            strings.TrimSpace(os.Getenv("HOST"))
            return nil
        }
        """,
        """
        var errInvalid = errors.New("invalid port")

        func validate(port int) error {
            host := strings.TrimSpace(os.Getenv("HOST"))
            logger.Info(fmt.Sprintf("host %s", host))
            if port <= 0 {
                return fmt.Errorf("invalid port %d: %w", port, errInvalid)
            }
            return nil
        }
        """,
    ),
    "go-lost-cancel": (
        """
        func deadline(parent context.Context) context.Context {
            ctx, _ := context.WithTimeout(parent, time.Second)
            return ctx
        }
        """,
        """
        func deadline(parent context.Context) error {
            ctx, cancel := context.WithTimeout(parent, time.Second)
            defer cancel()
            return ctx.Err()
        }
        """,
    ),
    "go-lock-copied": (
        """
        func guarded(mu sync.Mutex, wg sync.WaitGroup, n int) int {
            mu.Lock()
            defer mu.Unlock()
            wg.Done()
            return n + 1
        }
        """,
        """
        func guarded(mu *sync.Mutex, wg *sync.WaitGroup, n int) int {
            mu.Lock()
            defer mu.Unlock()
            wg.Done()
            return n + 1
        }
        """,
    ),
    "go-lock-copied-receiver": (
        """
        type Cache struct {
            mu    sync.RWMutex
            items map[string]string
        }

        func (c Cache) Get(key string) string {
            c.mu.RLock()
            defer c.mu.RUnlock()
            return c.items[key]
        }
        """,
        """
        type Cache struct {
            mu    sync.RWMutex
            items map[string]string
        }

        func (c *Cache) Get(key string) string {
            c.mu.RLock()
            defer c.mu.RUnlock()
            return c.items[key]
        }

        func (c Cache) Size() int { return len(c.items) }
        """,
    ),
    "go-printf-arg-count": (
        """
        func report(name string, count int) {
            logger.Infof("%s has %d items in %s", name, count)
            fmt.Printf("done\\n", name)
        }
        """,
        """
        func report(name string, count int, args []interface{}) {
            logger.Infof("%s has %d items (100%%)", name, count)
            fmt.Printf("%[1]s %[1]q %*d\\n", name, 4, count)
            fmt.Printf("%s %d", args...)
            fmt.Fprintf(os.Stderr, "%s: %d\\n", name, count)
            fmt.Printf(`raw %s`, name)
        }
        """,
    ),
    "go-print-with-format": (
        """
        func report(count int) {
            fmt.Println("%d items", count)
        }
        """,
        """
        func report(count int) {
            fmt.Println("progress 100% done", count)
            fmt.Printf("%d items\\n", count)
        }
        """,
    ),
    "go-waitgroup-add-in-goroutine": (
        """
        func fanOut(jobs []func()) {
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
        """
        func fanOut(jobs []func()) {
            var wg sync.WaitGroup
            for _, job := range jobs {
                wg.Add(1)
                go func(run func()) {
                    defer wg.Done()
                    run()
                }(job)
            }
            wg.Wait()
        }
        """,
    ),
    "go-time-format-swapped": (
        """
        func stamp(t time.Time) string {
            return t.Format("2006-02-01 15:04")
        }
        """,
        """
        func stamp(t time.Time) string {
            return t.Format("2006-01-02 15:04")
        }
        """,
    ),
    "go-http-body-before-error": (
        """
        func status(client *http.Client, url string) (int, error) {
            resp, err := client.Get(url)
            defer resp.Body.Close()
            if err != nil {
                return 0, err
            }
            return resp.StatusCode, nil
        }
        """,
        """
        func status(client *http.Client, url string) (int, error) {
            resp, err := client.Get(url)
            if err != nil {
                return 0, err
            }
            defer resp.Body.Close()
            return resp.StatusCode, nil
        }
        """,
    ),
    "go-defer-time-since": (
        """
        func timed() {
            start := time.Now()
            defer log.Printf("took %s", time.Since(start))
        }
        """,
        """
        func timed() {
            start := time.Now()
            defer func() { log.Printf("took %s", time.Since(start)) }()
        }
        """,
    ),
    "go-signal-unbuffered": (
        """
        func waitForSignal() {
            stop := make(chan os.Signal)
            signal.Notify(stop, os.Interrupt)
            <-stop
        }
        """,
        """
        func waitForSignal() {
            stop := make(chan os.Signal, 1)
            signal.Notify(stop, os.Interrupt)
            <-stop
        }
        """,
    ),
    "go-fatal-in-goroutine": (
        """
        func TestServe(t *testing.T) {
            go func() {
                if err := serve(); err != nil {
                    t.Fatal(err)
                }
            }()
        }
        """,
        """
        func TestServe(t *testing.T) {
            errs := make(chan error, 1)
            go func() { errs <- serve() }()
            if err := <-errs; err != nil {
                t.Fatal(err)
            }
        }
        """,
    ),
    "go-append-nothing": (
        """
        func extend(values []string, extra string) []string {
            values = append(values)
            return values
        }
        """,
        """
        func extend(values []string, extra ...string) []string {
            return append(values, extra...)
        }
        """,
    ),
    "go-replace-zero": (
        """
        func slug(name string) string {
            return strings.Replace(name, " ", "-", 0)
        }
        """,
        """
        func slug(name string) string {
            return strings.Replace(name, " ", "-", -1)
        }
        """,
    ),
    "go-lock-defer-mismatch": (
        """
        func (c *Cache) Len() int {
            c.mu.RLock()
            defer c.mu.Unlock()
            return len(c.items)
        }
        """,
        """
        func (c *Cache) Len() int {
            c.mu.RLock()
            defer c.mu.RUnlock()
            return len(c.items)
        }
        """,
    ),
    "go-stringer-recursion": (
        """
        type State int

        func (s State) String() string {
            return fmt.Sprintf("state(%v)", s)
        }
        """,
        """
        type State int

        func (s State) String() string {
            return fmt.Sprintf("state(%d)", int(s))
        }

        type Hex []byte

        func (h Hex) String() string { return fmt.Sprintf("%X", []byte(h)) }
        """,
    ),
    "go-unmarshal-non-pointer": (
        """
        func load(data []byte, err error) (Settings, bool) {
            var settings Settings
            json.Unmarshal(data, settings)
            var pathErr *os.PathError
            return settings, errors.As(err, pathErr)
        }
        """,
        """
        func load(data []byte, err error) (Settings, bool) {
            var settings Settings
            json.Unmarshal(data, &settings)
            var pathErr *os.PathError
            return settings, errors.As(err, &pathErr)
        }
        """,
    ),
    "go-sql-format-injection": (
        """
        func findUser(db *sql.DB, name string) (int, error) {
            var id int
            query := fmt.Sprintf("SELECT id FROM users WHERE name = '%s'", name)
            err := db.QueryRow(query).Scan(&id)
            return id, err
        }
        """,
        """
        func findUser(db *sql.DB, table, name string) (int, error) {
            var id int
            query := fmt.Sprintf("SELECT id FROM %s WHERE name = $1", table)
            err := db.QueryRow(query, name).Scan(&id)
            return id, err
        }
        """,
    ),
    "go-tls-skip-verify": (
        """
        func client() *http.Client {
            return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
        }
        """,
        """
        func client(insecure bool) *http.Client {
            config := &tls.Config{InsecureSkipVerify: insecure, MinVersion: tls.VersionTLS12}
            return &http.Client{Transport: &http.Transport{TLSClientConfig: config}}
        }
        """,
    ),
    "go-struct-tag-malformed": (
        """
        type Settings struct {
            Name    string `json:name`
            Retries int    `json:"retries",omitempty`
        }
        """,
        """
        type Settings struct {
            Name    string `json:"name" yaml:"name"`
            Retries int    `json:"retries,omitempty"  mapstructure:"retries"`
            Secret  string `json:"-"`
        }
        """,
    ),
    "go-defer-close-in-loop": (
        """
        func sizes(paths []string) error {
            for _, path := range paths {
                file, err := os.Open(path)
                if err != nil {
                    return err
                }
                defer file.Close()
                logger.Info(file.Name())
            }
            return nil
        }
        """,
        """
        func sizes(paths []string) error {
            for _, path := range paths {
                err := func() error {
                    file, err := os.Open(path)
                    if err != nil {
                        return err
                    }
                    defer file.Close()
                    logger.Info(file.Name())
                    return nil
                }()
                if err != nil {
                    return err
                }
            }
            return nil
        }
        """,
    ),
}


def _go(name: str, code: str, path: str = "") -> SourceFile:
    return SourceFile(HEAD + "\n" + textwrap.dedent(code).strip() + "\n", path or f"server/{name}.go", "Go",
                      "example/server")


@pytest.fixture(scope="module")
def findings() -> dict[str, list[str]]:
    """file name -> the rules that fired there; all the files in one semgrep run."""
    analyzer = SemgrepAnalyzer()
    if (why := analyzer.available()) is not None:
        pytest.skip(why)
    files = []
    for index, (bad, good) in enumerate(CASES.values()):
        files += [_go(f"bad{index}", bad), _go(f"good{index}", good)]
    files.append(_go("fixture", CASES["go-sql-format-injection"][0] + CASES["go-tls-skip-verify"][0],
                     "server/fixture_test.go"))
    reports = analyzer.analyze(files)
    assert all(report.status == "ok" for report in reports), [r.detail for r in reports if r.status != "ok"]
    return {file.path.rsplit("/", 1)[-1]: sorted(f.rule for f in report.findings)
            for file, report in zip(files, reports)}


def test_every_go_rule_has_a_case():
    go_rules = {rule for rule, meta in shipped_rules().items() if "go" in meta["languages"]}
    assert go_rules <= set(CASES), go_rules - set(CASES)


def test_go_is_a_fallback_language():
    assert "Go" in SemgrepAnalyzer().fallback_languages


@pytest.mark.parametrize("rule", list(CASES))
def test_rule_fires_on_the_defect_and_not_on_its_twin(findings, rule):
    index = list(CASES).index(rule)
    assert rule in findings[f"bad{index}.go"], findings[f"bad{index}.go"]
    assert set(findings[f"bad{index}.go"]) == {rule}, findings[f"bad{index}.go"]
    assert findings[f"good{index}.go"] == [], findings[f"good{index}.go"]


def test_security_rules_do_not_count_in_tests(findings):
    assert findings["fixture_test.go"] == []


def test_requires_hold_in_each_rules_own_defect():
    """A rule's ``codecurate-requires`` (text a file needs for semgrep to be run on it) is found in the
    rule's own defect: a wrong literal would hide the rule's findings."""
    required = {rule: meta["requires"] for rule, meta in shipped_rules().items() if "Go" in meta["languages"]
                and meta["requires"]}
    assert len(required) >= 5
    for rule, patterns in required.items():
        bad = _go("bad", CASES[rule][0])
        assert all(pattern.search(bad.text) for pattern in patterns), rule
        assert SemgrepAnalyzer(only={rule}).can_match(bad), rule
    trivial = SourceFile("package p\n\nfunc F() int { return 1 }\n", "p.go", "Go")
    assert not SemgrepAnalyzer(only=set(required)).can_match(trivial)


def test_block_sends_what_go_vet_skips_to_its_driver_then_semgrep():
    """go vet cannot type-check a file importing logrus offline; codecurate's driver of vet's analyzers
    judges it, with its own analyzers for what vet does not look for (SQL built with Sprintf); a file
    the driver cannot parse goes to semgrep's Go rules."""
    for analyzer in (GoVetAnalyzer(), SemgrepAnalyzer()):
        try:
            analyzer.locate()  # the block runs the smoke tests
        except AnalyzerMissing as error:
            pytest.skip(str(error))
    bad, good = _go("bad", CASES["go-lost-cancel"][0]), _go("good", CASES["go-lost-cancel"][1], "other/good.go")
    sql = _go("sql", CASES["go-sql-format-injection"][0], "store/find.go")
    broken = _go("broken", CASES["go-self-assignment"][0] + "\nfunc (s *Server) Stop() {\n\ts.ready = \n", "cmd/x.go")
    docs = [Document(text=f.text, id=f.path, metadata={keys.REPO: f.repo, keys.PATH: f.path, keys.LANGUAGE: "Go",
                                                         keys.KIND: keys.KIND_CODE}) for f in (bad, good, sql, broken)]
    block = StaticAnalysisFilter(analyzers=["go_vet", "semgrep"])
    results = block.filter_batch(docs)
    assert results[:3] == [(False, "analysis_defects"), True, (False, "analysis_defects")], results
    assert docs[0].metadata[keys.ANALYSIS_RULES] == {"go_vet:lostcancel": 1}
    assert docs[2].metadata[keys.ANALYSIS_RULES] == {"go_vet:sqlformat": 1}
    assert block.stats["analyzed/go_vet/Go"].total == 3
    assert block.stats["analysis_fallback/go_vet/Go"].total == 1  # the syntax error: semgrep read it
    assert block.stats["analyzed/semgrep/Go"].total == 1
