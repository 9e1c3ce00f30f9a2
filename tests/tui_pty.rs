//! The real binary in a real pseudo-terminal: it starts, shows the campaigns,
//! answers keys, re-renders when a campaign file changes (broken, then
//! fixed), and gives the terminal back on `q` and on SIGTERM. The screen is
//! read through a vt100 parser and polled, never slept on.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tui-project");
const TIMEOUT: Duration = Duration::from_secs(10);

struct Tui {
    master: Box<dyn MasterPty + Send>,
    parser: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
}

impl Tui {
    fn start(project: &Path, cols: u16, rows: u16) -> Tui {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_mergeproof"));
        cmd.arg(project);
        cmd.env("TERM", "xterm-256color");
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let parser = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let sink = Arc::clone(&parser);
        // The reader thread also answers a cursor-position query, as a real
        // terminal would, so a query can never stall the app.
        let (answer_tx, answer_rx) = std::sync::mpsc::channel::<()>();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if buf[..n].windows(4).any(|w| w == b"\x1b[6n") {
                    let _ = answer_tx.send(());
                }
                sink.lock().unwrap().process(&buf[..n]);
            }
        });
        Tui {
            master: pair.master,
            parser,
            writer: Box::new(AnsweringWriter {
                inner: writer,
                answers: answer_rx,
            }),
            child,
        }
    }

    fn resize(&mut self, cols: u16, rows: u16) {
        self.parser
            .lock()
            .unwrap()
            .screen_mut()
            .set_size(rows, cols);
        self.master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
    }

    fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// Polls until the screen shows `what` (or `check` holds), or fails
    /// showing the screen.
    fn wait_until(&mut self, what: &str, check: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            self.flush_answers();
            let screen = self.screen();
            if check(&screen) {
                return screen;
            }
            if start.elapsed() > TIMEOUT {
                panic!("timed out waiting for {what}; the screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn wait_for(&mut self, text: &str) -> String {
        self.wait_until(text, |s| s.contains(text))
    }

    fn press(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    fn flush_answers(&mut self) {
        let _ = self.writer.flush();
    }

    fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the reader take the last bytes the app wrote.
                std::thread::sleep(Duration::from_millis(100));
                return status;
            }
            if start.elapsed() > TIMEOUT {
                let _ = self.child.kill();
                panic!("the app did not exit; the screen:\n{}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The terminal as the app left it: main screen, no mouse capture, a
    /// visible cursor.
    fn assert_restored(&self) {
        let parser = self.parser.lock().unwrap();
        let screen = parser.screen();
        assert!(!screen.alternate_screen(), "still on the alternate screen");
        assert_eq!(
            screen.mouse_protocol_mode(),
            vt100::MouseProtocolMode::None,
            "mouse capture left on"
        );
        assert!(!screen.hide_cursor(), "cursor left hidden");
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
        }
    }
}

/// Writes keys, and a cursor-position answer whenever the app asked for one.
struct AnsweringWriter {
    inner: Box<dyn Write + Send>,
    answers: std::sync::mpsc::Receiver<()>,
}

impl Write for AnsweringWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.inner.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        while self.answers.try_recv().is_ok() {
            self.inner.write_all(b"\x1b[1;1R")?;
        }
        self.inner.flush()
    }
}

/// The fixture project's files.
const FILES: &[&str] = &[
    "campaigns/pickup.yaml",
    "campaigns/typo.yaml",
    "campaigns/welcome.yaml",
    "sample-profiles/escape-name.yaml",
    "sample-profiles/members.yaml",
];

/// A copy of the fixture project, so that edits and the watcher stay private.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for file in FILES {
        let target = dir.path().join(file);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(Path::new(FIXTURE).join(file), target).unwrap();
    }
    dir
}

/// `n` to the first flag (in welcome), Enter to the matrix, `/` to
/// nameless-gold, `n` to its first flag, Tab to the preview (which takes the
/// whole screen at 80 × 24).
fn open_nameless_gold_flag(tui: &mut Tui) -> String {
    tui.press("n");
    tui.wait_for("Matrix: welcome");
    tui.press("\r/nameless\rn\t");
    tui.wait_for("Preview: gold × nameless-gold");
    // The cell renders after the pane opens: on a loaded machine its
    // findings come a frame later.
    tui.wait_for("missing-fallback")
}

