//! The TUI's state and its updates. Each pane owns its state
//! ([`CampaignsPane`], [`MatrixPane`], [`PreviewPane`]); the [`App`] routes
//! each [`Action`] (from a key, a click or the watcher) to the pane it
//! concerns, holds what the panes share (the loaded campaigns, the switches,
//! the overlays) and lends each pane what it shows. No pane reads another's
//! state. Whatever must leave the TUI (quitting, saving a decision) comes back
//! from [`App::handle`] as an [`Effect`] for the event loop to carry out.

use std::collections::HashMap;
use std::sync::Arc;

use ratatui::layout::{Position, Rect};

use super::decisions::Decision;

mod flags;
mod overlays;

pub use super::actions::{Action, Effect, Overlay, Pane};
use super::layout::{self, Areas};
use super::model::{CampaignEntry, Checked, Counts, entries_from};
use super::panes::campaigns::{CampaignsPane, CampaignsView};
pub use super::panes::matrix::{Flag, Row};
use super::panes::matrix::{MatrixPane, MatrixView};
use super::panes::preview::{PreviewPane, PreviewView};
use super::panes::{Component, Handled};
use mergeproof_core::engine::Run;
use mergeproof_core::finding::Finding;
use mergeproof_core::source::LoadError;
use mergeproof_core::template::RenderedCell;

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
        &mergeproof_core::engine::Options {
            edge_cases: true,
            ..Default::default()
        },
    );
    Loaded {
        run,
        clients: project.config.clients.clone(),
    }
}

/// The rendered cells kept: the selected one is rendered on demand, never all.
const CACHE_LIMIT: usize = 256;

pub struct App {
    title: String,
    entries: Vec<CampaignEntry>,
    pub(crate) project_errors: Vec<LoadError>,
    clients: Vec<(String, usize)>,
    loading: bool,
    focus: Pane,
    edge_cases: bool,
    client: usize,
    /// Which flag `n`/`N` last went to.
    flag_cursor: Option<usize>,
    overlay: Overlay,
    message: Option<String>,
    screen: Rect,
    cells: HashMap<(usize, usize, usize), Arc<RenderedCell>>,
    campaigns: CampaignsPane,
    matrix: MatrixPane,
    preview: PreviewPane,
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
            edge_cases: true,
            client: 0,
            flag_cursor: None,
            overlay: Overlay::None,
            message: None,
            screen: Rect::new(0, 0, 80, 24),
            cells: HashMap::new(),
            campaigns: CampaignsPane::default(),
            matrix: MatrixPane::default(),
            preview: PreviewPane::default(),
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
        let campaign = campaign_id
            .and_then(|id| self.entries.iter().position(|e| e.id == id))
            .unwrap_or(self.campaigns.selected())
            .min(self.entries.len().saturating_sub(1));
        self.campaigns.select(campaign);
        self.refresh_rows(profile_id.as_deref());
        match variant_id.and_then(|v| self.checked().and_then(|c| c.variant_index(&v))) {
            Some(v) => {
                self.matrix.set_variant(v);
            }
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
        self.entries.get(self.campaigns.selected())
    }

    pub fn checked(&self) -> Option<&Checked> {
        self.entry().and_then(|e| e.checked.as_deref())
    }

    /// The selected profile's index in the campaign run.
    pub fn profile_index(&self) -> Option<usize> {
        self.matrix.profile()
    }

    pub fn profile_id(&self) -> Option<&str> {
        let checked = self.checked()?;
        Some(checked.run.profiles.get(self.profile_index()?)?.id.as_str())
    }

    pub fn variant_id(&self) -> Option<&str> {
        self.checked()?.variant_ids().nth(self.matrix.variant())
    }

    pub fn variant_index(&self) -> usize {
        self.matrix.variant()
    }

    pub fn client(&self) -> Option<(&str, usize)> {
        self.clients.get(self.client).map(|(n, w)| (n.as_str(), *w))
    }

    pub fn edge_cases(&self) -> bool {
        self.edge_cases
    }

    pub fn flagged_only(&self) -> bool {
        self.matrix.flagged_only()
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
        let fi = *self.cell_findings().get(self.preview.finding())?;
        self.checked()?.run.findings.get(fi)
    }

    /// Every finding of the selected finding's defect that is not accepted
    /// yet (the selected one always), sample and edge profiles alike: what
    /// `A` and `W` decide.
    pub fn selected_defect(&self) -> Option<Vec<Finding>> {
        let selected = self.selected_finding()?;
        let key = selected.defect_key();
        let findings = &self.checked()?.run.findings;
        Some(
            findings
                .iter()
                .filter(|f| f.defect_key() == key)
                .filter(|f| std::ptr::eq(*f, selected) || !f.waived)
                .cloned()
                .collect(),
        )
    }

