//! The event loop: keys and mouse from the terminal, project reloads from the
//! file watcher, and signals. The terminal is given back on every way out:
//! quitting, an error, a panic (ratatui's hook, with ours for the mouse in
//! front of it) and SIGTERM / SIGHUP / SIGINT (a flag the loop polls).

use std::io::{IsTerminal, stdout};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{Duration, Instant};

use anyhow::Context;
use notify::event::{EventKind, MetadataKind, ModifyKind};
use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use ratatui::DefaultTerminal;
use ratatui::crossterm::event::{
    self, DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
    Event, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::crossterm::execute;
use ratatui::layout::{Position, Rect};

use super::app::{Action, App, Effect, Loaded, load};
use super::decisions::DecisionStore;
use super::{keys, ui};

/// How long a burst of writes (an editor's save) must have been quiet before
/// the project is reloaded.
const DEBOUNCE: Duration = Duration::from_millis(200);
/// How often the loop looks at signals, reloads and the watcher between keys.
const TICK: Duration = Duration::from_millis(40);
/// Folders under the project that are never watched (build output, VCS, tools).
const UNWATCHED: &[&str] = &["target", "node_modules"];

pub fn run(root: &Path, store: &mut dyn DecisionStore) -> anyhow::Result<()> {
    if !stdout().is_terminal() || !std::io::stdin().is_terminal() {
        anyhow::bail!("the terminal UI needs a terminal; for a report, use `mergeproof lint`");
    }
    let stop = Arc::new(AtomicBool::new(false));
    // Every signal whose default would end the process with the terminal
    // left raw ends the loop instead, so the terminal is given back.
    for signal in [
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGQUIT,
        signal_hook::consts::SIGUSR1,
        signal_hook::consts::SIGUSR2,
    ] {
        // A second signal while the first is being handled ends the process
        // at once, in case the loop is stuck.
        signal_hook::flag::register_conditional_shutdown(signal, 1, Arc::clone(&stop))
            .and_then(|_| signal_hook::flag::register(signal, Arc::clone(&stop)))
            .map_err(|e| anyhow::anyhow!("cannot handle signals: {e}"))?;
    }
    let mut terminal = match ratatui::try_init() {
        Ok(terminal) => terminal,
        Err(e) => {
            // Whatever part of the set-up happened is undone.
            ratatui::restore();
            anyhow::bail!("cannot start the terminal UI: {e}");
        }
    };
    // A paste arrives as one event, not as a key per character.
    let _ = execute!(stdout(), EnableMouseCapture, EnableBracketedPaste);
    // ratatui's hook leaves raw mode and the alternate screen; mouse capture
    // is ours to undo, before it.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(stdout(), DisableBracketedPaste, DisableMouseCapture);
        previous(info);
    }));
    let looping = Arc::new(AtomicBool::new(true));
    watch_for_hangup(Arc::clone(&stop), Arc::clone(&looping));
    let result = event_loop(&mut terminal, root, &stop, store);
    // From here the process ends its own way (and with its own status).
    looping.store(false, Ordering::SeqCst);
    let _ = execute!(stdout(), DisableBracketedPaste, DisableMouseCapture);
    ratatui::restore();
    result
}

/// Loads the project on its own thread so that keys stay answered while a
/// large project is checked. Requests that pile up are served by one load.
struct Loader {
    requests: Sender<()>,
    results: Receiver<Loaded>,
}

impl Loader {
    fn start(root: PathBuf) -> Loader {
        let (requests, request_rx) = mpsc::channel::<()>();
        let (result_tx, results) = mpsc::channel();
        std::thread::spawn(move || {
            while request_rx.recv().is_ok() {
                while request_rx.try_recv().is_ok() {}
                if result_tx.send(load(&root)).is_err() {
                    break;
                }
            }
        });
        Loader { requests, results }
    }

    fn request(&self) {
        let _ = self.requests.send(());
    }
}

/// Watches the project folder and the folders in it, leaving out build output
/// and hidden ones (a repository's `target/` can hold many thousands), and
/// sends the paths that changed. Reading a file is not a change: the loader's
/// own reads would otherwise trigger reloads without end.
fn watch(root: &Path, changes: Sender<PathBuf>) -> anyhow::Result<RecommendedWatcher> {
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        let changed = !matches!(
            event.kind,
            EventKind::Access(_)
                | EventKind::Modify(ModifyKind::Metadata(MetadataKind::AccessTime))
        );
        if changed {
            for path in event.paths {
                let _ = changes.send(path);
            }
        }
    })
    .context("cannot watch files")?;
    watcher
        .watch(root, RecursiveMode::NonRecursive)
        .with_context(|| format!("cannot watch {}", root.display()))?;
    watch_folders_in(&mut watcher, root, MAX_DEPTH);
    Ok(watcher)
}

