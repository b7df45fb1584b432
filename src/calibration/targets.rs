//! The target files of `data/targets/`: reading them (RFC 4180 CSV with the folder's one
//! header) and picking the rows a calibration fits.
//!
//! The files are compiled into the binary, so that a calibration that names `cls_england.csv`
//! works from any folder; a calibration may instead name a file of its own, by a path relative
//! to the calibration file. Either way the bytes read are hashed (SHA-256) into the
//! calibration's manifest, so a result always says which numbers it was fitted to.

use crate::scenario::hex;
use sha2::{Digest, Sha256};
use std::path::Path;

/// The header every target file has (see `data/targets/README.md`).
pub const HEADER: [&str; 18] = [
    "measure",
    "period",
    "year",
    "geography",
    "value",
    "unit",
    "se",
    "n",
    "ci_low",
    "ci_high",
    "survey",
    "mode",
    "publisher",
    "title",
    "table",
    "published",
    "url",
    "note",
];

/// The files of `data/targets/`, compiled in: (name, text).
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "citizenship_survey.csv",
        include_str!("../../data/targets/citizenship_survey.csv"),
    ),
    (
        "cls_by_deprivation.csv",
        include_str!("../../data/targets/cls_by_deprivation.csv"),
    ),
    (
        "cls_england.csv",
        include_str!("../../data/targets/cls_england.csv"),
    ),
    (
        "coalfield_gaps.csv",
        include_str!("../../data/targets/coalfield_gaps.csv"),
    ),
    (
        "council_finance.csv",
        include_str!("../../data/targets/council_finance.csv"),
    ),
    (
        "elections_coalfield.csv",
        include_str!("../../data/targets/elections_coalfield.csv"),
    ),
    (
        "lga_polling.csv",
        include_str!("../../data/targets/lga_polling.csv"),
    ),
    (
        "libraries.csv",
        include_str!("../../data/targets/libraries.csv"),
    ),
    (
        "other_surveys.csv",
        include_str!("../../data/targets/other_surveys.csv"),
    ),
    ("pubs.csv", include_str!("../../data/targets/pubs.csv")),
];

/// One row of a target file, the columns a calibration uses.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// 1-based line of the row in its file.
    pub line: usize,
    pub measure: String,
    pub period: String,
    pub year: i32,
    pub geography: String,
    pub value: f64,
    pub unit: String,
    pub se: Option<f64>,
    pub n: Option<f64>,
    pub survey: String,
    pub mode: String,
    pub publisher: String,
    pub title: String,
    pub table: String,
}

/// A target file read and parsed: where it came from, its SHA-256 and its rows.
#[derive(Clone, Debug)]
pub struct TargetFile {
    /// `data/targets/NAME (built in)` or the path read.
    pub source: String,
    pub sha256: String,
    pub rows: Vec<Row>,
}

/// Reads the target file `name`: a path relative to `dir` (the calibration file's folder) if
/// a file is there, otherwise a file of `data/targets` by name. The error says what is wrong
/// and, for an unknown name, which files there are.
pub fn load(name: &str, dir: &Path) -> Result<TargetFile, String> {
    let path = dir.join(name);
    if path.is_file() {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let source = path.display().to_string();
        let rows = parse(&text).map_err(|m| format!("{source}: {m}"))?;
        return Ok(TargetFile {
            sha256: hex(&Sha256::digest(text.as_bytes())),
            source,
            rows,
        });
    }
    match BUILTIN.iter().find(|(n, _)| *n == name) {
        Some((n, text)) => {
            let source = format!("data/targets/{n} (built in)");
            let rows = parse(text).map_err(|m| format!("{source}: {m}"))?;
            Ok(TargetFile {
                sha256: hex(&Sha256::digest(text.as_bytes())),
                source,
                rows,
            })
        }
        None => {
            let names: Vec<&str> = BUILTIN.iter().map(|(n, _)| *n).collect();
            Err(format!(
                "no file `{name}` beside the calibration file, and none of that name in \
                 data/targets ({})",
                names.join(", ")
            ))
        }
    }
}

