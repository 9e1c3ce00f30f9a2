//! The TUI's state and its updates, apart from drawing: an [`Action`] (from a
//! key, a click or the watcher) changes the [`App`]; the panes only read it.
//! Whatever must leave the TUI (quitting, saving a decision) comes back from
//! [`App::handle`] as an [`Effect`] for the event loop to carry out.

use mergeproof_core::rule_id::RuleId;
use std::collections::HashMap;
use std::sync::Arc;

use ratatui::layout::{Position, Rect};

use super::decisions::Decision;
use super::layout::{self, Areas};
use super::model::{CampaignEntry, Checked, Counts, entries_from};
use super::panes::{campaigns, matrix, preview};
use mergeproof_core::engine::Run;
use mergeproof_core::finding::{Finding, ProfileKind};
use mergeproof_core::source::LoadError;
use mergeproof_core::template::RenderedCell;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    Campaigns,
    Matrix,
    Preview,
}

impl Pane {
    fn next(self) -> Pane {
        match self {
            Pane::Campaigns => Pane::Matrix,
            Pane::Matrix => Pane::Preview,
            Pane::Preview => Pane::Campaigns,
        }
    }

    fn previous(self) -> Pane {
        match self {
            Pane::Campaigns => Pane::Preview,
            Pane::Matrix => Pane::Campaigns,
            Pane::Preview => Pane::Matrix,
        }
    }
}

/// Everything a person can ask of the TUI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    NextPane,
    PreviousPane,
    /// Enter: campaign → matrix → preview → the rule's explanation.
    Open,
    /// Esc: close what is open, or step back a pane.
    Back,
    Search,
    NextFlag,
    PreviousFlag,
    ToggleFlaggedOnly,
    ToggleEdgeCases,
    CycleClient,
    /// Select the variant the selected profile receives.
    Received,
    Explain,
    Approve,
    Waive,
    Undo,
    Help,
    /// `q`: closes an overlay, or quits.
    Quit,
    /// Ctrl-C: quits whatever is open.
    Interrupt,
    /// A character typed into a prompt.
    Input(char),
    InputBackspace,
    InputSubmit,
    Click(Position),
    ScrollUp(Position),
    ScrollDown(Position),
}

/// What the event loop must do after an action.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    Quit,
    Decide {
        finding: Box<Finding>,
        decision: Decision,
        reason: String,
    },
    Undo {
        finding: Box<Finding>,
    },
}

/// What is drawn over the panes.
#[derive(Clone, Debug, PartialEq)]
pub enum Overlay {
    None,
    Help {
        scroll: u16,
    },
    Explain {
        rule: RuleId,
        scroll: u16,
    },
    /// `/`: typing moves the selection to the first id that matches.
    Search {
        input: String,
        pane: Pane,
        origin_campaign: usize,
        origin_row: usize,
    },
    /// `w`: the reason a finding is waived.
    Reason {
        input: String,
        finding: Box<Finding>,
    },
}

impl Overlay {
    pub fn is_prompt(&self) -> bool {
        matches!(self, Overlay::Search { .. } | Overlay::Reason { .. })
    }
}

/// A matrix row: a profile (its index in the campaign run), or the line that
/// sets the edge cases apart from the sample profiles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Row {
    Profile(usize),
    EdgeDivider,
}

/// A flag `n`/`N` can go to: a finding, and the matrix row it sits on (none
/// for findings about the campaign or a variant as a whole).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flag {
    pub row: Option<usize>,
    pub finding: usize,
}

/// What one load of the project gives the TUI.
#[derive(Debug)]
pub struct Loaded {
    pub run: Run,
    /// Mail clients and their visible subject widths, from the config.
    pub clients: Vec<(String, usize)>,
}

/// Loads and checks a project with the same engine as `lint`.
pub fn load(path: &std::path::Path) -> Loaded {
    let project = mergeproof_core::project::load_project(path);
    let run = mergeproof_core::engine::run_with_reviews_file(
        &project,
        &mergeproof_core::engine::Options { edge_cases: true },
    );
    Loaded {
        run,
        clients: project.config.clients.clone(),
    }
}

/// The rendered cells kept: the selected one is rendered on demand, never all.
const CACHE_LIMIT: usize = 256;

pub struct App {
    pub(crate) title: String,
    pub(crate) entries: Vec<CampaignEntry>,
    pub(crate) project_errors: Vec<LoadError>,
    pub(crate) clients: Vec<(String, usize)>,
    pub(crate) loading: bool,
    pub(crate) focus: Pane,
    pub(crate) campaign: usize,
    pub(crate) rows: Vec<Row>,
    pub(crate) flags: Vec<Flag>,
    pub(crate) row: usize,
    pub(crate) variant: usize,
    pub(crate) campaign_offset: usize,
    pub(crate) row_offset: usize,
    pub(crate) variant_offset: usize,
    pub(crate) flagged_only: bool,
    pub(crate) edge_cases: bool,
    pub(crate) client: usize,
    pub(crate) preview_scroll: u16,
    /// The selected finding among the selected cell's findings.
    pub(crate) finding: usize,
    /// Which flag `n`/`N` last went to.
    flag_cursor: Option<usize>,
    pub(crate) overlay: Overlay,
    pub(crate) message: Option<String>,
    pub(crate) screen: Rect,
    cells: HashMap<(usize, usize, usize), Arc<RenderedCell>>,
}

impl App {
    /// An empty TUI waiting for its first load.
    pub fn new(title: impl Into<String>) -> App {
        App {
            title: title.into(),
            entries: Vec::new(),
            project_errors: Vec::new(),
            clients: Vec::new(),
            loading: true,
            focus: Pane::Campaigns,
            campaign: 0,
            rows: Vec::new(),
            flags: Vec::new(),
            row: 0,
            variant: 0,
            campaign_offset: 0,
            row_offset: 0,
            variant_offset: 0,
            flagged_only: false,
            edge_cases: true,
            client: 0,
            preview_scroll: 0,
            finding: 0,
            flag_cursor: None,
            overlay: Overlay::None,
            message: None,
            screen: Rect::new(0, 0, 80, 24),
            cells: HashMap::new(),
        }
    }

    /// A TUI on a loaded project, sized for `screen`.
    pub fn loaded(title: impl Into<String>, loaded: Loaded, screen: Rect) -> App {
        let mut app = App::new(title);
        app.screen = screen;
        app.apply(loaded);
        app
    }

