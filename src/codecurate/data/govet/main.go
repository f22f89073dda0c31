// Command codecuratevet runs go vet's analyzers on packages whose imports cannot all be resolved.
//
// go vet refuses a package that does not type-check; offline, a package that imports anything
// outside the Go tree never does. This driver type-checks each package it is given with every
// type error tolerated: the Go tree's packages come from their export data (go list -export), an
// import it cannot resolve becomes an empty package, and whatever depends on it has no type. Then
// it runs go vet's analyzers (golang.org/x/tools/go/analysis/suite/vet, as vendored in GOROOT)
// and codecurate's own (checks.go: bugs no vet analyzer looks for) on the package. Some
// analyzers assume well-typed code and panic where types are missing: such an analyzer runs
// again on the package's declarations that are well typed (those that a walk which needs every
// type, refactor/satisfy's, gets through), so it still judges the rest of the package. Facts are
// kept within the package.
//
// Input (a JSON file named by the only argument): {"go": path of the go command, "go_version": "go1.27", "off": [analyzer...],
// "packages": [{"id": "p00001", "files": [path, ...]}]}. Output (stdout): one JSON object per
// line, {"file": path, "line": n, "analyzer": name, "message": text} for each diagnostic,
// {"file": path, "error": text} for a file it could not parse (not analyzed), and {"file": a file
// of the package, "analyzer": name, "error": text} for an analyzer that failed on a package.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/build"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"reflect"
	"runtime/debug"
	"strconv"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/suite/vet"
	"golang.org/x/tools/refactor/satisfy"
)

type input struct {
	Go        string   `json:"go"`
	GoVersion string   `json:"go_version"`
	Off       []string `json:"off"`
	Packages  []struct {
		ID    string   `json:"id"`
		Files []string `json:"files"`
	} `json:"packages"`
}

type output struct {
	File     string `json:"file"`
	Line     int    `json:"line,omitempty"`
	Analyzer string `json:"analyzer,omitempty"`
	Message  string `json:"message,omitempty"`
	Error    string `json:"error,omitempty"`
}

var (
	buffer = bufio.NewWriter(os.Stdout)
	out    = json.NewEncoder(buffer)
)

func emit(o output) {
	if err := out.Encode(o); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}

func main() {
	var in input
	request, err := os.ReadFile(os.Args[len(os.Args)-1])
	if err == nil {
		err = json.Unmarshal(request, &in)
	}
	if len(os.Args) != 2 || err != nil {
		fmt.Fprintln(os.Stderr, "usage: codecuratevet REQUEST.json:", err)
		os.Exit(2)
	}
	off := map[string]bool{}
	for _, name := range in.Off {
		off[name] = true
	}
	var analyzers []*analysis.Analyzer
	for _, a := range append(append([]*analysis.Analyzer{}, vet.Suite...), checks...) {
		if !off[a.Name] {
			analyzers = append(analyzers, a)
		}
	}
	fset := token.NewFileSet()
	parsed := make([][]*ast.File, len(in.Packages))
	wanted := map[string]bool{}
	for i, pkg := range in.Packages {
		for _, name := range pkg.Files {
			file, err := parser.ParseFile(fset, name, nil, parser.ParseComments|parser.SkipObjectResolution)
			if err != nil {
				emit(output{File: name, Error: firstLine(err.Error())})
				continue
			}
			parsed[i] = append(parsed[i], file)
			for _, spec := range file.Imports {
				if path, err := strconv.Unquote(spec.Path.Value); err == nil && path != "C" {
					wanted[path] = true
				}
			}
		}
	}
	imp := newImporter(fset, in.Go, wanted)
	for i, files := range parsed {
		for _, group := range packages(files, fset) {
			check(fset, imp, in.Packages[i].ID, group, in.GoVersion, analyzers)
		}
	}
	if err := buffer.Flush(); err != nil {
		os.Exit(2)
	}
}

func firstLine(text string) string {
	line, _, _ := strings.Cut(text, "\n")
	return line
}