/// How deep under the project folder folders are watched.
const MAX_DEPTH: usize = 8;

/// Watches every folder under `dir` (each on its own, so that ignored ones
/// are never entered). Also called for a folder created while running.
fn watch_folders_in(watcher: &mut RecommendedWatcher, dir: &Path, depth: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().to_string();
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if !is_dir || ignored_name(&name) {
            continue;
        }
        // A folder that cannot be watched is not worth stopping for.
        if watcher
            .watch(&entry.path(), RecursiveMode::NonRecursive)
            .is_ok()
            && depth > 1
        {
            watch_folders_in(watcher, &entry.path(), depth - 1);
        }
    }
}

fn ignored_name(name: &str) -> bool {
    name.starts_with('.') || UNWATCHED.contains(&name)
}

/// Whether a changed path can change what the TUI shows (editor swap and
/// backup files cannot).
fn relevant(root: &Path, path: &Path) -> bool {
    let relative = path.strip_prefix(root).unwrap_or(path);
    let hidden_or_unwatched = relative
        .components()
        .any(|c| ignored_name(&c.as_os_str().to_string_lossy()));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let scratch = name.ends_with('~')
        || name == "4913"
        || [".swp", ".swx", ".tmp"].iter().any(|x| name.ends_with(x));
    !hidden_or_unwatched && !scratch
}

fn mouse_action(m: MouseEvent) -> Option<Action> {
    let at = Position::new(m.column, m.row);
    match m.kind {
        MouseEventKind::Down(MouseButton::Left) => Some(Action::Click(at)),
        MouseEventKind::ScrollUp => Some(Action::ScrollUp(at)),
        MouseEventKind::ScrollDown => Some(Action::ScrollDown(at)),
        _ => None,
    }
}

fn event_loop(
    terminal: &mut DefaultTerminal,
    root: &Path,
    stop: &AtomicBool,
    store: &mut dyn DecisionStore,
) -> anyhow::Result<()> {
    let io = |e: std::io::Error| anyhow::anyhow!("terminal error: {e}");
    let mut app = App::new(project_title(root));
    let loader = Loader::start(root.to_path_buf());
    loader.request();
    // Events name absolute paths: compare them with the absolute folder.
    let root = &std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let (watch_tx, watch_rx) = mpsc::channel();
    let mut watcher = match watch(root, watch_tx) {
        Ok(w) => Some(w),
        Err(e) => {
            app.set_message(format!("{e:#}; changes need a restart"));
            None
        }
    };
    let mut changed_file: Option<String> = None;
    // When the last relevant change arrived; the reload waits for quiet.
    let mut last_change: Option<Instant> = None;
    let mut redraw = true;
    loop {
        if stop.load(Ordering::SeqCst) {
            return Ok(());
        }
        while let Ok(loaded) = loader.results.try_recv() {
            app.apply(loaded);
            if let Some(file) = changed_file.take() {
                app.set_message(format!("re-checked: {file} changed"));
            }
            redraw = true;
        }
        while let Ok(path) = watch_rx.try_recv() {
            if relevant(root, &path) {
                // A folder made while running (a new `templates/`) is watched too.
                if let Some(w) = watcher.as_mut().filter(|_| path.is_dir()) {
                    let _ = w.watch(&path, RecursiveMode::NonRecursive);
                    watch_folders_in(w, &path, MAX_DEPTH);
                }
                let shown = path.strip_prefix(root).unwrap_or(&path);
                changed_file = Some(mergeproof_core::sanitize::visible(&shown.to_string_lossy()));
                last_change = Some(Instant::now());
            }
        }
        if last_change.is_some_and(|at| at.elapsed() >= DEBOUNCE) {
            last_change = None;
            loader.request();
        }
        if redraw {
            let size = terminal.size().map_err(io)?;
            app.set_screen(Rect::new(0, 0, size.width, size.height));
            terminal
                .draw(|frame| ui::draw(frame, &mut app))
                .map_err(io)?;
            redraw = false;
        }
        // Handle every input that is waiting before the next draw, so held
        // keys never queue up behind frames.
        let mut timeout = TICK;
        while event::poll(timeout).map_err(io)? {
            timeout = Duration::ZERO;
            let action = match event::read().map_err(io)? {
                Event::Key(key) => keys::action_for(key, app.overlay().is_prompt()),
                Event::Paste(text) if app.overlay().is_prompt() => Some(Action::Paste(text)),
                Event::Mouse(m) => mouse_action(m),
                Event::Resize(..) => {
                    redraw = true;
                    None
                }
                _ => None,
            };
            let Some(action) = action else { continue };
            redraw = true;
            match app.handle(action) {
                None => {}
                Some(Effect::Quit) => return Ok(()),
                Some(Effect::Decide {
                    findings,
                    decision,
                    reason,
                }) => match store.decide(&findings, decision, &reason) {
                    Ok(note) => {
                        app.set_message(note);
                        loader.request();
                    }
                    Err(e) => app.set_message(e),
                },
                Some(Effect::Undo { finding }) => match store.undo(&finding) {
                    Ok(note) => {
                        app.set_message(note);
                        loader.request();
                    }
                    Err(e) => app.set_message(e),
                },
            }
        }
    }
}

