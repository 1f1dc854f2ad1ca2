//! A workbook's declared sizes, checked before the reader allocates from them. calamine trusts what
//! an XLSX says of itself: it reserves the shared strings' `uniqueCount`, and lays a sheet out as a
//! dense grid from its first to its last cell holding a value, so a 2 KB file naming a billion
//! strings, or two values at A1 and XFD1048576, would make the app ask for gigabytes and abort.
//! Here what the file really holds bounds what it may claim: the bytes its parts really unpack to
//! (counted while reading, never taken from the ZIP's own directory, which the file's author
//! writes), a shared string's bytes of XML, and the cells that hold a value (empty `<c/>` elements,
//! which a reader drops, count for nothing). A file that claims more is refused by name
//! (`file_inconsistent`). Files that are not ZIP archives (XLS) are left to the reader's own checks.

use std::io::{BufRead, BufReader, Cursor, Read};

use quick_xml::events::Event;

use crate::error::{AppError, AppResult};

/// The most a workbook's parts may unpack to, in all, counted as they are read.
const MAX_UNPACKED: u64 = 2 * 1024 * 1024 * 1024;
/// The fewest bytes of XML one shared string takes (`<si><t/></si>`).
const BYTES_PER_STRING: u64 = 12;
/// The most shared strings a workbook may declare, whatever its size.
const MAX_STRINGS: u64 = 20_000_000;
/// A sheet's grid (first to last value, in rows and columns) may hold this many cells beyond...
const GRID_SLACK: u64 = 1_000_000;
/// ...this many times the values it stores (empty optional columns are normal; a grid thousands of
/// times its content is not a spreadsheet anyone typed)...
const GRID_PER_CELL: u64 = 16;
/// ...and never more than this (a million rows of 64 columns).
const MAX_GRID: u64 = 64_000_000;

fn inconsistent() -> AppError {
    AppError::validation("file", "file_inconsistent")
}

fn unreadable() -> AppError {
    AppError::validation("file", "unreadable_file")
}

/// A part's bytes as they are unpacked, counted against what the whole workbook may unpack to.
struct Counted<'a, R> {
    inner: R,
    left: &'a mut u64,
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        *self.left = self.left.checked_sub(n as u64).ok_or_else(|| std::io::Error::other("unpacks to too much"))?;
        Ok(n)
    }
}

/// Checks an XLSX/XLSM (a ZIP archive): what its parts unpack to, the shared strings it declares,
/// and each worksheet's grid against the values it stores.
pub fn check_workbook(bytes: &[u8]) -> AppResult<()> {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(());
    };
    let mut sheets = Vec::new();
    for i in 0..zip.len() {
        let part = zip.by_index_raw(i).map_err(|_| unreadable())?;
        let name = part.name().map_err(|_| unreadable())?.to_string();
        if name.starts_with("xl/worksheets/") && name.ends_with(".xml") {
            sheets.push(name);
        }
    }
    let mut left = MAX_UNPACKED;
    if let Ok(part) = zip.by_name("xl/sharedStrings.xml") {
        let mut xml = BufReader::new(Counted { inner: part, left: &mut left });
        let declared = declared_strings(&mut xml)?;
        let before = *xml.get_ref().left;
        std::io::copy(&mut xml, &mut std::io::sink()).map_err(|_| inconsistent())?;
        let size = before - *xml.get_ref().left + xml.buffer().len() as u64;
        if declared > MAX_STRINGS || declared > size / BYTES_PER_STRING + 16 {
            return Err(inconsistent());
        }
    }
    for name in sheets {
        let part = zip.by_name(&name).map_err(|_| unreadable())?;
        let grid = Extent::of(BufReader::new(Counted { inner: part, left: &mut left }))?;
        let bound = grid.stored.saturating_mul(GRID_PER_CELL).saturating_add(GRID_SLACK).min(MAX_GRID);
        if grid.cells() > bound {
            return Err(inconsistent());
        }
    }
    Ok(())
}

/// The larger of `count` and `uniqueCount` on the shared strings' root element.
fn declared_strings(xml: impl BufRead) -> AppResult<u64> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "sst" => {
                let mut most = 0u64;
                for attr in e.attributes().flatten() {
                    if matches!(attr.key.local_name().as_ref(), "count" | "uniqueCount") {
                        most = most.max(attr.value.trim().parse::<u64>().map_err(|_| inconsistent())?);
                    }
                }
                return Ok(most);
            }
            Ok(Event::Eof) => return Ok(0),
            Ok(_) => buf.clear(),
            Err(_) => return Err(inconsistent()),
        }
    }
}

/// The rows and columns a sheet's values span, and how many values it stores.
#[derive(Debug, Default, PartialEq, Eq)]
struct Extent {
    rows: Option<(u64, u64)>,
    cols: Option<(u64, u64)>,
    stored: u64,
}

