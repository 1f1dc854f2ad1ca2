//! A spreadsheet read into text cells: CSV (the `csv` crate; comma, semicolon or tab, UTF-8 with
//! or without a BOM, else Windows-1252 as Excel in Spanish saves it) or XLSX/XLS/ODS (`calamine`).
//! Dates stored as spreadsheet serial numbers come out as ISO dates; whole numbers (a phone typed
//! into a number cell) without a decimal point. Blocking I/O: call it off the async runtime.

use std::path::Path;

use calamine::{Data, DataType, Reader};
use sha2::{Digest, Sha256};

use super::bounds::Format;
use crate::error::{AppError, AppResult};

/// The largest file taken (a clinic's history is far smaller).
pub const MAX_BYTES: u64 = 256 * 1024 * 1024;
/// The most rows taken from one file.
pub const MAX_ROWS: usize = 2_000_000;

/// One row's cells in one allocation: a million-row file is a million of these, not eight million
/// strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    text: Box<str>,
    /// Where each cell ends in `text`.
    ends: Box<[u32]>,
}

impl Line {
    pub fn new<S: AsRef<str>>(cells: impl IntoIterator<Item = S>) -> Line {
        let (mut text, mut ends) = (String::new(), Vec::new());
        for cell in cells {
            text.push_str(cell.as_ref());
            ends.push(text.len() as u32);
        }
        Line { text: text.into(), ends: ends.into() }
    }

    /// The cells, as many as `width`: a short row's missing cells are empty, a long row's extra
    /// ones dropped.
    pub fn cells(&self, width: usize) -> impl Iterator<Item = &str> {
        self.read().chain(std::iter::repeat("")).take(width)
    }

    /// The cells as read.
    fn read(&self) -> impl Iterator<Item = &str> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts.zip(self.ends.iter()).map(|(a, b)| &self.text[a as usize..*b as usize])
    }

    fn is_blank(&self) -> bool {
        self.text.trim().is_empty()
    }
}

/// A sheet: its header row and its data rows, each read as long as the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    pub headers: Vec<String>,
    lines: Vec<Line>,
    /// Each row's number as the spreadsheet shows it (blank lines and rows above the header count).
    pub numbers: Vec<u32>,
    /// SHA-256 of the file's bytes: what ids derived from it are made of.
    pub digest: [u8; 32],
}

impl Sheet {
    pub fn new(headers: Vec<String>, rows: Vec<Line>, numbers: Vec<u32>, digest: [u8; 32]) -> Sheet {
        Sheet { headers, lines: rows, numbers, digest }
    }

    /// How many data rows.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Each row's cells, as long as the header.
    pub fn rows(&self) -> impl Iterator<Item = Vec<&str>> {
        let width = self.headers.len();
        self.lines.iter().map(move |l| l.cells(width).collect())
    }
}

/// Reads the file at `path`: `.csv`/`.txt` as CSV, `.xlsx`/`.xlsm`/`.xls`/`.ods` as a workbook
/// (its first sheet). The first non-empty row is the header.
pub fn read(path: &Path) -> AppResult<Sheet> {
    let meta = std::fs::metadata(path).map_err(|_| AppError::validation("file", "file_missing"))?;
    if !meta.is_file() {
        return Err(AppError::validation("file", "file_missing"));
    }
    if meta.len() > MAX_BYTES {
        return Err(AppError::validation("file", "file_too_large"));
    }
    let bytes = std::fs::read(path).map_err(|_| AppError::validation("file", "file_missing"))?;
    let extension = path.extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default();
    let grid = match extension.as_str() {
        "csv" | "txt" => csv_grid(&bytes)?,
        "xlsx" | "xlsm" | "xls" | "ods" => workbook_grid(&bytes)?,
        _ => return Err(AppError::validation("file", "unknown_file_type")),
    };
    let digest: [u8; 32] = Sha256::digest(&bytes).into();
    from_grid(grid, digest)
}

/// A grid's rows with their numbers in the file.
type Grid = Vec<(u32, Line)>;

fn from_grid(grid: Grid, digest: [u8; 32]) -> AppResult<Sheet> {
    let mut rows = grid.into_iter().skip_while(|(_, r)| r.is_blank());
    let (_, headers) = rows.next().ok_or(AppError::validation("file", "empty_file"))?;
    let headers: Vec<String> = headers.read().map(|h| h.trim().to_string()).collect();
    let (mut data, mut numbers) = (Vec::new(), Vec::new());
    for (number, row) in rows {
        if data.len() == MAX_ROWS {
            return Err(AppError::validation("file", "too_many_rows"));
        }
        data.push(row);
        numbers.push(number);
    }
    // Trailing empty rows (a spreadsheet's formatted but empty lines) are not data.
    while data.last().is_some_and(Line::is_blank) {
        data.pop();
        numbers.pop();
    }
    Ok(Sheet { headers, lines: data, numbers, digest })
}

