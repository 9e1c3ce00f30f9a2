//! `n` / `N`: from flag to flag, across campaigns.

use super::{App, Flag, Row};

impl App {
    /// `n` / `N`: the next or previous flag, on to the next campaign with
    /// flags at either end.
    pub(super) fn next_flag(&mut self, forward: bool) {
        let row = self.matrix.row();
        let flags = self.matrix.flags();
        let on_cursor = self
            .flag_cursor
            .filter(|&k| flags.get(k).is_some_and(|f| f.row.is_none_or(|r| r == row)));
        let at_start =
            row == 0 || (row == 1 && self.matrix.rows().first() == Some(&Row::EdgeDivider));
        let row_key = |f: &Flag| f.row.map_or(-1, |r| r as isize);
        let current = row as isize;
        let target = match (on_cursor, forward) {
            (Some(k), true) => Some(k + 1).filter(|&t| t < flags.len()),
            (Some(k), false) => k.checked_sub(1),
            (None, true) if at_start => (!flags.is_empty()).then_some(0),
            (None, true) => flags.iter().position(|f| row_key(f) >= current),
            (None, false) => flags.iter().rposition(|f| row_key(f) < current),
        };
        if let Some(k) = target {
            self.go_to_flag(k);
            return;
        }
        // Past either end: the next campaign (wrapping) that has flags.
        let count = self.entries.len();
        let campaign = self.campaigns.selected();
        for step in 1..=count {
            let index = if forward {
                (campaign + step) % count
            } else {
                (campaign + count * 2 - step) % count
            };
            let has_flags = self.entries[index]
                .checked
                .as_ref()
                .is_some_and(|c| c.counts(self.edge_cases).total() > 0);
            if !has_flags {
                continue;
            }
            self.select_campaign(index);
            let flags = self.matrix.flags().len();
            if index == self.campaigns.selected() && flags > 0 {
                let k = if forward { 0 } else { flags - 1 };
                self.go_to_flag(k);
                if step < count {
                    let picked = self.message.take().unwrap_or_default();
                    self.message = Some(format!(
                        "{} · {picked}",
                        crate::tui::text::safe(&self.entries[index].id)
                    ));
                }
                return;
            }
        }
        self.message = Some("no flags".into());
    }

    fn go_to_flag(&mut self, k: usize) {
        let Some(flag) = self.matrix.flags().get(k).copied() else {
            return;
        };
        if let Some(r) = flag.row {
            self.matrix.set_row(r);
        }
        let Some(checked) = self.checked() else {
            return;
        };
        let finding = &checked.run.findings[flag.finding];
        // Which flag `n` picked, said where it shows at any size: at 80×24
        // the preview may have no room for the finding itself.
        let picked = format!(
            "flag {}/{}: {} in {}",
            k + 1,
            self.matrix.flags().len(),
            finding.rule,
            finding.field.as_str()
        );
        let variant = finding
            .variant
            .as_deref()
            .and_then(|v| checked.variant_index(v));
        self.cell_changed();
        match variant {
            Some(v) => {
                self.matrix.set_variant(v);
            }
            None if flag.row.is_some() => self.select_received_variant(),
            None => {}
        }
        self.flag_cursor = Some(k);
        self.message = Some(picked);
        let selected = self
            .cell_findings()
            .iter()
            .position(|&fi| fi == flag.finding)
            .unwrap_or(0);
        self.preview.select_finding(selected);
    }
}
