//! ODS (a ZIP archive; the sheets are `content.xml`'s named tables, all read when the file is
//! opened). A row or a cell may say it repeats (`table:number-rows-repeated`,
//! `table:number-columns-repeated`): the reader lays every repeat out, copying the cell's value and
//! formula into each, so what a table's values span is counted in repeated rows and columns, and
//! the text a value makes is counted once per copy. `<text:s text:c="n"/>` is n spaces.

use std::io::{BufRead, BufReader, Cursor};

use quick_xml::events::{BytesStart, Event};

use super::{Budget, Counted, MAX_UNPACKED, attribute, inconsistent, unreadable};
use crate::error::AppResult;

/// The reader's own caps: rows in a table, columns in a row.
const MAX_ROWS: u64 = 1_048_576;
const MAX_COLUMNS: u64 = 16_384;

pub(super) fn check(zip: &mut zip::ZipArchive<Cursor<&[u8]>>, budget: &mut Budget) -> AppResult<()> {
    let mut left = MAX_UNPACKED;
    let part = zip.by_name("content.xml").map_err(|_| unreadable())?;
    let mut reader = quick_xml::Reader::from_reader(BufReader::new(Counted { inner: part, left: &mut left }));
    reader.config_mut().expand_empty_elements = true;
    reader.config_mut().check_end_names = false;
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) if e.name().as_ref() == "table:table" && attribute(&e, "name")?.is_some() => {
                let table = Table::read(&mut reader)?;
                budget.grid(table.cells(), table.stored)?;
                budget.text(table.text)?;
            }
            Ok(Event::Eof) => return Ok(()),
            Ok(_) => {}
            Err(_) => return Err(unreadable()),
        }
        buf.clear();
    }
}

/// A table as the reader lays it out.
#[derive(Debug, Default)]
struct Table {
    /// Each row read: how many times it repeats, and its first and last column holding a value.
    rows: Vec<(u64, Option<(u64, u64)>)>,
    /// The cells the reader holds before laying the grid out (each row once, up to its last value).
    read: u64,
    /// Cell elements holding a value (a repeat counts once).
    stored: u64,
    /// Bytes of text the values and formulas make, every copy counted.
    text: u64,
}

impl Table {
    fn read<R: BufRead>(reader: &mut quick_xml::Reader<R>) -> AppResult<Table> {
        let mut table = Table::default();
        let mut buf = Vec::new();
        let mut total_rows = 0u64;
        loop {
            match reader.read_event_into(&mut buf) {
                Ok(Event::Start(e)) if e.name().as_ref() == "table:table-row" => {
                    let repeats = repeats(&e, "number-rows-repeated")?.min(MAX_ROWS - total_rows);
                    total_rows += repeats;
                    let row = Row::read(reader)?;
                    table.read = table.read.saturating_add(row.width);
                    table.stored += row.stored;
                    table.text = table.text.saturating_add(row.text.saturating_mul(repeats));
                    table.rows.push((repeats, row.span));
                }
                Ok(Event::End(e)) if e.name().as_ref() == "table:table" => return Ok(table),
                Ok(Event::Eof) => return Err(unreadable()),
                Ok(_) => {}
                Err(_) => return Err(unreadable()),
            }
            buf.clear();
        }
    }

    /// The grid's cells: the rows from the first holding a value to the last, every repeat laid
    /// out, by the columns from the leftmost value to the rightmost; or the cells read, if more.
    fn cells(&self) -> u64 {
        let first = self.rows.iter().position(|(_, span)| span.is_some());
        let last = self.rows.iter().rposition(|(_, span)| span.is_some());
        let (Some(first), Some(last)) = (first, last) else { return self.read };
        let rows: u64 = self.rows[first..=last].iter().map(|(n, _)| *n).sum();
        let (lo, hi) = self
            .rows
            .iter()
            .filter_map(|(_, span)| *span)
            .fold((u64::MAX, 0), |(lo, hi), (a, b)| (lo.min(a), hi.max(b)));
        rows.saturating_mul(hi - lo + 1).max(self.read)
    }
}