/// How often the terminal is checked for a hang-up, and how long a stop may
/// take before the process ends without the loop.
const HANGUP_CHECK: Duration = Duration::from_millis(100);
const STOP_GRACE: Duration = Duration::from_millis(800);

/// Ends the process when its terminal is gone. A closed terminal is not always
/// announced by SIGHUP (a tmux session killed, an ssh link dropped), and the
/// terminal library then reads the dead input in a loop that never returns to
/// ours: this thread sees the hang-up and ends the process, as the shell would
/// (exit status 129, 128 + SIGHUP). It also ends a stop that the loop, stuck
/// the same way, never gets to. Once the loop has returned, it steps aside. Nothing is lost: decisions are written when
/// they are made, and there is no terminal left to give back.
fn watch_for_hangup(stop: Arc<AtomicBool>, looping: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        let mut stopping_since: Option<Instant> = None;
        loop {
            std::thread::sleep(HANGUP_CHECK);
            if !looping.load(Ordering::SeqCst) {
                return;
            }
            if terminal_hung_up() {
                std::process::exit(129);
            }
            if stop.load(Ordering::SeqCst) {
                let since = *stopping_since.get_or_insert_with(Instant::now);
                if since.elapsed() > STOP_GRACE {
                    let _ = execute!(stdout(), DisableBracketedPaste, DisableMouseCapture);
                    ratatui::restore();
                    std::process::exit(1);
                }
            }
        }
    });
}

/// Whether the terminal behind standard input has gone: poll reports it hung
/// up or failed. `filedescriptor::poll` (the crate crossterm reads the
/// terminal with) is poll(2) on Linux and select(2) on macOS, whose poll(2)
/// answers POLLNVAL for every terminal: read as a hang-up there, the UI would
/// end at once. macOS also announces a closed terminal by SIGHUP, which the
/// loop already handles.
fn terminal_hung_up() -> bool {
    let mut fds = [filedescriptor::pollfd {
        fd: libc::STDIN_FILENO,
        events: filedescriptor::POLLIN,
        revents: 0,
    }];
    match filedescriptor::poll(&mut fds, Some(Duration::ZERO)) {
        Ok(_) => fds[0].revents & gone_events() != 0,
        Err(filedescriptor::Error::Poll(e)) => e.kind() != std::io::ErrorKind::Interrupted,
        Err(_) => true,
    }
}

/// The poll events that mean the terminal is gone.
fn gone_events() -> libc::c_short {
    let gone = filedescriptor::POLLHUP | filedescriptor::POLLERR;
    if cfg!(target_os = "macos") {
        gone
    } else {
        gone | libc::POLLNVAL
    }
}

/// The project folder's name, for the campaigns pane's title.
pub fn project_title(root: &Path) -> String {
    let full = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    full.file_name()
        .map(|n| mergeproof_core::sanitize::visible(&n.to_string_lossy()))
        .unwrap_or_else(|| mergeproof_core::sanitize::visible(&full.to_string_lossy()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editor_scratch_files_and_build_output_are_ignored() {
        let root = Path::new("/p");
        assert!(relevant(root, Path::new("/p/campaigns/a.yaml")));
        assert!(relevant(
            root,
            Path::new("/p/campaigns/templates/a.html.hbs")
        ));
        assert!(relevant(root, Path::new("/p/mergeproof.yaml")));
        assert!(!relevant(root, Path::new("/p/campaigns/.a.yaml.swp")));
        assert!(!relevant(root, Path::new("/p/campaigns/a.yaml~")));
        assert!(!relevant(root, Path::new("/p/campaigns/4913")));
        assert!(!relevant(root, Path::new("/p/target/debug/x")));
        assert!(!relevant(root, Path::new("/p/.git/index")));
    }
}
