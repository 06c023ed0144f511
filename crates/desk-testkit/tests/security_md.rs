//! SECURITY.md's references hold: every test, setting and file it names in backticks is still
//! in the tree, so a test renamed or removed shows here rather than leaving a promise that names
//! nothing. Checked: snake_case names of three or more words (tests, settings, functions) appear
//! as a word in the code; paths appear as the end of a file's path; in the threat model, the
//! titles of the window's and the UI's tests appear quoted in a test file.

use std::path::Path;

/// Every file of the project (not builds, dependencies or generated output), relative to the root.
fn project_files() -> Vec<String> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                if !matches!(
                    name.as_str(),
                    "target" | "node_modules" | "dist" | ".git" | "gen"
                ) {
                    walk(&path, root, out);
                }
            } else {
                let relative = path.strip_prefix(root).unwrap();
                out.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let root = desk_testkit::repo_root();
    let mut out = Vec::new();
    walk(&root, &root, &mut out);
    out
}

/// The texts in backticks, a line break inside one read as a space (Markdown does the same).
fn backticked(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split('`')
        .skip(1)
        .step_by(2)
        .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
}

fn is_long_snake_name(t: &str) -> bool {
    t.starts_with(|c: char| c.is_ascii_lowercase())
        && t.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && t.matches('_').count() >= 3
}

fn is_path(t: &str) -> bool {
    t.contains('/')
        && [".rs", ".ts", ".mjs", ".txt", ".md", ".toml", ".sql"]
            .iter()
            .any(|ext| t.ends_with(ext))
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_./-".contains(&b))
}

fn has_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        let part = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        !part(before) && !part(after)
    })
}

#[test]
fn every_test_setting_and_file_security_md_names_exists() {
    let root = desk_testkit::repo_root();
    let doc = std::fs::read_to_string(root.join("SECURITY.md")).unwrap();
    let files = project_files();
    let read = |exts: &[&str]| -> String {
        files
            .iter()
            .filter(|f| exts.iter().any(|e| f.ends_with(e)) || f.starts_with("scripts/"))
            .filter_map(|f| std::fs::read_to_string(root.join(f)).ok())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let code = read(&[".rs", ".ts", ".mjs", ".sql", ".toml", ".sh"]);
    let ui_tests = read(&[".test.ts", ".test.mjs"]);

    let mut missing = Vec::new();
    let mut names = 0;
    for t in backticked(&doc) {
        let t = t.as_str();
        if is_long_snake_name(t) {
            names += 1;
            if !has_word(&code, t) {
                missing.push(format!("name {t}"));
            }
        } else if is_path(t)
            && !files
                .iter()
                .any(|f| f == t || f.ends_with(&format!("/{t}")))
        {
            missing.push(format!("file {t}"));
        }
    }
    let threat_model = doc
        .split_once("## Threat model")
        .and_then(|(_, rest)| rest.split_once("\n## "))
        .map(|(section, _)| section)
        .expect("SECURITY.md has a threat model");
    let mut titles = 0;
    for t in backticked(threat_model).filter(|t| t.matches(' ').count() >= 4) {
        titles += 1;
        if !ui_tests.contains(&format!("'{t}'")) {
            missing.push(format!("test title {t:?}"));
        }
    }
    assert!(names > 40 && titles >= 4, "{names} names, {titles} titles");
    assert!(
        missing.is_empty(),
        "SECURITY.md names what is not there: {missing:#?}"
    );
}

#[test]
fn the_checks_tell_names_paths_and_words_apart() {
    assert!(is_long_snake_name("a_rotated_key_is_fetched"));
    assert!(!is_long_snake_name("role_change"));
    assert!(!is_long_snake_name("Desk_Device_Header_x"));
    assert!(is_path("desk-cli/tests/it/login.rs"));
    assert!(!is_path("GET /v1/me/wipes"));
    assert!(has_word("fn a_b_c_d() {}", "a_b_c_d"));
    assert!(!has_word("fn a_b_c_de() {}", "a_b_c_d"));
}
