//! Where each pane goes on the screen. Drawing and mouse clicks both use this,
//! so a click lands on what was drawn there.

use ratatui::layout::{Constraint, Layout, Rect};

use super::actions::Pane;

/// The narrowest screen that shows all three panes side by side.
pub const WIDE_MIN_WIDTH: u16 = 110;
pub const WIDE_MIN_HEIGHT: u16 = 20;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Areas {
    pub campaigns: Option<Rect>,
    pub matrix: Option<Rect>,
    pub preview: Option<Rect>,
    /// Load errors that belong to no campaign (config, profiles, partials).
    pub banner: Option<Rect>,
    pub status: Rect,
}

impl Areas {
    pub fn of(&self, pane: Pane) -> Option<Rect> {
        match pane {
            Pane::Campaigns => self.campaigns,
            Pane::Matrix => self.matrix,
            Pane::Preview => self.preview,
        }
    }
}

/// Wide screens show campaigns over the matrix on the left and the preview
/// on the right. Narrow ones (80 × 24) stack campaigns over the matrix, and
/// give the whole screen to the preview when it has the focus.
pub fn areas(screen: Rect, focus: Pane, campaigns: usize, banner: bool) -> Areas {
    let [body, banner_area, status] = Layout::vertical([
        Constraint::Min(1),
        Constraint::Length(u16::from(banner)),
        Constraint::Length(1),
    ])
    .areas(screen);
    let banner = banner.then_some(banner_area);
    // The campaigns list needs its rows and two borders; it takes at most a
    // third of the height so the matrix keeps room.
    let list_height = |height: u16| {
        let wanted = u16::try_from(campaigns)
            .unwrap_or(u16::MAX)
            .saturating_add(2);
        wanted.clamp(3, (height / 3).max(3))
    };
    if screen.width >= WIDE_MIN_WIDTH && screen.height >= WIDE_MIN_HEIGHT {
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)])
                .areas(body);
        let [campaigns, matrix] = Layout::vertical([
            Constraint::Length(list_height(left.height)),
            Constraint::Min(0),
        ])
        .areas(left);
        Areas {
            campaigns: Some(campaigns),
            matrix: Some(matrix),
            preview: Some(right),
            banner,
            status,
        }
    } else if focus == Pane::Preview {
        Areas {
            preview: Some(body),
            banner,
            status,
            ..Areas::default()
        }
    } else {
        let [campaigns, matrix] = Layout::vertical([
            Constraint::Length(list_height(body.height)),
            Constraint::Min(0),
        ])
        .areas(body);
        Areas {
            campaigns: Some(campaigns),
            matrix: Some(matrix),
            banner,
            status,
            ..Areas::default()
        }
    }
}

/// The area inside a pane's border.
pub fn inner(area: Rect) -> Rect {
    area.inner(ratatui::layout::Margin::new(1, 1))
}

/// The first visible index so that `selected` is among `visible` items.
pub fn keep_in_view(selected: usize, offset: usize, visible: usize) -> usize {
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

    #[test]
    fn wide_screens_show_every_pane() {
        let a = areas(Rect::new(0, 0, 160, 48), Pane::Matrix, 9, false);
        assert!(a.campaigns.is_some() && a.matrix.is_some() && a.preview.is_some());
        assert_eq!(a.campaigns.unwrap().height, 11);
        assert_eq!(a.status, Rect::new(0, 47, 160, 1));
    }

    #[test]
    fn narrow_screens_give_the_preview_the_whole_body() {
        let a = areas(Rect::new(0, 0, 80, 24), Pane::Preview, 9, true);
        assert_eq!(a.preview, Some(Rect::new(0, 0, 80, 22)));
        assert_eq!(a.banner, Some(Rect::new(0, 22, 80, 1)));
        assert!(a.matrix.is_none());
        let a = areas(Rect::new(0, 0, 80, 24), Pane::Matrix, 9, false);
        assert!(a.preview.is_none());
        assert_eq!(a.campaigns.unwrap().height, 7);
        assert_eq!(a.matrix.unwrap().height, 16);
    }

    #[test]
    fn tiny_screens_do_not_panic() {
        for (w, h) in [(0, 0), (1, 1), (10, 3), (200, 2)] {
            let _ = areas(Rect::new(0, 0, w, h), Pane::Campaigns, 100, true);
        }
    }
}
