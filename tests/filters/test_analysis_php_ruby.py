"""codecurate's semgrep rules for PHP and Ruby (codecurate/data/semgrep/php.yaml, ruby.yaml), with the real
semgrep.

Each rule fires on a small realistic defect and not on its correct twin; every file of both languages goes
through one semgrep run (a module-scoped fixture).
"""

from __future__ import annotations

import textwrap

import pytest

from codecurate.filters.analysis import SourceFile
from codecurate.filters.analysis.semgrep import SemgrepAnalyzer, shipped_rules

#: rule -> (PHP code with the defect, its correct twin); each is the body of a file after ``<?php``
PHP_CASES: dict[str, tuple[str, str]] = {
    "php-sql-injection": (
        """
        function find_order($db)
        {
            $customer = $_GET['customer'];
            $sql = "SELECT id FROM orders WHERE customer = '" . $customer . "'";
            return mysqli_query($db, $sql);
        }
        function find_user(\\PDO $pdo)
        {
            return $pdo->query("SELECT * FROM users WHERE name = '{$_POST['name']}'");
        }
        """,
        """
        function find_order($db)
        {
            $id = (int) $_GET['id'];
            $customer = mysqli_real_escape_string($db, $_GET['customer']);
            mysqli_query($db, "SELECT id FROM orders WHERE customer = '" . $customer . "'");
            return mysqli_query($db, "SELECT id FROM orders WHERE id = " . $id);
        }
        function find_user(\\PDO $pdo, $name)
        {
            $stmt = $pdo->prepare('SELECT * FROM users WHERE name = ?');
            $stmt->execute([$_POST['name']]);
            return $pdo->query("SELECT * FROM users WHERE name = '$name'");
        }
        """,
    ),
    "php-code-injection": (
        """
        function calc()
        {
            eval('$result = ' . $_GET['expr'] . ';');
            return $result;
        }
        function page()
        {
            include __DIR__ . '/pages/' . $_GET['page'] . '.php';
        }
        """,
        """
        function calc($expr)
        {
            eval('$result = ' . $expr . ';');
            return $result;
        }
        function page()
        {
            $pages = ['home' => 'home.php', 'about' => 'about.php'];
            include __DIR__ . '/pages/' . basename(__FILE__);
            return isset($pages[$_GET['page']]);
        }
        """,
    ),
    "php-command-injection": (
        """
        function ping()
        {
            $host = $_GET['host'];
            return shell_exec('ping -c 1 ' . $host);
        }
        """,
        """
        function ping()
        {
            $host = escapeshellarg($_GET['host']);
            return shell_exec('ping -c 1 ' . $host);
        }
        """,
    ),
    "php-unserialize-input": (
        """
        function cart()
        {
            return unserialize(base64_decode($_COOKIE['cart']));
        }
        """,
        """
        function cart($cache)
        {
            $data = json_decode($_COOKIE['cart'], true);
            return [$data, unserialize($cache->get('cart'))];
        }
        """,
    ),
    "php-xss-echo": (
        """
        function header_for_search()
        {
            echo '<h1>Results for ' . $_GET['q'] . '</h1>';
        }
        """,
        """
        function header_for_search()
        {
            echo '<h1>Results for ' . htmlspecialchars($_GET['q'], ENT_QUOTES) . '</h1>';
        }
        """,
    ),
    "php-preg-replace-eval": (
        """
        function shout($s)
        {
            return preg_replace('/(\\w+)/e', 'strtoupper("$1")', $s);
        }
        """,
        """
        function shout($s)
        {
            $s = preg_replace('/e+/i', 'e', $s);
            return preg_replace_callback('/(\\w+)/', fn ($m) => strtoupper($m[1]), $s);
        }
        """,
    ),
    "php-weak-password-hash": (
        """
        function store($password)
        {
            return md5($password);
        }
        """,
        """
        function store($password, $file)
        {
            $etag = md5_file($file) . sha1($file);
            return [password_hash($password, PASSWORD_DEFAULT), $etag];
        }
        """,
    ),
    "php-hardcoded-db-password": (
        """
        function connect()
        {
            return new \\PDO('mysql:host=db;dbname=shop', 'shop', 'S3cr3t!pw');
        }
        """,
        """
        function connect()
        {
            return new \\PDO('mysql:host=db;dbname=shop', 'shop', getenv('DB_PASSWORD'));
        }
        """,
    ),
    "php-curl-ssl-verify-off": (
        """
        function fetch($url)
        {
            $ch = curl_init($url);
            curl_setopt($ch, CURLOPT_SSL_VERIFYPEER, false);
            return curl_exec($ch);
        }
        """,
        """
        function fetch($url, array $options)
        {
            $ch = curl_init($url);
            curl_setopt($ch, CURLOPT_SSL_VERIFYPEER, true);
            if ($options['verify'] === false) {
                curl_setopt($ch, CURLOPT_SSL_VERIFYPEER, false);
            }
            return curl_exec($ch);
        }
        """,
    ),
    "php-self-assignment": (
        """
        class Mailer
        {
            private $sender;
            public function setSender($sender)
            {
                $this->sender = $this->sender;
            }
        }
        """,
        """
        class Mailer
        {
            private $sender;
            public function setSender($sender)
            {
                $this->sender = $sender;
                $sender = (string) $sender;
                $a = $b = 0;
            }
        }
        """,
    ),
    "php-identical-operands": (
        """
        function same_range($a, $b)
        {
            return $a['start'] == $b['start'] && $a['end'] == $a['end'];
        }
        """,
        """
        function same_range($a, $b, $value)
        {
            $isNan = $value !== $value;
            $isInt = (int) $value == $value;
            return $a['start'] == $b['start'] && $a['end'] == $b['end'];
        }
        """,
    ),
    "php-assign-in-condition": (
        """
        function is_success($status)
        {
            if ($status = 200) {
                return true;
            }
            return false;
        }
        """,
        """
        function is_success($status, $line)
        {
            if ($match = preg_match('/ok/', $line)) {
                return true;
            }
            return $status == 200;
        }
        """,
    ),
    "php-unreachable-code": (
        """
        function discount($total, $rate)
        {
            return $total - $total * $rate;
            $total = max(0, $total);
        }
        """,
        """
        function discount($total, $rate)
        {
            switch ($rate) {
                case 0:
                    return $total;
                    break;
            }
            return max(0, $total - $total * $rate);
        }
        """,
    ),
    "php-nan-comparison": (
        """
        function valid($x)
        {
            return $x != NAN;
        }
        """,
        """
        function valid($x)
        {
            return !is_nan($x);
        }
        """,
    ),
    "php-strpos-as-boolean": (
        """
        function is_secure($url)
        {
            if (!strpos($url, 'https://')) {
                return false;
            }
            return true;
        }
        """,
        """
        function is_secure($url)
        {
            if (strpos($url, 'https://') !== 0) {
                return false;
            }
            return strpos($url, '.') !== false;
        }
        """,
    ),
}

