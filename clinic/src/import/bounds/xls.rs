//! XLS (Excel 97–2003: BIFF records in an OLE compound file's `Workbook` stream; every sheet is
//! read when the file is opened). Walked record by record as the reader walks them: the sheets
//! where the workbook says they start, each cell record's row and column (two bytes each, so two
//! cells can span 65536 × 65536), the rows and columns a DIMENSIONS record declares (the reader
//! reserves room for them), and the shared strings a cell shows (copied into it).

use std::io::{Cursor, Read};

use super::{Budget, Extent, inconsistent, unreadable};
use crate::error::AppResult;

pub(super) fn check(bytes: &[u8], budget: &mut Budget) -> AppResult<()> {
    let stream = workbook_stream(bytes)?;
    let globals = Globals::read(&stream)?;
    for &start in &globals.sheets {
        let sheet = Sheet::read(&stream[start..], &globals)?;
        budget.grid(sheet.values.cells().max(sheet.declared), sheet.values.stored)?;
        budget.grid(sheet.formulas.cells(), sheet.values.stored + sheet.formulas.stored)?;
        budget.text(sheet.text)?;
    }
    Ok(())
}

/// The compound file's `Workbook` stream (`Book` in Excel 5 files), found by name anywhere in the
/// file as the reader finds it; two of either name is a file made to be read two ways.
fn workbook_stream(bytes: &[u8]) -> AppResult<Vec<u8>> {
    let mut file = cfb::CompoundFile::open(Cursor::new(bytes)).map_err(|_| unreadable())?;
    let named = |name: &str| -> Vec<(std::path::PathBuf, bool)> {
        file.walk()
            .filter(|e| e.name().eq_ignore_ascii_case(name))
            .map(|e| (e.path().to_path_buf(), e.is_stream()))
            .collect()
    };
    let found = match (named("Workbook"), named("Book")) {
        (workbook, _) if workbook.len() > 1 => return Err(inconsistent()),
        (workbook, _) if workbook.len() == 1 => workbook,
        (_, book) if book.len() == 1 => book,
        (_, book) if book.len() > 1 => return Err(inconsistent()),
        _ => return Err(unreadable()),
    };
    let (path, is_stream) = &found[0];
    if !is_stream {
        return Err(unreadable());
    }
    let stream = file.open_stream(path).map_err(|_| unreadable())?;
    if stream.len() > bytes.len() as u64 {
        return Err(inconsistent());
    }
    let mut out = Vec::with_capacity(stream.len() as usize);
    stream.take(bytes.len() as u64).read_to_end(&mut out).map_err(|_| unreadable())?;
    Ok(out)
}

/// What the workbook's globals say: where each sheet starts, the shared strings' lengths, and the
/// longest sheet or defined name (a formula's reference to one is written out in full).
struct Globals {
    sheets: Vec<usize>,
    strings: Vec<u64>,
    longest_name: u64,
}

impl Globals {
    fn read(stream: &[u8]) -> AppResult<Globals> {
        let mut globals = Globals { sheets: Vec::new(), strings: Vec::new(), longest_name: 31 };
        for record in Records(stream) {
            let r = record?;
            match r.typ {
                // BoundSheet8: where the sheet starts, its state and type, its name.
                0x0085 => {
                    if r.data.len() < 8 {
                        return Err(unreadable());
                    }
                    let start = u32_at(r.data, 0) as usize;
                    if start > stream.len() {
                        return Err(inconsistent());
                    }
                    globals.sheets.push(start);
                    globals.longest_name = globals.longest_name.max(u64::from(r.data[6]));
                }
                // Lbl: a defined name.
                0x0018 if r.data.len() >= 4 => globals.longest_name = globals.longest_name.max(u64::from(r.data[3])),
                0x00FC => globals.strings = shared_strings(&r)?,
                0x000A => break,
                _ => {}
            }
        }
        Ok(globals)
    }
}

/// A sheet as the reader lays it out.
#[derive(Default)]
struct Sheet {
    values: Extent,
    formulas: Extent,
    /// The cells a DIMENSIONS record makes the reader reserve.
    declared: u64,
    /// Bytes of text its cells make.
    text: u64,
}