// packages splits a folder's files into what go would build together: one group per package
// clause of the files for this platform, and each file for another platform (`_windows.go`,
// `//go:build arm64`) alone, since such files redeclare what the platform's files declare.
func packages(files []*ast.File, fset *token.FileSet) [][]*ast.File {
	var groups [][]*ast.File
	byName := map[string][]*ast.File{}
	var names []string
	for _, file := range files {
		name := fset.File(file.Pos()).Name()
		dir, base := splitPath(name)
		if ok, err := build.Default.MatchFile(dir, base); err == nil && !ok {
			groups = append(groups, []*ast.File{file})
			continue
		}
		if _, seen := byName[file.Name.Name]; !seen {
			names = append(names, file.Name.Name)
		}
		byName[file.Name.Name] = append(byName[file.Name.Name], file)
	}
	for _, name := range names {
		groups = append(groups, byName[name])
	}
	return groups
}

func splitPath(name string) (string, string) {
	i := strings.LastIndex(name, "/")
	return name[:i], name[i+1:]
}

// treeImporter reads the Go tree's packages from export data that one `go list -export` made,
// and answers every other import with an empty, complete package named after the path.
type treeImporter struct {
	exports map[string]string
	gc      types.ImporterFrom
	fakes   map[string]*types.Package
}

func newImporter(fset *token.FileSet, goCommand string, wanted map[string]bool) *treeImporter {
	imp := &treeImporter{exports: map[string]string{}, fakes: map[string]*types.Package{}}
	var tree []string
	for path := range wanted {
		first, _, _ := strings.Cut(path, "/")
		if !strings.Contains(first, ".") && !strings.HasPrefix(path, ".") {
			tree = append(tree, path)
		}
	}
	if len(tree) > 0 && goCommand != "" {
		args := append([]string{"list", "-e", "-export", "-deps", "-f", "{{.ImportPath}}\t{{.Export}}"}, tree...)
		command := exec.Command(goCommand, args...)
		command.Stderr = io.Discard
		if text, err := command.Output(); err == nil || len(text) > 0 {
			for _, line := range strings.Split(string(text), "\n") {
				if path, file, ok := strings.Cut(line, "\t"); ok && file != "" {
					imp.exports[path] = file
				}
			}
		}
	}
	imp.gc = importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		if file, ok := imp.exports[path]; ok {
			return os.Open(file)
		}
		return nil, fmt.Errorf("no export data for %q", path)
	}).(types.ImporterFrom)
	return imp
}

func (imp *treeImporter) Import(path string) (*types.Package, error) {
	return imp.ImportFrom(path, "", 0)
}

func (imp *treeImporter) ImportFrom(path, dir string, mode types.ImportMode) (*types.Package, error) {
	if path == "unsafe" { // no export data: the type checker's own
		return types.Unsafe, nil
	}
	if _, ok := imp.exports[path]; ok {
		if pkg, err := imp.gc.ImportFrom(path, dir, mode); err == nil {
			return pkg, nil
		}
	}
	if _, ok := imp.exports["vendor/"+path]; ok { // the Go tree's vendored golang.org/x packages
		if pkg, err := imp.gc.ImportFrom("vendor/"+path, dir, mode); err == nil {
			return pkg, nil
		}
	}
	if pkg, ok := imp.fakes[path]; ok {
		return pkg, nil
	}
	pkg := types.NewPackage(path, guessName(path))
	pkg.MarkComplete()
	imp.fakes[path] = pkg
	return pkg, nil
}

// guessName is the name a package at path most likely declares: its last element without a
// major-version suffix (`/v2`), a `go-` prefix or a `-go`/`.go` suffix, dashes and dots as `_`.
func guessName(path string) string {
	parts := strings.Split(path, "/")
	name := parts[len(parts)-1]
	if len(parts) > 1 && len(name) > 1 && name[0] == 'v' && strings.Trim(name[1:], "0123456789") == "" {
		name = parts[len(parts)-2]
	}
	name = strings.TrimPrefix(name, "go-")
	name = strings.TrimSuffix(strings.TrimSuffix(name, "-go"), ".go")
	name = strings.NewReplacer("-", "_", ".", "_").Replace(name)
	if name == "" {
		return "_"
	}
	return name
}

type factKey struct {
	obj types.Object
	pkg *types.Package
	typ reflect.Type
}