#: rule -> (Ruby code with the defect, its correct twin)
RUBY_CASES: dict[str, tuple[str, str]] = {
    "ruby-code-injection": (
        """
        class ReportsController < ApplicationController
          def show
            report = Report.find(params[:id])
            render plain: report.public_send(params[:column]).to_s
          end
        end
        """,
        """
        class ReportsController < ApplicationController
          COLUMNS = %w[title total].freeze

          def show
            report = Report.find(params[:id])
            column = COLUMNS.include?(params[:column]) ? params[:column] : "title"
            render plain: report.public_send(column).to_s
          end
        end
        """,
    ),
    "ruby-command-injection": (
        """
        class ThumbnailsController < ApplicationController
          def create
            system("convert #{params[:file]} -resize 64x64 /tmp/thumb.png")
          end
        end
        """,
        """
        class ThumbnailsController < ApplicationController
          def create
            system("convert", params[:file], "-resize", "64x64", "/tmp/thumb.png")
          end
        end
        """,
    ),
    "ruby-sql-injection": (
        """
        class OrdersController < ApplicationController
          def index
            @orders = Order.where("customer = '#{params[:customer]}'")
          end
        end
        """,
        """
        class OrdersController < ApplicationController
          def index
            @orders = Order.where("customer = ?", params[:customer])
          end
        end
        """,
    ),
    "ruby-unsafe-deserialization": (
        """
        class CartsController < ApplicationController
          def show
            @cart = Marshal.load(Base64.decode64(cookies[:cart]))
          end
        end
        """,
        """
        class CartsController < ApplicationController
          def show
            @cart = JSON.parse(Base64.decode64(cookies[:cart]))
            @cached = Marshal.load(Rails.cache.read("cart"))
          end
        end
        """,
    ),
    "ruby-ssl-verify-none": (
        """
        def deliver(uri)
          http = Net::HTTP.new(uri.host, uri.port)
          http.verify_mode = OpenSSL::SSL::VERIFY_NONE
          http.get(uri.path)
        end
        """,
        """
        def deliver(uri, insecure)
          http = Net::HTTP.new(uri.host, uri.port)
          http.verify_mode = OpenSSL::SSL::VERIFY_NONE if insecure
          http.get(uri.path)
        end
        """,
    ),
    "ruby-hardcoded-db-password": (
        """
        def connection
          Mysql2::Client.new(host: "db", username: "app", password: "S3cr3t!pw")
        end
        """,
        """
        def connection
          Mysql2::Client.new(host: "db", username: "app", password: ENV.fetch("DB_PASSWORD"))
        end
        """,
    ),
    "ruby-self-assignment": (
        """
        class Mailer
          def initialize(sender)
            @sender = @sender
          end
        end
        """,
        """
        class Mailer
          def initialize(sender)
            @sender = sender
            @count ||= 0
          end
        end
        """,
    ),
    "ruby-identical-operands": (
        """
        def same_range?(a, b)
          a.first == b.first && a.last == a.last
        end
        """,
        """
        def same_range?(a, b, x)
          nan = x != x
          a.first == b.first && a.last == b.last && !nan
        end
        """,
    ),
    "ruby-unreachable-code": (
        """
        def discounted(total, rate)
          return total - total * rate
          [total, 0].max
        end
        """,
        """
        def discounted(total, rate)
          return total if rate.zero?
          [total - total * rate, 0].max
        rescue ArgumentError => e
          raise e if rate.negative?
          total
        end
        """,
    ),
}


