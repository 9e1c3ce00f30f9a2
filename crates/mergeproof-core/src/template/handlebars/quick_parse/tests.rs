use super::compile;
use ::handlebars::template::Template;

/// The quick reading of `source`, required to be the crate's.
fn same_as_crate(source: &str) -> Option<Template> {
    let quick = compile(source);
    if let Some(quick) = &quick {
        let by_crate = Template::compile(source);
        assert_eq!(
            Some(quick),
            by_crate.as_ref().ok(),
            "quick and crate differ on {source:?}"
        );
    }
    quick
}

#[track_caller]
fn read_quickly(source: &str) {
    assert!(
        same_as_crate(source).is_some(),
        "{source:?} should be read without the crate"
    );
}

#[track_caller]
fn left_to_the_crate(source: &str) {
    assert!(
        compile(source).is_none(),
        "{source:?} should go to the crate"
    );
}

/// A short email in the syntax teams write.
const EMAIL: &str = r#"{{> header}}
<p>Hi {{default first_name "there"}},</p>
{{#unless consent.personalization}}<p>Update your preferences.</p>{{/unless}}
{{#if (gt loyalty.points 0)}}<p>You have {{loyalty.points}} points.</p>{{/if}}
<p>Your balance is {{currency account.balance account.currency}}.</p>
{{#if (and household.has_infant (gte age 18))}}<p>Parents save 10%.</p>{{/if}}
{{#each recent_orders}}<p>Pairs well with your {{lower item}}.</p>{{/each}}
  {{#if recent_orders}}
  <ul>
    {{#each recent_orders as |order i|}}
    <li>{{@index}}: {{order.item}}, {{currency ../account.currency}}</li>
    {{/each}}
  </ul>
  {{else if (eq tier 'gold')}}
  <p>Gold!</p>
  {{else}}
  <p>Nothing yet.</p>
  {{/if}}
{{#with location}}<p>Events near {{default city "you"}}.</p>{{/with}}
{{!-- a note for the team --}}
{{! a short one }}
<a href="https://example.com/o/{{{order_id}}}?u={{~ this.id ~}}">Track</a>
    {{> footer}}
"#;

#[test]
fn an_email_is_read_as_the_crate_reads_it() {
    read_quickly(EMAIL);
    read_quickly(&EMAIL.replace('\n', "\r\n"));
}

#[test]
fn every_common_form_is_read_as_the_crate_reads_it() {
    for source in [
        "",
        "plain text",
        "  leading and trailing  ",
        "{{x}}",
        " {{x}} ",
        "{{x}}\n",
        "\n{{x}}\n\n",
        "{{ x }}",
        "{{~x}}  a  {{x~}}  b  {{c}}",
        "a  {{~ x ~}}  b",
        "{{x~}}\n\n{{!c}}  d",
        "{{{x}}}",
        "{{{ ~ x ~ }}}",
        "{{{ upper x }}}",
        "{{a.b.c}} {{a/b}} {{this}} {{.}} {{this.a}} {{./a}} {{../a}} {{../../a.b}}",
        "{{@index}} {{@root.a}} {{@root/a}} {{123}} {{true}} {{as}} {{-}}",
        "{{f 1}} {{f -1.5}} {{f 1E3}} {{f 2E-2}} {{f true}} {{f false}} {{f null}}",
        "{{f 1e3}} {{f trueish}} {{f nullable}} {{f 1.x}}",
        r#"{{f "a \"q\" \\ \/ \n \u00e9"}} {{f 'it\'s "so"'}} {{f ""}} {{f ''}}"#,
        "{{f a=b}} {{f a = \"x\" b=1}} {{f x y=(g z)}} {{f as=1}}",
        "{{f (g a) b}} {{f (g (h a))}} {{f (a)}} {{f ( g  a )}}",
        "{{#if a}}yes{{/if}}",
        "{{#if a}}yes{{else}}no{{/if}}",
        "{{#if a}}\n  yes\n{{else}}\n  no\n{{/if}}\n",
        "  {{#if a}}  \n  yes\n  {{~else~}}  \n no \n  {{/if}}  \nafter",
        "{{#if a}}1{{else if b}}2{{/if}}",
        "{{#if a}}1{{else if b}}2{{else}}3{{/if}}",
        "{{#if a}}1{{else if b}}2{{else unless c}}3{{else}}4{{/if}}",
        "{{#if a}}\n1\n{{else if b}}\n2\n{{else}}\n3\n{{/if}}\n",
        "{{#each xs as |x i|}}{{x}}{{i}}{{/each}} {{#each xs as | x |}}{{x}}{{/each}}",
        "{{#each xs}}{{#each ys}}{{../a}}{{@key}}{{/each}}{{/each}}",
        "{{#with a}}{{b}}{{/with}} {{#a.b}}{{c}}{{/a.b}} {{# if a }}x{{/ if }}",
        "{{#if a}}{{/if}}",
        "{{#if ../a}}x{{/if}} {{#each . }}x{{/each}} {{#with ./a}}x{{/with}} {{#if\n.}}x{{/if}}",
        "{{> header}}",
        "{{> header}}\nHi",
        "  {{> header}}\n  Hi",
        "a {{> header}} b",
        "{{~> header ~}}",
        "{{> partials/row item=x}} {{>footer}} {{> row order}}",
        "{{!c}} {{!-- c --}} {{!-- a }} b --}} {{!--}} --}}",
        "  {{!-- standalone --}}  \nnext",
        "{{!}}",
        "é {{x}} ü\n{{y}}\n  ñ{{z}}",
        "tabs\t{{x}}\t\n\t{{#if a}}\t\n\tb\n\t{{/if}}\t",
        "x {{#if a}}\r\n y\r\n{{/if}}\r\n z",
        "}} } { \\ text",
        "{{a b}}c}}",
        "\\{{x}} \\{{{{raw}} a\\{{ {{y}} \\{{!-- c --}} é\\{{{z}}}\n  {{#if a}}\n\\{{b}}\n{{/if}}",
        "{{x~}}  \\{{y}}",
        "{{x}}   ",
        "   ",
        "\n",
        "{{#if a}}   {{/if}}",
        "{{#if a}} {{x}} {{else}} {{y}} {{/if}}",
    ] {
        read_quickly(source);
    }
}

#[test]
fn uncommon_or_wrong_syntax_is_left_to_the_crate() {
    for source in [
        "a \\\\{{x}}",
        "{{{{raw}}}}{{x}}{{{{/raw}}}}",
        "{{^x}}y{{/x}}",
        "{{#if a}}1{{^}}2{{/if}}",
        "{{&x}}",
        "{{*inline}}",
        "{{#> layout}}x{{/layout}}",
        "{{#*inline \"p\"}}x{{/inline}}",
        "{{x",
        "{{#if a}}x",
        "{{#if a}}x{{/each}}",
        "{{/if}}",
        "{{else}}",
        "{{elsewhere}}",
        "{{#if a}}1{{elseif b}}2{{/if}}",
        "{{#if a}}1{{else}}2{{else}}3{{/if}}",
        "{{#if a}}1{{else}}2{{else if b}}3{{/if}}",
        "{{f [1]}}",
        "{{f {\"a\": 1}}}",
        "{{a.[b c]}}",
        "{{f 01}}",
        "{{f 1.}}",
        "{{f 1/2}}",
        "{{f a.}}",
        "{{f ..}}",
        "{{f \"a\nb\"}}",
        "{{f \"\\x\"}}",
        "{{f as}}",
        "{{f else}}",
        "{{upper\"x\"}}",
        "{{a.b c}}",
        "{{(f a)}}",
        "{{f a=}}",
        "{{f a=b=c}}",
        "{{! -- c --}}",
        "{{!-- never closed }}",
        "{{#each xs as |a b c|}}{{/each}}",
        "{{#each xs as x}}{{/each}}",
        "{{x as |y|}}",
        "{{#@index}}{{/@index}}",
    ] {
        left_to_the_crate(source);
    }
}

/// A small deterministic generator (xorshift), so the test needs no crate
/// and fails the same way every time.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, sides: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % sides as u64) as usize
    }

    fn pick<'a>(&mut self, of: &[&'a str]) -> &'a str {
        of[self.roll(of.len())]
    }
}

const TEXTS: &[&str] = &[
    "", " ", "  ", "\n", "\r\n", "\t", "Hi ", " there\n", "\n  ", "a\n\n", "<p>", "é", "}}", "{",
    "\\", "}", " \t\n", "x y",
];

const SPACES: &[&str] = &["", "", " ", "\n", "  ", "\n  ", " \n", "\t", "\r\n"];

const TAGS: &[&str] = &[
    "{{x}}",
    "{{ x }}",
    "{{~x}}",
    "{{x~}}",
    "{{~ x ~}}",
    "{{{x}}}",
    "{{{~ x ~}}}",
    "{{a.b}}",
    "{{this}}",
    "{{.}}",
    "{{this.a}}",
    "{{../a}}",
    "{{@index}}",
    "{{@root.a}}",
    "{{upper x}}",
    "{{default x \"there\"}}",
    "{{default x 'it\\'s'}}",
    "{{currency a.b c}}",
    "{{gt a 0}}",
    "{{eq a -1.5}}",
    "{{f true}}",
    "{{f null}}",
    "{{f 1E3}}",
    "{{f a=b}}",
    "{{f a = \"x\"}}",
    "{{f (g a) b}}",
    "{{f (g (h a))}}",
    "{{> header}}",
    "{{~> row item=x~}}",
    "{{!c}}",
    "{{!-- c --}}",
    "{{!-- a }} b --}}",
    "\\{{x}}",
    "a\\{{ {{y}}",
    // Forms left to the crate, mixed in.
    "{{^x}}",
    "{{&x}}",
    "\\\\{{x}}",
    "{{f [1]}}",
    "{{x",
    "{{/if}}",
    "{{else}}",
    "{{elsewhere}}",
];

const BLOCKS: &[(&str, &str)] = &[
    ("{{#if a}}", "{{/if}}"),
    ("{{#if (gt a 1)}}", "{{/if}}"),
    ("{{~#unless b~}}", "{{~/unless~}}"),
    ("{{#each xs as |x i|}}", "{{/each}}"),
    ("{{#with a}}", "{{/with}}"),
    ("{{#a.b}}", "{{/a.b}}"),
    ("{{# if c }}", "{{/ if }}"),
    ("{{#if ../a}}", "{{/if}}"),
    ("{{#each . }}", "{{/each}}"),
];

const ELSES: &[&str] = &[
    "{{else}}",
    "{{~else~}}",
    "{{else if b}}",
    "{{~ else if (eq c 'x') ~}}",
    "{{else unless d}}",
    "{{^}}",
];

fn template(dice: &mut Dice, depth: usize, out: &mut String) {
    for _ in 0..dice.roll(6) {
        out.push_str(dice.pick(SPACES));
        match dice.roll(if depth < 3 { 4 } else { 3 }) {
            0 => out.push_str(dice.pick(TEXTS)),
            1 | 2 => out.push_str(dice.pick(TAGS)),
            _ => {
                let (open, close) = BLOCKS[dice.roll(BLOCKS.len())];
                out.push_str(open);
                template(dice, depth + 1, out);
                for _ in 0..dice.roll(3) {
                    out.push_str(dice.pick(SPACES));
                    out.push_str(dice.pick(ELSES));
                    template(dice, depth + 1, out);
                }
                out.push_str(dice.pick(SPACES));
                out.push_str(close);
            }
        }
        out.push_str(dice.pick(SPACES));
    }
}

#[test]
fn generated_templates_are_read_as_the_crate_reads_them() {
    let mut dice = Dice(0x9e37_79b9_7f4a_7c15);
    let (mut read, mut total) = (0, 0);
    for _ in 0..20_000 {
        let mut source = String::new();
        template(&mut dice, 0, &mut source);
        total += 1;
        if same_as_crate(&source).is_some() {
            read += 1;
        }
    }
    // The generator mixes in forms left to the crate; most templates are
    // still read quickly, so the comparison above is not vacuous.
    assert!(read * 4 > total, "only {read} of {total} read quickly");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]

    /// Any text of the characters Handlebars gives meaning to: read without
    /// panicking, and whatever is read quickly is what the crate reads.
    #[test]
    fn any_text_is_read_as_the_crate_reads_it_or_left_to_it(
        source in r#"([{}~#/>!^&*()=|@. \t\n"'\\a-e0-9é-]|\{\{|\}\}|else|as|if|this|\.\./){0,40}"#
    ) {
        let _ = same_as_crate(&source);
    }
}