    /// Takes a new load of the project, keeping the selection by campaign,
    /// profile and variant id, and the last good state of any campaign whose
    /// file no longer loads.
    pub fn apply(&mut self, loaded: Loaded) {
        let campaign_id = self.entry().map(|e| e.id.clone());
        let profile_id = self.profile_id().map(str::to_string);
        let variant_id = self.variant_id().map(str::to_string);
        let client = self.clients.get(self.client).map(|(n, _)| n.clone());
        let (entries, project_errors) = entries_from(loaded.run, &self.entries);
        self.entries = entries;
        self.project_errors = project_errors;
        self.clients = loaded.clients;
        self.client = client
            .and_then(|c| self.clients.iter().position(|(n, _)| *n == c))
            .unwrap_or(0);
        self.loading = false;
        self.cells.clear();
        self.campaign = campaign_id
            .and_then(|id| self.entries.iter().position(|e| e.id == id))
            .unwrap_or(self.campaign)
            .min(self.entries.len().saturating_sub(1));
        self.refresh_rows(profile_id.as_deref());
        match variant_id.and_then(|v| self.checked().and_then(|c| c.variant_index(&v))) {
            Some(v) => self.variant = v,
            None => self.select_received_variant(),
        }
        self.sync();
    }

    pub fn set_screen(&mut self, screen: Rect) {
        if self.screen != screen {
            self.screen = screen;
            self.sync();
        }
    }

    pub fn set_message(&mut self, message: impl Into<String>) {
        self.message = Some(message.into());
    }

    pub fn focus(&self) -> Pane {
        self.focus
    }

    pub fn overlay(&self) -> &Overlay {
        &self.overlay
    }

    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    pub fn is_loading(&self) -> bool {
        self.loading
    }

    pub fn entries(&self) -> &[CampaignEntry] {
        &self.entries
    }

    // ---- what is selected ----

    pub fn entry(&self) -> Option<&CampaignEntry> {
        self.entries.get(self.campaign)
    }

    pub fn checked(&self) -> Option<&Checked> {
        self.entry().and_then(|e| e.checked.as_deref())
    }

    /// The selected profile's index in the campaign run.
    pub fn profile_index(&self) -> Option<usize> {
        match self.rows.get(self.row) {
            Some(Row::Profile(p)) => Some(*p),
            _ => None,
        }
    }

    pub fn profile_id(&self) -> Option<&str> {
        let checked = self.checked()?;
        Some(checked.run.profiles.get(self.profile_index()?)?.id.as_str())
    }

    pub fn variant_id(&self) -> Option<&str> {
        self.checked()?.variant_ids().nth(self.variant)
    }

    pub fn variant_index(&self) -> usize {
        self.variant
    }

    pub fn client(&self) -> Option<(&str, usize)> {
        self.clients.get(self.client).map(|(n, w)| (n.as_str(), *w))
    }

    pub fn edge_cases(&self) -> bool {
        self.edge_cases
    }

    pub fn flagged_only(&self) -> bool {
        self.flagged_only
    }

    /// The variant the selected profile receives (`Some(None)`: none).
    pub fn received(&self) -> Option<Option<usize>> {
        let checked = self.checked()?;
        checked.run.selection.get(self.profile_index()?).copied()
    }

    /// The findings of the selected cell: the selected profile's findings
    /// about the selected variant (or about no variant), then the findings
    /// about the campaign or the selected variant as a whole. Indices into
    /// the campaign run's findings.
    pub fn cell_findings(&self) -> Vec<usize> {
        let Some(checked) = self.checked() else {
            return Vec::new();
        };
        let variant = self.variant_id();
        let concerns = |fi: &usize| {
            let f = &checked.run.findings[*fi];
            f.variant.is_none() || f.variant.as_deref() == variant
        };
        let mut list: Vec<usize> = match self.profile_index() {
            Some(p) => checked.by_profile[p]
                .iter()
                .copied()
                .filter(concerns)
                .collect(),
            None => Vec::new(),
        };
        list.extend(checked.about_campaign.iter().copied().filter(concerns));
        list
    }

    /// The finding `a`, `w`, `u` and `x` act on.
    pub fn selected_finding(&self) -> Option<&Finding> {
        let fi = *self.cell_findings().get(self.finding)?;
        self.checked()?.run.findings.get(fi)
    }

    /// The selected cell, rendered (after [`App::sync`]).
    pub fn cell(&self) -> Option<&RenderedCell> {
        let key = (self.campaign, self.variant, self.profile_index()?);
        self.cells.get(&key).map(|c| c.as_ref())
    }

    /// Counts over every campaign, as the edge-case switch has them.
    pub fn totals(&self) -> Counts {
        self.entries
            .iter()
            .filter_map(|e| e.checked.as_ref())
            .fold(Counts::default(), |acc, c| acc + c.counts(self.edge_cases))
    }

    pub fn flags(&self) -> &[Flag] {
        &self.flags
    }

    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    pub fn selected_row(&self) -> usize {
        self.row
    }

    /// The project's name, as the campaigns pane's title shows it.
    pub fn title(&self) -> &str {
        &self.title
    }

    pub fn areas(&self) -> Areas {
        self.areas_in(self.screen)
    }

    pub fn areas_in(&self, screen: Rect) -> Areas {
        layout::areas(
            screen,
            self.focus,
            self.entries.len().max(1),
            !self.project_errors.is_empty(),
        )
    }

    // ---- updates ----

    /// Applies one action; returns what the event loop must do, if anything.
    pub fn handle(&mut self, action: Action) -> Option<Effect> {
        if action == Action::Interrupt {
            return Some(Effect::Quit);
        }
        if !matches!(action, Action::Input(_) | Action::InputBackspace) {
            self.message = None;
        }
        let effect = match &self.overlay {
            Overlay::None => self.handle_panes(action),
            Overlay::Help { .. } | Overlay::Explain { .. } => {
                self.handle_reading(action);
                None
            }
            Overlay::Search { .. } => {
                self.handle_search(action);
                None
            }
            Overlay::Reason { .. } => self.handle_reason(action),
        };
        self.sync();
        effect
    }

