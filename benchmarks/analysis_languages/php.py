"""PHP (semgrep with ``codecurate/data/semgrep/php.yaml``): corpus and planted defects.

The corpus is the PHP libraries Debian installs under ``/usr/share/php``, one folder per vendor:

- dev (what the rules were tuned on): Symfony (``php-symfony`` 5.4.53, every component and bundle) and
  Composer (``composer`` 2.5.5 with the libraries it vendors under ``Composer/``, plus ``Seld/``
  (jsonlint, phar-utils, signal-handler) and ``JsonSchema/`` (justinrainbow/json-schema)).
- heldout (never read while writing the rules): Doctrine (``php-doctrine-dbal`` 3.6.1,
  ``php-doctrine-orm`` 2.14.1 and their dependencies), Guzzle (``php-guzzlehttp-guzzle`` 7.4.5, psr7
  2.4.5, promises 1.5.2), League (``php-league-commonmark`` 2.3.9, ``php-league-flysystem`` 1.1.10),
  Monolog 2.9.1, Twig 3.5.1, PHPUnit 9.6.7 with SebastianBergmann's and PharIo/TheSeer's libraries,
  PhpParser, ProxyManager 2.11.1, Laminas, Nette, Egulias, DeepCopy, Psr, React, Dflydev.

Measured by ``python benchmarks/analysis_oracle.py --languages php --only-modules``
(``CODECURATE_SEMGREP_RULES=FOLDER`` measures rules being written).
"""

from __future__ import annotations

import random
import re
from pathlib import Path

LANGUAGE = "PHP"
ROOT = Path("/usr/share/php")
PACKAGES = {
    "dev": ("Symfony", "Composer", "Seld", "JsonSchema"),
    "heldout": ("Doctrine", "GuzzleHttp", "League", "Monolog", "Twig", "PHPUnit", "SebastianBergmann", "PharIo",
                "TheSeer", "PhpParser", "ProxyManager", "Laminas", "Nette", "Egulias", "DeepCopy", "Psr", "React",
                "Dflydev"),
}
INSTALL = [
    "apt-get install -y --no-install-recommends php-cli php-symfony composer php-guzzlehttp-guzzle "
    "php-guzzlehttp-psr7 php-monolog php-twig php-doctrine-dbal php-doctrine-orm php-league-commonmark "
    "php-league-flysystem phpunit",
]


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def corpus(rng: random.Random, limit: int, split: str) -> list[tuple[str, str, str]]:
    """(repo, path, text) of the ``.php`` files of the split's vendor folders; ``limit`` caps each folder."""
    files = []
    for vendor in PACKAGES[split]:
        paths = sorted(p for p in (ROOT / vendor).rglob("*.php") if p.is_file())
        if limit < len(paths):
            paths = sorted(rng.sample(paths, limit))
        for path in paths:
            text = _read(path)
            if text is not None:
                files.append((vendor, str(path.relative_to(ROOT)), text))
    return files


PLANTS = {
    "SQL injection": """
function codecurate_find_order($db)
{
    $customer = $_GET['customer'];
    $sql = "SELECT id, total FROM orders WHERE customer = '" . $customer . "' ORDER BY id";
    $result = mysqli_query($db, $sql);
    return mysqli_fetch_all($result, MYSQLI_ASSOC);
}
""",
    "command injection": """
function codecurate_make_thumbnail()
{
    $file = $_POST['file'];
    $output = shell_exec('convert ' . $file . ' -resize 64x64 /tmp/thumb.png');
    return $output !== null;
}
""",
    "file inclusion": """
function codecurate_render_page()
{
    $page = isset($_GET['page']) ? $_GET['page'] : 'home';
    include __DIR__ . '/pages/' . $page . '.php';
}
""",
    "cross-site scripting": """
function codecurate_search_header()
{
    $query = $_GET['q'];
    echo '<h1>Results for ' . $query . '</h1>';
}
""",
    "object injection": """
function codecurate_load_cart()
{
    if (!isset($_COOKIE['cart'])) {
        return [];
    }
    return unserialize(base64_decode($_COOKIE['cart']));
}
""",
    "weak password hash": """
function codecurate_store_user($db, $name, $password)
{
    $hash = md5($password);
    $stmt = $db->prepare('INSERT INTO users (name, hash) VALUES (?, ?)');
    return $stmt->execute([$name, $hash]);
}
""",
    "hard-coded password": """
function codecurate_reporting_connection()
{
    $pdo = new \\PDO('mysql:host=db.internal;dbname=reports', 'reporting', 'Rep0rt!ng2023');
    $pdo->setAttribute(\\PDO::ATTR_ERRMODE, \\PDO::ERRMODE_EXCEPTION);
    return $pdo;
}
""",
    "TLS verification off": """
function codecurate_fetch_json($url)
{
    $ch = curl_init($url);
    curl_setopt($ch, CURLOPT_RETURNTRANSFER, true);
    curl_setopt($ch, CURLOPT_SSL_VERIFYPEER, false);
    $body = curl_exec($ch);
    curl_close($ch);
    return json_decode($body, true);
}
""",
    "self-assignment": """
class CodecurateMailer
{
    private $sender;

    public function setSender($sender)
    {
        $this->sender = $this->sender;
        return $this;
    }
}
""",
    "assignment in condition": """
function codecurate_is_success($response)
{
    $status = $response['status'];
    if ($status = 200) {
        return true;
    }
    return false;
}
""",
    "unreachable code": """
function codecurate_apply_discount($total, $rate)
{
    return $total - $total * $rate;
    $total = max(0, $total);
}
""",
    "strpos as boolean": """
function codecurate_is_external($url)
{
    if (!strpos($url, 'https://')) {
        return false;
    }
    return true;
}
""",
    "identical operands": """
function codecurate_same_range($a, $b)
{
    return $a['start'] == $b['start'] && $a['end'] == $a['end'];
}
""",
}

_OPEN_TAG = re.compile(r"\A(#![^\n]*\n)?<\?php\b")
_BRACED_NAMESPACE = re.compile(r"^\s*namespace\s*([\w\\]+\s*)?\{", re.M)
_CLOSE_TAG_AT_END = re.compile(r"\?>\s*\Z")


def plant(host_text: str, snippet: str) -> str | None:
    """The host with the snippet appended to its PHP code: only plain PHP files (``<?php`` first, no
    braced namespaces, no inline HTML after the code, no ``__halt_compiler``)."""
    if not _OPEN_TAG.match(host_text) or _BRACED_NAMESPACE.search(host_text) or "__halt_compiler" in host_text.lower():
        return None
    closing = _CLOSE_TAG_AT_END.search(host_text)
    if closing is not None:
        host_text = host_text[:closing.start()]
    elif "?>" in host_text:
        return None
    return host_text + ("" if host_text.endswith("\n") else "\n") + snippet