impl Extent {
    fn of(xml: impl BufRead) -> AppResult<Extent> {
        let mut reader = quick_xml::Reader::from_reader(xml);
        let mut buf = Vec::new();
        let mut extent = Extent::default();
        // Cells may omit their reference: they follow the one before, in the row before's next.
        let (mut row, mut col) = (0u64, 0u64);
        // The cell being read, until its end says whether it held a value (`<v>` or `<is>`).
        let mut open: Option<bool> = None;
        loop {
            match reader.read_event_into(&mut buf) {
                Ok(Event::Start(e)) | Ok(Event::Empty(e)) if e.local_name().as_ref() == "row" => {
                    row = match attribute(&e, "r")? {
                        Some(r) => r.parse::<u64>().map_err(|_| inconsistent())?,
                        None => row + 1,
                    };
                    col = 0;
                }
                Ok(Event::Start(e)) if e.local_name().as_ref() == "c" => {
                    (row, col) = position(&e, row, col)?;
                    open = Some(false);
                }
                Ok(Event::Empty(e)) if e.local_name().as_ref() == "c" => (row, col) = position(&e, row, col)?,
                Ok(Event::Start(e)) if matches!(e.local_name().as_ref(), "v" | "is") => {
                    if let Some(held) = open.as_mut() {
                        *held = true;
                    }
                }
                Ok(Event::End(e)) if e.local_name().as_ref() == "c" => {
                    if open.take() == Some(true) {
                        extent.stored += 1;
                        extent.rows = Some(widen(extent.rows, row));
                        extent.cols = Some(widen(extent.cols, col));
                    }
                }
                Ok(Event::Eof) => return Ok(extent),
                Ok(_) => {}
                Err(_) => return Err(inconsistent()),
            }
            buf.clear();
        }
    }

    /// The cells of the dense grid a reader lays these out in.
    fn cells(&self) -> u64 {
        match (self.rows, self.cols) {
            (Some((r0, r1)), Some((c0, c1))) => (r1 - r0 + 1).saturating_mul(c1 - c0 + 1),
            _ => 0,
        }
    }
}

/// Where a cell stands: its reference, or the place after the one before.
fn position(e: &quick_xml::events::BytesStart<'_>, row: u64, col: u64) -> AppResult<(u64, u64)> {
    match attribute(e, "r")? {
        Some(r) => reference(&r),
        None => Ok((row.max(1), col + 1)),
    }
}

fn widen(span: Option<(u64, u64)>, at: u64) -> (u64, u64) {
    match span {
        Some((lo, hi)) => (lo.min(at), hi.max(at)),
        None => (at, at),
    }
}

fn attribute(e: &quick_xml::events::BytesStart<'_>, name: &str) -> AppResult<Option<String>> {
    for attr in e.attributes() {
        let attr = attr.map_err(|_| inconsistent())?;
        if attr.key.local_name().as_ref() == name {
            return Ok(Some(attr.value.into_owned()));
        }
    }
    Ok(None)
}

/// "XFD1048576" as (row 1048576, column 16384).
fn reference(r: &str) -> AppResult<(u64, u64)> {
    let split = r.find(|c: char| c.is_ascii_digit()).ok_or_else(inconsistent)?;
    let (letters, digits) = r.split_at(split);
    if letters.is_empty() || letters.len() > 3 || !letters.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(inconsistent());
    }
    let col = letters.bytes().fold(0u64, |n, b| n * 26 + u64::from(b - b'A' + 1));
    let row = digits.parse::<u64>().map_err(|_| inconsistent())?;
    Ok((row, col))
}

#[cfg(test)]
pub(crate) mod tests {
    use std::io::Write;

    use super::*;

    /// A workbook whose first sheet is `xl/worksheets/sheet1.xml`, with the given parts (name,
    /// XML): as small as a crafted one is, and whole enough for calamine to open.
    pub(crate) fn xlsx(parts: &[(&str, &str)]) -> Vec<u8> {
        const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
        const RELS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
        const DOC: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
        let types = r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
        let root = format!(
            r#"<?xml version="1.0"?><Relationships xmlns="{RELS}"><Relationship Id="rId1" Type="{DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
        );
        let book = format!(
            r#"<?xml version="1.0"?><workbook xmlns="{MAIN}" xmlns:r="{DOC}"><sheets><sheet name="Hoja1" sheetId="1" r:id="rId1"/></sheets></workbook>"#
        );
        let book_rels = format!(
            r#"<?xml version="1.0"?><Relationships xmlns="{RELS}"><Relationship Id="rId1" Type="{DOC}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{DOC}/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#
        );
        let whole = [
            ("[Content_Types].xml", types),
            ("_rels/.rels", root.as_str()),
            ("xl/workbook.xml", book.as_str()),
            ("xl/_rels/workbook.xml.rels", book_rels.as_str()),
        ];
        let mut out = Cursor::new(Vec::new());
        {
            let mut zip = zip::ZipWriter::new(&mut out);
            let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
            for (name, xml) in whole.iter().chain(parts) {
                zip.start_file(*name, options).unwrap();
                zip.write_all(xml.as_bytes()).unwrap();
            }
            zip.finish().unwrap();
        }
        out.into_inner()
    }