#[test]
fn browse_follow_a_flag_and_quit_at_80_by_24() {
    let dir = project();
    let mut tui = Tui::start(dir.path(), 80, 24);
    tui.wait_for("welcome");
    tui.wait_for("pickup");
    // The next flag is in welcome; then nameless-gold's own flags.
    let screen = open_nameless_gold_flag(&mut tui);
    assert!(screen.contains("cut at 41 on iphone-mail"), "{screen}");
    // `c` cycles the client: the Gmail app cuts at 40.
    tui.press("c");
    tui.wait_for("cut at 40 on gmail-app");
    // `x` explains the rule; Esc closes it.
    tui.press("x");
    tui.wait_for("Why it matters");
    tui.press("\x1b");
    tui.wait_until("the explanation to close", |s| {
        !s.contains("Why it matters")
    });
    // `?` lists the keys.
    tui.press("?");
    tui.wait_for("cycle the mail client");
    tui.press("q");
    tui.wait_until("help to close", |s| !s.contains("cycle the mail client"));
    tui.press("q");
    let status = tui.wait_exit();
    assert!(status.success(), "{status:?}");
    tui.assert_restored();
}

#[test]
fn profile_escapes_never_reach_the_terminal_raw() {
    let dir = project();
    let mut tui = Tui::start(dir.path(), 80, 24);
    tui.wait_for("welcome");
    // escape-name's first name holds `\e[2J` (clear screen): the screen
    // must show it as text, and the rest of the UI must survive it.
    tui.press("G\r\t");
    let screen = tui.wait_for("Eve\\e[2J");
    assert!(screen.contains("Preview: gold × escape-name"), "{screen}");
    assert!(screen.contains("\\u{202e}txt"), "{screen}");
    tui.press("q");
    assert!(tui.wait_exit().success());
    tui.assert_restored();
}

#[test]
fn a_campaign_file_rewritten_while_running_breaks_in_place_then_re_renders() {
    let dir = project();
    let file = dir.path().join("campaigns/welcome.yaml");
    let good = std::fs::read_to_string(&file).unwrap();
    let mut tui = Tui::start(dir.path(), 160, 48);
    tui.wait_for("welcome");
    open_nameless_gold_flag(&mut tui);

    std::fs::write(&file, good.replace("variants:", "variants: [")).unwrap();
    let screen = tui.wait_for("✗ campaigns/welcome.yaml:");
    // The error names the file, line and column; the last good state stays.
    let error_line = screen
        .lines()
        .find(|l| l.contains("✗ campaigns/welcome.yaml:"))
        .unwrap_or_else(|| panic!("{screen}"));
    let place = error_line.split("campaigns/welcome.yaml:").nth(1).unwrap();
    let mut numbers = place.split(':').take(2).map(|n| n.trim().parse::<u32>());
    assert!(
        matches!((numbers.next(), numbers.next()), (Some(Ok(l)), Some(Ok(c))) if l > 1 && c >= 1),
        "{error_line}"
    );
    assert!(screen.contains("last state that loaded"), "{screen}");
    assert!(screen.contains("nameless-gold"), "{screen}");
    assert!(screen.contains("Preview: gold × nameless-gold"), "{screen}");

    std::fs::write(
        &file,
        good.replace("your gold welcome gift is waiting inside", "a gift for you"),
    )
    .unwrap();
    let screen = tui.wait_until("the fixed file to re-render", |s| {
        s.contains(", a gift for you") && !s.contains("✗ campaigns/welcome.yaml:")
    });
    assert!(
        screen.contains("Preview: gold × nameless-gold"),
        "selection kept:\n{screen}"
    );
    tui.press("q");
    assert!(tui.wait_exit().success());
    tui.assert_restored();
}

#[test]
fn approving_a_flag_writes_the_decision_and_undo_removes_it() {
    let dir = project();
    let reviews = dir.path().join("mergeproof-reviews.yaml");
    let mut tui = Tui::start(dir.path(), 160, 48);
    tui.wait_for("welcome");
    open_nameless_gold_flag(&mut tui);
    tui.press("a");
    tui.wait_for("saved to mergeproof-reviews.yaml");
    let written = std::fs::read_to_string(&reviews).unwrap();
    assert!(written.contains("decision: approved"), "{written}");
    assert!(written.contains("profile: nameless-gold"), "{written}");
    // The project is checked again: the finding now shows as approved.
    tui.wait_for("✓ approved by");
    tui.press("u");
    tui.wait_for("removed from mergeproof-reviews.yaml");
    tui.wait_until("the approval to go", |s| !s.contains("✓ approved by"));
    let written = std::fs::read_to_string(&reviews).unwrap();
    assert!(!written.contains("nameless-gold"), "{written}");
    tui.press("q");
    assert!(tui.wait_exit().success());
}