    fn handle_panes(&mut self, action: Action) -> Option<Effect> {
        match action {
            Action::Quit => return Some(Effect::Quit),
            Action::Up => self.step(-1),
            Action::Down => self.step(1),
            Action::PageUp => self.step(-self.page()),
            Action::PageDown => self.step(self.page()),
            Action::Home => self.step(-isize::MAX / 2),
            Action::End => self.step(isize::MAX / 2),
            Action::Left => match self.focus {
                Pane::Campaigns => {}
                _ => self.move_variant(-1),
            },
            Action::Right => match self.focus {
                Pane::Campaigns => self.focus = Pane::Matrix,
                _ => self.move_variant(1),
            },
            Action::NextPane => self.focus = self.focus.next(),
            Action::PreviousPane => self.focus = self.focus.previous(),
            Action::Open => match self.focus {
                Pane::Campaigns => self.focus = Pane::Matrix,
                Pane::Matrix => self.focus = Pane::Preview,
                Pane::Preview => self.explain(),
            },
            Action::Back => match self.focus {
                Pane::Preview => self.focus = Pane::Matrix,
                Pane::Matrix => self.focus = Pane::Campaigns,
                Pane::Campaigns => {}
            },
            Action::Search => {
                self.overlay = Overlay::Search {
                    input: String::new(),
                    pane: if self.focus == Pane::Campaigns {
                        Pane::Campaigns
                    } else {
                        Pane::Matrix
                    },
                    origin_campaign: self.campaign,
                    origin_row: self.row,
                }
            }
            Action::NextFlag => self.next_flag(true),
            Action::PreviousFlag => self.next_flag(false),
            Action::ToggleFlaggedOnly => {
                self.flagged_only = !self.flagged_only;
                self.refilter();
                self.message = Some(format!(
                    "flagged only: {}",
                    if self.flagged_only { "on" } else { "off" }
                ));
            }
            Action::ToggleEdgeCases => {
                self.edge_cases = !self.edge_cases;
                self.refilter();
                self.message = Some(format!(
                    "edge cases: {}",
                    if self.edge_cases { "on" } else { "off" }
                ));
            }
            Action::CycleClient => {
                if !self.clients.is_empty() {
                    self.client = (self.client + 1) % self.clients.len();
                }
                if let Some((name, width)) = self.client() {
                    self.message = Some(format!(
                        "client: {} cuts subjects at {width} characters",
                        super::text::safe(name)
                    ));
                }
            }
            Action::Received => self.select_received_variant(),
            Action::Explain => self.explain(),
            Action::Approve => {
                return match self.selected_finding() {
                    Some(f) => Some(Effect::Decide {
                        finding: Box::new(f.clone()),
                        decision: Decision::Approved,
                        reason: String::new(),
                    }),
                    None => {
                        self.no_finding_here();
                        None
                    }
                };
            }
            Action::Waive => match self.selected_finding() {
                Some(f) => {
                    self.overlay = Overlay::Reason {
                        input: String::new(),
                        finding: Box::new(f.clone()),
                    }
                }
                None => self.no_finding_here(),
            },
            Action::Undo => {
                return match self.selected_finding() {
                    Some(f) => Some(Effect::Undo {
                        finding: Box::new(f.clone()),
                    }),
                    None => {
                        self.no_finding_here();
                        None
                    }
                };
            }
            Action::Help => self.overlay = Overlay::Help { scroll: 0 },
            Action::Click(at) => self.click(at),
            Action::ScrollUp(at) => self.wheel(at, -3),
            Action::ScrollDown(at) => self.wheel(at, 3),
            Action::Input(_) | Action::InputBackspace | Action::InputSubmit | Action::Interrupt => {
            }
        }
        None
    }

    /// Help and a rule's explanation: scroll, or close.
    fn handle_reading(&mut self, action: Action) {
        let scroll = match &mut self.overlay {
            Overlay::Help { scroll } | Overlay::Explain { scroll, .. } => scroll,
            _ => return,
        };
        match action {
            Action::Up | Action::ScrollUp(_) => *scroll = scroll.saturating_sub(1),
            Action::Down | Action::ScrollDown(_) => *scroll = scroll.saturating_add(1),
            Action::PageUp => *scroll = scroll.saturating_sub(10),
            Action::PageDown => *scroll = scroll.saturating_add(10),
            Action::Home => *scroll = 0,
            Action::Quit | Action::Back | Action::Open | Action::Help | Action::Explain => {
                self.overlay = Overlay::None
            }
            Action::Click(_) => self.overlay = Overlay::None,
            _ => {}
        }
    }

    fn handle_search(&mut self, action: Action) {
        let Overlay::Search {
            input,
            pane,
            origin_campaign,
            origin_row,
        } = &mut self.overlay
        else {
            return;
        };
        let (pane, origin_campaign, origin_row) = (*pane, *origin_campaign, *origin_row);
        match action {
            Action::Input(c) => input.push(c),
            Action::InputBackspace => {
                input.pop();
            }
            Action::InputSubmit => {
                self.overlay = Overlay::None;
                return;
            }
            Action::Back => {
                self.overlay = Overlay::None;
                self.select_campaign(origin_campaign);
                self.row = origin_row.min(self.rows.len().saturating_sub(1));
                return;
            }
            _ => return,
        }
        let query = input.to_lowercase();
        if query.is_empty() {
            return;
        }
        let found = match pane {
            Pane::Campaigns => self.entries.iter().position(|e| {
                e.id.to_lowercase().contains(&query)
                    || e.name().is_some_and(|n| n.to_lowercase().contains(&query))
            }),
            _ => self.checked().and_then(|checked| {
                self.rows.iter().position(|r| match r {
                    Row::Profile(p) => checked.run.profiles[*p].id.to_lowercase().contains(&query),
                    Row::EdgeDivider => false,
                })
            }),
        };
        match (found, pane) {
            (Some(i), Pane::Campaigns) => self.select_campaign(i),
            (Some(i), _) => {
                self.row = i;
                self.flag_cursor = None;
            }
            (None, _) => self.message = Some("no match".into()),
        }
    }

