//! Helpers shared by the tests that drive the `descent` binary.
#![allow(dead_code)] // Each test file uses a different subset.

use assert_cmd::Command;
use std::path::Path;

/// The path of a bundled data set, as a string argument.
pub fn data(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

pub fn descent() -> Command {
    Command::cargo_bin("descent").unwrap()
}

/// Runs `descent` with `args`, expects failure, and returns its one-line error.
pub fn error_of(args: &[&str]) -> String {
    let output = descent().args(args).output().unwrap();
    assert!(!output.status.success(), "expected failure: {args:?}");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "not one line: {stderr}");
    assert!(stderr.starts_with("descent: "), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

/// Runs `descent` with `args`, expects success, and returns its stdout.
pub fn stdout_of(args: &[&str]) -> String {
    let output = descent().args(args).output().unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Runs `descent` with `args`, expects success, and parses its stdout as JSON.
pub fn json_of(args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&stdout_of(args)).unwrap()
}
