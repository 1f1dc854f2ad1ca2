//! A workbook's sizes, checked before the reader allocates from them. calamine trusts what a file
//! says of itself, and a file of a few KB can make it ask for gigabytes and abort the app:
//! - it lays a sheet out as a dense grid from its first to its last cell holding a value, so two
//!   values at A1 and XFD1048576 (XLSX), at (0, 0) and (65535, 65535) (XLS), or one row repeated a
//!   million times (ODS's `number-rows-repeated`) are a grid of billions of cells;
//!   an XLS sheet's DIMENSIONS record reserves room for the rows and columns it declares;
//! - a value shared or repeated is copied into every cell that shows it: one long shared string
//!   (XLSX, XLS) or one long repeated cell (ODS) shown in a million cells is a terabyte of text;
//!   ODS's `<text:s text:c="4000000000"/>` is four billion spaces;
//! - an XLSX reserves the shared strings' `uniqueCount`.
//!
//! Here what the file really holds bounds what it may claim: the bytes its parts really unpack to
//! (counted while reading, never taken from the ZIP's own directory, which the file's author
//! writes), the values its sheets really store (a cell element with a value: empty ones count for
//! nothing, repeats count once), and the file's own size for the text it may make. A file that
//! claims more is refused by name (`file_inconsistent`); one that is not the format it says, or
//! that the checks cannot walk, is unreadable (`unreadable_file`). Each format is checked as its
//! reader will read it (`xlsx`, `ods`, `xls`), and only that reader opens it (`Format`).

mod ods;
mod xls;
mod xlsx;

use std::io::Read;

use crate::error::{AppError, AppResult};

/// The most a workbook's parts may unpack to, in all, counted as they are read.
const MAX_UNPACKED: u64 = 2 * 1024 * 1024 * 1024;
/// A sheet's grid (first to last value, in rows and columns) may hold this many cells beyond...
const GRID_SLACK: u64 = 1_000_000;
/// ...this many times the values it stores (empty optional columns are normal; a grid thousands of
/// times its content is not a spreadsheet anyone typed)...
const GRID_PER_CELL: u64 = 16;
/// ...and never more than this (a million rows of 64 columns), the workbook's sheets together.
const MAX_GRID: u64 = 64_000_000;
/// The text a workbook may make its reader hold (shared and repeated values copied into every cell
/// that shows them): this many times the file's size, beyond...
const TEXT_PER_BYTE: u64 = 64;
/// ...this much, and never more than...
const TEXT_SLACK: u64 = 64 * 1024 * 1024;
/// ...this.
const MAX_TEXT: u64 = 1024 * 1024 * 1024;

/// The reader a workbook is for: the file's own bytes say which, not its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Ods,
    Xls,
}

fn inconsistent() -> AppError {
    AppError::validation("file", "file_inconsistent")
}

fn unreadable() -> AppError {
    AppError::validation("file", "unreadable_file")
}

/// Which reader `bytes` are for, once what that reader will lay out is within bounds.
pub fn check_workbook(bytes: &[u8]) -> AppResult<Format> {
    let mut budget = Budget::for_file(bytes.len());
    if bytes.starts_with(b"PK\x03\x04") {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| unreadable())?;
        if zip.index_for_name("xl/workbook.xml").is_some() {
            xlsx::check(&mut zip, &mut budget)?;
            return Ok(Format::Xlsx);
        }
        if zip.index_for_name("content.xml").is_some() {
            ods::check(&mut zip, &mut budget)?;
            return Ok(Format::Ods);
        }
        return Err(unreadable());
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        xls::check(bytes, &mut budget)?;
        return Ok(Format::Xls);
    }
    Err(unreadable())
}

/// What a whole workbook may still make its reader lay out: grid cells and bytes of text.
#[derive(Debug)]
struct Budget {
    cells: u64,
    text: u64,
}

impl Budget {
    fn for_file(len: usize) -> Budget {
        let text = (len as u64).saturating_mul(TEXT_PER_BYTE).saturating_add(TEXT_SLACK).min(MAX_TEXT);
        Budget { cells: MAX_GRID, text }
    }

    /// A sheet's grid of `cells`, for the `stored` values the file really holds in it.
    fn grid(&mut self, cells: u64, stored: u64) -> AppResult<()> {
        let bound = stored.saturating_mul(GRID_PER_CELL).saturating_add(GRID_SLACK).min(MAX_GRID);
        if cells > bound {
            return Err(inconsistent());
        }
        self.cells = self.cells.checked_sub(cells).ok_or_else(inconsistent)?;
        Ok(())
    }

    fn text(&mut self, bytes: u64) -> AppResult<()> {
        self.text = self.text.checked_sub(bytes).ok_or_else(inconsistent)?;
        Ok(())
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
    fn value(&mut self, row: u64, col: u64) {
        self.stored += 1;
        self.rows = Some(widen(self.rows, row));
        self.cols = Some(widen(self.cols, col));
    }

    /// The cells of the dense grid a reader lays these out in.
    fn cells(&self) -> u64 {
        match (self.rows, self.cols) {
            (Some((r0, r1)), Some((c0, c1))) => (r1 - r0 + 1).saturating_mul(c1 - c0 + 1),
            _ => 0,
        }
    }
}

fn widen(span: Option<(u64, u64)>, at: u64) -> (u64, u64) {
    match span {
        Some((lo, hi)) => (lo.min(at), hi.max(at)),
        None => (at, at),
    }
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

/// An attribute's value, by local name.
fn attribute(e: &quick_xml::events::BytesStart<'_>, name: &str) -> AppResult<Option<String>> {
    for attr in e.attributes() {
        let attr = attr.map_err(|_| inconsistent())?;
        if attr.key.local_name().as_ref() == name {
            return Ok(Some(attr.value.into_owned()));
        }
    }
    Ok(None)
}

#[cfg(test)]
pub(crate) mod tests {
    /// The process's peak resident memory, in KiB (Linux).
    pub(crate) fn peak_kib() -> Option<u64> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        line.split_whitespace().nth(1)?.parse::<u64>().ok()
    }

    /// Reads `bytes` through the import's own reader from a file named with `extension`: the error,
    /// and asserts the process did not grow past 100 MB doing so.
    pub(crate) fn refused_without_growing(bytes: &[u8], extension: &str) -> crate::error::AppError {
        let path = std::env::temp_dir().join(format!("podoclinic-bomb-{}.{extension}", uuid::Uuid::now_v7()));
        std::fs::write(&path, bytes).unwrap();
        let before = peak_kib();
        let refused = crate::import::sheet::read(&path).unwrap_err();
        std::fs::remove_file(&path).unwrap();
        if let (Some(before), Some(after)) = (before, peak_kib()) {
            assert!(after.saturating_sub(before) < 100 * 1024, "grew by {} KiB", after - before);
        }
        refused
    }
}
