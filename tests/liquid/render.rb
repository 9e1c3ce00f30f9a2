# Renders every case of corpus.json with Shopify's Ruby Liquid (Debian's
# ruby-liquid 5.4), with ActiveSupport's `blank?` loaded as Shopify runs it,
# and prints the results as JSON: { name: { output } | { error } }.
#
#   ruby render.rb              print the results
#   ruby render.rb --write      write them to expected.json
require 'json'
require 'liquid'
require 'active_support/core_ext/object/blank'

# `{% render %}` and `{% include %}` read the case's partials.
class CasePartials
  def initialize(partials)
    @partials = partials
  end

  def read_template_file(name)
    @partials.fetch(name) { raise Liquid::FileSystemError, "Could not find partial '#{name}'" }
  end
end

corpus = JSON.parse(File.read(File.join(__dir__, 'corpus.json')))
results = {}
corpus.each do |c|
  begin
    template = Liquid::Template.parse(c['template'])
    output = template.render(c['data'], registers: { file_system: CasePartials.new(c['partials'] || {}) })
    results[c['name']] = { 'output' => output }
  rescue StandardError => e
    results[c['name']] = { 'error' => e.message.lines.first.to_s.strip }
  end
end
text = JSON.pretty_generate(results) + "\n"
if ARGV.include?('--write')
  File.write(File.join(__dir__, 'expected.json'), text)
else
  $stdout.write(text)
end
