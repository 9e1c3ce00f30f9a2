//! Load: a project folder into campaigns, profiles, partials and config, with
//! every problem reported by file, line and column.

pub(crate) mod campaign;
pub(crate) mod files;
pub(crate) mod front_matter;
pub mod paths;
pub mod profile;
pub mod records;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use campaign::{Campaign, Channel, TemplateSource, Variant};
pub use profile::{EdgeOrigin, Profile, ProfileRef};

use crate::config::{CONFIG_FILE, Config};
use crate::source::LoadError;
pub use files::ProjectFiles;
use paths::display;

pub const CAMPAIGNS_DIR: &str = "campaigns";
pub(crate) const PARTIALS_DIR: &str = "campaigns/partials";
pub(crate) const PROFILES_DIR: &str = "sample-profiles";
/// Review decisions, next to the campaigns (read and written by
/// [`crate::review::ReviewStore`]).
pub const REVIEWS_FILE: &str = "mergeproof-reviews.yaml";
/// The extensions of campaign and profile files.
const YAML: &[&str] = &["yaml", "yml"];

/// A partial template: `campaigns/partials/<name>.hbs`, used as `{{> name}}`,
/// or `<name>.liquid`, used as `{% render 'name' %}`.
#[derive(Clone, Debug)]
pub struct Partial {
    pub name: String,
    pub source: TemplateSource,
}

/// A campaign file that did not load, kept so that the TUI can show its errors
/// where the campaign would be.
#[derive(Clone, Debug)]
pub struct BrokenCampaign {
    pub file: String,
    pub errors: Vec<LoadError>,
}

#[derive(Clone, Debug)]
pub struct Project {
    /// The project folder; empty for a project loaded from memory.
    pub root: PathBuf,
    pub config: Config,
    pub campaigns: Vec<Campaign>,
    pub broken_campaigns: Vec<BrokenCampaign>,
    pub profiles: Vec<ProfileRef>,
    pub partials: BTreeMap<String, Partial>,
    /// Every load error: config, campaigns, partials and profiles.
    pub load_errors: Vec<LoadError>,
}

impl Project {
    /// Whether writing to `path` would replace one of the project's own
    /// files: anything in `campaigns/` or `sample-profiles/`, the config, the
    /// reviews file, or a template a campaign reads from elsewhere. A report
    /// written there would destroy what it reports on.
    pub fn owns(&self, path: &Path) -> bool {
        let Ok(root) = self.root.canonicalize() else {
            return false;
        };
        // The target may not exist yet: resolve its folder, keep its name.
        let full = match (path.parent(), path.file_name()) {
            (Some(dir), Some(name)) => {
                let dir = if dir.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    dir
                };
                match dir.canonicalize() {
                    Ok(dir) => dir.join(name),
                    Err(_) => return false,
                }
            }
            _ => return false,
        };
        let full = full.canonicalize().unwrap_or(full);
        let Ok(inside) = full.strip_prefix(&root) else {
            return false;
        };
        let first = inside.components().next().map(|c| c.as_os_str());
        if first.is_some_and(|c| c == CAMPAIGNS_DIR || c == PROFILES_DIR) {
            return true;
        }
        let named = display(inside);
        named == CONFIG_FILE
            || named == REVIEWS_FILE
            || self
                .campaigns
                .iter()
                .any(|c| c.variants.iter().any(|v| v.body.file == named))
            || self.broken_campaigns.iter().any(|b| {
                std::fs::read_to_string(self.root.join(&b.file))
                    .is_ok_and(|text| body_files_named_in(&b.file, &text).contains(&named))
            })
    }
}

/// The templates a campaign file names with `body_file:`, as paths in the
/// project, read from its text line by line: for a campaign that did not
/// load, whose variants are unknown, but whose templates are the user's all
/// the same.
fn body_files_named_in(campaign_file: &str, text: &str) -> Vec<String> {
    let folder = Path::new(campaign_file).parent().unwrap_or(Path::new(""));
    text.lines()
        .filter_map(|line| {
            let line = line.trim_start().trim_start_matches(['-', ' ']);
            let value = line.strip_prefix("body_file:")?;
            let value = value.split(" #").next().unwrap_or(value).trim();
            let value = value.trim_matches(['"', '\'']);
            // `a/../b` as a path in the project, without touching the disk.
            let joined = folder.join(value);
            let mut parts: Vec<&std::ffi::OsStr> = Vec::new();
            for part in joined.components() {
                match part {
                    std::path::Component::ParentDir => {
                        parts.pop();
                    }
                    std::path::Component::Normal(p) => parts.push(p),
                    _ => {}
                }
            }
            Some(display(&parts.iter().collect::<PathBuf>()))
        })
        .collect()
}

