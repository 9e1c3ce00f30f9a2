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
    // What a reader sees first: the body text, the preview line, Outlook.
    let read = super::html::read(outline);
    set(&read.text, &Place::Text);
    set(&read.preheader, &Place::Preheader);
    set(&read.outlook_only, &Place::OutlookOnly);
    // Then what only the markup holds.
    for (text, place) in markup(outline) {
        set(&text, &place);
    }
    places
        .into_iter()
        .map(|p| p.unwrap_or(Place::Hidden))
        .collect()
}

/// The pieces of `outline`'s markup that hold an output's marker, each with
/// its place: attribute values, tag and attribute names, comments, styles and
/// scripts, and text. Pieces without a marker are not kept: a template's
/// outline is tens of kilobytes of markup around a few dozen outputs.
fn markup(outline: &str) -> Vec<(String, Place)> {
    let mut found = Vec::new();
    let mut element = String::new();
    let mut attribute = String::new();
    let mut raw_text: Option<String> = None;
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    // The place is made only for a piece that holds a marker.
    let keep = |bytes: &[u8], place: &dyn Fn() -> Place, found: &mut Vec<(String, Place)>| {
        let piece = String::from_utf8_lossy(bytes);
        if piece.contains(OPEN) {
            found.push((piece.into_owned(), place()));
        }
    };
    super::html::tokenize(outline, |event| match event {
        CallbackEvent::OpenStartTag { name } => {
            element = text(name);
            let markup = || Place::Markup {
                element: element.clone(),
            };
            keep(name, &markup, &mut found);
        }
        CallbackEvent::AttributeName { name } => {
            attribute = text(name);
            let markup = || Place::Markup {
                element: element.clone(),
            };
            keep(name, &markup, &mut found);
        }
        CallbackEvent::AttributeValue { value } => {
            let place = || Place::Attribute {
                element: element.clone(),
                name: attribute.clone(),
                url: URL_ATTRIBUTES.contains(&attribute.as_str()),
            };
            keep(value, &place, &mut found);
        }
        CallbackEvent::CloseStartTag { .. } => {
            if matches!(element.as_str(), "style" | "script") {
                raw_text = Some(element.clone());
            }
        }
        CallbackEvent::EndTag { name } => {
            if raw_text.as_deref().is_some_and(|r| r.as_bytes() == name) {
                raw_text = None;
            }
        }
        CallbackEvent::String { value } => {
            let place = || {
                if raw_text.is_some() {
                    Place::StyleOrScript
                } else {
                    Place::Hidden
                }
            };
            keep(value, &place, &mut found);
        }
        CallbackEvent::Comment { value } => keep(value, &|| Place::Comment, &mut found),
        CallbackEvent::Doctype { .. } | CallbackEvent::Error(_) => {}
    });
    found
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