/// A row read once.
#[derive(Debug, Default)]
struct Row {
    /// The cells the reader holds for it: up to its last value, empty ones before included.
    width: u64,
    span: Option<(u64, u64)>,
    stored: u64,
    /// Bytes of text its values and formulas make, each repeated cell counted per copy.
    text: u64,
}

impl Row {
    fn read<R: BufRead>(reader: &mut quick_xml::Reader<R>) -> AppResult<Row> {
        let mut row = Row::default();
        let mut buf = Vec::new();
        // Columns passed: laid out so far, and empty ones the reader lays out only if a value follows.
        let (mut laid, mut pending) = (0u64, 0u64);
        loop {
            match reader.read_event_into(&mut buf) {
                Ok(Event::Start(e)) if matches!(e.name().as_ref(), "table:table-cell" | "table:covered-table-cell") => {
                    let repeats = repeats(&e, "number-columns-repeated")?;
                    let cell = Cell::read(reader, &e)?;
                    if cell.valued {
                        laid += pending.min(MAX_COLUMNS - laid);
                        let copies = repeats.min(MAX_COLUMNS - laid);
                        if copies > 0 {
                            let span = (laid, laid + copies - 1);
                            row.span = Some(row.span.map_or(span, |(a, b)| (a.min(span.0), b.max(span.1))));
                        }
                        laid += copies;
                        row.stored += 1;
                        row.text = row.text.saturating_add(cell.text.saturating_mul(copies));
                        pending = 0;
                    } else {
                        pending = pending.saturating_add(repeats);
                    }
                }
                Ok(Event::End(e)) if e.name().as_ref() == "table:table-row" => {
                    row.width = laid;
                    return Ok(row);
                }
                Ok(Event::Eof) => return Err(unreadable()),
                Ok(_) => {}
                Err(_) => return Err(unreadable()),
            }
            buf.clear();
        }
    }
}

/// A cell: whether the reader sees a value in it, and the bytes of text one copy of it makes.
struct Cell {
    valued: bool,
    text: u64,
}

impl Cell {
    fn read<R: BufRead>(reader: &mut quick_xml::Reader<R>, start: &BytesStart<'_>) -> AppResult<Cell> {
        let mut cell = Cell { valued: false, text: 0 };
        for attr in start.attributes() {
            let attr = attr.map_err(|_| unreadable())?;
            match attr.key.as_ref() {
                "office:value"
                | "office:string-value"
                | "office:date-value"
                | "office:time-value"
                | "office:boolean-value" => {
                    cell.valued = true;
                    cell.text += attr.value.len() as u64;
                }
                "office:value-type" if attr.value == "string" => cell.valued = true,
                "table:formula" if !attr.value.is_empty() => {
                    cell.valued = true;
                    cell.text += attr.value.len() as u64;
                }
                _ => {}
            }
        }
        // The content, to the cell's end: its text, and the spaces `<text:s>` stands for.
        let end = start.name().as_ref().to_owned();
        let mut buf = Vec::new();
        loop {
            match reader.read_event_into(&mut buf) {
                Ok(Event::Text(t)) => cell.text += t.len() as u64,
                Ok(Event::GeneralRef(_)) => cell.text += 4,
                Ok(Event::Start(e)) if e.name().as_ref() == "text:s" => {
                    cell.text = cell.text.saturating_add(repeats(&e, "c")?);
                }
                Ok(Event::Start(_)) => cell.text += 1,
                Ok(Event::End(e)) if e.name().as_ref() == end => return Ok(cell),
                Ok(Event::Eof) => return Err(unreadable()),
                Ok(_) => {}
                Err(_) => return Err(unreadable()),
            }
            buf.clear();
        }
    }
}

