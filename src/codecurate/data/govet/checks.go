// codecurate's own analyzers: Go bugs and vulnerabilities that none of go vet's analyzers looks
// for. They read the syntax tree only (a call's receiver of a missing package's type is still
// judged), so they run on every package the driver reads, typed or not.
package main

import (
	"go/ast"
	"go/token"
	"go/types"
	"regexp"

	"golang.org/x/tools/go/analysis"
)

// checks are the analyzers this file defines; main runs them after go vet's.
var checks = []*analysis.Analyzer{sqlFormat, tlsInsecure, replaceZero, lockDefer, closeInLoop}

// walk calls visit on every node of the files with the node's ancestors (the file first).
func walk(files []*ast.File, visit func(node ast.Node, ancestors []ast.Node)) {
	for _, file := range files {
		var stack []ast.Node
		ast.Inspect(file, func(node ast.Node) bool {
			if node == nil {
				stack = stack[:len(stack)-1]
				return false
			}
			visit(node, stack)
			stack = append(stack, node)
			return true
		})
	}
}

// scopeEnd is where the statement list holding the innermost ancestor statement ends: a name
// declared there is seen up to that point.
func scopeEnd(ancestors []ast.Node) token.Pos {
	for i := len(ancestors) - 1; i >= 0; i-- {
		switch node := ancestors[i].(type) {
		case *ast.BlockStmt, *ast.CaseClause, *ast.CommClause:
			return node.End()
		}
	}
	return token.NoPos
}

// method reports whether call is `X.name(...)` with name in names, and returns X.
func method(call *ast.CallExpr, names map[string]bool) (ast.Expr, string, bool) {
	selector, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok || !names[selector.Sel.Name] {
		return nil, "", false
	}
	return selector.X, selector.Sel.Name, true
}

// packageCall reports whether call is `pkg.name(...)` for one of names, with pkg written as is.
func packageCall(node ast.Node, pkg string, names map[string]bool) (*ast.CallExpr, bool) {
	call, ok := node.(*ast.CallExpr)
	if !ok {
		return nil, false
	}
	receiver, _, ok := method(call, names)
	if !ok {
		return nil, false
	}
	ident, ok := receiver.(*ast.Ident)
	return call, ok && ident.Name == pkg
}

func set(names ...string) map[string]bool {
	out := map[string]bool{}
	for _, name := range names {
		out[name] = true
	}
	return out
}

// sqlFormat: SQL text built by fmt.Sprintf with a quoted '%s'/'%v' value, passed to a query method
// directly or through a variable declared from it.
var sqlFormat = &analysis.Analyzer{
	Name: "sqlformat",
	Doc:  sqlFormatMessage,
	Run:  runSQLFormat,
}

const sqlFormatMessage = "SQL built with fmt.Sprintf and a quoted '%s' value; use a query parameter (SQL injection)"

var (
	queryMethods = set("Query", "QueryRow", "Exec", "QueryContext", "QueryRowContext", "ExecContext", "Prepare",
		"PrepareContext", "Select", "Get", "Queryx", "QueryRowx", "MustExec")
	sprintf   = set("Sprintf")
	quotedSQL = regexp.MustCompile("(?is)^[\"`].*\\b(?:select|insert|update|delete)\\b.*'%[sv]'")
)

// formattedSQL reports whether expr is fmt.Sprintf of a literal SQL format quoting a value.
func formattedSQL(expr ast.Expr) bool {
	call, ok := packageCall(ast.Unparen(expr), "fmt", sprintf)
	if !ok || len(call.Args) == 0 {
		return false
	}
	literal, ok := call.Args[0].(*ast.BasicLit)
	return ok && literal.Kind == token.STRING && quotedSQL.MatchString(literal.Value)
}

