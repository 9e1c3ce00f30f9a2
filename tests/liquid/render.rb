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

# Stand-ins for what Braze and Customer.io add to Liquid (their engines are
# not public), so that their cases check the Liquid underneath:
# - braze: the template is rewritten as Braze reads it (`${first_name}` is
#   the attribute `first_name`, `custom_attribute.${x}` is
#   `custom_attributes.x`, `{{ }}` nested in a tag or an output is the
#   expression it holds), and `{% abort_message %}` stops the send;
# - customerio: `customer` is the person (the case's data), `{%
#   unsubscribe_url %}` and `{% view_in_browser_url %}` print placeholder
#   links, `{% cio_link url: … %}` prints its URL, and an output that prints
#   a variable the person lacks, with no `default`, fails the send, as does
#   any Liquid error.
class SendStopped < Liquid::Error; end
class Aborted < SendStopped; end
class Failed < SendStopped; end

class AbortMessage < Liquid::Tag
  def render_to_output_buffer(context, _output)
    reason = @markup.strip.delete_prefix('(').delete_suffix(')').strip
    reason = reason.empty? ? '' : context.evaluate(Liquid::Expression.parse(reason)).to_s
    raise Aborted, reason
  end
end

class PlaceholderLink < Liquid::Tag
  LINKS = {
    'unsubscribe_url' => 'https://e.customeriomail.com/unsubscribe/placeholder',
    'view_in_browser_url' => 'https://e.customeriomail.com/deliveries/placeholder',
    'cio_link_id' => 'placeholder-link-id',
  }.freeze

  def render_to_output_buffer(_context, output)
    output << LINKS.fetch(tag_name)
  end
end

# `{% cio_link url: "…" %}` prints the link.
class CioLink < Liquid::Tag
  def initialize(tag_name, markup, options)
    super
    @url = Liquid::Expression.parse(markup[/url:\s*(.+)\z/m, 1].to_s.strip)
  end

  def render_to_output_buffer(context, output)
    output << context.evaluate(@url).to_s
  end
end

module MissingFailsTheSend
  def render_to_output_buffer(context, output)
    if context.registers[:customerio] && @name.is_a?(Liquid::VariableLookup) &&
       @filters.none? { |f| f[0] == 'default' } && context.evaluate(@name).nil?
      raise Failed, raw.strip
    end
    super
  end
end
Liquid::Variable.prepend(MissingFailsTheSend)
Liquid::Template.register_tag('abort_message', AbortMessage)
Liquid::Template.register_tag('unsubscribe_url', PlaceholderLink)
Liquid::Template.register_tag('view_in_browser_url', PlaceholderLink)
Liquid::Template.register_tag('cio_link_id', PlaceholderLink)
Liquid::Template.register_tag('cio_link', CioLink)

def braze_markup(text)
  text.gsub('custom_attribute.${', 'custom_attributes.${').gsub(/\$\{\s*([^}]*?)\s*\}/) { Regexp.last_match(1) }
end

# Braze's template in plain Liquid: inside each tag and output, `{{ }}` is
# the expression it holds.
def braze_source(source)
  out = +''
  rest = source
  while (at = rest.index(/\{\{|\{%/))
    out << rest[0...at]
    if rest[at, 2] == '{%'
      close = rest.index('%}', at) || rest.size
      inner = braze_markup(rest[(at + 2)...close]).gsub('{{', ' ').gsub('}}', ' ')
      out << '{%' << inner << '%}'
      rest = rest[(close + 2)..] || ''
    else
      depth = 0
      i = at + 2
      while i < rest.size
        if rest[i, 2] == '${'
          i = (rest.index('}', i) || rest.size) + 1
        elsif rest[i, 2] == '{{'
          depth += 1
          i += 2
        elsif rest[i, 2] == '}}'
          break if depth.zero?

          depth -= 1
          i += 2
        else
          i += 1
        end
      end
      inner = braze_markup(rest[(at + 2)...i]).gsub('{{', ' ').gsub('}}', ' ')
      out << '{{' << inner << '}}'
      rest = rest[(i + 2)..] || ''
    end
  end
  out << rest
end

corpus = JSON.parse(File.read(File.join(__dir__, 'corpus.json')))
results = {}
corpus.each do |c|
  begin
    dialect = c['dialect'] || 'liquid'
    source = dialect == 'braze' ? braze_source(c['template']) : c['template']
    template = Liquid::Template.parse(source)
    data = c['data']
    data = data.merge('customer' => data) if dialect == 'customerio'
    output = template.render(
      data,
      registers: { file_system: CasePartials.new(c['partials'] || {}), customerio: dialect == 'customerio' }
    )
    stopped = template.errors.find { |e| e.is_a?(SendStopped) }
    # Customer.io does not send past a Liquid error.
    stopped ||= template.errors.first.then { |e| e && Failed.new(e.message) } if dialect == 'customerio'
    results[c['name']] =
      case stopped
      when Aborted then { 'aborted' => stopped.message.sub(/\ALiquid error: /, '') }
      when Failed then { 'failed' => stopped.message.sub(/\ALiquid error: /, '') }
      else { 'output' => output }
      end
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