    fn handle_reason(&mut self, action: Action) -> Option<Effect> {
        let Overlay::Reason { input, finding } = &mut self.overlay else {
            return None;
        };
        match action {
            Action::Input(c) => input.push(c),
            Action::InputBackspace => {
                input.pop();
            }
            Action::Back => {
                self.overlay = Overlay::None;
                self.message = Some("waiver cancelled".into());
            }
            Action::InputSubmit if input.trim().is_empty() => {
                self.message = Some("a waiver needs a reason (Esc cancels)".into());
            }
            Action::InputSubmit => {
                let effect = Effect::Decide {
                    finding: finding.clone(),
                    decision: Decision::Waived,
                    reason: input.trim().to_string(),
                };
                self.overlay = Overlay::None;
                return Some(effect);
            }
            _ => {}
        }
        None
    }

    fn no_finding_here(&mut self) {
        self.message = Some("no finding in this cell: n goes to the next flag".into());
    }

    fn explain(&mut self) {
        match self.selected_finding() {
            Some(f) => {
                self.overlay = Overlay::Explain {
                    rule: f.rule,
                    scroll: 0,
                }
            }
            None => self.no_finding_here(),
        }
    }

    /// Moves the selection in the focused pane (or scrolls the preview).
    fn step(&mut self, by: isize) {
        match self.focus {
            Pane::Campaigns => {
                let last = self.entries.len().saturating_sub(1);
                self.select_campaign(self.campaign.saturating_add_signed(by).min(last));
            }
            Pane::Matrix => self.move_row(by),
            Pane::Preview => {
                let by = i16::try_from(by).unwrap_or(if by < 0 { i16::MIN } else { i16::MAX });
                self.preview_scroll = self.preview_scroll.saturating_add_signed(by);
            }
        }
    }

    fn page(&self) -> isize {
        let area = self.areas().of(self.focus).unwrap_or(self.screen);
        isize::try_from(area.height.saturating_sub(4).max(1)).unwrap_or(1)
    }

    fn move_row(&mut self, by: isize) {
        if self.rows.is_empty() {
            return;
        }
        let last = self.rows.len() - 1;
        let mut row = self.row.saturating_add_signed(by).min(last);
        // Never rest on the divider: go past it in the direction of travel.
        if self.rows[row] == Row::EdgeDivider {
            row = if by < 0 && row > 0 {
                row - 1
            } else if row < last {
                row + 1
            } else {
                row.saturating_sub(1)
            };
        }
        if row != self.row {
            self.row = row;
            self.cell_changed();
        }
    }

    fn move_variant(&mut self, by: isize) {
        let count = self.checked().map_or(0, |c| c.run.compiled.variants.len());
        if count == 0 {
            return;
        }
        let variant = self.variant.saturating_add_signed(by).min(count - 1);
        if variant != self.variant {
            self.variant = variant;
            self.cell_changed();
        }
    }

    fn cell_changed(&mut self) {
        self.preview_scroll = 0;
        self.finding = 0;
        self.flag_cursor = None;
    }

    fn select_campaign(&mut self, index: usize) {
        if index == self.campaign && !self.rows.is_empty() {
            return;
        }
        let profile = self.profile_id().map(str::to_string);
        self.campaign = index;
        self.refresh_rows(profile.as_deref());
        self.select_received_variant();
        self.row_offset = 0;
        self.variant_offset = 0;
        self.cell_changed();
    }

    fn select_received_variant(&mut self) {
        self.variant = self.received().flatten().unwrap_or(0);
        self.cell_changed();
    }

    /// After a filter changed: rebuild the rows, keeping the selected profile
    /// if it is still shown.
    fn refilter(&mut self) {
        let profile = self.profile_id().map(str::to_string);
        self.refresh_rows(profile.as_deref());
        self.cell_changed();
    }

    /// Rebuilds the matrix rows and the flag list of the selected campaign:
    /// samples first, then the edge cases under a divider, each filtered by
    /// the switches. Selects `keep` when it is shown.
    fn refresh_rows(&mut self, keep: Option<&str>) {
        let previous_row = self.row;
        self.rows.clear();
        self.flags.clear();
        let Some(checked) = self
            .entries
            .get(self.campaign)
            .and_then(|e| e.checked.clone())
        else {
            self.row = 0;
            return;
        };
        let shown = |p: usize| {
            (self.edge_cases || checked.run.profiles[p].kind != ProfileKind::Edge)
                && (!self.flagged_only || !checked.by_profile[p].is_empty())
        };
        let mut edge_started = false;
        for (p, profile) in checked.run.profiles.iter().enumerate() {
            if !shown(p) {
                continue;
            }
            if profile.kind == ProfileKind::Edge && !edge_started {
                edge_started = true;
                self.rows.push(Row::EdgeDivider);
            }
            self.rows.push(Row::Profile(p));
        }
        for &finding in &checked.about_campaign {
            self.flags.push(Flag { row: None, finding });
        }
        for (r, row) in self.rows.iter().enumerate() {
            if let Row::Profile(p) = row {
                for &finding in &checked.by_profile[*p] {
                    self.flags.push(Flag {
                        row: Some(r),
                        finding,
                    });
                }
            }
        }
        let kept = keep.and_then(|id| {
            self.rows.iter().position(|r| match r {
                Row::Profile(p) => checked.run.profiles[*p].id == id,
                Row::EdgeDivider => false,
            })
        });
        self.row = kept.unwrap_or_else(|| previous_row.min(self.rows.len().saturating_sub(1)));
        if self.rows.get(self.row) == Some(&Row::EdgeDivider) {
            self.row = (self.row + 1).min(self.rows.len() - 1);
        }
    }