// syntactic is the analyzers whose findings do not rest on an argument's type; any other
// analyzer's finding on code holding an expression without a type (it depends on an import that is
// missing) is dropped: the type it judged is unknown, not wrong (xml.Unmarshal(data, config) with
// config of a missing package's type is not "a non-pointer").
var syntactic = map[string]bool{"appends": true, "assign": true, "buildtag": true, "defers": true,
	"directive": true, "loopclosure": true, "lostcancel": true, "structtag": true, "testinggoroutine": true,
	"tests": true, "unreachable": true, "waitgroup": true,
	// codecurate's own (checks.go)
	"sqlformat": true, "tlsinsecure": true, "replacezero": true, "lockdefer": true, "closeinloop": true}

// check type-checks one package and runs the analyzers on it. Files that redeclare what another
// file of the package declares (copies of one file, variants for other build configurations) are
// checked apart, each alone, as go would never build them together.
func check(fset *token.FileSet, imp *treeImporter, id string, files []*ast.File, goVersion string,
	analyzers []*analysis.Analyzer) {
	redeclaring := map[string]bool{}
	config := &types.Config{
		Importer:    imp,
		Sizes:       types.SizesFor("gc", build.Default.GOARCH),
		GoVersion:   goVersion,
		FakeImportC: true,
		Error: func(err error) { // tolerated: what depends on a missing import has no type
			if e, ok := err.(types.Error); ok && len(files) > 1 && strings.Contains(e.Msg, "redeclared in this block") {
				redeclaring[e.Fset.Position(e.Pos).Filename] = true
			}
		},
	}
	info := &types.Info{
		Types:        map[ast.Expr]types.TypeAndValue{},
		Defs:         map[*ast.Ident]types.Object{},
		Uses:         map[*ast.Ident]types.Object{},
		Implicits:    map[ast.Node]types.Object{},
		Instances:    map[*ast.Ident]types.Instance{},
		Scopes:       map[ast.Node]*types.Scope{},
		Selections:   map[*ast.SelectorExpr]*types.Selection{},
		FileVersions: map[*ast.File]string{},
	}
	pkg, _ := config.Check("codecurate.invalid/"+id, fset, files, info)
	if pkg == nil {
		return
	}
	if len(redeclaring) > 0 {
		var rest []*ast.File
		for _, file := range files {
			if redeclaring[fset.Position(file.Pos()).Filename] {
				check(fset, imp, id, []*ast.File{file}, goVersion, analyzers)
			} else {
				rest = append(rest, file)
			}
		}
		if len(rest) > 0 {
			check(fset, imp, id, rest, goVersion, analyzers)
		}
		return
	}
	seen := map[string]bool{}
	report := func(a *analysis.Analyzer, d analysis.Diagnostic) {
		if !syntactic[a.Name] && untyped(info, files, d) {
			return
		}
		position := fset.Position(d.Pos)
		key := fmt.Sprintf("%s:%d:%s:%s", position.Filename, position.Line, a.Name, d.Message)
		if !seen[key] {
			seen[key] = true
			emit(output{File: position.Filename, Line: position.Line, Analyzer: a.Name, Message: d.Message})
		}
	}
	all := newRunner(fset, pkg, info, config.Sizes, files, report)
	var typed *runner
	for _, a := range analyzers {
		err := all.run(a)
		if err == nil {
			continue
		}
		if typed == nil {
			kept := wellTyped(info, files)
			typed = newRunner(fset, pkg, withInvalid(info, kept), config.Sizes, kept, report)
		}
		if err = typed.run(a); err != nil {
			emit(output{File: fset.Position(files[0].Pos()).Filename, Analyzer: a.Name, Error: firstLine(err.Error())})
		}
	}
}

// untyped reports whether the code a diagnostic covers holds an expression without a type (the
// type checker records none for what depends on an unresolved import); a diagnostic at a point (a
// call's parenthesis) covers the smallest expression around that point.
func untyped(info *types.Info, files []*ast.File, d analysis.Diagnostic) bool {
	for _, file := range files {
		if d.Pos < file.Pos() || d.Pos > file.End() {
			continue
		}
		start, end := d.Pos, d.End
		if !end.IsValid() || end <= start {
			var around ast.Expr
			ast.Inspect(file, func(node ast.Node) bool {
				if node == nil || node.Pos() > d.Pos || d.Pos >= node.End() {
					return false
				}
				if expr, ok := node.(ast.Expr); ok {
					around = expr
				}
				return true
			})
			if around == nil {
				return false
			}
			start, end = around.Pos(), around.End()
		}
		found := false
		ast.Inspect(file, func(node ast.Node) bool {
			if found || node == nil || node.End() <= start || node.Pos() >= end {
				return false
			}
			if expr, ok := node.(ast.Expr); ok && expr.Pos() >= start && expr.End() <= end && !hasType(info, expr) {
				found = true
			}
			return !found
		})
		return found
	}
	return false
}