impl Sheet {
    fn read(stream: &[u8], globals: &Globals) -> AppResult<Sheet> {
        let mut sheet = Sheet::default();
        let (mut seen_bof, mut nested) = (false, 0usize);
        // A formula's string value follows it in a record of its own, placed at the formula's cell.
        let mut formula_at = (0u64, 0u64);
        for record in Records(stream) {
            let r = record?;
            if nested > 0 {
                match r.typ {
                    0x0809 => nested += 1,
                    0x000A => nested -= 1,
                    _ => {}
                }
                continue;
            }
            let at = (r.data.len() >= 4).then(|| (u64::from(u16_at(r.data, 0)), u64::from(u16_at(r.data, 2))));
            match (r.typ, at) {
                (0x0809, _) if seen_bof => nested += 1,
                (0x0809, _) => seen_bof = true,
                (0x0200, _) => sheet.declared = sheet.declared.max(dimensions(r.data)?),
                // Number, BoolErr, RK.
                (0x0203 | 0x0205 | 0x027E, Some((row, col))) => sheet.values.value(row, col),
                // Label, RString: text in the record.
                (0x0204 | 0x00D6, Some((row, col))) => {
                    sheet.values.value(row, col);
                    sheet.text += 3 * r.len();
                }
                // A formula's string value.
                (0x0207, _) => {
                    sheet.values.value(formula_at.0, formula_at.1);
                    sheet.text += 3 * r.len();
                }
                // LabelSst: a shared string, copied into the cell.
                (0x00FD, Some((row, col))) if r.data.len() >= 10 => {
                    if let Some(len) = globals.strings.get(u32_at(r.data, 6) as usize) {
                        sheet.values.value(row, col);
                        sheet.text += len;
                    }
                }
                // MulRk: a row's run of numbers, its last column in its last two bytes.
                (0x00BD, Some((row, first))) => {
                    let last = u64::from(u16_at(r.data, r.data.len() - 2));
                    if r.data.len() < 6 || last < first || r.data.len() as u64 != 6 + 6 * (last - first + 1) {
                        return Err(unreadable());
                    }
                    for col in first..=last {
                        sheet.values.value(row, col);
                    }
                }
                // Formula: its value, and its text written out (a reference to a sheet or a name
                // takes three bytes and is written as the whole name).
                (0x0006, Some((row, col))) if r.data.len() >= 20 => {
                    formula_at = (row, col);
                    sheet.values.value(row, col);
                    sheet.formulas.value(row, col);
                    sheet.text += r.len().saturating_mul(globals.longest_name + 16);
                }
                (0x000A, _) => break,
                _ => {}
            }
        }
        Ok(sheet)
    }
}

/// The cells a DIMENSIONS record makes the reader reserve: its rows (first, last + 1) by its columns;
/// a last row before the first would wrap the reader's arithmetic.
fn dimensions(d: &[u8]) -> AppResult<u64> {
    let (first_row, rows_end, mut first_col, cols_end) = match d.len() {
        10 => (u32::from(u16_at(d, 0)), u32::from(u16_at(d, 2)), u32::from(u16_at(d, 4)), u32::from(u16_at(d, 6))),
        14 | 16 => (u32_at(d, 0), u32_at(d, 4), u32::from(u16_at(d, 8)), u32::from(u16_at(d, 10))),
        _ => return Err(unreadable()),
    };
    if first_col > 0xFF || cols_end < first_col {
        first_col = 0;
    }
    if rows_end == 0 || cols_end == 0 {
        return Ok(1);
    }
    if rows_end - 1 < first_row {
        return Err(inconsistent());
    }
    Ok(u64::from(rows_end - first_row) * u64::from(cols_end - first_col))
}

/// Each shared string's bytes once decoded (at most three per character), walked as the reader
/// walks them: count, flags, runs and extension skipped, characters across CONTINUE records.
fn shared_strings(r: &Record<'_>) -> AppResult<Vec<u64>> {
    if r.data.len() < 8 {
        return Err(unreadable());
    }
    let mut rec = Reading { data: &r.data[8..], more: r.cont.iter().copied().collect() };
    let mut lengths = Vec::new();
    while !rec.data.is_empty() || rec.next() {
        if rec.data.is_empty() {
            lengths.push(0);
            continue;
        }
        let head = rec.take(3)?;
        let (mut left, flags) = (u64::from(u16_at(head, 0)), head[2]);
        let runs = if flags & 0x8 != 0 { u64::from(u16_at(rec.take(2)?, 0)) } else { 0 };
        let extension = if flags & 0x4 != 0 { u64::from(u32_at(rec.take(4)?, 0)) } else { 0 };
        let (mut wide, chars) = (flags & 0x1 != 0, left);
        while left > 0 {
            let n = if wide { (rec.data.len() as u64 / 2).min(left) } else { (rec.data.len() as u64).min(left) };
            rec.data = &rec.data[(if wide { 2 * n } else { n }) as usize..];
            left -= n;
            if left > 0 {
                if !rec.next() || rec.data.is_empty() {
                    return Err(unreadable());
                }
                wide = rec.data[0] & 0x1 != 0;
                rec.data = &rec.data[1..];
            }
        }
        rec.skip(runs * 4)?;
        rec.skip(extension)?;
        lengths.push(chars * 3);
    }
    Ok(lengths)
}

