//! XLSX/XLSM (a ZIP archive of XML parts): what the parts unpack to, the shared strings the file
//! declares and the text each holds, and each worksheet's grid against the values it stores, with
//! the text its cells show (a shared string is copied into every cell that shows it).

use std::io::{BufRead, BufReader, Cursor};

use quick_xml::events::Event;

use super::{Budget, Counted, Extent, MAX_UNPACKED, attribute, inconsistent, unreadable};
use crate::error::AppResult;

/// The fewest bytes of XML one shared string takes (`<si><t/></si>`).
const BYTES_PER_STRING: u64 = 12;
/// The most shared strings a workbook may declare, whatever its size.
const MAX_STRINGS: u64 = 20_000_000;

pub(super) fn check(zip: &mut zip::ZipArchive<Cursor<&[u8]>>, budget: &mut Budget) -> AppResult<()> {
    let mut sheets = Vec::new();
    for i in 0..zip.len() {
        let part = zip.by_index_raw(i).map_err(|_| unreadable())?;
        let name = part.name().map_err(|_| unreadable())?.to_string();
        if name.starts_with("xl/worksheets/") && name.ends_with(".xml") {
            sheets.push(name);
        }
    }
    let mut left = MAX_UNPACKED;
    let mut lengths = Vec::new();
    if let Ok(part) = zip.by_name("xl/sharedStrings.xml") {
        let mut xml = BufReader::new(Counted { inner: part, left: &mut left });
        let (declared, found) = shared_strings(&mut xml)?;
        let size = MAX_UNPACKED - *xml.get_ref().left;
        if declared > MAX_STRINGS || declared > size / BYTES_PER_STRING + 16 {
            return Err(inconsistent());
        }
        lengths = found;
    }
    for name in sheets {
        let part = zip.by_name(&name).map_err(|_| unreadable())?;
        let sheet = Sheet::of(BufReader::new(Counted { inner: part, left: &mut left }), &lengths)?;
        budget.grid(sheet.extent.cells(), sheet.extent.stored)?;
        budget.text(sheet.text)?;
    }
    Ok(())
}

/// The larger of `count` and `uniqueCount` on the shared strings' root element, and the bytes of
/// text of each string (`<si>`) the part really holds, in order.
fn shared_strings(xml: impl BufRead) -> AppResult<(u64, Vec<u64>)> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let (mut declared, mut lengths, mut open) = (0u64, Vec::new(), false);
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "sst" => {
                for attr in e.attributes().flatten() {
                    if matches!(attr.key.local_name().as_ref(), "count" | "uniqueCount") {
                        let n = attr.value.trim().parse::<u64>().ok();
                        declared = declared.max(n.ok_or_else(inconsistent)?);
                    }
                }
            }
            Ok(Event::Start(e)) if e.local_name().as_ref() == "si" => {
                lengths.push(0);
                open = true;
            }
            Ok(Event::Empty(e)) if e.local_name().as_ref() == "si" => lengths.push(0),
            Ok(Event::End(e)) if e.local_name().as_ref() == "si" => open = false,
            Ok(Event::Text(t)) if open => {
                if let Some(n) = lengths.last_mut() {
                    *n += t.len() as u64;
                }
            }
            Ok(Event::GeneralRef(_)) if open => {
                if let Some(n) = lengths.last_mut() {
                    *n += 4;
                }
            }
            Ok(Event::Eof) => return Ok((declared, lengths)),
            Ok(_) => {}
            Err(_) => return Err(inconsistent()),
        }
        buf.clear();
    }
}

/// A worksheet as its reader will lay it out: the extent of its values, and the bytes of text its
/// cells show.
#[derive(Debug, Default, PartialEq, Eq)]
struct Sheet {
    extent: Extent,
    text: u64,
}

impl Sheet {
    fn of(xml: impl BufRead, shared: &[u64]) -> AppResult<Sheet> {
        let mut reader = quick_xml::Reader::from_reader(xml);
        let mut buf = Vec::new();
        let mut sheet = Sheet::default();
        // Cells may omit their reference: they follow the one before, in the row before's next.
        let (mut row, mut col) = (0u64, 0u64);
        // The cell being read, until its end says whether it held a value (`<v>` or `<is>`), and
        // whether its value is a shared string's index.
        let mut open: Option<bool> = None;
        let (mut is_shared, mut in_value) = (false, false);
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
                    is_shared = attribute(&e, "t")?.as_deref() == Some("s");
                    open = Some(false);
                }
                Ok(Event::Empty(e)) if e.local_name().as_ref() == "c" => (row, col) = position(&e, row, col)?,
                Ok(Event::Start(e)) if matches!(e.local_name().as_ref(), "v" | "is") => {
                    if let Some(held) = open.as_mut() {
                        *held = true;
                        in_value = e.local_name().as_ref() == "v";
                    }
                }
                Ok(Event::End(e)) if e.local_name().as_ref() == "v" => in_value = false,
                Ok(Event::Text(t)) if open.is_some() => {
                    sheet.text += t.len() as u64;
                    if in_value && is_shared {
                        // The reader copies the shared string into the cell.
                        let index = t.trim().parse::<usize>().ok();
                        sheet.text += index.and_then(|i| shared.get(i)).copied().unwrap_or(0);
                    }
                }
                Ok(Event::End(e)) if e.local_name().as_ref() == "c" => {
                    if open.take() == Some(true) {
                        sheet.extent.value(row, col);
                    }
                    (is_shared, in_value) = (false, false);
                }
                Ok(Event::Eof) => return Ok(sheet),
                Ok(_) => {}
                Err(_) => return Err(inconsistent()),
            }
            buf.clear();
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
    use crate::import::bounds::{Format, check_workbook};

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
        let e = Sheet::of(xml.as_bytes(), &[]).unwrap().extent;
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
        assert_eq!(check_workbook(&honest).unwrap(), Format::Xlsx);
        assert_eq!(check_workbook(b"not a zip at all").unwrap_err(), unreadable());
    }

    /// One long shared string shown in every cell of a column: a few KB of file, terabytes of text
    /// once the reader copies it into each cell. Refused; a column repeating a short word passes.
    #[test]
    fn a_shared_string_shown_in_a_million_cells_is_refused() {
        let long = "x".repeat(1024 * 1024);
        let strings = format!(
            r#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>{long}</t></si></sst>"#
        );
        let cells: String =
            (1..=100_000).map(|r| format!(r#"<row r="{r}"><c r="A{r}" t="s"><v>0</v></c></row>"#)).collect();
        let sheet = format!("{SHEET_HEAD}{cells}</sheetData></worksheet>");
        let bomb = xlsx(&[("xl/sharedStrings.xml", &strings), ("xl/worksheets/sheet1.xml", &sheet)]);
        assert!(bomb.len() < 512 * 1024, "{} bytes", bomb.len());
        assert_eq!(check_workbook(&bomb).unwrap_err(), inconsistent());

        let word = strings.replace(&long, "Femenino");
        check_workbook(&xlsx(&[("xl/sharedStrings.xml", &word), ("xl/worksheets/sheet1.xml", &sheet)])).unwrap();
    }

    /// Through the import's own reader, from a file: refused by name, and the process does not grow
    /// past 100 MB doing so (calamine alone would ask for terabytes and abort).
    #[test]
    fn the_import_refuses_a_crafted_xlsx_without_growing() {
        let far = format!(
            r#"{SHEET_HEAD}<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>"#
        );
        let refused =
            crate::import::bounds::tests::refused_without_growing(&xlsx(&[("xl/worksheets/sheet1.xml", &far)]), "xlsx");
        assert_eq!(refused, inconsistent());
    }
}