/// Parses a target file: the folder's header, then rows of 18 fields with a numeric `year`
/// and `value` (and `se`, `n` when given).
pub fn parse(text: &str) -> Result<Vec<Row>, String> {
    let records = records(text)?;
    let Some((_, header)) = records.first() else {
        return Err("the file is empty".into());
    };
    if header.iter().map(String::as_str).ne(HEADER) {
        return Err(format!("line 1: the header must be `{}`", HEADER.join(",")));
    }
    let mut rows = Vec::with_capacity(records.len() - 1);
    for (line, f) in &records[1..] {
        if f.len() == 1 && f[0].is_empty() {
            continue;
        }
        if f.len() != HEADER.len() {
            return Err(format!(
                "line {line}: {} fields where the header has {}",
                f.len(),
                HEADER.len()
            ));
        }
        let number = |i: usize| -> Result<Option<f64>, String> {
            let t = f[i].trim();
            if t.is_empty() {
                return Ok(None);
            }
            t.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .map(Some)
                .ok_or_else(|| format!("line {line}: `{}` = `{t}` is not a number", HEADER[i]))
        };
        let year = f[2]
            .trim()
            .parse::<i32>()
            .map_err(|_| format!("line {line}: `year` = `{}` is not a year", f[2]))?;
        let value = number(4)?.ok_or_else(|| format!("line {line}: `value` is empty"))?;
        rows.push(Row {
            line: *line,
            measure: f[0].clone(),
            period: f[1].clone(),
            year,
            geography: f[3].clone(),
            value,
            unit: f[5].clone(),
            se: number(6)?,
            n: number(7)?,
            survey: f[10].clone(),
            mode: f[11].clone(),
            publisher: f[12].clone(),
            title: f[13].clone(),
            table: f[14].clone(),
        });
    }
    Ok(rows)
}

/// RFC 4180 records with the line each starts on: fields split at commas, quoted fields may
/// hold commas, doubled quotes and line ends.
fn records(text: &str) -> Result<Vec<(usize, Vec<String>)>, String> {
    let mut out = Vec::new();
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut line = 1;
    let mut start = 1;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => quoted = true,
            ',' => fields.push(std::mem::take(&mut field)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                fields.push(std::mem::take(&mut field));
                out.push((start, std::mem::take(&mut fields)));
                line += 1;
                start = line;
            }
            _ => field.push(c),
        }
    }
    if quoted {
        return Err(format!("line {start}: a quoted field is never closed"));
    }
    if !field.is_empty() || !fields.is_empty() {
        fields.push(field);
        out.push((start, fields));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_file_parses_with_proportions_in_range() {
        for (name, text) in BUILTIN {
            let rows = parse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!rows.is_empty(), "{name}");
            for r in &rows {
                if r.unit == "proportion" {
                    assert!((0.0..=1.0).contains(&r.value), "{name}:{}", r.line);
                }
            }
        }
    }

    #[test]
    fn quoted_fields_keep_their_commas_quotes_and_lines() {
        let recs = records("a,\"b,c\",\"say \"\"hi\"\"\"\n\"x\ny\",2,3\n").unwrap();
        assert_eq!(recs[0].1, vec!["a", "b,c", "say \"hi\""]);
        assert_eq!(
            recs[1],
            (2, vec!["x\ny".to_string(), "2".into(), "3".into()])
        );
        assert!(records("\"open").is_err());
    }

    #[test]
    fn bad_files_are_named_by_line() {
        let header = HEADER.join(",");
        let e = parse(&format!(
            "{header}\nm,p,20x6,E,0.5,proportion,,,,,s,,,,,,,\n"
        ))
        .unwrap_err();
        assert!(e.starts_with("line 2: `year`"), "{e}");
        let e = parse(&format!("{header}\nm,p\n")).unwrap_err();
        assert!(e.contains("2 fields"), "{e}");
        assert!(parse("measure,year\n").unwrap_err().contains("header"));
        let e = load("nothing.csv", Path::new(".")).unwrap_err();
        assert!(e.contains("cls_england.csv"), "{e}");
    }
}