    /// `n` / `N`: the next or previous flag, on to the next campaign with
    /// flags at either end.
    fn next_flag(&mut self, forward: bool) {
        let on_cursor = self.flag_cursor.filter(|&k| {
            self.flags
                .get(k)
                .is_some_and(|f| f.row.is_none_or(|r| r == self.row))
        });
        let at_start =
            self.row == 0 || (self.row == 1 && self.rows.first() == Some(&Row::EdgeDivider));
        let row_key = |f: &Flag| f.row.map_or(-1, |r| r as isize);
        let current = self.row as isize;
        let target = match (on_cursor, forward) {
            (Some(k), true) => Some(k + 1).filter(|&t| t < self.flags.len()),
            (Some(k), false) => k.checked_sub(1),
            (None, true) if at_start => (!self.flags.is_empty()).then_some(0),
            (None, true) => self.flags.iter().position(|f| row_key(f) >= current),
            (None, false) => self.flags.iter().rposition(|f| row_key(f) < current),
        };
        if let Some(k) = target {
            self.go_to_flag(k);
            return;
        }
        // Past either end: the next campaign (wrapping) that has flags.
        let count = self.entries.len();
        for step in 1..=count {
            let index = if forward {
                (self.campaign + step) % count
            } else {
                (self.campaign + count * 2 - step) % count
            };
            let has_flags = self.entries[index]
                .checked
                .as_ref()
                .is_some_and(|c| c.counts(self.edge_cases).total() > 0);
            if !has_flags {
                continue;
            }
            self.select_campaign(index);
            if index == self.campaign && !self.flags.is_empty() {
                let k = if forward { 0 } else { self.flags.len() - 1 };
                self.go_to_flag(k);
                if step < count {
                    self.message = Some(format!(
                        "next campaign: {}",
                        super::text::safe(&self.entries[index].id)
                    ));
                }
                return;
            }
        }
        self.message = Some("no flags".into());
    }

    fn go_to_flag(&mut self, k: usize) {
        let Some(flag) = self.flags.get(k).copied() else {
            return;
        };
        if let Some(r) = flag.row {
            self.row = r;
        }
        let Some(checked) = self.checked() else {
            return;
        };
        let finding = &checked.run.findings[flag.finding];
        let variant = finding
            .variant
            .as_deref()
            .and_then(|v| checked.variant_index(v));
        self.cell_changed();
        match variant {
            Some(v) => self.variant = v,
            None if flag.row.is_some() => self.select_received_variant(),
            None => {}
        }
        self.flag_cursor = Some(k);
        self.finding = self
            .cell_findings()
            .iter()
            .position(|&fi| fi == flag.finding)
            .unwrap_or(0);
    }

    fn click(&mut self, at: Position) {
        let areas = self.areas();
        if let Some(area) = areas.campaigns.filter(|a| a.contains(at)) {
            self.focus = Pane::Campaigns;
            if let Some(i) = campaigns::entry_at(self, area, at) {
                self.select_campaign(i);
            }
        } else if let Some(area) = areas.matrix.filter(|a| a.contains(at)) {
            self.focus = Pane::Matrix;
            let (row, variant) = matrix::cell_at(self, area, at);
            let on_profile = |r: &usize| matches!(self.rows.get(*r), Some(Row::Profile(_)));
            if let Some(r) = row.filter(on_profile).filter(|&r| r != self.row) {
                self.row = r;
                self.cell_changed();
            }
            if let Some(v) = variant.filter(|&v| v != self.variant) {
                self.variant = v;
                self.cell_changed();
            }
        } else if areas.preview.is_some_and(|a| a.contains(at)) {
            self.focus = Pane::Preview;
        }
    }

    fn wheel(&mut self, at: Position, by: isize) {
        let areas = self.areas();
        for pane in [Pane::Campaigns, Pane::Matrix, Pane::Preview] {
            if areas.of(pane).is_some_and(|a| a.contains(at)) {
                let focus = std::mem::replace(&mut self.focus, pane);
                self.step(by);
                self.focus = focus;
            }
        }
    }

    /// Keeps the selection in view and renders the selected cell (only that
    /// one: never every body) into the cache.
    pub fn sync(&mut self) {
        let areas = self.areas();
        if let Some(area) = areas.campaigns {
            let visible = usize::from(layout::inner(area).height).max(1);
            self.campaign_offset = keep_in_view(self.campaign, self.campaign_offset, visible);
        }
        if let Some(area) = areas.matrix {
            let visible = matrix::visible_rows(self, area).max(1);
            self.row_offset = keep_in_view(self.row, self.row_offset, visible);
            self.variant_offset = matrix::variant_offset_for(self, area);
        }
        let max_scroll = areas
            .preview
            .map(|area| preview::max_scroll(self, area))
            .unwrap_or(u16::MAX);
        self.preview_scroll = self.preview_scroll.min(max_scroll);
        self.render_selected_cell();
    }

    fn render_selected_cell(&mut self) {
        let Some(profile) = self.profile_index() else {
            return;
        };
        let key = (self.campaign, self.variant, profile);
        if self.cells.contains_key(&key) {
            return;
        }
        let Some(checked) = self.checked() else {
            return;
        };
        if self.variant >= checked.run.compiled.variants.len() {
            return;
        }
        let cell = checked
            .run
            .compiled
            .render(self.variant, &checked.run.profiles[profile]);
        if self.cells.len() >= CACHE_LIMIT {
            self.cells.clear();
        }
        self.cells.insert(key, Arc::new(cell));
    }
}