/// A repeat count (`table:number-rows-repeated`, `text:c`…): 1 when absent.
fn repeats(e: &BytesStart<'_>, name: &str) -> AppResult<u64> {
    match attribute(e, name)? {
        Some(n) => n.trim().parse::<u64>().map_err(|_| inconsistent()),
        None => Ok(1),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use calamine::Reader;

    use super::super::{Format, check_workbook, inconsistent};

    /// An ODS whose one table has `rows` (the XML of its `table:table-row`s).
    fn ods(rows: &str) -> Vec<u8> {
        let content = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="Hoja1">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
        );
        let manifest = r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
        let mut out = std::io::Cursor::new(Vec::new());
        {
            let mut zip = zip::ZipWriter::new(&mut out);
            let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
            let deflated = stored.compression_method(zip::CompressionMethod::Deflated);
            zip.start_file("mimetype", stored).unwrap();
            zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet").unwrap();
            zip.start_file("META-INF/manifest.xml", deflated).unwrap();
            zip.write_all(manifest.as_bytes()).unwrap();
            zip.start_file("content.xml", deflated).unwrap();
            zip.write_all(content.as_bytes()).unwrap();
            zip.finish().unwrap();
        }
        out.into_inner()
    }

    fn cell(text: &str) -> String {
        format!(r#"<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>"#)
    }

    #[test]
    fn repeats_that_lay_out_a_huge_grid_or_huge_text_are_refused() {
        // One row, one value, repeated a million times across all columns: 16 billion cells.
        let bomb = ods(
            r#"<table:table-row table:number-rows-repeated="1048576"><table:table-cell table:number-columns-repeated="16384" office:value-type="float" office:value="1"/></table:table-row>"#,
        );
        assert!(bomb.len() < 2_048, "{} bytes", bomb.len());
        assert_eq!(check_workbook(&bomb).unwrap_err(), inconsistent());

        // Two values far apart: A1 and, a million rows down, the last column.
        let far = ods(&format!(
            r#"<table:table-row>{}</table:table-row><table:table-row table:number-rows-repeated="1000000"><table:table-cell/></table:table-row><table:table-row><table:table-cell table:number-columns-repeated="16383"/>{}</table:table-row>"#,
            cell("a"),
            cell("b")
        ));
        assert_eq!(check_workbook(&far).unwrap_err(), inconsistent());

        // Four billion spaces in one cell.
        let spaces = ods(
            r#"<table:table-row><table:table-cell office:value-type="string"><text:p>a<text:s text:c="4000000000"/></text:p></table:table-cell></table:table-row>"#,
        );
        assert_eq!(check_workbook(&spaces).unwrap_err(), inconsistent());

        // A long text repeated in a narrow grid: few cells, gigabytes of copies.
        let long = "x".repeat(256 * 1024);
        let copies = ods(&format!(
            r#"<table:table-row table:number-rows-repeated="4000"><table:table-cell table:number-columns-repeated="16" office:value-type="string"><text:p>{long}</text:p></table:table-cell></table:table-row>"#
        ));
        assert_eq!(check_workbook(&copies).unwrap_err(), inconsistent());
    }

    /// What a spreadsheet program writes passes, and calamine reads from it what the check counted.
    #[test]
    fn an_honest_table_passes_and_reads_as_counted() {
        let rows: String = (1..=300)
            .map(|r| {
                format!(
                    r#"<table:table-row>{}<table:table-cell table:number-columns-repeated="3"/>{}<table:table-cell office:value-type="float" office:value="{r}" table:number-columns-repeated="2"/></table:table-row>"#,
                    cell(&format!("Paciente<text:s/>{r}")),
                    cell("Femenino")
                )
            })
            .collect();
        let trailing = r#"<table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>"#;
        let bytes = ods(&format!("{rows}{trailing}"));
        assert_eq!(check_workbook(&bytes).unwrap(), Format::Ods);
        let mut book = calamine::Ods::new(std::io::Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range_at(0).unwrap().unwrap();
        assert_eq!((range.height(), range.width()), (300, 7));
        assert_eq!(range.get((0, 0)).unwrap().to_string(), "Paciente 1");
    }

    #[test]
    fn the_import_refuses_a_crafted_ods_without_growing() {
        let bomb = ods(
            r#"<table:table-row table:number-rows-repeated="1048576"><table:table-cell table:number-columns-repeated="16384" office:value-type="float" office:value="1"/></table:table-row>"#,
        );
        assert_eq!(crate::import::bounds::tests::refused_without_growing(&bomb, "ods"), inconsistent());
    }
}
