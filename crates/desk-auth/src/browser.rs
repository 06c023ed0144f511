//! Handing the authorization URL to the system browser.
//!
//! When `BROWSER` is set, that command is run with the URL as its last argument (the convention
//! of gh and Python's webbrowser); words in `BROWSER` are split on whitespace, so
//! `BROWSER="node tests/idp/login.mjs"` works. Otherwise the platform's opener is used.

use std::process::Stdio;

use crate::AuthError;

/// How the authorization URL reaches a browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opener {
    /// A command and its leading arguments; the URL is appended.
    Command(Vec<String>),
    /// The platform's default (xdg-open, open, or start).
    System,
}

impl Opener {
    /// `BROWSER` when set and not blank, else the system opener.
    pub fn from_env() -> Self {
        match std::env::var("BROWSER") {
            Ok(value) if !value.trim().is_empty() => {
                Self::Command(value.split_whitespace().map(str::to_owned).collect())
            }
            _ => Self::System,
        }
    }

    /// Starts the browser on `url` and returns the running command. Sign-in watches it: a command
    /// that exits unsuccessfully ends the attempt at once instead of after the full timeout.
    pub fn open(&self, url: &str) -> Result<tokio::process::Child, AuthError> {
        let (program, args): (&str, Vec<&str>) = match self {
            Self::Command(words) => {
                let (program, rest) = words
                    .split_first()
                    .ok_or_else(|| AuthError::Browser("BROWSER is empty".into()))?;
                (program, rest.iter().map(String::as_str).collect())
            }
            Self::System => system_opener(),
        };
        tokio::process::Command::new(program)
            .args(args)
            .arg(url)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .kill_on_drop(false)
            .spawn()
            .map_err(|e| AuthError::Browser(format!("`{program}`: {e}")))
    }
}

#[cfg(target_os = "macos")]
fn system_opener() -> (&'static str, Vec<&'static str>) {
    ("open", vec![])
}

#[cfg(target_os = "windows")]
fn system_opener() -> (&'static str, Vec<&'static str>) {
    ("rundll32", vec!["url.dll,FileProtocolHandler"])
}

#[cfg(not(any(target_os = "macos", target_os = "windows")))]
fn system_opener() -> (&'static str, Vec<&'static str>) {
    ("xdg-open", vec![])
}