/// The first visible index so that `selected` is among `visible` items.
fn keep_in_view(selected: usize, offset: usize, visible: usize) -> usize {
    if selected < offset {
        selected
    } else if selected >= offset + visible {
        selected + 1 - visible
    } else {
        offset
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mergeproof_core::finding::{Field, Severity};
    use mergeproof_core::project::Profile;
    use mergeproof_core::source::SourceLoc;
    use std::path::{Path, PathBuf};

    fn fixture() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tui-project")
    }

    fn app_on(path: &Path) -> App {
        App::loaded("test", load(path), Rect::new(0, 0, 160, 48))
    }

    fn app() -> App {
        app_on(&fixture())
    }

    fn run(app: &mut App, actions: &[Action]) -> Vec<Effect> {
        actions
            .iter()
            .filter_map(|a| app.handle(a.clone()))
            .collect()
    }

    fn type_text(app: &mut App, text: &str) {
        for c in text.chars() {
            app.handle(Action::Input(c));
        }
    }

    /// Selects the welcome campaign (pickup, typo, welcome) and the matrix.
    fn open_welcome(app: &mut App) {
        run(app, &[Action::End, Action::Open]);
        assert_eq!(app.entry().unwrap().id, "welcome");
    }

    fn select_profile(app: &mut App, id: &str) {
        // `/` looks for profiles outside the campaigns pane.
        if app.focus() == Pane::Campaigns {
            app.handle(Action::Open);
        }
        app.handle(Action::Search);
        type_text(app, id);
        app.handle(Action::InputSubmit);
        assert_eq!(app.profile_id(), Some(id));
    }

    /// A project holding the fixture's profiles and the given campaigns.
    fn project_with(campaigns: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for folder in ["campaigns", "sample-profiles"] {
            std::fs::create_dir_all(dir.path().join(folder)).unwrap();
        }
        for name in ["members.yaml", "escape-name.yaml"] {
            let profiles = Path::new("sample-profiles").join(name);
            std::fs::copy(fixture().join(&profiles), dir.path().join(&profiles)).unwrap();
        }
        for name in campaigns {
            let campaign = Path::new("campaigns").join(name);
            std::fs::copy(fixture().join(&campaign), dir.path().join(&campaign)).unwrap();
        }
        dir
    }

    #[test]
    fn panes_follow_tab_enter_and_esc() {
        let mut app = app();
        assert_eq!(app.focus(), Pane::Campaigns);
        run(&mut app, &[Action::NextPane]);
        assert_eq!(app.focus(), Pane::Matrix);
        run(&mut app, &[Action::NextPane]);
        assert_eq!(app.focus(), Pane::Preview);
        run(&mut app, &[Action::NextPane]);
        assert_eq!(app.focus(), Pane::Campaigns);
        run(&mut app, &[Action::PreviousPane]);
        assert_eq!(app.focus(), Pane::Preview);
        run(&mut app, &[Action::Back, Action::Back]);
        assert_eq!(app.focus(), Pane::Campaigns);
        run(&mut app, &[Action::Open, Action::Open]);
        assert_eq!(app.focus(), Pane::Preview);
    }

    #[test]
    fn moving_between_campaigns_rebuilds_the_matrix() {
        let mut app = app();
        assert_eq!(app.entry().unwrap().id, "pickup");
        assert_eq!(app.variant_id(), Some("standard"));
        run(&mut app, &[Action::Down, Action::Down]);
        assert_eq!(app.entry().unwrap().id, "welcome");
        // The selected profile stays; its received variant is selected.
        assert_eq!(app.profile_id(), Some("escape-name"));
        assert_eq!(app.variant_id(), Some("gold"));
        run(&mut app, &[Action::Down]);
        assert_eq!(app.entry().unwrap().id, "welcome", "stops at the last");
        run(&mut app, &[Action::Home]);
        assert_eq!(app.entry().unwrap().id, "pickup");
    }

    #[test]
    fn any_variant_can_be_previewed_with_any_profile() {
        let mut app = app();
        open_welcome(&mut app);
        select_profile(&mut app, "ann-gold");
        assert_eq!(app.variant_id(), Some("gold"));
        assert_eq!(app.received(), Some(Some(0)));
        run(&mut app, &[Action::Right]);
        assert_eq!(app.variant_id(), Some("generic"));
        let cell = app.cell().expect("the selected cell is rendered");
        assert_eq!(cell.variant, 1);
        assert_eq!(
            cell.subject.as_ref().unwrap().plain.text,
            "Your welcome gift is waiting"
        );
        run(&mut app, &[Action::Right]);
        assert_eq!(app.variant_id(), Some("generic"), "stops at the last");
        run(&mut app, &[Action::Received]);
        assert_eq!(app.variant_id(), Some("gold"));
        run(&mut app, &[Action::Left, Action::Left]);
        assert_eq!(app.variant_id(), Some("gold"));
    }

    #[test]
    fn n_and_shift_n_walk_every_flag() {
        let mut app = app();
        run(&mut app, &[Action::NextFlag]);
        // The fixture's only campaign with findings.
        assert_eq!(app.entry().unwrap().id, "welcome");
        let count = app.flags().len();
        assert!(count > 4, "{count}");
        let mut seen: Vec<Finding> = Vec::new();
        for _ in 0..count {
            let f = app.selected_finding().unwrap().clone();
            // The selection is on the flag's cell.
            if let Some(p) = &f.profile {
                assert_eq!(app.profile_id(), Some(p.as_str()));
            }
            if let Some(v) = &f.variant {
                assert_eq!(app.variant_id(), Some(v.as_str()));
            }
            assert!(!seen.contains(&f), "{f:?} visited twice");
            seen.push(f);
            run(&mut app, &[Action::NextFlag]);
        }
        assert_eq!(app.selected_finding(), Some(&seen[0]), "wraps around");
        run(&mut app, &[Action::PreviousFlag]);
        assert_eq!(app.selected_finding(), seen.last());
        run(&mut app, &[Action::PreviousFlag]);
        assert_eq!(app.selected_finding(), seen.get(count - 2));
        assert!(seen.iter().any(|f| f.rule == "missing-fallback"
            && f.profile.as_deref() == Some("nameless-gold")
            && f.field == Field::Subject));
        // From a selected row, `n` goes to that row's first flag.
        select_profile(&mut app, "nameless-gold");
        run(&mut app, &[Action::NextFlag]);
        assert_eq!(app.profile_id(), Some("nameless-gold"));
        assert_eq!(
            app.selected_finding().unwrap().profile.as_deref(),
            Some("nameless-gold")
        );
    }

    #[test]
    fn n_says_so_when_there_is_nothing_to_review() {
        let dir = project_with(&["pickup.yaml", "typo.yaml"]);
        let mut app = app_on(dir.path());
        run(&mut app, &[Action::NextFlag]);
        assert_eq!(app.message(), Some("no flags"));
        assert!(app.selected_finding().is_none());
    }

    #[test]
    fn flagged_only_keeps_the_selection_and_hides_clean_rows() {
        let mut app = app();
        open_welcome(&mut app);
        select_profile(&mut app, "nameless-gold");
        let all_rows = app.rows().len();
        let shown_ids = |app: &App| -> Vec<String> {
            let checked = app.checked().unwrap();
            app.rows()
                .iter()
                .filter_map(|r| match r {
                    Row::Profile(p) => Some(checked.run.profiles[*p].id.clone()),
                    Row::EdgeDivider => None,
                })
                .collect()
        };
        run(&mut app, &[Action::ToggleFlaggedOnly]);
        assert!(app.flagged_only());
        assert_eq!(app.profile_id(), Some("nameless-gold"));
        let shown = shown_ids(&app);
        assert!(shown.contains(&"nameless-gold".to_string()));
        assert!(!shown.contains(&"bo-silver".to_string()), "{shown:?}");
        let checked = app.checked().unwrap();
        for row in app.rows() {
            if let Row::Profile(p) = row {
                assert!(!checked.by_profile[*p].is_empty(), "only flagged rows");
            }
        }
        assert!(app.rows().len() < all_rows);
        run(&mut app, &[Action::ToggleFlaggedOnly]);
        assert_eq!(app.rows().len(), all_rows);
        assert_eq!(app.profile_id(), Some("nameless-gold"));
    }

    /// Adds an edge-case profile with one finding to the `welcome` run, as
    /// the edge-case synthesis would.
    fn with_edge_case(mut loaded: Loaded) -> Loaded {
        let run = loaded
            .run
            .campaigns
            .iter_mut()
            .find(|c| c.id() == "welcome")
            .unwrap();
        let mut profile = Profile::from_data(
            "edge:first_name=missing".into(),
            serde_json::json!({ "tier": "gold" }),
            ProfileKind::Edge,
            SourceLoc::default(),
        );
        profile.edge = Some(mergeproof_core::project::EdgeOrigin {
            base: "ann-gold".into(),
            change: "first_name=missing".into(),
        });
        run.profiles.push(Arc::new(profile));
        run.selection.push(Some(0));
        run.edge_profiles += 1;
        let mut finding = run.findings[0].clone();
        finding.profile = Some("edge:first_name=missing".into());
        finding.profile_kind = Some(ProfileKind::Edge);
        finding.field = Field::Subject;
        finding.severity = Severity::Warning;
        run.findings.push(finding);
        loaded
    }

    #[test]
    fn edge_cases_sit_below_a_divider_and_can_be_switched_off() {
        let mut app = App::loaded(
            "test",
            with_edge_case(load(&fixture())),
            Rect::new(0, 0, 160, 48),
        );
        open_welcome(&mut app);
        let divider = app
            .rows()
            .iter()
            .position(|r| *r == Row::EdgeDivider)
            .expect("a divider before the edge cases");
        let checked = app.checked().unwrap();
        for (i, row) in app.rows().iter().enumerate() {
            if let Row::Profile(p) = row {
                let edge = checked.run.profiles[*p].kind == ProfileKind::Edge;
                assert_eq!(edge, i > divider, "samples first, then edge cases");
            }
        }
        let with_edge = app.totals();
        run(&mut app, &[Action::End]);
        assert_eq!(app.profile_id(), Some("edge:first_name=missing"));
        // Moving up never rests on the divider.
        for _ in 0..app.rows().len() {
            run(&mut app, &[Action::Up]);
            assert_ne!(app.rows()[app.selected_row()], Row::EdgeDivider);
        }
        run(&mut app, &[Action::ToggleEdgeCases]);
        assert!(!app.edge_cases());
        assert!(!app.rows().contains(&Row::EdgeDivider));
        let samples_only = app
            .entries()
            .iter()
            .filter_map(|e| e.checked.as_ref())
            .fold(Counts::default(), |acc, c| acc + c.counts_samples);
        assert_eq!(app.totals(), samples_only);
        assert!(with_edge.total() > samples_only.total());
        assert!(app.flags().iter().all(|f| {
            let f = &app.checked().unwrap().run.findings[f.finding];
            f.profile_kind != Some(ProfileKind::Edge)
        }));
    }

    #[test]
    fn search_jumps_to_the_first_match_and_esc_goes_back() {
        let mut app = app();
        open_welcome(&mut app);
        let start = app.profile_id().map(str::to_string);
        app.handle(Action::Search);
        assert!(app.overlay().is_prompt());
        type_text(&mut app, "SILV");
        assert_eq!(app.profile_id(), Some("bo-silver"));
        app.handle(Action::Back);
        assert_eq!(app.profile_id().map(str::to_string), start);
        app.handle(Action::Search);
        type_text(&mut app, "zzz");
        assert_eq!(app.message(), Some("no match"));
        app.handle(Action::InputSubmit);
        assert_eq!(*app.overlay(), Overlay::None);
        // In the campaigns pane, `/` looks for campaigns.
        run(&mut app, &[Action::Back]);
        assert_eq!(app.focus(), Pane::Campaigns);
        app.handle(Action::Search);
        type_text(&mut app, "pick");
        app.handle(Action::InputSubmit);
        assert_eq!(app.entry().unwrap().id, "pickup");
    }

    #[test]
    fn decisions_come_out_as_effects_and_a_waiver_needs_a_reason() {
        let mut app = app();
        run(&mut app, &[Action::NextFlag]);
        let finding = app.selected_finding().unwrap().clone();
        match app.handle(Action::Approve) {
            Some(Effect::Decide {
                finding: f,
                decision: Decision::Approved,
                ..
            }) => assert_eq!(*f, finding),
            other => panic!("{other:?}"),
        }
        assert!(app.handle(Action::Waive).is_none());
        assert!(matches!(app.overlay(), Overlay::Reason { .. }));
        // Letters are the reason's text here, not commands.
        assert!(app.handle(Action::Input('q')).is_none());
        app.handle(Action::InputBackspace);
        assert!(app.handle(Action::InputSubmit).is_none());
        assert!(app.message().unwrap().contains("needs a reason"));
        type_text(&mut app, "  imported list, fixed upstream ");
        match app.handle(Action::InputSubmit) {
            Some(Effect::Decide {
                finding: f,
                decision: Decision::Waived,
                reason,
            }) => {
                assert_eq!(*f, finding);
                assert_eq!(reason, "imported list, fixed upstream");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(*app.overlay(), Overlay::None);
        assert!(matches!(
            app.handle(Action::Undo),
            Some(Effect::Undo { .. })
        ));
        // Esc cancels a waiver.
        app.handle(Action::Waive);
        app.handle(Action::Back);
        assert_eq!(*app.overlay(), Overlay::None);
    }

    #[test]
    fn no_decision_without_a_finding() {
        let mut app = app();
        assert!(app.selected_finding().is_none());
        for action in [
            Action::Approve,
            Action::Waive,
            Action::Undo,
            Action::Explain,
        ] {
            assert!(app.handle(action).is_none());
            assert_eq!(*app.overlay(), Overlay::None);
            assert!(app.message().unwrap().contains("no finding"));
        }
    }

    #[test]
    fn explain_and_help_open_and_close() {
        let mut app = app();
        run(&mut app, &[Action::NextFlag]);
        let rule = app.selected_finding().unwrap().rule;
        run(&mut app, &[Action::Explain]);
        assert_eq!(*app.overlay(), Overlay::Explain { rule, scroll: 0 });
        run(&mut app, &[Action::Down, Action::Down]);
        assert!(matches!(app.overlay(), Overlay::Explain { scroll: 2, .. }));
        run(&mut app, &[Action::Back, Action::Help]);
        assert!(matches!(app.overlay(), Overlay::Help { .. }));
        // q closes what is open before it quits.
        assert!(app.handle(Action::Quit).is_none());
        assert_eq!(*app.overlay(), Overlay::None);
        assert_eq!(app.handle(Action::Quit), Some(Effect::Quit));
        // Ctrl-C quits from anywhere, a prompt included.
        app.handle(Action::Waive);
        app.handle(Action::Search);
        assert_eq!(app.handle(Action::Interrupt), Some(Effect::Quit));
    }

    #[test]
    fn c_cycles_the_clients_and_wraps() {
        let mut app = app();
        let names: Vec<String> = app.clients.iter().map(|(n, _)| n.clone()).collect();
        assert!(names.len() >= 2);
        assert_eq!(app.client().unwrap().0, names[0]);
        run(&mut app, &[Action::CycleClient]);
        assert_eq!(app.client().unwrap().0, names[1]);
        for _ in 1..names.len() {
            run(&mut app, &[Action::CycleClient]);
        }
        assert_eq!(app.client().unwrap().0, names[0]);
    }

    #[test]
    fn clicks_select_a_campaign_and_a_cell() {
        let mut app = app();
        let areas = app.areas();
        let campaigns = areas.campaigns.unwrap();
        // The third campaign row: welcome.
        app.handle(Action::Click(Position::new(
            campaigns.x + 3,
            campaigns.y + 3,
        )));
        assert_eq!(app.entry().unwrap().id, "welcome");
        assert_eq!(app.focus(), Pane::Campaigns);
        let matrix = app.areas().matrix.unwrap();
        let inner = layout::inner(matrix);
        let cols = matrix::columns(app.checked().unwrap(), inner.width, 0);
        let (generic, x, _) = cols.variants[1];
        // Profile rows follow the notes and the column header.
        let top = matrix::table_top(&app, matrix);
        let at = Position::new(inner.x + x + 1, top + 2);
        app.handle(Action::Click(at));
        assert_eq!(app.focus(), Pane::Matrix);
        assert_eq!(app.variant_index(), generic);
        assert_eq!(app.profile_id(), Some("nameless-gold"));
        let preview = app.areas().preview.unwrap();
        app.handle(Action::Click(Position::new(preview.x + 2, preview.y + 2)));
        assert_eq!(app.focus(), Pane::Preview);
        // A click on a border or the status bar changes nothing.
        let status = app.areas().status;
        app.handle(Action::Click(Position::new(status.x, status.y)));
        assert_eq!(app.focus(), Pane::Preview);
    }

    #[test]
    fn a_reload_keeps_the_selection_by_id() {
        let mut app = app();
        open_welcome(&mut app);
        select_profile(&mut app, "bo-silver");
        run(&mut app, &[Action::Left, Action::CycleClient]);
        let client = app.client().unwrap().0.to_string();
        app.apply(load(&fixture()));
        assert_eq!(app.entry().unwrap().id, "welcome");
        assert_eq!(app.profile_id(), Some("bo-silver"));
        assert_eq!(app.variant_id(), Some("gold"));
        assert_eq!(app.client().unwrap().0, client);
    }

    #[test]
    fn a_broken_file_keeps_its_last_good_state_until_fixed() {
        let dir = project_with(&["pickup.yaml", "typo.yaml", "welcome.yaml"]);
        let file = dir.path().join("campaigns/welcome.yaml");
        let good = std::fs::read_to_string(&file).unwrap();
        let mut app = app_on(dir.path());
        open_welcome(&mut app);
        select_profile(&mut app, "nameless-gold");
        std::fs::write(&file, good.replace("variants:", "variants: [")).unwrap();
        app.apply(load(dir.path()));
        let entry = app.entry().unwrap();
        assert_eq!(entry.id, "welcome");
        assert!(entry.is_broken());
        let error = &entry.errors[0];
        assert_eq!(error.file, "campaigns/welcome.yaml");
        assert!(error.line > 1 && error.column >= 1, "{error:?}");
        assert!(entry.checked.is_some(), "the last good state stays");
        assert_eq!(app.profile_id(), Some("nameless-gold"));
        assert!(app.cell().is_some());
        std::fs::write(&file, good.replace("waiting inside", "inside now")).unwrap();
        app.apply(load(dir.path()));
        let entry = app.entry().unwrap();
        assert!(!entry.is_broken());
        assert!(
            app.cell()
                .unwrap()
                .subject
                .as_ref()
                .unwrap()
                .plain
                .text
                .contains("inside now")
        );
    }

    #[test]
    fn nothing_panics_before_the_first_load_or_on_tiny_screens() {
        let every = [
            Action::Up,
            Action::Down,
            Action::Left,
            Action::Right,
            Action::PageUp,
            Action::PageDown,
            Action::Home,
            Action::End,
            Action::NextPane,
            Action::Open,
            Action::Back,
            Action::NextFlag,
            Action::PreviousFlag,
            Action::ToggleFlaggedOnly,
            Action::ToggleEdgeCases,
            Action::CycleClient,
            Action::Received,
            Action::Explain,
            Action::Approve,
            Action::Undo,
            Action::Click(Position::new(5, 5)),
            Action::ScrollDown(Position::new(5, 5)),
            Action::Search,
            Action::Input('x'),
            Action::InputBackspace,
            Action::InputSubmit,
            Action::Waive,
            Action::Back,
            Action::Help,
            Action::Back,
        ];
        let mut empty = App::new("empty");
        for a in &every {
            empty.handle(a.clone());
        }
        for (w, h) in [(1, 1), (20, 5), (80, 24)] {
            let mut app = App::loaded("t", load(&fixture()), Rect::new(0, 0, w, h));
            for a in &every {
                app.handle(a.clone());
                let mut terminal =
                    ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
                terminal.draw(|f| crate::tui::draw(f, &app)).unwrap();
            }
        }
    }
}
