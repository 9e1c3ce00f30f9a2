//! A shipping notice in the shapes real email takes
//! (`tests/fixtures/email-shapes`): what the preview shows of it, and the
//! links `broken-link` finds broken for each profile, through the binary.

use std::path::{Path, PathBuf};

use assert_cmd::cargo::cargo_bin_cmd;
use serde_json::Value;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/email-shapes")
}

fn preview(profile: &str, format: &str) -> String {
    let out = cargo_bin_cmd!("mergeproof")
        .arg("preview")
        .arg(fixture())
        .args(["--campaign", "order-shipped", "--variant", "shipped"])
        .args(["--profile", profile, "--format", format])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_preview_reads_as_a_client_shows_it() {
    let text = preview("complete", "text");
    let body = text.split("\n\n").nth(2).unwrap_or_default();
    assert!(
        text.contains("Inbox:     Order HP-20417 is on its way\n"),
        "{text}"
    );
    assert_eq!(
        body,
        "[image: Harbor & Pine] Order #HP-20417\nHi Loren, it’s on its way…\nYour linen throw left our warehouse today — expect it in 3–5 days.\n[image: linen throw] Track your order [1]\nQuestions? Write to your store [2] or call +1-503-555-0142 [3].\n© 2026 Harbor & Pine · 410 Alder Street, Portland • Unsubscribe [4] | Privacy & cookies [5]"
    );
    assert!(
        text.contains("\n  [1] https://harborpine.example/orders/HP-20417/track?utm_source=email&utm_campaign=shipped&c=c-88172\n"),
        "{text}"
    );
    assert!(text.contains("\n  [2] mailto:portland@harborpine.example\n"));
    assert!(text.contains("https://cdn.harborpine.example/products/LT-204.jpg (linen throw)"));
    assert!(
        text.contains("\nOutlook only\nTrack your order\n"),
        "{text}"
    );
    // Nothing leaks from the head, the styles, Outlook's settings or the
    // preheader's padding.
    for leak in [
        "96",
        "@media",
        "max-width",
        "&copy;",
        "&amp;",
        "&nbsp;",
        "\u{200c}",
        "<",
        "mso",
    ] {
        assert!(!body.contains(leak), "{leak}: {body}");
    }
    assert!(!body.contains("Your order has shipped"), "{body}");
}

#[test]
fn the_preview_json_carries_links_and_images() {
    let json: Value = serde_json::from_str(&preview("complete", "json")).unwrap();
    assert_eq!(json["inbox_preview"], "Order HP-20417 is on its way");
    let links = json["links"].as_array().unwrap();
    assert_eq!(links.len(), 5);
    assert_eq!(links[0]["number"], 1);
    assert_eq!(links[2]["href"], "tel:+1-503-555-0142");
    let images = json["images"].as_array().unwrap();
    assert_eq!(images[1]["alt"], "linen throw");
    assert_eq!(json["outlook_only"], "Track your order");
}

#[test]
fn broken_links_are_found_for_each_broken_profile_only() {
    let out = cargo_bin_cmd!("mergeproof")
        .arg("lint")
        .arg(fixture())
        .args(["--no-edge-cases", "--format", "json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut found: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "broken-link")
        .map(|f| {
            (
                f["profile"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    found.sort();
    let summary: Vec<(&str, &str)> = found
        .iter()
        .map(|(p, m)| (p.as_str(), m.split("}}`, ").last().unwrap_or("")))
        .collect();
    assert_eq!(
        summary,
        [
            (
                "blank-order-id",
                "lost a path segment: the data printed nothing between two slashes"
            ),
            (
                "blank-order-id",
                "lost a path segment: the data printed nothing between two slashes"
            ),
            (
                "no-order-sku",
                "lost a path segment: the data printed nothing after the last slash"
            ),
            ("no-store", "is `mailto:` with no address after it"),
            ("no-store", "is `tel:` with no address after it"),
            ("placeholder-ref", "holds `null` from the data, not a value"),
            ("placeholder-ref", "holds `null` from the data, not a value"),
        ]
    );
    // One of `blank-order-id`'s two is Outlook's VML button.
    assert!(found.iter().any(|(_, m)| m.contains("`<v:roundrect>`")));
}