    /// The selected cell, rendered (after [`App::sync`]).
    pub fn cell(&self) -> Option<&RenderedCell> {
        let key = (
            self.campaigns.selected(),
            self.matrix.variant(),
            self.profile_index()?,
        );
        self.cells.get(&key).map(|c| c.as_ref())
    }

    /// Problems over every campaign, as the edge-case switch has them.
    pub fn problems(&self) -> usize {
        self.entries
            .iter()
            .filter_map(|e| e.checked.as_ref())
            .map(|c| c.problems(self.edge_cases))
            .sum()
    }

    /// Counts over every campaign, as the edge-case switch has them.
    pub fn totals(&self) -> Counts {
        self.entries
            .iter()
            .filter_map(|e| e.checked.as_ref())
            .fold(Counts::default(), |acc, c| acc + c.counts(self.edge_cases))
    }

    pub fn flags(&self) -> &[Flag] {
        self.matrix.flags()
    }

    pub fn rows(&self) -> &[Row] {
        self.matrix.rows()
    }

    pub fn selected_row(&self) -> usize {
        self.matrix.row()
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

    // ---- what each pane is lent ----

    pub(crate) fn campaigns_view(&self) -> CampaignsView<'_> {
        CampaignsView {
            title: &self.title,
            entries: &self.entries,
            loading: self.loading,
            edge_cases: self.edge_cases,
            focused: self.focus == Pane::Campaigns,
        }
    }

