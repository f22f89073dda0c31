"""Ruby (semgrep with ``codecurate/data/semgrep/ruby.yaml``): corpus and planted defects.

- dev (what the rules were tuned on): Rails' components as Debian installs them under
  ``/usr/share/rubygems-integration/all/gems`` (``ruby-activesupport``, ``ruby-actionpack``,
  ``ruby-actionview``, ``ruby-activemodel``, ``ruby-activerecord``, ``ruby-railties``, all 6.1.7.10).
- heldout (never read while writing the rules): Ruby 3.1's standard library (``/usr/lib/ruby/3.1.0``,
  bundler included), ``/usr/lib/ruby/vendor_ruby`` (rubygems, tilt, racc, xmlrpc), the other gems of
  rubygems-integration (rack 2.2.22, sinatra 3.0.5, rack-protection, rack-test, thor 1.2.1, rake 13.0.6,
  rspec-core 3.12.0, faraday 1.1.0, i18n, tzinfo, concurrent-ruby, mustermann, webrick, zeitwerk, loofah,
  builder, ...) and nokogiri 1.13.10.

Measured by ``python benchmarks/analysis_oracle.py --languages ruby --only-modules``
(``CODECURATE_SEMGREP_RULES=FOLDER`` measures rules being written).
"""

from __future__ import annotations

import random
import re
from pathlib import Path

LANGUAGE = "Ruby"
GEMS = Path("/usr/share/rubygems-integration/all/gems")
ARCH_GEMS = Path("/usr/lib/x86_64-linux-gnu/rubygems-integration")
STDLIB = Path("/usr/lib/ruby")
RAILS = ("actionpack", "actionview", "activemodel", "activerecord", "activesupport", "railties")
INSTALL = [
    "apt-get install -y --no-install-recommends ruby ruby-rack ruby-activesupport ruby-activerecord "
    "ruby-actionpack ruby-actionview ruby-activemodel ruby-railties ruby-nokogiri ruby-sinatra ruby-thor rake "
    "ruby-rspec-core ruby-faraday",
]


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _gem_name(folder: Path) -> str:
    return folder.name.rsplit("-", 1)[0]


def packages(split: str) -> list[tuple[str, Path]]:
    """(name, folder) of the split's packages."""
    gems = sorted(p for p in GEMS.glob("*-*") if p.is_dir()) if GEMS.is_dir() else []
    if split == "dev":
        return [(_gem_name(p), p) for p in gems if _gem_name(p) in RAILS]
    found = [(_gem_name(p), p) for p in gems if _gem_name(p) not in RAILS]
    found += [(_gem_name(p), p) for p in sorted(ARCH_GEMS.glob("*/gems/*-*")) if p.is_dir()]
    found += [(f"ruby-{p.name}", p) for p in sorted(STDLIB.glob("[0-9]*")) if p.is_dir()]
    vendor = STDLIB / "vendor_ruby"
    if vendor.is_dir():
        found += [(p.name, p) for p in sorted(vendor.iterdir()) if p.is_dir() and p.name not in ("rails",)
                  and not p.name[0].isdigit()]
    return found


def corpus(rng: random.Random, limit: int, split: str) -> list[tuple[str, str, str]]:
    """(repo, path, text) of the ``.rb`` files of the split's packages; ``limit`` caps each package."""
    files = []
    for name, folder in packages(split):
        paths = sorted(p for p in folder.rglob("*.rb") if p.is_file())
        if limit < len(paths):
            paths = sorted(rng.sample(paths, limit))
        for path in paths:
            text = _read(path)
            if text is not None:
                files.append((name, str(path.relative_to(folder)), text))
    return files


PLANTS = {
    "SQL injection": """
class CodecurateOrdersController < ApplicationController
  def index
    @orders = Order.where("customer = '#{params[:customer]}'").order(:created_at)
    render json: @orders
  end
end
""",
    "command injection": """
class CodecurateThumbnailsController < ApplicationController
  def create
    path = params[:file]
    system("convert #{path} -resize 64x64 /tmp/thumb.png")
    head :created
  end
end
""",
    "code injection": """
class CodecurateReportsController < ApplicationController
  def show
    report = Report.find(params[:id])
    value = report.public_send(params[:column])
    render plain: value.to_s
  end
end
""",
    "unsafe deserialization": """
class CodecurateCartsController < ApplicationController
  def show
    cart = Marshal.load(Base64.decode64(cookies[:cart]))
    render json: cart.items
  end
end
""",
    "TLS verification off": """
module CodecurateWebhook
  def self.deliver(url, payload)
    uri = URI(url)
    http = Net::HTTP.new(uri.host, uri.port)
    http.use_ssl = true
    http.verify_mode = OpenSSL::SSL::VERIFY_NONE
    http.post(uri.path, payload.to_json, "Content-Type" => "application/json")
  end
end
""",
    "hard-coded password": """
module CodecurateReporting
  def self.connection
    Mysql2::Client.new(host: "db.internal", username: "reporting", password: "Rep0rt!ng2023")
  end
end
""",
    "self-assignment": """
class CodecurateMailer
  attr_reader :sender

  def initialize(sender)
    @sender = @sender
  end
end
""",
    "identical operands": """
module CodecurateRanges
  def self.same_range?(a, b)
    a.first == b.first && a.last == a.last
  end
end
""",
    "unreachable code": """
module CodecuratePricing
  def self.discounted(total, rate)
    return total - total * rate
    [total, 0].max
  end
end
""",
}

_END_MARKER = re.compile(r"^__END__\s*$", re.M)


def plant(host_text: str, snippet: str) -> str | None:
    """The host with the snippet appended (before ``__END__`` and the data after it)."""
    end = _END_MARKER.search(host_text)
    if end is not None:
        return host_text[:end.start()] + snippet.lstrip("\n") + "\n" + host_text[end.start():]
    return host_text + ("" if host_text.endswith("\n") else "\n") + snippet
