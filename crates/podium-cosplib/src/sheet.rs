//! Worksheets as dense grids anchored at cell A1, read with calamine, with the cell conversions
//! pandas/openpyxl apply when the authors' checker reads them (blank is "", integral numbers
//! are ints, times become `HH:MM`). Pure apart from opening the file.

use std::path::Path;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};

use crate::error::ReadError;

/// One cell as the checker sees it after `keep_default_na=False`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// A blank cell (pandas gives `""`).
    Empty,
    /// Text.
    Text(String),
    /// A number (openpyxl gives an int when it is integral).
    Number(f64),
    /// A date, time or date-time as an Excel serial number.
    DateTime(f64),
    /// A boolean.
    Bool(bool),
}

/// A worksheet: `rows[r][c]` is Excel cell (r+1, c+1); trailing blank rows are dropped.
#[derive(Debug, Clone)]
pub(crate) struct Sheet {
    pub name: String,
    pub rows: Vec<Vec<Value>>,
}

/// All worksheets of a workbook, in workbook order.
pub(crate) struct Book {
    pub sheets: Vec<Sheet>,
}

const EMPTY: Value = Value::Empty;

impl Book {
    /// Reads every worksheet of the .xlsx file at `path`.
    pub fn open(path: &Path) -> Result<Book, ReadError> {
        let bytes = std::fs::read(path).map_err(|e| ReadError::Open {
            path: path.display().to_string(),
            source: calamine::XlsxError::Io(e),
        })?;
        Book::from_bytes(&bytes).map_err(|e| match e {
            ReadError::Open { source, .. } => ReadError::Open {
                path: path.display().to_string(),
                source,
            },
            other => other,
        })
    }

    /// Reads every worksheet of an in-memory .xlsx file.
    pub fn from_bytes(bytes: &[u8]) -> Result<Book, ReadError> {
        let mut xlsx: Xlsx<_> =
            open_workbook_from_rs(std::io::Cursor::new(bytes)).map_err(|source| {
                ReadError::Open {
                    path: "<memory>".to_owned(),
                    source,
                }
            })?;
        let mut sheets = Vec::new();
        for name in xlsx.sheet_names() {
            let range = xlsx.worksheet_range(&name).map_err(|e| ReadError::Sheet {
                sheet: name.clone(),
                message: format!("unreadable: {e}"),
            })?;
            let mut rows: Vec<Vec<Value>> = Vec::new();
            if let Some((r0, c0)) = range.start() {
                let (r0, c0) = (r0 as usize, c0 as usize);
                rows.resize(r0, Vec::new());
                for row in range.rows() {
                    let mut out = vec![Value::Empty; c0];
                    out.extend(row.iter().map(convert));
                    while out.last() == Some(&Value::Empty) {
                        out.pop();
                    }
                    rows.push(out);
                }
            }
            while rows.last().is_some_and(|r| r.is_empty()) {
                rows.pop();
            }
            sheets.push(Sheet { name, rows });
        }
        Ok(Book { sheets })
    }

    /// The sheet called `name`, or an error naming it.
    pub fn sheet(&self, name: &str) -> Result<&Sheet, ReadError> {
        self.sheets
            .iter()
            .find(|s| s.name == name)
            .ok_or_else(|| ReadError::Sheet {
                sheet: name.to_owned(),
                message: "missing".to_owned(),
            })
    }
}

fn convert(data: &Data) -> Value {
    match data {
        Data::Empty => Value::Empty,
        Data::String(s) if s.is_empty() => Value::Empty,
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Value::Text(s.clone()),
        Data::Int(i) => Value::Number(*i as f64),
        Data::Float(f) => Value::Number(*f),
        Data::Bool(b) => Value::Bool(*b),
        Data::DateTime(d) => Value::DateTime(d.as_f64()),
        Data::Error(e) => Value::Text(format!("#{e:?}")),
    }
}

/// Excel column letters for a 0-based column index (0 → A, 26 → AA).
pub(crate) fn column_letters(mut col: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    letters.reverse();
    String::from_utf8(letters).expect("ASCII letters")
}

impl Sheet {
    /// Number of rows up to the last non-blank one.
    pub fn height(&self) -> usize {
        self.rows.len()
    }