#[test]
fn a_defect_is_waived_across_its_profiles_with_one_reason() {
    let dir = project();
    let reviews = dir.path().join("mergeproof-reviews.yaml");
    let mut tui = Tui::start(dir.path(), 160, 48);
    tui.wait_for("welcome");
    open_nameless_gold_flag(&mut tui);
    tui.press("W");
    let prompt = tui.wait_for("findings of this defect");
    // It says how many, and whose.
    assert!(prompt.contains("nameless-gold and"), "{prompt}");
    let count: usize = prompt
        .split("Waive all ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{prompt}"));
    assert!(count > 1, "{prompt}");
    tui.press("names arrive a day later\r");
    tui.wait_for(&format!("waived {count} findings of missing-fallback"));
    let written = std::fs::read_to_string(&reviews).unwrap();
    assert_eq!(
        written.matches("reason: names arrive a day later").count(),
        count,
        "{written}"
    );
    tui.press("q");
    assert!(tui.wait_exit().success());
    tui.assert_restored();
}

#[test]
fn resizing_moves_between_the_narrow_and_the_wide_layout() {
    let dir = project();
    let mut tui = Tui::start(dir.path(), 80, 24);
    tui.wait_for("welcome");
    let narrow = tui.screen();
    assert!(!narrow.contains("Preview"), "{narrow}");
    tui.resize(160, 48);
    tui.wait_for("Preview: standard × escape-name");
    tui.resize(80, 24);
    tui.wait_until("the narrow layout again", |s| !s.contains("Preview"));
    tui.press("q");
    assert!(tui.wait_exit().success());
    tui.assert_restored();
}

#[test]
fn sigterm_gives_the_terminal_back() {
    signal_gives_the_terminal_back("TERM");
}

#[test]
fn sigquit_and_sigusr1_give_the_terminal_back() {
    signal_gives_the_terminal_back("QUIT");
    signal_gives_the_terminal_back("USR1");
}

fn signal_gives_the_terminal_back(signal: &str) {
    let dir = project();
    let mut tui = Tui::start(dir.path(), 80, 24);
    tui.wait_for("welcome");
    {
        let screen = tui.parser.lock().unwrap();
        assert!(screen.screen().alternate_screen());
    }
    let pid = tui.child.process_id().expect("a process id");
    let killed = std::process::Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    tui.wait_exit();
    tui.assert_restored();
}

/// The terminal goes away under the app (a tmux session killed, an ssh link
/// dropped): every master side of the pseudo-terminal is closed. The app must
/// be gone within a second and a half, not read the dead terminal forever.
#[test]
fn the_app_ends_when_its_terminal_closes() {
    let dir = project();
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 24,
            cols: 80,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_mergeproof"));
    cmd.arg(dir.path());
    cmd.env("TERM", "xterm-256color");
    let mut child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    // Read until the first frame is up, then close this reader: with the
    // master and its writer dropped below, no master side stays open.
    let mut reader = pair.master.try_clone_reader().unwrap();
    let mut writer = pair.master.take_writer().unwrap();
    let drawn = std::thread::spawn(move || {
        let mut seen = Vec::new();
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                return false;
            }
            seen.extend_from_slice(&buf[..n]);
            if seen.windows(4).any(|w| w == b"\x1b[6n") {
                // Answer a cursor-position query, as a terminal would.
                let _ = writer.write_all(b"\x1b[1;1R");
            }
            if String::from_utf8_lossy(&seen).contains("welcome") {
                return true;
            }
        }
        false
    });
    let deadline = Instant::now() + TIMEOUT;
    while !drawn.is_finished() {
        assert!(
            Instant::now() < deadline,
            "the app never drew its first frame"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(drawn.join().unwrap(), "the app ended before drawing");
    drop(pair.master);
    let closed = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if closed.elapsed() > Duration::from_millis(1500) {
            let _ = child.kill();
            panic!("the app still runs 1.5 s after its terminal closed");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
