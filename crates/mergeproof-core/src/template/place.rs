//! Where each output of an HTML template prints: in the words a reader sees,
//! in the hidden preheader, in Outlook-only text, in a URL attribute or
//! another attribute, in a comment, a style or a script, or in an element
//! hidden from view. Found once when the template is compiled, not from each
//! rendered email.
//!
//! A front end hands over the template's outline: its literal text in the
//! order written (every branch of a block after the one before it, partials
//! written out where they are called) with each output's markers where the
//! output prints. The outline is read once by the reader the checks use
//! ([`super::html::read`]: what a mail client shows) and once by the HTML5
//! tokenizer for what no reader sees (which attribute, comment, style).
//! Branches are whole fragments of HTML in the templates teams write, so
//! reading them one after the other places each output as its branch does.

use html5gum::emitters::callback::CallbackEvent;

use super::html::URL_ATTRIBUTES;
use super::render::extract_spans;
use crate::markers::OPEN;

/// Where an output prints in its template's HTML.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) enum Place {
    /// The words a reader sees (and every output of a plain-text field).
    #[default]
    Text,
    /// The hidden preheader: the inbox preview line after the subject.
    Preheader,
    /// Text of an `<!--[if mso]>` block, which only Outlook shows.
    OutlookOnly,
    /// The value of an attribute: `href` of `a`, `alt` of `img`. `url` when
    /// the attribute holds a URL (`href`, `src`, `srcset`, `background`).
    Attribute {
        element: String,
        name: String,
        url: bool,
    },
    /// Inside a tag's own markup: its name, or an attribute's name
    /// (`<td {{{attributes}}}>`).
    Markup { element: String },
    /// An HTML comment (not an Outlook-only block).
    Comment,
    /// A `<style>` or `<script>`.
    StyleOrScript,
    /// Text no reader sees: an element hidden from view (after the
    /// preheader), the `<head>`, the `<title>`.
    Hidden,
}

impl Place {
    /// Printed into a URL attribute.
    pub(crate) fn is_url(&self) -> bool {
        matches!(self, Place::Attribute { url: true, .. })
    }
}

/// The place of each of `count` outputs in `outline`, by output index. An
/// output whose markers the outline lacks (it prints nowhere the HTML
/// reaches) is [`Place::Hidden`].
pub(crate) fn places(outline: &str, count: usize) -> Vec<Place> {
    let mut places: Vec<Option<Place>> = vec![None; count];
    let mut set = |text: &str, place: &Place| {
        for span in extract_spans(text).spans {
            if let Some(slot) = places.get_mut(span.token as usize)
                && slot.is_none()
            {
                *slot = Some(place.clone());
            }
        }
    };
    // One pass of the tokenizer reads the outline as a mail client does
    // and finds the markup that holds a marker.
    let mut markup = Markup::default();
    let read = super::html::read_observing(outline, |event| markup.on_event(event));
    // What a reader sees first: the body text, the preview line, Outlook.
    set(&read.text, &Place::Text);
    set(&read.preheader, &Place::Preheader);
    set(&read.outlook_only, &Place::OutlookOnly);
    // Then what only the markup holds.
    for (text, place) in &markup.found {
        set(text, place);
    }
    places
        .into_iter()
        .map(|p| p.unwrap_or(Place::Hidden))
        .collect()
}

/// The pieces of an outline's markup that hold an output's marker, each
/// with its place: attribute values, tag and attribute names, comments,
/// styles and scripts, and text. Pieces without a marker are not kept: a
/// template's outline is tens of kilobytes of markup around a few dozen
/// outputs.
#[derive(Default)]
struct Markup {
    found: Vec<(String, Place)>,
    /// The element and the attribute being read (buffers kept from one
    /// to the next).
    element: String,
    attribute: String,
    /// The `<style>` or `<script>` whose text is being read.
    raw_text: Option<String>,
}

