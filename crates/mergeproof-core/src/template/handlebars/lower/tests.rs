use crate::testkit::compiled;

/// A read as the tests compare it: (path, has a fallback, guarded positive).
type ReadSummary = (String, bool, bool);
/// A token as the tests compare it: its expression and its reads.
type TokenSummary = (String, Vec<ReadSummary>);

/// The body's tokens of the first variant: (expression, [(path, fallback?, positive?)]).
fn tokens(body: &str) -> Vec<TokenSummary> {
    tokens_with_audience(body, None)
}

fn tokens_with_audience(body: &str, audience: Option<&str>) -> Vec<TokenSummary> {
    let audience = audience
        .map(|a| format!("    audience: {a}\n"))
        .unwrap_or_default();
    let yaml = format!(
        "variants:\n  - id: v\n{audience}    subject: s\n    body: {}\n",
        serde_json::to_string(body).unwrap()
    );
    let c = compiled(&yaml);
    c.variants[0]
        .body
        .analysis
        .tokens
        .iter()
        .map(|t| {
            let reads = t
                .reads
                .iter()
                .map(|r| (r.path.clone(), r.fallback.is_some(), r.positive_guard))
                .collect();
            (t.expression.clone(), reads)
        })
        .collect()
}

fn read(path: &str, fallback: bool) -> ReadSummary {
    (path.to_string(), fallback, false)
}

#[test]
fn plain_tokens_have_no_fallback() {
    assert_eq!(
        tokens("Hi {{first_name}}"),
        vec![("{{first_name}}".into(), vec![read("first_name", false)])]
    );
    assert_eq!(tokens("{{{bio}}}")[0].0, "{{{bio}}}");
}

#[test]
fn default_gives_every_argument_but_the_last_a_fallback() {
    assert_eq!(
        tokens("{{default first_name \"there\"}}")[0].1,
        vec![read("first_name", true)]
    );
    assert_eq!(
        tokens("{{default first_name nickname}}")[0].1,
        vec![read("first_name", true), read("nickname", false)]
    );
    assert_eq!(
        tokens("{{upper (default first_name \"x\")}}")[0].1,
        vec![read("first_name", true)]
    );
}

#[test]
fn blocks_guard_the_branch_they_protect() {
    let t = tokens("{{#if first_name}}Hi {{first_name}}{{else}}Hi {{first_name}}{{/if}}");
    assert_eq!(t[0].1, vec![read("first_name", true)]);
    assert_eq!(t[1].1, vec![read("first_name", false)]);
    let t = tokens("{{#unless nickname}}x{{else}}{{nickname}}{{/unless}}");
    assert_eq!(t[0].1, vec![read("nickname", true)]);
    let t = tokens("{{#if (and first_name last_name)}}{{first_name}} {{last_name}}{{/if}}");
    assert!(t.iter().all(|(_, r)| r[0].1), "{t:?}");
}

#[test]
fn comparisons_guard_positive_values() {
    let t = tokens(
        "{{#if (gt loyalty.points 0)}}{{loyalty.points}}{{/if}}{{#if loyalty.points}}{{loyalty.points}}{{/if}}",
    );
    assert_eq!(t[0].1, vec![("loyalty.points".to_string(), true, true)]);
    assert_eq!(t[1].1, vec![("loyalty.points".to_string(), true, false)]);
    let t = tokens(
        "{{#if (gte account.balance 1)}}{{account.balance}}{{/if}}{{#if (gt account.balance -5)}}{{account.balance}}{{/if}}",
    );
    assert!(t[0].1[0].2);
    assert!(!t[1].1[0].2);
}

#[test]
fn audiences_guard_what_they_require() {
    let t = tokens_with_audience(
        "{{first_name}} {{account.balance}} {{last_name}}",
        Some("{ all: [ { field: first_name, exists: true }, { field: account.balance, gt: 0 } ] }"),
    );
    assert_eq!(t[0].1, vec![read("first_name", true)]);
    assert_eq!(t[1].1, vec![("account.balance".to_string(), true, true)]);
    assert_eq!(t[2].1, vec![read("last_name", false)]);
}

#[test]
fn paths_resolve_through_scopes() {
    let t = tokens(
        "{{#with account}}{{balance}} {{../first_name}} {{@root.last_name}}{{/with}}{{#each orders}}{{sku}} {{this.qty}}{{/each}}{{#each items as |item|}}{{item.name}}{{/each}}",
    );
    let paths: Vec<&str> = t.iter().map(|(_, r)| r[0].0.as_str()).collect();
    assert_eq!(
        paths,
        [
            "account.balance",
            "first_name",
            "last_name",
            "orders.[].sku",
            "orders.[].qty",
            "items.[].name"
        ]
    );
}

#[test]
fn tokens_carry_their_position_in_the_file() {
    let c = compiled(
        "variants:\n  - id: v\n    subject: \"Hi {{first_name}}\"\n    body: |\n      <p>Hello</p>\n      <p>{{last_name}}</p>\n",
    );
    let subject = &c.variants[0].subject.as_ref().unwrap().analysis.tokens[0];
    assert_eq!((subject.loc.line, subject.loc.column), (3, 18));
    let body = &c.variants[0].body.analysis.tokens[0];
    assert_eq!((body.loc.line, body.loc.column), (6, 10));
}

#[test]
fn tokens_in_url_attributes_are_marked() {
    let c = compiled(
        "variants:\n  - id: v\n    subject: s\n    body: \"<a class=x href='https://x.example/{{a}}?q={{b}}'>{{c}}</a><img data-src=\\\"{{d}}\\\" src={{e}}>\"\n",
    );
    let in_url: Vec<bool> = c.variants[0]
        .body
        .analysis
        .tokens
        .iter()
        .map(|t| t.place.is_url())
        .collect();
    assert_eq!(in_url, [true, true, false, false, true]);
    assert_eq!(
        c.variants[0].body.analysis.tokens[3].place,
        crate::template::place::Place::Attribute {
            element: "img".into(),
            name: "data-src".into(),
            url: false
        }
    );
}

#[test]
fn loops_are_marked() {
    let c = compiled(
        "variants:\n  - id: v\n    subject: s\n    body: \"{{#each orders}}{{sku}}{{/each}}{{first_name}}\"\n",
    );
    let t = &c.variants[0].body.analysis.tokens;
    assert!(t[0].in_loop);
    assert!(!t[1].in_loop);
    let lists: Vec<&str> = c.variants[0]
        .body
        .analysis
        .blocks
        .iter()
        .map(|b| b.paths[0].as_str())
        .collect();
    assert_eq!(lists, ["orders"]);
}

#[test]
fn a_lone_field_is_kept_as_written_and_a_helper_call_is_not() {
    let c = compiled(
        "variants:\n  - id: v\n    subject: s\n    body: \"{{#with account}}{{balance}}{{/with}} {{{bio}}} {{default first_name 'there'}} {{title}}\"\n",
    );
    let written: Vec<Option<&str>> = c.variants[0]
        .body
        .analysis
        .tokens
        .iter()
        .map(|t| t.written_path.as_deref())
        .collect();
    assert_eq!(written, [Some("balance"), Some("bio"), None, None]);
}