    /// Number of columns up to the last non-blank cell of any row.
    pub fn width(&self) -> usize {
        self.rows.iter().map(Vec::len).max().unwrap_or(0)
    }

    /// The cell at 0-based (row, col); blank outside the used area.
    pub fn get(&self, row: usize, col: usize) -> &Value {
        self.rows
            .get(row)
            .and_then(|r| r.get(col))
            .unwrap_or(&EMPTY)
    }

    /// An error about cell (row, col).
    pub fn error(&self, row: usize, col: usize, message: impl Into<String>) -> ReadError {
        ReadError::Cell {
            sheet: self.name.clone(),
            cell: format!("{}{}", column_letters(col), row + 1),
            message: message.into(),
        }
    }

    /// The cell as the string pandas would hand to Python code doing `str(x)`: blank is "",
    /// integral numbers print without a decimal point.
    pub fn text(&self, row: usize, col: usize) -> String {
        match self.get(row, col) {
            Value::Empty => String::new(),
            Value::Text(s) => s.clone(),
            Value::Number(f) => number_text(*f),
            Value::Bool(b) => if *b { "True" } else { "False" }.to_owned(),
            Value::DateTime(f) => {
                let (h, m) = clock_of_serial(*f);
                format!("{h:02}:{m:02}:00")
            }
        }
    }

    /// A name (of a track, session, room or submission): must be non-blank text.
    pub fn name(&self, row: usize, col: usize, what: &str) -> Result<String, ReadError> {
        match self.get(row, col) {
            Value::Text(s) => Ok(s.clone()),
            Value::Empty => Err(self.error(row, col, format!("{what} name is blank"))),
            other => Err(self.error(
                row,
                col,
                format!("{what} name must be text, found {other:?}"),
            )),
        }
    }

    /// An integer cell; `blank` is returned for a blank cell when given.
    pub fn int(
        &self,
        row: usize,
        col: usize,
        what: &str,
        blank: Option<i64>,
    ) -> Result<i64, ReadError> {
        match self.get(row, col) {
            Value::Number(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(*f as i64),
            Value::Empty if blank.is_some() => Ok(blank.unwrap_or_default()),
            Value::Text(s) => s.trim().parse::<i64>().map_err(|_| {
                self.error(
                    row,
                    col,
                    format!("{what} must be a whole number, found {s:?}"),
                )
            }),
            other => Err(self.error(
                row,
                col,
                format!("{what} must be a whole number, found {other:?}"),
            )),
        }
    }

    /// A clock time `HH:MM` (a time cell or text like `09:30` / `09:30:00`) as minutes after
    /// midnight; the checker keeps only hours and minutes.
    pub fn clock(&self, row: usize, col: usize, what: &str) -> Result<u32, ReadError> {
        let bad = || self.error(row, col, format!("{what} must be a time like 09:30"));
        match self.get(row, col) {
            Value::DateTime(f) => {
                let (h, m) = clock_of_serial(*f);
                Ok(h * 60 + m)
            }
            Value::Text(s) => {
                let mut parts = s.split(':');
                let h: u32 = parts
                    .next()
                    .and_then(|p| p.trim().parse().ok())
                    .ok_or_else(bad)?;
                let m: u32 = parts
                    .next()
                    .and_then(|p| p.trim().parse().ok())
                    .ok_or_else(bad)?;
                if h >= 24 || m >= 60 {
                    return Err(bad());
                }
                Ok(h * 60 + m)
            }
            _ => Err(bad()),
        }
    }
}

/// How Python prints an openpyxl number: integral values as ints.
fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// Hours and minutes of the time of day in an Excel serial (openpyxl rounds to microseconds).
fn clock_of_serial(serial: f64) -> (u32, u32) {
    let micros = (serial.fract() * 86_400_000_000.0).round() as u64 % 86_400_000_000;
    let minutes = micros / 60_000_000;
    ((minutes / 60) as u32, (minutes % 60) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_follow_excel() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(27), "AB");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }

    #[test]
    fn serial_times_keep_hours_and_minutes() {
        assert_eq!(clock_of_serial(0.395_833_333_333_333_3), (9, 30));
        assert_eq!(clock_of_serial(45_000.5), (12, 0));
    }
}