impl Markup {
    fn on_event(&mut self, event: &CallbackEvent<'_>) {
        let set = |buffer: &mut String, bytes: &[u8]| {
            buffer.clear();
            buffer.push_str(&super::html::text(bytes));
        };
        match *event {
            CallbackEvent::OpenStartTag { name } => {
                set(&mut self.element, name);
                self.keep(name, |m| Place::Markup {
                    element: m.element.clone(),
                });
            }
            CallbackEvent::AttributeName { name } => {
                set(&mut self.attribute, name);
                self.keep(name, |m| Place::Markup {
                    element: m.element.clone(),
                });
            }
            CallbackEvent::AttributeValue { value } => self.keep(value, |m| Place::Attribute {
                element: m.element.clone(),
                name: m.attribute.clone(),
                url: URL_ATTRIBUTES.contains(&m.attribute.as_str()),
            }),
            CallbackEvent::CloseStartTag { .. } => {
                if matches!(self.element.as_str(), "style" | "script") {
                    self.raw_text = Some(self.element.clone());
                }
            }
            CallbackEvent::EndTag { name } => {
                if self
                    .raw_text
                    .as_deref()
                    .is_some_and(|r| r.as_bytes() == name)
                {
                    self.raw_text = None;
                }
            }
            CallbackEvent::String { value } => self.keep(value, |m| {
                if m.raw_text.is_some() {
                    Place::StyleOrScript
                } else {
                    Place::Hidden
                }
            }),
            CallbackEvent::Comment { value } => self.keep(value, |_| Place::Comment),
            CallbackEvent::Doctype { .. } | CallbackEvent::Error(_) => {}
        }
    }

    /// Keeps `bytes` with its place (made only for a piece that holds a
    /// marker, which starts with [`crate::markers::MARKER_LEAD`]).
    fn keep(&mut self, bytes: &[u8], place: impl FnOnce(&Markup) -> Place) {
        if !bytes.contains(&crate::markers::MARKER_LEAD) {
            return;
        }
        let piece = super::html::text(bytes);
        if piece.contains(OPEN) {
            let place = place(self);
            self.found.push((piece.into_owned(), place));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markers::{close_marker, open_marker};

    /// `html` with `@n@` standing for output `n`.
    fn outline(html: &str) -> (String, usize) {
        let mut out = String::new();
        let mut count = 0;
        let mut rest = html;
        while let Some(at) = rest.find('@') {
            out.push_str(&rest[..at]);
            let end = rest[at + 1..].find('@').unwrap() + at + 1;
            let n: u32 = rest[at + 1..end].parse().unwrap();
            out.push_str(&open_marker(n));
            out.push_str(&close_marker());
            count = count.max(n as usize + 1);
            rest = &rest[end + 1..];
        }
        out.push_str(rest);
        (out, count)
    }

    fn places_in(html: &str) -> Vec<Place> {
        let (text, count) = outline(html);
        places(&text, count)
    }

    fn attribute(element: &str, name: &str, url: bool) -> Place {
        Place::Attribute {
            element: element.into(),
            name: name.into(),
            url,
        }
    }

    #[test]
    fn text_urls_and_other_attributes() {
        assert_eq!(
            places_in(
                r#"<p>Hi @0@</p><a href="https://shop.example/o/@1@" title="@2@">Track</a><img src=@3@ alt="@4@">"#
            ),
            vec![
                Place::Text,
                attribute("a", "href", true),
                attribute("a", "title", false),
                attribute("img", "src", true),
                attribute("img", "alt", false),
            ]
        );
    }

    #[test]
    fn preheader_outlook_and_hidden_text() {
        assert_eq!(
            places_in(
                r#"<head><title>@0@</title></head><div style="display:none">@1@ picks</div><!--[if mso]><p>@2@</p><![endif]--><div hidden>@3@</div><p>@4@</p>"#
            ),
            vec![
                Place::Hidden,
                Place::Preheader,
                Place::OutlookOnly,
                Place::Hidden,
                Place::Text,
            ]
        );
    }

    #[test]
    fn comments_styles_scripts_and_markup() {
        assert_eq!(
            places_in(
                r#"<!-- for @0@ --><style>.a{color:@1@}</style><script>var id="@2@"</script><td @3@>x</td>"#
            ),
            vec![
                Place::Comment,
                Place::StyleOrScript,
                Place::StyleOrScript,
                Place::Markup {
                    element: "td".into()
                },
            ]
        );
    }

    #[test]
    fn an_attribute_value_not_yet_closed_in_one_branch_is_closed_by_the_next() {
        // `<a href="{{#if url}}{{url}}{{else}}#{{/if}}">`: both branches
        // print into the href.
        assert_eq!(
            places_in(r#"<a href="@0@#">x</a>"#),
            vec![attribute("a", "href", true)]
        );
    }
}