    pub(crate) fn matrix_view(&self) -> MatrixView<'_> {
        MatrixView {
            entry: self.entry(),
            loading: self.loading,
            edge_cases: self.edge_cases,
            focused: self.focus == Pane::Matrix,
        }
    }

    /// Draws the three panes where `areas` puts them.
    pub(crate) fn draw_panes(&mut self, frame: &mut ratatui::Frame, areas: &Areas) {
        if let Some(area) = areas.campaigns {
            self.campaigns.draw(frame, area, &self.campaigns_view());
        }
        if let Some(area) = areas.matrix {
            self.matrix.draw(frame, area, &self.matrix_view());
        }
        if let Some(area) = areas.preview {
            let findings = self.cell_findings();
            let (campaign, variant) = (self.campaigns.selected(), self.matrix.variant());
            let profile = self.matrix.profile();
            let view = PreviewView {
                entry: self.entries.get(campaign),
                profile,
                variant,
                cell: profile
                    .and_then(|p| self.cells.get(&(campaign, variant, p)))
                    .map(|c| c.as_ref()),
                findings: &findings,
                client: self.clients.get(self.client).map(|(n, w)| (n.as_str(), *w)),
                loading: self.loading,
                focused: self.focus == Pane::Preview,
            };
            self.preview.draw(frame, area, &view);
        }
    }

    // ---- updates ----

    /// Applies one action; returns what the event loop must do, if anything.
    pub fn handle(&mut self, action: Action) -> Option<Effect> {
        if action == Action::Interrupt {
            return Some(Effect::Quit);
        }
        if !matches!(
            action,
            Action::Input(_) | Action::Paste(_) | Action::InputBackspace
        ) {
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
            Overlay::Confirm { .. } => self.handle_confirm(action),
        };
        self.sync();
        effect
    }

    fn handle_panes(&mut self, action: Action) -> Option<Effect> {
        match action {
            Action::Quit => return Some(Effect::Quit),
            Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Home
            | Action::End
            | Action::Left
            | Action::Right => self.route_to_focus(&action),
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
                    origin_campaign: self.campaigns.selected(),
                    origin_row: self.matrix.row(),
                }
            }
            Action::NextFlag => self.next_flag(true),
            Action::PreviousFlag => self.next_flag(false),
            Action::ToggleFlaggedOnly => {
                let on = self.matrix.toggle_flagged_only();
                self.refilter();
                self.message = Some(format!("flagged only: {}", if on { "on" } else { "off" }));
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
                        findings: vec![f.clone()],
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
                        findings: vec![f.clone()],
                    }
                }
                None => self.no_finding_here(),
            },
            Action::ApproveDefect => match self.selected_defect() {
                Some(findings) => self.overlay = Overlay::Confirm { findings },
                None => self.no_finding_here(),
            },
            Action::WaiveDefect => match self.selected_defect() {
                Some(findings) => {
                    self.overlay = Overlay::Reason {
                        input: String::new(),
                        findings,
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
            Action::Input(_)
            | Action::Paste(_)
            | Action::InputBackspace
            | Action::InputSubmit
            | Action::Interrupt => {}
        }
        None
    }

    /// A movement key, to the focused pane.
    fn route_to_focus(&mut self, action: &Action) {
        match (self.focus, action) {
            (Pane::Campaigns, Action::Left) => {}
            (Pane::Campaigns, Action::Right) => self.focus = Pane::Matrix,
            (Pane::Campaigns, _) => {
                if let Handled::Moved(Some(i)) = self.campaigns.handle(action, self.entries.len()) {
                    self.select_campaign(i);
                }
            }
            (Pane::Preview, Action::Left | Action::Right) | (Pane::Matrix, _) => {
                let variants = self.checked().map_or(0, |c| c.run.compiled.variants.len());
                if let Handled::Moved(_) = self.matrix.handle(action, variants) {
                    self.cell_changed();
                }
            }
            (Pane::Preview, _) => {
                self.preview.handle(action, ());
            }
        }
    }

    fn no_finding_here(&mut self) {
        self.message = Some("no finding in this cell: n goes to the next flag".into());
    }

    fn cell_changed(&mut self) {
        self.preview.reset();
        self.flag_cursor = None;
    }

    fn select_campaign(&mut self, index: usize) {
        if index == self.campaigns.selected() && !self.matrix.rows().is_empty() {
            return;
        }
        let profile = self.profile_id().map(str::to_string);
        self.campaigns.select(index);
        self.refresh_rows(profile.as_deref());
        self.select_received_variant();
        self.matrix.scroll_to_start();
        self.cell_changed();
    }

    fn select_received_variant(&mut self) {
        self.matrix
            .set_variant(self.received().flatten().unwrap_or(0));
        self.cell_changed();
    }

    /// After a filter changed: rebuild the rows, keeping the selected profile
    /// if it is still shown.
    fn refilter(&mut self) {
        let profile = self.profile_id().map(str::to_string);
        self.refresh_rows(profile.as_deref());
        self.cell_changed();
    }

    /// The matrix's rows and flags, from the selected campaign.
    fn refresh_rows(&mut self, keep: Option<&str>) {
        let checked = self
            .entries
            .get(self.campaigns.selected())
            .and_then(|e| e.checked.clone());
        self.matrix
            .refresh(checked.as_deref(), self.edge_cases, keep);
    }

    fn click(&mut self, at: Position) {
        let areas = self.areas();
        if let Some(area) = areas.campaigns.filter(|a| a.contains(at)) {
            self.focus = Pane::Campaigns;
            if let Some(i) = self.campaigns.entry_at(area, at, self.entries.len()) {
                self.select_campaign(i);
            }
        } else if let Some(area) = areas.matrix.filter(|a| a.contains(at)) {
            self.focus = Pane::Matrix;
            let (row, variant) = self.matrix.cell_at(area, at, &self.matrix_view());
            let rows = self.matrix.rows();
            let on_profile = |r: &usize| matches!(rows.get(*r), Some(Row::Profile(_)));
            if let Some(r) = row.filter(on_profile)
                && self.matrix.set_row(r)
            {
                self.cell_changed();
            }
            if let Some(v) = variant
                && self.matrix.set_variant(v)
            {
                self.cell_changed();
            }
        } else if areas.preview.is_some_and(|a| a.contains(at)) {
            self.focus = Pane::Preview;
        }
    }

    /// The wheel scrolls the pane under the pointer, focused or not.
    fn wheel(&mut self, at: Position, by: isize) {
        let areas = self.areas();
        if areas.campaigns.is_some_and(|a| a.contains(at)) {
            let last = self.entries.len().saturating_sub(1);
            let index = self
                .campaigns
                .selected()
                .saturating_add_signed(by)
                .min(last);
            self.select_campaign(index);
        }
        if areas.matrix.is_some_and(|a| a.contains(at)) && self.matrix.move_row(by) {
            self.cell_changed();
        }
        if areas.preview.is_some_and(|a| a.contains(at)) {
            self.preview
                .scroll_by(i16::try_from(by).unwrap_or_default());
        }
    }

    /// Lays the panes out on the screen (geometry flows from the layout to
    /// each pane) and renders the selected cell (only that one: never every
    /// body) into the cache.
    pub fn sync(&mut self) {
        let areas = self.areas();
        if let Some(area) = areas.campaigns {
            self.campaigns.fit(area);
        }
        if let Some(area) = areas.matrix {
            // The pane is taken out while it reads the view of the rest
            // (a move of a few vectors, not a copy).
            let mut matrix = std::mem::take(&mut self.matrix);
            matrix.fit(area, &self.matrix_view());
            self.matrix = matrix;
        }
        if let Some(area) = areas.preview {
            self.preview.fit(area);
        }
        self.render_selected_cell();
    }

    fn render_selected_cell(&mut self) {
        let Some(profile) = self.profile_index() else {
            return;
        };
        let key = (self.campaigns.selected(), self.matrix.variant(), profile);
        if self.cells.contains_key(&key) {
            return;
        }
        let Some(checked) = self.checked() else {
            return;
        };
        let variant = self.matrix.variant();
        if variant >= checked.run.compiled.variants.len() {
            return;
        }
        let cell = checked
            .run
            .compiled
            .render(variant, &checked.run.profiles[profile]);
        if self.cells.len() >= CACHE_LIMIT {
            self.cells.clear();
        }
        self.cells.insert(key, Arc::new(cell));
    }
}

#[cfg(test)]
mod tests;