/// Loads a project. Never fails as a whole: whatever loads is returned, and
/// every problem is in `load_errors` (a missing folder is one such problem).
pub fn load_project(root: &Path) -> Project {
    let mut project = load(ProjectFiles::Folder(root));
    project.root = root.to_path_buf();
    project
}

/// Loads a project from texts held in memory, by their path in the project
/// (`campaigns/welcome.yaml`, `sample-profiles/ana.yaml`, `mergeproof.yaml`).
/// Such a project has no folder, so no reviews file either: pass decisions to
/// [`crate::engine::run`] directly.
pub fn load_project_from_memory(files: &BTreeMap<String, String>) -> Project {
    load(ProjectFiles::Memory(files))
}

fn load(files: ProjectFiles<'_>) -> Project {
    let mut load_errors = Vec::new();
    if let Some(root) = files.folder()
        && !root.is_dir()
    {
        load_errors.push(LoadError::in_file(
            &root.to_string_lossy(),
            "this is not a folder; a mergeproof project is a folder with `campaigns/` and `sample-profiles/`",
        ));
    } else if !files.has_dir(CAMPAIGNS_DIR) {
        load_errors.push(LoadError::in_file(
            CAMPAIGNS_DIR,
            "no `campaigns/` folder here; run mergeproof in a project folder or pass its path",
        ));
    }

    let config = if files.has_file(CONFIG_FILE) {
        match files.read(Path::new(CONFIG_FILE)) {
            Ok(text) => Config::parse(&text, CONFIG_FILE, &mut load_errors),
            Err(m) => {
                load_errors.push(LoadError::in_file(CONFIG_FILE, m));
                Config::default()
            }
        }
    } else {
        Config::default()
    };

    let mut partials = BTreeMap::new();
    match files.files_in(PARTIALS_DIR, &["hbs", "liquid"]) {
        Ok(list) => {
            for file in list {
                let name = file
                    .file_stem()
                    .map(|s| s.to_string_lossy().to_string())
                    .unwrap_or_default();
                match files.read(&file) {
                    Ok(text) => {
                        let (template, skipped) = front_matter::strip(config.front_matter, &text);
                        partials.insert(
                            name.clone(),
                            Partial {
                                name,
                                source: TemplateSource {
                                    text: template.to_string(),
                                    file: display(&file),
                                    line: 1 + skipped,
                                    column: 1,
                                    first_line_shift: 0,
                                },
                            },
                        );
                    }
                    Err(m) => load_errors.push(LoadError::in_file(&display(&file), m)),
                }
            }
        }
        Err(m) => load_errors.push(LoadError::in_file(PARTIALS_DIR, m)),
    }

    let mut campaigns: Vec<Campaign> = Vec::new();
    let mut broken_campaigns = Vec::new();
    match files.files_in(CAMPAIGNS_DIR, YAML) {
        Ok(list) => {
            let loaded: Vec<(PathBuf, Result<Campaign, Vec<LoadError>>)> = {
                use rayon::prelude::*;
                list.par_iter()
                    .map(|f| (f.clone(), campaign::load_campaign(files, f, &config)))
                    .collect()
            };
            // Ids seen so far, to the index of the campaign that has it: one
            // look-up per campaign, however many there are.
            let mut seen: HashMap<String, usize> = HashMap::new();
            for (file, result) in loaded {
                match result {
                    Ok(c) => {
                        if let Some(&first) = seen.get(&c.id) {
                            let error = LoadError::in_file(
                                &c.file,
                                format!(
                                    "campaign id `{}` is already used by {}",
                                    c.id, campaigns[first].file
                                ),
                            );
                            load_errors.push(error.clone());
                            broken_campaigns.push(BrokenCampaign {
                                file: c.file.clone(),
                                errors: vec![error],
                            });
                        } else {
                            seen.insert(c.id.clone(), campaigns.len());
                            campaigns.push(c);
                        }
                    }
                    Err(errors) => {
                        load_errors.extend(errors.iter().cloned());
                        broken_campaigns.push(BrokenCampaign {
                            file: display(&file),
                            errors,
                        });
                    }
                }
            }
        }
        Err(m) => load_errors.push(LoadError::in_file(CAMPAIGNS_DIR, m)),
    }

    let mut profiles: Vec<ProfileRef> = Vec::new();
    let profile_extensions: Vec<&str> = YAML
        .iter()
        .chain(records::EXPORT_EXTENSIONS)
        .copied()
        .collect();
    match files.files_in(PROFILES_DIR, &profile_extensions) {
        Ok(list) => {
            let mut seen: HashMap<String, usize> = HashMap::new();
            // Files are parsed in parallel, then taken in name order, so ids
            // and duplicate reports come out the same on every run.
            let parsed: Vec<(Vec<Profile>, Vec<LoadError>)> = {
                use rayon::prelude::*;
                let columns = &config.profile_columns;
                list.par_iter()
                    .map(|file| profile::load_profile_file(files, file, columns))
                    .collect()
            };
            for (list, errors) in parsed {
                load_errors.extend(errors);
                for p in list {
                    if let Some(&first) = seen.get(&p.id) {
                        load_errors.push(LoadError::at(
                            &p.loc,
                            format!(
                                "profile id `{}` is already used at {}",
                                p.id, profiles[first].loc
                            ),
                        ));
                    } else {
                        seen.insert(p.id.clone(), profiles.len());
                        profiles.push(Arc::new(p));
                    }
                }
            }
        }
        Err(m) => load_errors.push(LoadError::in_file(PROFILES_DIR, m)),
    }

    Project {
        root: PathBuf::new(),
        config,
        campaigns,
        broken_campaigns,
        profiles,
        partials,
        load_errors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::project_dir;

    const GOOD: &str = "variants:\n  - id: all\n    subject: Hello\n    body: Hi {{default first_name \"there\"}}\n";

    fn errors_of(files: &[(&str, &str)]) -> (Project, Vec<String>) {
        let dir = project_dir(files);
        let project = load_project(dir.path());
        let mut run =
            crate::engine::run_with_reviews_file(&project, &crate::engine::Options::default());
        run.load_errors
            .sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        let errors = run.load_errors.iter().map(|e| e.to_string()).collect();
        (project, errors)
    }

    #[test]
    fn every_broken_file_is_reported_and_good_ones_still_load() {
        let (project, errors) = errors_of(&[
            ("campaigns/a-good.yaml", GOOD),
            (
                "campaigns/b-syntax.yaml",
                "variants:\n  - id: x\n    subject: [unclosed\n",
            ),
            (
                "campaigns/c-key.yaml",
                "variants:\n  - id: x\n    subjct: Hi\n    body: x\n",
            ),
            ("sample-profiles/bad.yaml", "first_name: [x\n"),
        ]);
        assert_eq!(project.campaigns.len(), 1);
        assert_eq!(errors.len(), 3, "{errors:#?}");
        assert!(
            errors[0].starts_with("campaigns/b-syntax.yaml:"),
            "{errors:#?}"
        );
        assert!(
            errors[1].starts_with(
                "campaigns/c-key.yaml:3:5: unknown key `subjct`: did you mean `subject`?"
            ),
            "{errors:#?}"
        );
        assert!(
            errors[2].starts_with("sample-profiles/bad.yaml:"),
            "{errors:#?}"
        );
    }

    #[test]
    fn structural_mistakes_are_all_reported_together() {
        let (_, errors) = errors_of(&[(
            "campaigns/multi.yaml",
            "control: baseline\nvariants:\n  - id: a\n    subject: Hi\n    body: x\n    body_file: t.hbs\n  - id: a\n    subject: Hi\n  - id: c\n    subject: Hi\n    body: x\n    allow:\n      - { rule: missing-fallback }\n",
        )]);
        let joined = errors.join("\n");
        assert!(
            joined.contains("multi.yaml:1:10: `control: baseline` names no variant"),
            "{joined}"
        );
        assert!(joined.contains("both `body` and `body_file`"), "{joined}");
        assert!(joined.contains("duplicate variant id `a`"), "{joined}");
        assert!(
            joined.contains("neither `body` nor `body_file`"),
            "{joined}"
        );
        assert!(joined.contains("needs a `reason`"), "{joined}");
    }

    #[test]
    fn body_file_may_not_leave_the_project() {
        let (_, errors) = errors_of(&[(
            "campaigns/escape.yaml",
            "variants:\n  - id: a\n    subject: Hi\n    body_file: ../../../etc/passwd\n",
        )]);
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].contains(
                "escape.yaml:4:16: body_file: `../../../etc/passwd` leaves the project folder"
            ),
            "{errors:?}"
        );
    }

    #[test]
    fn body_file_and_partials_load() {
        let (project, errors) = errors_of(&[
            (
                "campaigns/ok.yaml",
                "variants:\n  - id: a\n    subject: Hi\n    body_file: templates/a.html.hbs\n",
            ),
            (
                "campaigns/templates/a.html.hbs",
                "<p>Hi {{default first_name \"there\"}}</p>\n{{> footer}}\n",
            ),
            ("campaigns/partials/footer.hbs", "<p>Unsubscribe</p>"),
        ]);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            project.campaigns[0].variants[0].body.file,
            "campaigns/templates/a.html.hbs"
        );
        assert!(project.partials.contains_key("footer"));
    }

    #[test]
    fn front_matter_is_left_out_of_templates_and_lines_keep_their_numbers() {
        let files = |config: &'static str| {
            vec![
                ("mergeproof.yaml", config),
                (
                    "campaigns/welcome.yaml",
                    "variants:\n  - id: a\n    subject: Hi\n    body_file: templates/welcome.hbs\n",
                ),
                (
                    "campaigns/templates/welcome.hbs",
                    "---\nlayout: basic.hbs\npreheader: \"Thanks for trying <%= product_name %>\"\n---\n<h1>Welcome!</h1>\n{{> button}}\n<p>{{defualt name \"there\"}}</p>\n",
                ),
                (
                    "campaigns/partials/button.hbs",
                    "---\ntitle: button\n---\n<a href=\"{{url}}\">Go</a>\n",
                ),
            ]
        };
        let (project, errors) = errors_of(&files("front_matter: yaml\n"));
        let joined = errors.join("\n");
        // The template starts after the block; an error is at its line in the file.
        assert!(
            joined.contains("campaigns/templates/welcome.hbs:7:4: unknown helper `defualt`"),
            "{joined}"
        );
        let partial = &project.partials["button"].source;
        assert_eq!(partial.text, "<a href=\"{{url}}\">Go</a>\n");
        assert_eq!(partial.start().line, 4);

        // Without the setting, the block is template text.
        let (project, _) = errors_of(&files(""));
        assert!(project.partials["button"].source.text.starts_with("---\n"));

        let (_, errors) = errors_of(&files("front_matter: yml\n"));
        assert!(
            errors.join("\n").contains(
                "mergeproof.yaml:1:15: unknown `front_matter` `yml`: did you mean `yaml`?"
            ),
            "{errors:?}"
        );
    }

    #[test]
    fn template_errors_point_inside_the_template() {
        let (_, errors) = errors_of(&[
            (
                "campaigns/helper.yaml",
                "variants:\n  - id: a\n    subject: Hi\n    body: |\n      <p>Hello</p>\n      <p>{{defualt first_name \"x\"}}</p>\n",
            ),
            (
                "campaigns/partial.yaml",
                "variants:\n  - id: a\n    subject: \"Hi {{> nothere}}\"\n    body: x\n",
            ),
        ]);
        let joined = errors.join("\n");
        assert!(
            joined.contains("helper.yaml:6:10: unknown helper `defualt` in the mergeproof dialect: did you mean `default`?"),
            "{joined}"
        );
        assert!(
            joined.contains("partial.yaml:3:18: partial `nothere` not found"),
            "{joined}"
        );
    }

    #[test]
    fn partial_recursion_is_bounded() {
        let (_, errors) = errors_of(&[
            (
                "campaigns/loop.yaml",
                "variants:\n  - id: a\n    subject: Hi\n    body: \"{{> a}}\"\n",
            ),
            ("campaigns/partials/a.hbs", "A {{> b}}"),
            ("campaigns/partials/b.hbs", "B {{> a}}"),
        ]);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].contains("includes itself whatever the data (a → b → a)"),
            "{errors:?}"
        );
    }

    /// Partials as (name, text) for `campaigns/partials/`.
    fn with_partials(campaign_body: &str, partials: &[(String, String)]) -> Vec<String> {
        let campaign =
            format!("variants:\n  - id: a\n    subject: Hi\n    body: \"{campaign_body}\"\n");
        let mut files: Vec<(String, String)> = vec![("campaigns/c.yaml".into(), campaign)];
        files.extend(
            partials
                .iter()
                .map(|(n, t)| (format!("campaigns/partials/{n}.hbs"), t.clone())),
        );
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        errors_of(&refs).1
    }

    #[test]
    fn a_long_chain_of_distinct_partials_is_too_deep_not_a_loop() {
        let partials: Vec<(String, String)> = (0..10)
            .map(|i| (format!("p{i}"), format!("x{{{{> p{}}}}}", i + 1)))
            .chain([("p10".to_string(), "end".to_string())])
            .collect();
        let errors = with_partials("{{> p0}}", &partials);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].contains("partials nest more than 8 deep"),
            "{errors:?}"
        );
        assert!(!errors[0].contains("includes itself"), "{errors:?}");
        // Eight deep is fine.
        let partials: Vec<(String, String)> = (0..7)
            .map(|i| (format!("p{i}"), format!("x{{{{> p{}}}}}", i + 1)))
            .chain([("p7".to_string(), "end".to_string())])
            .collect();
        assert!(with_partials("{{> p0}}", &partials).is_empty());
    }

    #[test]
    fn partials_that_multiply_are_refused_quickly_at_the_call() {
        // 8 partials each calling the next 8 times: 8^7 calls written out.
        let partials: Vec<(String, String)> = (0..8)
            .map(|i| {
                let text = if i < 7 {
                    format!("{{{{> p{}}}}}", i + 1).repeat(8)
                } else {
                    "{{first_name}}".to_string()
                };
                (format!("p{i}"), text)
            })
            .collect();
        let started = std::time::Instant::now();
        let errors = with_partials("{{> p0}}", &partials);
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].starts_with("campaigns/c.yaml:4:"), "{errors:?}");
        assert!(errors[0].contains("grow exponentially"), "{errors:?}");
    }

    #[test]
    fn nesting_past_the_limit_is_a_load_error_not_a_stack_overflow() {
        let limit = crate::limits::MAX_DEPTH;
        for depth in [limit + 1, 5000, 50_000] {
            let body = "{{#if first_name}}".repeat(depth) + "x" + &"{{/if}}".repeat(depth);
            let errors = with_partials(&body, &[]);
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert!(
                errors[0].contains("the template nests more than 128 deep"),
                "{errors:?}"
            );
            // Reported at the 129th opening, on the body's line.
            assert!(errors[0].starts_with("campaigns/c.yaml:4:"), "{errors:?}");
        }
        let body = "{{#with a}}".repeat(limit) + "x" + &"{{/with}}".repeat(limit);
        assert!(with_partials(&body, &[]).is_empty());
        // Within the limit in each file, past it through a partial.
        let inner = "{{#if b}}".repeat(70) + "y" + &"{{/if}}".repeat(70);
        let outer = "{{#if a}}".repeat(70) + "{{> deep}}" + &"{{/if}}".repeat(70);
        let errors = with_partials(&outer, &[("deep".into(), inner)]);
        assert!(
            errors
                .iter()
                .any(|e| e
                    .contains("counting the blocks and `{{else if}}` branches of the partials")),
            "{errors:?}"
        );
    }

    /// `(default (default … a 'x') 'y')` nested `depth` deep.
    fn subexpression(helper: &str, depth: usize) -> String {
        let mut expression = "a".to_string();
        for _ in 0..depth {
            expression = format!("({helper} {expression} 'x')");
        }
        expression
    }

    #[test]
    fn every_kind_of_nesting_counts_toward_one_limit() {
        let limit = crate::limits::MAX_DEPTH;
        let deep = subexpression("default", 900);
        let chain = |branches: usize| {
            "{{#if a}}a".to_string()
                + &(0..branches)
                    .map(|i| format!("{{{{else if b{i}}}}}b"))
                    .collect::<String>()
                + "{{/if}}"
        };
        for body in [
            format!("{{{{default {deep} 'y'}}}}"),
            format!("{{{{default a x={deep}}}}}"),
            format!("{{{{> p x={deep}}}}}"),
            format!("{{{{#if {deep}}}}}x{{{{/if}}}}"),
            chain(2000),
            // Blocks and subexpressions add up.
            "{{#if a}}".repeat(100)
                + &format!("{{{{default {} 'y'}}}}", subexpression("default", 40))
                + &"{{/if}}".repeat(100),
        ] {
            let errors = with_partials(&body, &[("p".into(), "{{x}}".into())]);
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert!(
                errors[0].contains("nests more than 128 deep here"),
                "{errors:?}"
            );
            assert!(errors[0].starts_with("campaigns/c.yaml:4:"), "{errors:?}");
        }
        // A flat chain of a hundred branches is not deep nesting, nor is an
        // expression at the limit.
        assert_eq!(with_partials(&chain(100), &[]), Vec::<String>::new());
        let at_limit = format!(
            "{{{{default {} 'y'}}}}",
            subexpression("default", limit - 1)
        );
        assert_eq!(with_partials(&at_limit, &[]), Vec::<String>::new());
    }

    #[test]
    fn a_deep_subject_is_located_and_the_other_campaigns_still_load() {
        let deep = subexpression("upper", 900);
        let deep_campaign =
            format!("variants:\n  - id: a\n    subject: \"{{{{upper {deep}}}}}\"\n    body: x\n");
        let (project, errors) = errors_of(&[
            ("campaigns/deep.yaml", &deep_campaign),
            ("campaigns/ok.yaml", GOOD),
        ]);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].starts_with("campaigns/deep.yaml:3:"),
            "{errors:?}"
        );
        assert!(project.campaigns.iter().any(|c| c.id == "ok"));
    }

    #[test]
    fn a_campaign_for_another_platform_is_one_error_naming_its_dialect() {
        let sendgrid = "variants:\n  - id: a\n    subject: \"Hi {{insert first_name 'default=there'}}\"\n    body: \"{{insert first_name}} {{#equals tier 'gold'}}x{{/equals}} {{insert last_name}}\"\n";
        let (_, errors) = errors_of(&[("campaigns/c.yaml", sendgrid)]);
        assert_eq!(
            errors,
            [
                "campaigns/c.yaml:3:18: this campaign calls `insert`, `equals`, helpers of SendGrid dynamic templates, not of the mergeproof dialect it is read in: set `dialect: sendgrid` in the campaign (or in mergeproof.yaml for the whole project)"
            ]
        );
        // Set, it loads; a team's own helper is still theirs to declare.
        let set = format!("dialect: sendgrid\n{sendgrid}");
        assert!(errors_of(&[("campaigns/c.yaml", &set)]).1.is_empty());
        let own = "dialect: handlebars\nvariants:\n  - id: a\n    subject: Hi\n    body: \"{{upper first_name}}\"\n";
        let (_, errors) = errors_of(&[("campaigns/c.yaml", own)]);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].contains("unknown helper `upper` in the handlebars dialect"),
            "{errors:?}"
        );
    }

    #[test]
    fn duplicate_ids_are_errors() {
        let (project, errors) = errors_of(&[
            ("campaigns/one.yaml", &format!("id: same\n{GOOD}")),
            ("campaigns/two.yaml", &format!("id: same\n{GOOD}")),
            ("sample-profiles/a.yaml", "id: ann\nfirst_name: Ann\n"),
            ("sample-profiles/b.yaml", "id: ann\nfirst_name: Bob\n"),
        ]);
        assert_eq!(project.campaigns.len(), 1);
        assert_eq!(project.profiles.len(), 1);
        assert_eq!(errors.len(), 2, "{errors:?}");
    }

    #[test]
    fn missing_project_folder_is_one_clear_error() {
        let project = load_project(Path::new("/definitely/not/here"));
        assert_eq!(project.load_errors.len(), 1);
        assert!(project.load_errors[0].message.contains("not a folder"));
    }

    #[test]
    fn no_input_makes_the_loader_panic() {
        // Every prefix of a real campaign file, and a few byte-level mutations:
        // whatever the loader makes of them, it reports instead of panicking.
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/campaigns/spring-clearance.yaml"
        ))
        .unwrap_or_else(|_| GOOD.repeat(3));
        let cuts: Vec<usize> = (0..text.len())
            .step_by(7)
            .filter(|i| text.is_char_boundary(*i))
            .collect();
        for cut in cuts {
            for variant in [
                text[..cut].to_string(),
                format!("{}\u{1b}[0m{{{{#if}}}}\t- :", &text[..cut]),
            ] {
                let dir = project_dir(&[
                    ("campaigns/x.yaml", &variant),
                    ("sample-profiles/p.yaml", "first_name: A\n"),
                ]);
                let project = load_project(dir.path());
                let _ = crate::engine::run_with_reviews_file(
                    &project,
                    &crate::engine::Options {
                        edge_cases: false,
                        ..Default::default()
                    },
                );
            }
        }
    }
}