func hasType(info *types.Info, expr ast.Expr) bool {
	if tv, ok := info.Types[expr]; ok {
		return tv.Type != nil && tv.Type != types.Typ[types.Invalid]
	}
	switch e := expr.(type) {
	case *ast.Ident:
		obj := info.Uses[e]
		if obj == nil {
			obj = info.Defs[e]
		}
		if obj == nil {
			return e.Name == "_"
		}
		if _, isPackage := obj.(*types.PkgName); isPackage {
			return true
		}
		return obj.Type() != nil && obj.Type() != types.Typ[types.Invalid]
	case *ast.KeyValueExpr, *ast.Ellipsis:
		return true
	}
	return false
}

// wellTyped is files with only what is well typed: each declaration whose every expression has a
// type, and of a function that has not, its statements that have (a statement holding blocks keeps
// those of its blocks' statements that have, when its own header has types).
func wellTyped(info *types.Info, files []*ast.File) []*ast.File {
	var kept []*ast.File
	for _, file := range files {
		copied := *file
		copied.Decls = nil
		for _, decl := range file.Decls {
			if typed(info, file, decl) {
				copied.Decls = append(copied.Decls, decl)
			} else if fn, ok := decl.(*ast.FuncDecl); ok && fn.Body != nil {
				probe := func(stmt ast.Stmt) bool {
					return typed(info, file, &ast.FuncDecl{Recv: fn.Recv, Name: fn.Name, Type: fn.Type,
						Body: &ast.BlockStmt{List: []ast.Stmt{stmt}}})
				}
				body := *fn.Body
				body.List = typedStmts(fn.Body.List, probe)
				partial := *fn
				partial.Body = &body
				copied.Decls = append(copied.Decls, &partial)
			}
		}
		kept = append(kept, &copied)
	}
	return kept
}

// withInvalid is info with the invalid type recorded for each expression of files that has no type
// (one that depends on an unresolved import and that the type checker gave up on).
func withInvalid(info *types.Info, files []*ast.File) *types.Info {
	copied := *info
	copied.Types = make(map[ast.Expr]types.TypeAndValue, len(info.Types))
	for expr, tv := range info.Types {
		copied.Types[expr] = tv
	}
	for _, file := range files {
		ast.Inspect(file, func(node ast.Node) bool {
			expr, ok := node.(ast.Expr)
			if !ok {
				return true
			}
			if tv, known := copied.Types[expr]; known && tv.Type != nil {
				return true
			}
			var typ types.Type = types.Typ[types.Invalid]
			if id, isIdent := expr.(*ast.Ident); isIdent && info.Defs[id] != nil {
				return true
			} else if isIdent && info.Uses[id] != nil {
				if _, isPackage := info.Uses[id].(*types.PkgName); isPackage {
					return true
				}
				if info.Uses[id].Type() != nil {
					typ = info.Uses[id].Type()
				}
			}
			copied.Types[expr] = types.TypeAndValue{Type: typ}
			return true
		})
	}
	return &copied
}

func typedStmts(list []ast.Stmt, probe func(ast.Stmt) bool) []ast.Stmt {
	var kept []ast.Stmt
	for _, stmt := range list {
		if probe(stmt) {
			kept = append(kept, stmt)
			continue
		}
		var inner ast.Stmt
		switch s := stmt.(type) {
		case *ast.BlockStmt:
			block := *s
			block.List = typedStmts(s.List, probe)
			inner = &block
		case *ast.IfStmt:
			copied := *s
			body := *s.Body
			body.List = typedStmts(s.Body.List, probe)
			copied.Body = &body
			if s.Else != nil {
				if kept := typedStmts([]ast.Stmt{s.Else}, probe); len(kept) == 1 {
					copied.Else = kept[0]
				} else {
					copied.Else = nil
				}
			}
			inner = &copied
		case *ast.ForStmt:
			copied := *s
			body := *s.Body
			body.List = typedStmts(s.Body.List, probe)
			copied.Body = &body
			inner = &copied
		case *ast.RangeStmt:
			copied := *s
			body := *s.Body
			body.List = typedStmts(s.Body.List, probe)
			copied.Body = &body
			inner = &copied
		}
		if inner != nil && probe(inner) {
			kept = append(kept, inner)
		}
	}
	return kept
}

