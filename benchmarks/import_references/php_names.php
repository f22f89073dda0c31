<?php
// The reference view of PHP files for benchmarks/import_languages.py, from PHP's own tokenizer:
// per file (paths as JSON on stdin), the class-likes and functions it declares, every name it
// references resolved as PHP resolves names (aliases of top-level `use`, the current namespace),
// and the literal paths it requires or includes. Prints one JSON object per file.
$skip = [T_WHITESPACE, T_COMMENT, T_DOC_COMMENT, T_OPEN_TAG, T_CLOSE_TAG, T_INLINE_HTML];
$names = [T_STRING, T_NAME_QUALIFIED, T_NAME_FULLY_QUALIFIED, T_NAME_RELATIVE];
foreach (json_decode(stream_get_contents(STDIN), true) as $path) {
    $code = @file_get_contents($path);
    try { $all = @token_get_all($code, TOKEN_PARSE); } catch (Throwable $e) { $all = @token_get_all($code); }
    $tokens = [];
    foreach ($all as $t) { if (!(is_array($t) && in_array($t[0], $skip))) $tokens[] = $t; }
    $id = fn($t) => is_array($t) ? $t[0] : $t;
    $text = fn($t) => is_array($t) ? $t[1] : $t;
    $ns = ''; $aliases = []; $declared = []; $refs = []; $includes = [];
    $depth = 0; $top = 0; $count = count($tokens);
    for ($k = 0; $k < $count; $k++) {
        $t = $tokens[$k]; $i = $id($t); $prev = $k > 0 ? $id($tokens[$k - 1]) : null;
        if ($i === '{' || $i === T_CURLY_OPEN || $i === T_DOLLAR_OPEN_CURLY_BRACES) { $depth++; continue; }
        if ($i === '}') { $depth--; continue; }
        if ($i === T_NAMESPACE && $k + 1 < $count && in_array($id($tokens[$k + 1]), [T_STRING, T_NAME_QUALIFIED, '{'])) {
            $ns = $id($tokens[$k + 1]) === '{' ? '' : strtolower($text($tokens[$k + 1]));
            $aliases = [];
            $j = $k + 1; while ($j < $count && !in_array($id($tokens[$j]), [';', '{'])) $j++;
            $top = $j < $count && $id($tokens[$j]) === '{' ? $depth + 1 : $depth;
            $k = $j - 1; continue;
        }
        if ($i === T_USE && $depth === $top && $k + 1 < $count && $id($tokens[$k + 1]) !== '(') {
            $j = $k + 1; $clause = '';
            while ($j < $count && $id($tokens[$j]) !== ';') { $clause .= $text($tokens[$j]) . ' '; $j++; }
            $clause = preg_replace('/^\s*(function|const)\s+/i', '', $clause);
            if (preg_match('/^(.*?)\{(.*)\}/s', $clause, $m)) {
                $prefix = trim(str_replace(' ', '', $m[1]), '\\') . '\\'; $parts = explode(',', $m[2]);
            } else { $prefix = ''; $parts = explode(',', $clause); }
            foreach ($parts as $part) {
                $part = preg_replace('/^\s*(function|const)\s+/i', '', $part);
                $bits = preg_split('/\s+as\s+/i', trim($part));
                $full = strtolower(trim($prefix . str_replace(' ', '', $bits[0]), '\\'));
                if ($full === '' || $full === '\\') continue;
                $alias = strtolower(count($bits) > 1 ? trim($bits[1]) : substr(strrchr('\\' . $full, '\\'), 1));
                $aliases[$alias] = $full; $refs[] = $full;
            }
            $k = $j; continue;
        }
        if (in_array($i, [T_CLASS, T_INTERFACE, T_TRAIT, T_ENUM]) && $prev !== T_DOUBLE_COLON && $prev !== T_NEW
            && $k + 1 < $count && $id($tokens[$k + 1]) === T_STRING) {
            $declared[] = ($ns === '' ? '' : $ns . '\\') . strtolower($text($tokens[$k + 1])); $k++; continue;
        }
        if ($i === T_FUNCTION && $depth === $top && $k + 1 < $count && $id($tokens[$k + 1]) === T_STRING) {
            $declared[] = ($ns === '' ? '' : $ns . '\\') . strtolower($text($tokens[$k + 1])); $k++; continue;
        }
        if (in_array($i, $names)) {
            $name = strtolower($text($t));
            if ($i === T_NAME_FULLY_QUALIFIED) $full = ltrim($name, '\\');
            elseif ($i === T_NAME_RELATIVE) $full = ($ns === '' ? '' : $ns . '\\') . substr($name, strlen('namespace\\'));
            else {
                $first = explode('\\', $name)[0]; $rest = substr($name, strlen($first));
                $full = isset($aliases[$first]) ? $aliases[$first] . $rest : ($ns === '' ? '' : $ns . '\\') . $name;
            }
            $refs[] = $full; continue;
        }
        if (in_array($i, [T_REQUIRE, T_REQUIRE_ONCE, T_INCLUDE, T_INCLUDE_ONCE])) {
            $j = $k + 1; $dir = dirname($path); $literal = null; $base = null; $ok = true;
            $parts = [];
            while ($j < $count && $id($tokens[$j]) !== ';') { $parts[] = $tokens[$j]; $j++; }
            $up = 0; $strings = 0;
            foreach ($parts as $p) {
                $pi = $id($p);
                if ($pi === T_CONSTANT_ENCAPSED_STRING) { $literal = substr($text($p), 1, -1); $strings++; }
                elseif ($pi === T_DIR) $base = $base ?? 'dir';
                elseif ($pi === T_FILE) $base = $base ?? 'file';
                elseif ($pi === T_STRING && strtolower($text($p)) === 'dirname') $up++;
                elseif ($pi === T_LNUMBER) $up += intval($text($p)) - 1;
                elseif (!in_array($pi, ['.', '(', ')', ','])) $ok = false;
            }
            if ($ok && $strings === 1) {
                if ($base === 'file') $up--;
                if ($base !== null) { for ($u = 0; $u < $up; $u++) $dir = dirname($dir); $includes[] = [$dir . '/' . ltrim($literal, '/')]; }
                elseif ($up === 0) $includes[] = [$dir . '/' . $literal, $literal];
            }
            $k = $j; continue;
        }
    }
    echo json_encode(['path' => $path, 'declared' => array_values(array_unique($declared)),
                      'refs' => array_values(array_unique($refs)), 'includes' => $includes]), "\n";
}