/// A record's data and the CONTINUE records after it, read through.
struct Reading<'a> {
    data: &'a [u8],
    more: std::collections::VecDeque<&'a [u8]>,
}

impl<'a> Reading<'a> {
    fn next(&mut self) -> bool {
        match self.more.pop_front() {
            Some(data) => {
                self.data = data;
                true
            }
            None => false,
        }
    }

    fn take(&mut self, n: usize) -> AppResult<&'a [u8]> {
        if self.data.len() < n {
            return Err(unreadable());
        }
        let (head, rest) = self.data.split_at(n);
        self.data = rest;
        Ok(head)
    }

    fn skip(&mut self, mut n: u64) -> AppResult<()> {
        while n > 0 {
            if self.data.is_empty() && !self.next() {
                return Err(unreadable());
            }
            let step = n.min(self.data.len() as u64);
            self.data = &self.data[step as usize..];
            n -= step;
        }
        Ok(())
    }
}

/// A BIFF record: its type, its data, and the data of the CONTINUE records that follow it.
struct Record<'a> {
    typ: u16,
    data: &'a [u8],
    cont: Vec<&'a [u8]>,
}

impl Record<'_> {
    /// Its bytes, continuations included.
    fn len(&self) -> u64 {
        (self.data.len() + self.cont.iter().map(|c| c.len()).sum::<usize>()) as u64
    }
}

/// The records of a stream, from its start: type and length (two bytes each), then the data.
struct Records<'a>(&'a [u8]);

impl<'a> Iterator for Records<'a> {
    type Item = AppResult<Record<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        let stream = self.0;
        if stream.is_empty() {
            return None;
        }
        let Some(len) = (stream.len() >= 4).then(|| u16_at(stream, 2) as usize).filter(|len| stream.len() >= 4 + len)
        else {
            self.0 = &[];
            return Some(Err(unreadable()));
        };
        let (typ, data) = (u16_at(stream, 0), &stream[4..4 + len]);
        self.0 = &stream[4 + len..];
        let mut cont = Vec::new();
        while self.0.len() > 4 && u16_at(self.0, 0) == 0x003C {
            let len = u16_at(self.0, 2) as usize;
            if self.0.len() < 4 + len {
                self.0 = &[];
                return Some(Err(unreadable()));
            }
            cont.push(&self.0[4..4 + len]);
            self.0 = &self.0[4 + len..];
        }
        Some(Ok(Record { typ, data, cont }))
    }
}

fn u16_at(d: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([d[at], d[at + 1]])
}

