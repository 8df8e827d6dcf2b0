//! A minimal .xlsx writer: worksheets of text and whole numbers as inline strings, no styles.
//! Enough for solution workbooks (read back by calamine, pandas/openpyxl and Excel) and for
//! tests that build tiny instance workbooks. Writes bytes; the caller decides where they go.

use std::io::{Cursor, Write};

use zip::ZipWriter;
use zip::write::SimpleFileOptions;

use crate::error::WriteError;
use crate::sheet::column_letters;

/// One cell to write.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Nothing (the cell is left out).
    Empty,
    /// Text (written as an inline string).
    Text(String),
    /// A whole number.
    Int(i64),
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        if text.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(text.to_owned())
        }
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell::from(text.as_str())
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Cell {
        Cell::Int(n)
    }
}

/// A worksheet to write: its name and rows of cells from A1.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SheetData {
    /// Sheet name (at most 31 characters, none of `:\/?*[]`).
    pub name: String,
    /// Rows from row 1; each row's cells from column A.
    pub rows: Vec<Vec<Cell>>,
}

const MAIN_NS: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const REL_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const PKG_REL_NS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";

/// The .xlsx bytes of a workbook holding `sheets` in order.
pub fn workbook(sheets: &[SheetData]) -> Result<Vec<u8>, WriteError> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default();
    let put = |zip: &mut ZipWriter<Cursor<Vec<u8>>>, name: &str, body: &str| {
        zip.start_file(name, options)?;
        zip.write_all(body.as_bytes())
            .map_err(|e| WriteError::Zip(zip::result::ZipError::Io(e)))
    };

    let mut types = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"#,
    );
    let mut book = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheets>"#
    );
    let mut rels = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{PKG_REL_NS}">"#
    );
    for (i, sheet) in sheets.iter().enumerate() {
        let n = i + 1;
        types.push_str(&format!(
            r#"<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#
        ));
        book.push_str(&format!(
            r#"<sheet name="{}" sheetId="{n}" r:id="rId{n}"/>"#,
            escape(&sheet.name)
        ));
        rels.push_str(&format!(
            r#"<Relationship Id="rId{n}" Type="{REL_NS}/worksheet" Target="worksheets/sheet{n}.xml"/>"#
        ));
    }
    types.push_str("</Types>");
    book.push_str("</sheets></workbook>");
    rels.push_str("</Relationships>");

    put(&mut zip, "[Content_Types].xml", &types)?;
    put(
        &mut zip,
        "_rels/.rels",
        &format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{PKG_REL_NS}"><Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
        ),
    )?;
    put(&mut zip, "xl/workbook.xml", &book)?;
    put(&mut zip, "xl/_rels/workbook.xml.rels", &rels)?;
    for (i, sheet) in sheets.iter().enumerate() {
        put(
            &mut zip,
            &format!("xl/worksheets/sheet{}.xml", i + 1),
            &sheet_xml(sheet),
        )?;
    }
    Ok(zip.finish()?.into_inner())
}

fn sheet_xml(sheet: &SheetData) -> String {
    let mut xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{MAIN_NS}"><sheetData>"#
    );
    for (r, row) in sheet.rows.iter().enumerate() {
        if row.iter().all(|c| *c == Cell::Empty) {
            continue;
        }
        xml.push_str(&format!(r#"<row r="{}">"#, r + 1));
        for (c, cell) in row.iter().enumerate() {
            let at = format!("{}{}", column_letters(c), r + 1);
            match cell {
                Cell::Empty => {}
                Cell::Text(text) => xml.push_str(&format!(
                    r#"<c r="{at}" t="inlineStr"><is><t xml:space="preserve">{}</t></is></c>"#,
                    escape(text)
                )),
                Cell::Int(n) => xml.push_str(&format!(r#"<c r="{at}"><v>{n}</v></c>"#)),
            }
        }
        xml.push_str("</row>");
    }
    xml.push_str("</sheetData></worksheet>");
    xml
}

/// XML text escaping; characters XML 1.0 cannot carry are dropped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(ch),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sheet::{Book, Value};

    #[test]
    fn written_workbooks_read_back_cell_for_cell() {
        let sheets = vec![
            SheetData {
                name: "first|sheet".to_owned(),
                rows: vec![
                    vec![Cell::Empty, "a & <b>".into(), Cell::Int(42)],
                    vec![],
                    vec!["x".into()],
                ],
            },
            SheetData {
                name: "second".to_owned(),
                rows: vec![vec![Cell::Empty, Cell::Empty, Cell::Int(-7)]],
            },
        ];
        let bytes = workbook(&sheets).expect("workbook builds");
        let book = Book::from_bytes(&bytes).expect("workbook reads");
        let names: Vec<&str> = book.sheets.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, vec!["first|sheet", "second"]);
        let first = &book.sheets[0];
        assert_eq!(first.get(0, 0), &Value::Empty);
        assert_eq!(first.get(0, 1), &Value::Text("a & <b>".to_owned()));
        assert_eq!(first.get(0, 2), &Value::Number(42.0));
        assert_eq!(first.get(1, 0), &Value::Empty);
        assert_eq!(first.get(2, 0), &Value::Text("x".to_owned()));
        assert_eq!(first.height(), 3);
        assert_eq!(book.sheets[1].get(0, 2), &Value::Number(-7.0));
        assert_eq!(book.sheets[1].width(), 3);
    }
}
