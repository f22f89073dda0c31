# Judge of the syntax oracle for Ruby: Ruby's own parser and compiler (as `ruby -c`), one process for
# a batch. Reads JSON lines {"name": ..., "text": ...} on stdin; writes one JSON line per input:
# {"ok": true} or {"ok": false, "line": N, "msg": ...}.
require "json"

$stdout.sync = true
$stdin.each_line do |line|
  next if line.strip.empty?
  item = JSON.parse(line)
  verdict =
    begin
      RubyVM::InstructionSequence.compile(item["text"], item["name"])
      { "ok" => true }
    rescue SyntaxError => e
      first = e.message.lines.first.to_s.strip
      { "ok" => false, "line" => first[/:(\d+):/, 1].to_i, "msg" => first[0, 200] }
    end
  puts JSON.generate(verdict)
end