fn u32_at(d: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([d[at], d[at + 1], d[at + 2], d[at + 3]])
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use calamine::Reader;

    use super::super::{Format, check_workbook, inconsistent, unreadable};

    fn record(typ: u16, data: &[u8]) -> Vec<u8> {
        let mut out = typ.to_le_bytes().to_vec();
        out.extend((data.len() as u16).to_le_bytes());
        out.extend(data);
        out
    }

    fn bof(kind: u16) -> Vec<u8> {
        let mut data = 0x0600u16.to_le_bytes().to_vec();
        data.extend(kind.to_le_bytes());
        data.extend([0; 12]);
        record(0x0809, &data)
    }

    fn number(row: u16, col: u16, value: f64) -> Vec<u8> {
        let mut data = [row.to_le_bytes(), col.to_le_bytes(), 0u16.to_le_bytes()].concat();
        data.extend(value.to_le_bytes());
        record(0x0203, &data)
    }

    fn dimensions(first_row: u32, rows_end: u32, cols_end: u16) -> Vec<u8> {
        let data = [
            &first_row.to_le_bytes()[..],
            &rows_end.to_le_bytes(),
            &0u16.to_le_bytes(),
            &cols_end.to_le_bytes(),
            &[0, 0],
        ]
        .concat();
        record(0x0200, &data)
    }

    /// A BIFF8 workbook of one sheet, "Hoja1", whose records are `cells` (between its BOF and EOF),
    /// with `globals` (SST and the like) before the sheet's entry, in a compound file of 512-byte
    /// sectors (as small as a crafted one is).
    fn xls(globals: &[Vec<u8>], cells: &[Vec<u8>]) -> Vec<u8> {
        let before: Vec<u8> = [bof(0x0005)].iter().chain(globals).flatten().copied().collect();
        let entry_len = 4 + 13;
        let start = (before.len() + entry_len + 4) as u32;
        let mut entry = start.to_le_bytes().to_vec();
        entry.extend([0, 0, 5, 0]);
        entry.extend(b"Hoja1");
        let mut stream = before;
        stream.extend(record(0x0085, &entry));
        stream.extend(record(0x000A, &[]));
        assert_eq!(stream.len() as u32, start);
        stream.extend(bof(0x0010));
        stream.extend(cells.iter().flatten());
        stream.extend(record(0x000A, &[]));
        let mut file =
            cfb::CompoundFile::create_with_version(cfb::Version::V3, std::io::Cursor::new(Vec::new())).unwrap();
        file.create_stream("/Workbook").unwrap().write_all(&stream).unwrap();
        file.flush().unwrap();
        file.into_inner().into_inner()
    }

    #[test]
    fn an_honest_sheet_passes_and_reads_as_counted() {
        let bytes = xls(&[], &[dimensions(0, 2, 2), number(0, 0, 1.0), number(1, 1, 2.0)]);
        assert_eq!(check_workbook(&bytes).unwrap(), Format::Xls);
        let mut book = calamine::Xls::new(std::io::Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range_at(0).unwrap().unwrap();
        assert_eq!((range.height(), range.width()), (2, 2));
    }

    #[test]
    fn cells_far_apart_or_dimensions_declared_huge_are_refused() {
        let far = xls(&[], &[number(0, 0, 1.0), number(65535, 65535, 1.0)]);
        assert!(far.len() < 3_072, "{} bytes", far.len());
        assert_eq!(check_workbook(&far).unwrap_err(), inconsistent());

        let declared = xls(&[], &[dimensions(0, u32::MAX, 256), number(0, 0, 1.0)]);
        assert_eq!(check_workbook(&declared).unwrap_err(), inconsistent());

        let backwards = xls(&[], &[dimensions(10, 5, 2), number(0, 0, 1.0)]);
        assert_eq!(check_workbook(&backwards).unwrap_err(), inconsistent());

        // A run of a thousand numbers along a row is a sheet; one whose last column is before its
        // first is not.
        let mut run = [0u16.to_le_bytes(), 0u16.to_le_bytes()].concat();
        for _ in 0..1000 {
            run.extend([0, 0, 0, 0, 0, 0]);
        }
        run.extend(999u16.to_le_bytes());
        let honest = xls(&[], &[record(0x00BD, &run)]);
        assert_eq!(check_workbook(&honest).unwrap(), Format::Xls);
        let last_before_first = [&run[..run.len() - 2], &[0, 0]].concat();
        assert_eq!(check_workbook(&xls(&[], &[record(0x00BD, &last_before_first)])).unwrap_err(), unreadable());
    }

    #[test]
    fn a_shared_string_shown_in_many_cells_is_refused() {
        // One string of 8,000 characters, shown in 100,000 cells: 2.4 GB of text from 1.4 MB.
        let mut sst = [1u32.to_le_bytes(), 1u32.to_le_bytes()].concat();
        sst.extend(8000u16.to_le_bytes());
        sst.push(0);
        sst.extend(std::iter::repeat_n(b'x', 8000));
        let shown: Vec<Vec<u8>> = (0..100_000u32)
            .map(|i| {
                let data = [(i as u16).to_le_bytes(), ((i >> 16) as u16).to_le_bytes(), 0u16.to_le_bytes()].concat();
                record(0x00FD, &[&data[..], &0u32.to_le_bytes()].concat())
            })
            .collect();
        let bomb = xls(&[record(0x00FC, &sst)], &shown);
        assert_eq!(check_workbook(&bomb).unwrap_err(), inconsistent());

        // The same string in ten cells is a sheet.
        let honest = xls(&[record(0x00FC, &sst)], &shown[..10]);
        assert_eq!(check_workbook(&honest).unwrap(), Format::Xls);
        let mut book = calamine::Xls::new(std::io::Cursor::new(honest)).unwrap();
        let range = book.worksheet_range_at(0).unwrap().unwrap();
        assert_eq!(range.get((9, 0)).unwrap().to_string().len(), 8000);
    }

    #[test]
    fn a_sheet_said_to_start_past_the_stream_is_refused() {
        let mut bytes = xls(&[], &[number(0, 0, 1.0)]);
        // The sheet entry's start (the four bytes before its state, type and name's length and flags).
        let stream_start = bytes.windows(5).position(|w| w == b"Hoja1").unwrap() - 8;
        bytes[stream_start..stream_start + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(check_workbook(&bytes).unwrap_err(), inconsistent());
    }

    #[test]
    fn the_import_refuses_a_crafted_xls_without_growing() {
        let bomb = xls(&[], &[dimensions(0, u32::MAX, 256), number(0, 0, 1.0), number(65535, 255, 1.0)]);
        assert_eq!(crate::import::bounds::tests::refused_without_growing(&bomb, "xls"), inconsistent());
    }
}