func runSQLFormat(pass *analysis.Pass) (any, error) {
	type definition struct{ from, to token.Pos }
	defined := map[string][]definition{} // names declared `q := fmt.Sprintf(SQL, ...)`, and where they are seen
	walk(pass.Files, func(node ast.Node, ancestors []ast.Node) {
		assign, ok := node.(*ast.AssignStmt)
		if ok && assign.Tok == token.DEFINE && len(assign.Lhs) == 1 && len(assign.Rhs) == 1 && formattedSQL(assign.Rhs[0]) {
			if name, ok := assign.Lhs[0].(*ast.Ident); ok {
				defined[name.Name] = append(defined[name.Name], definition{assign.End(), scopeEnd(ancestors)})
			}
		}
	})
	walk(pass.Files, func(node ast.Node, _ []ast.Node) {
		call, ok := node.(*ast.CallExpr)
		if !ok {
			return
		}
		if _, _, ok := method(call, queryMethods); !ok {
			return
		}
		for _, arg := range call.Args[:min(2, len(call.Args))] { // the query, or the context then the query
			if formattedSQL(arg) {
				pass.Reportf(call.Pos(), "%s", sqlFormatMessage)
				return
			}
			if name, ok := arg.(*ast.Ident); ok {
				for _, d := range defined[name.Name] {
					if d.from <= call.Pos() && call.Pos() < d.to {
						pass.Reportf(call.Pos(), "%s", sqlFormatMessage)
						return
					}
				}
			}
		}
	})
	return nil, nil
}

// tlsInsecure: a tls.Config literal with InsecureSkipVerify: true outside any branch (a branch is
// a user's explicit choice, `if insecure { ... }`, not a leak).
var tlsInsecure = &analysis.Analyzer{
	Name: "tlsinsecure",
	Doc:  "TLS certificate verification disabled (InsecureSkipVerify true)",
	Run: func(pass *analysis.Pass) (any, error) {
		walk(pass.Files, func(node ast.Node, ancestors []ast.Node) {
			literal, ok := node.(*ast.CompositeLit)
			if !ok || !isSelector(literal.Type, "tls", "Config") {
				return
			}
			for _, ancestor := range ancestors {
				switch ancestor.(type) {
				case *ast.IfStmt, *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt:
					return
				}
			}
			for _, element := range literal.Elts {
				pair, ok := element.(*ast.KeyValueExpr)
				if !ok {
					continue
				}
				key, keyOK := pair.Key.(*ast.Ident)
				value, valueOK := pair.Value.(*ast.Ident)
				if keyOK && valueOK && key.Name == "InsecureSkipVerify" && value.Name == "true" {
					pass.Reportf(pair.Pos(), "%s", "TLS certificate verification disabled (InsecureSkipVerify true)")
				}
			}
		})
		return nil, nil
	},
}

func isSelector(expr ast.Expr, pkg, name string) bool {
	selector, ok := expr.(*ast.SelectorExpr)
	if !ok || selector.Sel.Name != name {
		return false
	}
	ident, ok := selector.X.(*ast.Ident)
	return ok && ident.Name == pkg
}

// replaceZero: strings.Replace / bytes.Replace with n = 0 replaces nothing.
var replaceZero = &analysis.Analyzer{
	Name: "replacezero",
	Doc:  "strings.Replace with n == 0 replaces nothing",
	Run: func(pass *analysis.Pass) (any, error) {
		replace := set("Replace")
		walk(pass.Files, func(node ast.Node, _ []ast.Node) {
			call, ok := packageCall(node, "strings", replace)
			if !ok {
				call, ok = packageCall(node, "bytes", replace)
			}
			if !ok || len(call.Args) != 4 {
				return
			}
			if n, ok := call.Args[3].(*ast.BasicLit); ok && n.Kind == token.INT && n.Value == "0" {
				pass.Reportf(call.Pos(), "%s", "strings.Replace with n == 0 replaces nothing")
			}
		})
		return nil, nil
	},
}

