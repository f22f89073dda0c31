# The reference view of Ruby files for benchmarks/import_languages.py, from Ruby's own parser
# (Ripper): per file (paths as JSON on stdin), each require, require_relative, load and autoload
# call with its string literals, whether __FILE__ or __dir__ takes part, and the enclosing modules'
# names (for ActiveSupport's `autoload :Name`). Prints one JSON object per file.
require "json"
require "ripper"

METHODS = %w[require require_relative load autoload require_dependency].freeze

def strings(node, found = [])
  return found unless node.is_a?(Array)
  found << node[1] if node[0] == :@tstring_content
  node.each { |child| strings(child, found) if child.is_a?(Array) }
  found
end

def mentions?(node, words)
  return false unless node.is_a?(Array)
  return true if %i[@kw @ident].include?(node[0]) && words.include?(node[1])
  node.any? { |child| mentions?(child, words) }
end

def symbol(node)
  return nil unless node.is_a?(Array)
  return node[1][1] if node[0] == :symbol && node[1].is_a?(Array)
  node.each { |child| (found = symbol(child)) && (return found) }
  nil
end

def const_name(node)
  return nil unless node.is_a?(Array)
  return node[1] if node[0] == :@const
  return [const_name(node[1]), const_name(node[2])].compact.join("::") if node[0] == :const_path_ref
  node.each { |child| (found = const_name(child)) && (return found) }
  nil
end

def walk(node, nesting, calls)
  return unless node.is_a?(Array)
  if %i[module class].include?(node[0])
    name = const_name(node[1])
    node[2..].each { |child| walk(child, nesting + [name].compact, calls) }
    return
  end
  method, args = nil, nil
  if node[0] == :command && node[1].is_a?(Array) && node[1][0] == :@ident
    method, args = node[1][1], node[2]
  elsif node[0] == :method_add_arg && node[1].is_a?(Array) && node[1][0] == :fcall && node[1][1][0] == :@ident
    method, args = node[1][1][1], node[2]
  end
  if method && METHODS.include?(method)
    calls << { "method" => method, "strings" => strings(args), "file" => mentions?(args, %w[__FILE__]),
               "dir" => mentions?(args, %w[__dir__]), "dirname" => mentions?(args, %w[dirname]),
               "expand" => mentions?(args, %w[expand_path]), "symbol" => symbol(args), "nesting" => nesting }
  end
  node.each { |child| walk(child, nesting, calls) if child.is_a?(Array) }
end

JSON.parse($stdin.read).each do |path|
  calls = []
  tree = Ripper.sexp(File.read(path, encoding: "UTF-8")) rescue nil
  walk(tree, [], calls) if tree
  puts JSON.generate({ "path" => path, "parsed" => !tree.nil?, "calls" => calls })
end