func typed(info *types.Info, file *ast.File, decl ast.Decl) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	var finder satisfy.Finder
	finder.Find(info, []*ast.File{{Name: file.Name, Decls: []ast.Decl{decl}}})
	return true
}

// runner runs analyzers and their prerequisites on one package's files, each result once.
type runner struct {
	fset    *token.FileSet
	pkg     *types.Package
	info    *types.Info
	sizes   types.Sizes
	files   []*ast.File
	report  func(*analysis.Analyzer, analysis.Diagnostic)
	facts   map[factKey]analysis.Fact
	results map[*analysis.Analyzer]any
	errors  map[*analysis.Analyzer]error
}

func newRunner(fset *token.FileSet, pkg *types.Package, info *types.Info, sizes types.Sizes, files []*ast.File,
	report func(*analysis.Analyzer, analysis.Diagnostic)) *runner {
	return &runner{fset: fset, pkg: pkg, info: info, sizes: sizes, files: files, report: report,
		facts: map[factKey]analysis.Fact{}, results: map[*analysis.Analyzer]any{},
		errors: map[*analysis.Analyzer]error{}}
}

func (r *runner) run(a *analysis.Analyzer) error {
	if _, done := r.results[a]; done {
		return nil
	}
	if err, done := r.errors[a]; done {
		return err
	}
	inputs := map[*analysis.Analyzer]any{}
	for _, req := range a.Requires {
		if err := r.run(req); err != nil {
			r.errors[a] = err
			return err
		}
		inputs[req] = r.results[req]
	}
	facts := r.facts
	pass := &analysis.Pass{
		Analyzer: a, Fset: r.fset, Files: r.files, Pkg: r.pkg, TypesInfo: r.info, TypesSizes: r.sizes,
		ResultOf: inputs,
		Report:   func(d analysis.Diagnostic) { r.report(a, d) },
		ReadFile: os.ReadFile,
		ImportObjectFact: func(obj types.Object, fact analysis.Fact) bool {
			return load(facts, factKey{obj: obj, typ: reflect.TypeOf(fact)}, fact)
		},
		ExportObjectFact: func(obj types.Object, fact analysis.Fact) {
			facts[factKey{obj: obj, typ: reflect.TypeOf(fact)}] = fact
		},
		ImportPackageFact: func(p *types.Package, fact analysis.Fact) bool {
			return load(facts, factKey{pkg: p, typ: reflect.TypeOf(fact)}, fact)
		},
		ExportPackageFact: func(fact analysis.Fact) {
			facts[factKey{pkg: r.pkg, typ: reflect.TypeOf(fact)}] = fact
		},
		AllObjectFacts: func() []analysis.ObjectFact {
			var all []analysis.ObjectFact
			for key, fact := range facts {
				if key.obj != nil {
					all = append(all, analysis.ObjectFact{Object: key.obj, Fact: fact})
				}
			}
			return all
		},
		AllPackageFacts: func() []analysis.PackageFact {
			var all []analysis.PackageFact
			for key, fact := range facts {
				if key.pkg != nil {
					all = append(all, analysis.PackageFact{Package: key.pkg, Fact: fact})
				}
			}
			return all
		},
	}
	result, err := safeRun(a, pass)
	if err != nil {
		r.errors[a] = err
		return err
	}
	r.results[a] = result
	return nil
}

func load(facts map[factKey]analysis.Fact, key factKey, into analysis.Fact) bool {
	fact, ok := facts[key]
	if ok {
		reflect.ValueOf(into).Elem().Set(reflect.ValueOf(fact).Elem())
	}
	return ok
}

// safeRun runs one analyzer; a panic on a package with missing types is that analyzer's failure only.
func safeRun(a *analysis.Analyzer, pass *analysis.Pass) (result any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s panicked: %v", a.Name, r)
			if os.Getenv("CODECURATE_VET_TRACE") != "" {
				fmt.Fprintf(os.Stderr, "%v\n%s\n", err, debug.Stack())
			}
		}
	}()
	return a.Run(pass)
}