// lockDefer: `m.Lock()` followed by a deferred call that does not release it.
var lockDefer = &analysis.Analyzer{
	Name: "lockdefer",
	Doc:  "the deferred call does not release the lock just taken (deadlock or a panic on unlock)",
	Run: func(pass *analysis.Pass) (any, error) {
		wrong := map[string]map[string]bool{"Lock": set("Lock", "RUnlock"), "RLock": set("RLock", "Unlock")}
		locks := set("Lock", "RLock")
		walk(pass.Files, func(node ast.Node, _ []ast.Node) {
			for _, list := range statementLists(node) {
				for i := 0; i+1 < len(list); i++ {
					taken, ok := list[i].(*ast.ExprStmt)
					deferred, deferOK := list[i+1].(*ast.DeferStmt)
					if !ok || !deferOK {
						continue
					}
					call, ok := ast.Unparen(taken.X).(*ast.CallExpr)
					if !ok || len(call.Args) != 0 {
						continue
					}
					mutex, lock, ok := method(call, locks)
					if !ok {
						continue
					}
					other, release, ok := method(deferred.Call, wrong[lock])
					if ok && len(deferred.Call.Args) == 0 && types.ExprString(other) == types.ExprString(mutex) {
						pass.Reportf(taken.Pos(), "%s.%s() then defer %s.%s(): %s", types.ExprString(mutex), lock,
							types.ExprString(other), release, "the lock taken is not the one released")
					}
				}
			}
		})
		return nil, nil
	},
}

// statementLists gives the statement lists a node holds directly.
func statementLists(node ast.Node) [][]ast.Stmt {
	switch node := node.(type) {
	case *ast.BlockStmt:
		return [][]ast.Stmt{node.List}
	case *ast.CaseClause:
		return [][]ast.Stmt{node.Body}
	case *ast.CommClause:
		return [][]ast.Stmt{node.Body}
	}
	return nil
}

// closeInLoop: a file opened in a loop body and closed by defer, which runs only when the
// function returns: the loop holds every file it opened.
var closeInLoop = &analysis.Analyzer{
	Name: "closeinloop",
	Doc:  "a file opened in a loop is closed by defer, at function return; the loop holds every file open",
	Run: func(pass *analysis.Pass) (any, error) {
		type opening struct{ from, to token.Pos }
		opened := map[string][]opening{} // names assigned os.Open/OpenFile/Create inside a loop body
		opens := set("Open", "OpenFile", "Create")
		walk(pass.Files, func(node ast.Node, ancestors []ast.Node) {
			assign, ok := node.(*ast.AssignStmt)
			if !ok || len(assign.Lhs) != 2 || len(assign.Rhs) != 1 || innermostLoop(ancestors) == nil {
				return
			}
			if _, ok := packageCall(ast.Unparen(assign.Rhs[0]), "os", opens); !ok {
				return
			}
			if name, ok := assign.Lhs[0].(*ast.Ident); ok && name.Name != "_" {
				opened[name.Name] = append(opened[name.Name], opening{assign.End(), scopeEnd(ancestors)})
			}
		})
		closeCall := set("Close")
		walk(pass.Files, func(node ast.Node, ancestors []ast.Node) {
			deferred, ok := node.(*ast.DeferStmt)
			if !ok || len(deferred.Call.Args) != 0 {
				return
			}
			receiver, _, ok := method(deferred.Call, closeCall)
			name, isName := receiver.(*ast.Ident)
			loop := innermostLoop(ancestors)
			if !ok || !isName || loop == nil {
				return
			}
			for _, o := range opened[name.Name] {
				if loop.Pos() < o.from && o.from <= deferred.Pos() && deferred.Pos() < o.to {
					pass.Reportf(deferred.Pos(), "defer %s.Close() in a loop: the file stays open until the function returns",
						name.Name)
					return
				}
			}
		})
		return nil, nil
	},
}

// innermostLoop is the loop around the innermost function that holds the node, if any.
func innermostLoop(ancestors []ast.Node) ast.Node {
	for i := len(ancestors) - 1; i >= 0; i-- {
		switch node := ancestors[i].(type) {
		case *ast.ForStmt, *ast.RangeStmt:
			return node
		case *ast.FuncLit, *ast.FuncDecl:
			return nil
		}
	}
	return nil
}