    const SHEET_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#;

    #[test]
    fn references_and_extents_are_read_as_a_reader_would_lay_them_out() {
        assert_eq!(reference("A1").unwrap(), (1, 1));
        assert_eq!(reference("XFD1048576").unwrap(), (1_048_576, 16_384));
        assert!(reference("1A").is_err() && reference("ABCD1").is_err());
        // B2 and C2 hold values; in row 3 an empty A3, then B3 with an inline string; Z9 is empty.
        let xml = format!(
            r#"{SHEET_HEAD}<row r="2"><c r="B2"><v>1</v></c><c><v>2</v></c></row><row><c/><c t="inlineStr"><is><t>x</t></is></c></row><row r="9"><c r="Z9"/></row></sheetData></worksheet>"#
        );
        let e = Extent::of(xml.as_bytes()).unwrap();
        assert_eq!(
            (e.rows, e.cols, e.stored, e.cells()),
            (Some((2, 3)), Some((2, 3)), 3, 4),
            "valueless cells count for nothing"
        );
    }

    #[test]
    fn a_crafted_workbook_is_refused_by_name_before_anything_is_allocated() {
        let far = format!(
            r#"{SHEET_HEAD}<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>"#
        );
        let bomb = xlsx(&[("xl/worksheets/sheet1.xml", &far)]);
        assert!(bomb.len() < 3_072, "{} bytes", bomb.len());
        assert_eq!(check_workbook(&bomb).unwrap_err(), inconsistent());

        let strings = r#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="4000000000" uniqueCount="4000000000"><si><t>a</t></si></sst>"#;
        let sheet = format!(r#"{SHEET_HEAD}<row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>"#);
        let bomb = xlsx(&[("xl/sharedStrings.xml", strings), ("xl/worksheets/sheet1.xml", &sheet)]);
        assert_eq!(check_workbook(&bomb).unwrap_err(), inconsistent());

        // What the ZIP's directory says a part unpacks to is the file author's word: only what
        // is read counts, so a plausible count with nothing behind it is refused too.
        let bomb = xlsx(&[
            ("xl/sharedStrings.xml", &strings.replace("4000000000", "10000000")),
            ("xl/worksheets/sheet1.xml", &sheet),
        ]);
        assert_eq!(check_workbook(&bomb).unwrap_err(), inconsistent());

        // Valueless cells pad nothing: a reader drops them before laying out its grid.
        let padding: String = (0..200_000).map(|_| "<c/>").collect();
        let padded = format!(
            r#"{SHEET_HEAD}<row r="1"><c r="A1"><v>1</v></c>{padding}</row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>"#
        );
        let bomb = xlsx(&[("xl/worksheets/sheet1.xml", &padded)]);
        assert!(bomb.len() < 16_384, "{} bytes", bomb.len());
        assert_eq!(check_workbook(&bomb).unwrap_err(), inconsistent());

        // An honest sheet, with empty optional cells and strings as declared, passes.
        let rows: String = (1..=500)
            .map(|r| format!(r#"<row r="{r}"><c r="A{r}" t="s"><v>0</v></c><c r="H{r}"><v>{r}</v></c></row>"#))
            .collect();
        let honest = xlsx(&[
            ("xl/sharedStrings.xml", &strings.replace("4000000000", "1")),
            ("xl/worksheets/sheet1.xml", &format!("{SHEET_HEAD}{rows}</sheetData></worksheet>")),
        ]);
        check_workbook(&honest).unwrap();
        assert!(check_workbook(b"not a zip at all").is_ok(), "left to the reader");
    }

    /// Through the import's own reader, from a file: refused by name, and the process does not grow
    /// past 100 MB doing so (calamine alone would ask for terabytes and abort).
    #[test]
    fn the_import_refuses_a_crafted_xlsx_without_growing() {
        let far = format!(
            r#"{SHEET_HEAD}<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>"#
        );
        let path = std::env::temp_dir().join(format!("podoclinic-bomb-{}.xlsx", uuid::Uuid::now_v7()));
        std::fs::write(&path, xlsx(&[("xl/worksheets/sheet1.xml", &far)])).unwrap();
        let peak = || -> Option<u64> {
            let status = std::fs::read_to_string("/proc/self/status").ok()?;
            let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        };
        let before = peak();
        let refused = crate::import::sheet::read(&path).unwrap_err();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(refused, inconsistent());
        if let (Some(before), Some(after)) = (before, peak()) {
            assert!(after.saturating_sub(before) < 100 * 1024, "grew by {} KiB", after - before);
        }
    }
}