def _php(name: str, body: str) -> SourceFile:
    return SourceFile(f"<?php\n\nnamespace Demo;\n\n{textwrap.dedent(body).strip()}\n", f"src/{name}.php", "PHP")


def _ruby(name: str, body: str) -> SourceFile:
    return SourceFile(f"# frozen_string_literal: true\n\n{textwrap.dedent(body).strip()}\n", f"app/{name}.rb", "Ruby")


@pytest.fixture(scope="module")
def findings() -> dict[str, list[str]]:
    """file name -> the rules that fired there; all the files in one semgrep run."""
    analyzer = SemgrepAnalyzer()
    if (why := analyzer.available()) is not None:
        pytest.skip(why)
    files = []
    for index, (bad, good) in enumerate(PHP_CASES.values()):
        files += [_php(f"Bad{index}", bad), _php(f"Good{index}", good)]
    for index, (bad, good) in enumerate(RUBY_CASES.values()):
        files += [_ruby(f"bad{index}", bad), _ruby(f"good{index}", good)]
    files.append(SourceFile(_php("Fixture", PHP_CASES["php-hardcoded-db-password"][0]).text,
                            "tests/Fixture.php", "PHP"))
    files.append(SourceFile(_ruby("fixture", RUBY_CASES["ruby-ssl-verify-none"][0]).text,
                            "spec/fixture_spec.rb", "Ruby"))
    reports = analyzer.analyze(files)
    assert all(report.status == "ok" for report in reports), [r.detail for r in reports if r.status != "ok"]
    return {file.path.rsplit("/", 1)[-1]: sorted(f.rule for f in report.findings)
            for file, report in zip(files, reports)}


@pytest.mark.parametrize(("language", "cases"), [("PHP", PHP_CASES), ("Ruby", RUBY_CASES)])
def test_every_rule_has_a_case(language, cases):
    rules = {rule for rule, meta in shipped_rules().items() if language in meta["languages"]}
    assert rules == set(cases), rules ^ set(cases)


@pytest.mark.parametrize("rule", list(PHP_CASES))
def test_php_rule_fires_on_the_defect_and_not_on_its_twin(findings, rule):
    index = list(PHP_CASES).index(rule)
    assert rule in findings[f"Bad{index}.php"], findings[f"Bad{index}.php"]
    assert findings[f"Good{index}.php"] == [], findings[f"Good{index}.php"]


@pytest.mark.parametrize("rule", list(RUBY_CASES))
def test_ruby_rule_fires_on_the_defect_and_not_on_its_twin(findings, rule):
    index = list(RUBY_CASES).index(rule)
    assert rule in findings[f"bad{index}.rb"], findings[f"bad{index}.rb"]
    assert findings[f"good{index}.rb"] == [], findings[f"good{index}.rb"]


def test_secrets_and_tls_rules_do_not_count_in_tests(findings):
    assert findings["Fixture.php"] == []
    assert findings["fixture_spec.rb"] == []
