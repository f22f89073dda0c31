// codecurate's ESLint configuration: ESLint's core defect rules only, offline (no plugin, no
// network, no project configuration). The rules and their severities are in eslint-rules.json
// beside this file, or in the file CODECURATE_ESLINT_RULES names.
//
// Globals: every environment a file may target is known (ES builtins, browser, Node, workers, AMD,
// jQuery, mocha/jest/jasmine/qunit), from the `globals` package that comes with eslint, so that
// no-undef reports names that exist nowhere, not names of an environment we cannot guess.
// .js files are parsed as modules with JSX, .cjs files (codecurate's retry for files that are not
// valid modules) as CommonJS scripts; .ts/.tsx with @typescript-eslint/parser when it is installed
// beside eslint. Run by codecurate as: eslint --config THIS_FILE --format json FILES (cwd: the files).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const rulesFile = process.env.CODECURATE_ESLINT_RULES || new URL("./eslint-rules.json", import.meta.url);
const table = JSON.parse(readFileSync(rulesFile, "utf8")).rules;

// packages installed beside eslint (its npm prefix) are found from eslint's node_modules folder
const modules = process.env.CODECURATE_ESLINT_MODULES;
const require = createRequire(modules ? path.join(modules, "codecurate.js") : import.meta.url);
function optional(name) {
  try {
    return require(name);
  } catch {
    return null;
  }
}

const ENVIRONMENTS = ["builtin", "browser", "node", "commonjs", "worker", "serviceworker", "shared-node-browser",
  "amd", "jquery", "mocha", "jest", "jasmine", "qunit", "webextensions", "greasemonkey", "devtools"];
const FALLBACK_GLOBALS = ["window", "document", "navigator", "location", "console", "self", "globalThis", "require",
  "module", "exports", "process", "Buffer", "global", "__dirname", "__filename", "setTimeout", "clearTimeout",
  "setInterval", "clearInterval", "setImmediate", "clearImmediate", "queueMicrotask", "fetch", "URL",
  "URLSearchParams", "TextEncoder", "TextDecoder", "AbortController", "Event", "EventTarget", "define",
  "describe", "it", "test", "expect", "beforeEach", "afterEach", "beforeAll", "afterAll", "jest", "$", "jQuery"];
const globalsPackage = optional("globals");
const known = {};
if (globalsPackage) {
  for (const environment of ENVIRONMENTS) Object.assign(known, globalsPackage[environment] || {});
} else {
  for (const name of FALLBACK_GLOBALS) known[name] = "readonly";
}

function rules(typescript) {
  const selected = {};
  for (const [name, rule] of Object.entries(table)) {
    if (typescript && rule.typescript === false) continue;
    selected[name] = rule.options ? ["error", ...rule.options] : "error";
  }
  return selected;
}

const linterOptions = { reportUnusedDisableDirectives: "off" };
const javascript = (sourceType) => ({
  linterOptions,
  languageOptions: { ecmaVersion: "latest", sourceType, globals: known, parserOptions: { ecmaFeatures: { jsx: true } } },
  rules: rules(false),
});
const config = [
  { files: ["**/*.js"], ...javascript("module") },
  { files: ["**/*.cjs"], ...javascript("commonjs") },
];

const typescriptParser = optional("@typescript-eslint/parser");
if (typescriptParser) {
  for (const [pattern, jsx] of [["**/*.ts", false], ["**/*.tsx", true]]) {
    config.push({
      files: [pattern],
      linterOptions,
      languageOptions: {
        parser: typescriptParser, sourceType: "module", globals: known, parserOptions: { ecmaFeatures: { jsx } },
      },
      rules: rules(true),
    });
  }
}

export default config;