fn csv_grid(bytes: &[u8]) -> AppResult<Grid> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes).0,
    };
    let first_line = text.lines().next().unwrap_or_default();
    let delimiter =
        [b',', b';', b'\t'].into_iter().max_by_key(|d| first_line.bytes().filter(|b| b == d).count()).unwrap_or(b',');
    let raw = text.as_bytes();
    let newlines: Vec<usize> = raw.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| i).collect();
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
    let mut grid = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|_| AppError::validation("file", "unreadable_file"))?;
        // The line a record starts on, counted from its byte offset (blank lines count). The
        // reader places a record after a CRLF at the LF: its first character is further on.
        let line = match record.position() {
            Some(p) => {
                let first = (p.byte() as usize..raw.len()).find(|&i| raw[i] != b'\r' && raw[i] != b'\n');
                newlines.partition_point(|&at| at < first.unwrap_or(raw.len())) as u32 + 1
            }
            None => grid.len() as u32 + 1,
        };
        grid.push((line, Line::new(record.iter())));
        if grid.len() > MAX_ROWS + 1 {
            return Err(AppError::validation("file", "too_many_rows"));
        }
    }
    Ok(grid)
}

fn workbook_grid(bytes: &[u8]) -> AppResult<Grid> {
    // Only the reader whose checks the file passed opens it (never calamine's guess by content).
    let range = match super::bounds::check_workbook(bytes)? {
        Format::Xlsx => first_sheet::<calamine::Xlsx<_>>(bytes)?,
        Format::Ods => first_sheet::<calamine::Ods<_>>(bytes)?,
        Format::Xls => first_sheet::<calamine::Xls<_>>(bytes)?,
    };
    if range.height() > MAX_ROWS + 1 {
        return Err(AppError::validation("file", "too_many_rows"));
    }
    // The range starts at the sheet's first used cell: its rows are numbered from there.
    let first = range.start().map_or(0, |(row, _)| row);
    Ok(range.rows().enumerate().map(|(i, row)| (first + i as u32 + 1, Line::new(row.iter().map(cell_text)))).collect())
}

/// The first sheet of a workbook, read by the reader `R`.
fn first_sheet<'a, R: Reader<std::io::Cursor<&'a [u8]>>>(bytes: &'a [u8]) -> AppResult<calamine::Range<Data>> {
    let mut book = R::new(std::io::Cursor::new(bytes)).map_err(|_| AppError::validation("file", "unreadable_file"))?;
    book.worksheet_range_at(0)
        .ok_or(AppError::validation("file", "empty_file"))?
        .map_err(|_| AppError::validation("file", "unreadable_file"))
}

/// A cell as the text a person would have typed.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(s) | Data::DateTimeIso(s) => s.trim().to_string(),
        Data::DurationIso(s) => clock_of_duration(s).unwrap_or_else(|| s.trim().to_string()),
        Data::Bool(b) => if *b { "sí" } else { "no" }.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::DateTime(_) => match cell.as_datetime() {
            Some(at) if at.time() == chrono::NaiveTime::MIN => at.date().format("%Y-%m-%d").to_string(),
            Some(at) => at.format("%Y-%m-%d %H:%M").to_string(),
            None => String::new(),
        },
    }
}

/// An ODS time cell (an ISO duration, "PT14H30M00S") as the clock time it shows ("14:30").
fn clock_of_duration(iso: &str) -> Option<String> {
    let rest = iso.trim().strip_prefix("PT")?;
    let (hours, rest) = rest.split_once('H')?;
    let (minutes, _) = rest.split_once('M')?;
    let (h, m) = (hours.parse::<u32>().ok()?, minutes.parse::<u32>().ok()?);
    (h < 24 && m < 60).then(|| format!("{h:02}:{m:02}"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_ods_time_cell_reads_as_its_clock_time() {
        assert_eq!(super::clock_of_duration("PT14H30M00S").as_deref(), Some("14:30"));
        assert_eq!(super::clock_of_duration("PT9H05M"), Some("09:05".into()));
        assert_eq!(super::clock_of_duration("P1DT2H"), None);
    }

    use super::*;

    #[test]
    fn a_csv_in_excel_s_spanish_shape_reads_as_text() {
        // Semicolons, Windows-1252 accents, a BOM-less header, a quoted field with a semicolon.
        let bytes = b"Nombre;Apellidos;Tel\xe9fono\r\nJos\xe9;Gonz\xe1lez;55 1234 5678\r\n\r\n\"Ana; Mar\xeda\";L\xf3pez;\r\n;;\r\n";
        let grid = csv_grid(bytes).unwrap();
        let sheet = from_grid(grid, [0; 32]).unwrap();
        assert_eq!(sheet.headers, ["Nombre", "Apellidos", "Teléfono"]);
        assert_eq!(
            sheet.rows().collect::<Vec<_>>(),
            [vec!["José", "González", "55 1234 5678"], vec!["Ana; María", "López", ""]]
        );
        // A blank line still counts: Ana is on line 4 of the file.
        assert_eq!(sheet.numbers, [2, 4]);
    }

    #[test]
    fn a_utf8_csv_with_a_bom_and_ragged_rows_is_squared_to_the_header() {
        let grid = csv_grid("\u{feff}a,b,c\n1\n1,2,3,4\n".as_bytes()).unwrap();
        let sheet = from_grid(grid, [0; 32]).unwrap();
        assert_eq!(sheet.rows().collect::<Vec<_>>(), [vec!["1", "", ""], vec!["1", "2", "3"]]);
    }

    #[test]
    fn an_empty_file_is_named() {
        assert_eq!(from_grid(vec![], [0; 32]).unwrap_err(), AppError::validation("file", "empty_file"));
    }
}
