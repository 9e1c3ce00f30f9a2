//! Load: a project folder into campaigns, profiles, partials and config, with
//! every problem reported by file, line and column.

pub mod campaign;
pub mod paths;
pub mod profile;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use campaign::{Allow, Campaign, Channel, TemplateSource, Variant};
pub use profile::{EdgeOrigin, Profile, ProfileRef};

use crate::config::{CONFIG_FILE, Config};
use crate::source::LoadError;
use paths::{display, read_inside};

pub const CAMPAIGNS_DIR: &str = "campaigns";
pub const PARTIALS_DIR: &str = "campaigns/partials";
pub const PROFILES_DIR: &str = "sample-profiles";

/// A partial template: `campaigns/partials/<name>.hbs`, used as `{{> name}}`.
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
    pub fn campaign(&self, id: &str) -> Option<&Campaign> {
        self.campaigns.iter().find(|c| c.id == id)
    }
}

/// The YAML files directly in `dir` (relative to `root`), sorted by name.
fn yaml_files(root: &Path, dir: &str) -> Result<Vec<PathBuf>, String> {
    files_with(root, dir, &["yaml", "yml"])
}

fn files_with(root: &Path, dir: &str, extensions: &[&str]) -> Result<Vec<PathBuf>, String> {
    let full = root.join(dir);
    if !full.exists() {
        return Ok(Vec::new());
    }
    let entries = std::fs::read_dir(&full).map_err(|e| format!("cannot list `{dir}`: {e}"))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().map(|t| !t.is_dir()).unwrap_or(false))
        .map(|e| Path::new(dir).join(e.file_name()))
        .filter(|p| {
            p.extension()
                .and_then(|x| x.to_str())
                .is_some_and(|x| extensions.contains(&x))
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Loads a project. Never fails as a whole: whatever loads is returned, and
/// every problem is in `load_errors` (a missing folder is one such problem).
pub fn load_project(root: &Path) -> Project {
    let known_rules = crate::rules::rule_ids();
    let mut load_errors = Vec::new();
    if !root.is_dir() {
        load_errors.push(LoadError::in_file(
            &root.to_string_lossy(),
            "this is not a folder; a mergeproof project is a folder with `campaigns/` and `sample-profiles/`",
        ));
    } else if !root.join(CAMPAIGNS_DIR).is_dir() {
        load_errors.push(LoadError::in_file(
            CAMPAIGNS_DIR,
            "no `campaigns/` folder here; run mergeproof in a project folder or pass its path",
        ));
    }

    let config = if root.join(CONFIG_FILE).exists() {
        match read_inside(root, Path::new(CONFIG_FILE)) {
            Ok(text) => Config::parse(&text, CONFIG_FILE, &known_rules, &mut load_errors),
            Err(m) => {
                load_errors.push(LoadError::in_file(CONFIG_FILE, m));
                Config::default()
            }
        }
    } else {
        Config::default()
    };

    let mut partials = BTreeMap::new();
    match files_with(root, PARTIALS_DIR, &["hbs"]) {
        Ok(files) => {
            for file in files {
                let name = file
                    .file_stem()
                    .map(|s| s.to_string_lossy().to_string())
                    .unwrap_or_default();
                match read_inside(root, &file) {
                    Ok(text) => {
                        partials.insert(
                            name.clone(),
                            Partial {
                                name,
                                source: TemplateSource {
                                    text,
                                    file: display(&file),
                                    line: 1,
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
    match yaml_files(root, CAMPAIGNS_DIR) {
        Ok(files) => {
            let loaded: Vec<(PathBuf, Result<Campaign, Vec<LoadError>>)> = {
                use rayon::prelude::*;
                files
                    .par_iter()
                    .map(|f| (f.clone(), campaign::load_campaign(root, f, &known_rules)))
                    .collect()
            };
            for (file, result) in loaded {
                match result {
                    Ok(c) => {
                        if let Some(first) = campaigns.iter().find(|o| o.id == c.id) {
                            let error = LoadError::in_file(
                                &c.file,
                                format!("campaign id `{}` is already used by {}", c.id, first.file),
                            );
                            load_errors.push(error.clone());
                            broken_campaigns.push(BrokenCampaign {
                                file: c.file.clone(),
                                errors: vec![error],
                            });
                        } else {
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
    match yaml_files(root, PROFILES_DIR) {
        Ok(files) => {
            for file in files {
                match profile::load_profile_file(root, &file) {
                    Ok(list) => {
                        for p in list {
                            if let Some(first) = profiles.iter().find(|o| o.id == p.id) {
                                load_errors.push(LoadError::at(
                                    &p.loc,
                                    format!(
                                        "profile id `{}` is already used at {}",
                                        p.id, first.loc
                                    ),
                                ));
                            } else {
                                profiles.push(Arc::new(p));
                            }
                        }
                    }
                    Err(errors) => load_errors.extend(errors),
                }
            }
        }
        Err(m) => load_errors.push(LoadError::in_file(PROFILES_DIR, m)),
    }

    Project {
        root: root.to_path_buf(),
        config,
        campaigns,
        broken_campaigns,
        profiles,
        partials,
        load_errors,
    }
}
