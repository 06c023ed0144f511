//! Results as rows of the benchmark table: JSON for machines, text for people.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Serialize;

/// One measure of one case, as written to `server-load.json` and `fanout.json`. Every key is
/// always present; `null` where there is nothing to say (no baseline, no target).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// The benchmark: `server load` or `push fan-out`.
    pub benchmark: String,
    /// What was measured, e.g. `customer lookup, 200 connections`.
    pub case: String,
    /// The measure, e.g. `requests/s` or `p99 latency`.
    pub measure: String,
    /// The unit of `value` and `baseline`.
    pub unit: String,
    /// The measured value (`null` when nothing was measured, e.g. no request succeeded).
    pub value: Option<f64>,
    /// The same measure of the baseline case.
    pub baseline: Option<f64>,
    /// The baseline case.
    pub baseline_name: Option<String>,
    /// `value / baseline`.
    pub ratio: Option<f64>,
    /// The target, in words.
    pub target: Option<String>,
    /// Whether the target was met; `null` without a target.
    pub met: Option<bool>,
}

impl Row {
    /// A row without baseline or target.
    pub fn new(benchmark: &str, case: &str, measure: &str, unit: &str, value: Option<f64>) -> Self {
        Self {
            benchmark: benchmark.to_owned(),
            case: case.to_owned(),
            measure: measure.to_owned(),
            unit: unit.to_owned(),
            value,
            baseline: None,
            baseline_name: None,
            ratio: None,
            target: None,
            met: None,
        }
    }

    /// Adds the baseline and the ratio of value to it (no ratio when either is missing or the
    /// baseline is zero).
    pub fn against(mut self, name: &str, baseline: Option<f64>) -> Self {
        self.baseline = baseline;
        self.baseline_name = Some(name.to_owned());
        self.ratio = ratio(self.value, baseline);
        self
    }

    /// Adds a baseline without a ratio (counts, where a ratio means nothing).
    pub fn beside(mut self, name: &str, baseline: Option<f64>) -> Self {
        self.baseline = baseline;
        self.baseline_name = Some(name.to_owned());
        self
    }

    /// Adds a target and whether it was met.
    pub fn target(mut self, target: &str, met: bool) -> Self {
        self.target = Some(target.to_owned());
        self.met = Some(met);
        self
    }
}

/// `value / baseline`, to three decimals.
pub fn ratio(value: Option<f64>, baseline: Option<f64>) -> Option<f64> {
    match (value, baseline) {
        (Some(v), Some(b)) if b != 0.0 && v.is_finite() && b.is_finite() => Some(round(v / b, 3)),
        _ => None,
    }
}

/// `x` rounded to `decimals` places.
pub fn round(x: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (x * scale).round() / scale
}

/// Writes `rows` as a JSON array to `dir/file`, creating `dir`; returns the file's path.
pub fn write_rows(dir: &Path, file: &str, rows: &[Row]) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join(file);
    let mut json = serde_json::to_string_pretty(rows)?;
    json.push('\n');
    std::fs::write(&path, json).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

/// A number for a table cell: `-` when absent.
pub fn cell(value: Option<f64>, decimals: usize) -> String {
    match value {
        Some(v) => format!("{v:.decimals$}"),
        None => "-".to_owned(),
    }
}

/// Lays out `rows` (the first is the header) in left-aligned columns, two spaces apart.
pub fn table(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, s)| format!("{s:<width$}", width = widths[c]))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_written_with_exactly_the_agreed_keys() {
        let dir = tempfile::tempdir().unwrap();
        let rows = [
            Row::new(
                "server load",
                "customer lookup, 200 connections",
                "requests/s",
                "req/s",
                Some(2100.0),
            )
            .against("bare handler (/v1/health)", Some(15000.0))
            .target("ratio ≥ 0.5", false),
            Row::new("server load", "bare", "p50 latency", "ms", None),
        ];
        let out = dir.path().join("nested");
        let path = write_rows(&out, "server-load.json", &rows).unwrap();
        assert_eq!(path, out.join("server-load.json"));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.ends_with('\n'));
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        let first = back[0].as_object().unwrap();
        let mut keys: Vec<&str> = first.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "baseline",
                "baseline_name",
                "benchmark",
                "case",
                "measure",
                "met",
                "ratio",
                "target",
                "unit",
                "value"
            ]
        );
        assert_eq!(
            back[0],
            serde_json::json!({
                "benchmark": "server load",
                "case": "customer lookup, 200 connections",
                "measure": "requests/s",
                "unit": "req/s",
                "value": 2100.0,
                "baseline": 15000.0,
                "baseline_name": "bare handler (/v1/health)",
                "ratio": 0.14,
                "target": "ratio ≥ 0.5",
                "met": false
            })
        );
        // Absent values are null, never missing keys.
        assert_eq!(back[1]["value"], serde_json::Value::Null);
        assert_eq!(back[1]["met"], serde_json::Value::Null);
        assert_eq!(back[1].as_object().unwrap().len(), 10);
    }

    #[test]
    fn ratios_need_both_numbers_and_a_nonzero_baseline() {
        assert_eq!(ratio(Some(1.0), Some(3.0)), Some(0.333));
        assert_eq!(ratio(Some(1.0), Some(0.0)), None);
        assert_eq!(ratio(None, Some(1.0)), None);
        assert_eq!(ratio(Some(1.0), None), None);
        let counted = Row::new("b", "c", "errors", "count", Some(0.0)).beside("x", Some(0.0));
        assert_eq!(counted.ratio, None);
        assert_eq!(counted.baseline, Some(0.0));
    }

    #[test]
    fn tables_align_columns() {
        let t = table(&[
            vec!["a".into(), "bb".into()],
            vec!["ccc".into(), "d".into()],
        ]);
        assert_eq!(t, "a    bb\nccc  d\n");
        assert_eq!(cell(Some(1.234), 1), "1.2");
        assert_eq!(cell(None, 1), "-");
    }
}
