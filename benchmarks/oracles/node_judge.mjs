// Judge of the syntax oracle for JavaScript and TypeScript: one Node process for a batch of files.
//
//   node --experimental-vm-modules --no-warnings node_judge.mjs js
//   node node_judge.mjs ts /path/to/node_modules
//
// Reads JSON lines {"name": ..., "text": ...} on stdin, writes one JSON line per input:
// {"ok": true, "how": ...} or {"ok": false, "line": N, "msg": ...}.
// js: V8's parser, as `node --check` without a process per file: the text as a script, then as a
//     CommonJS module body (top-level `return`, as Node's loader compiles it), then as an ES module.
// ts: TypeScript's own parser, ts.createSourceFile and its parseDiagnostics.
import { createRequire } from 'node:module';
import readline from 'node:readline';
import vm from 'node:vm';

const mode = process.argv[2];
const ts = mode === 'ts' ? createRequire(`${process.argv[3]}/`)('typescript') : null;
const CJS_PARAMS = ['exports', 'require', 'module', '__filename', '__dirname'];

function lineOf(error, name) {
  const stack = String(error && error.stack || '');
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = stack.match(new RegExp(`${escaped}:(\\d+)`));
  return match ? Number(match[1]) : 0;
}

function judgeJs(name, text) {
  const failures = [];
  const attempts = [
    ['script', () => new vm.Script(text, { filename: name })],
    ['commonjs', () => vm.compileFunction(text, CJS_PARAMS, { filename: name })],
    ['module', () => new vm.SourceTextModule(text, { identifier: name })],
  ];
  for (const [how, attempt] of attempts) {
    try {
      attempt();
      return { ok: true, how };
    } catch (error) {
      failures.push({ how, line: lineOf(error, name), msg: String(error && error.message || error).slice(0, 200) });
    }
  }
  // the attempt that got furthest says most about where the file breaks
  failures.sort((a, b) => b.line - a.line);
  const { line, msg, how } = failures[0];
  return { ok: false, line, msg: `${how}: ${msg}` };
}

function judgeTs(name, text) {
  const kind = name.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const file = ts.createSourceFile(name, text, ts.ScriptTarget.Latest, false, kind);
  const diagnostics = file.parseDiagnostics || [];
  if (diagnostics.length === 0) return { ok: true, how: `typescript ${ts.version}` };
  const first = diagnostics[0];
  const line = first.start === undefined ? 0 : file.getLineAndCharacterOfPosition(first.start).line + 1;
  return { ok: false, line, msg: ts.flattenDiagnosticMessageText(first.messageText, ' ').slice(0, 200) };
}

const input = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of input) {
  if (!line) continue;
  const { name, text } = JSON.parse(line);
  let verdict;
  try {
    verdict = mode === 'ts' ? judgeTs(name, text) : judgeJs(name, text);
  } catch (error) {
    verdict = { ok: null, line: 0, msg: `judge crashed: ${error}`.slice(0, 200) };
  }
  process.stdout.write(`${JSON.stringify(verdict)}\n`);
}
