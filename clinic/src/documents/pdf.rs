//! A small page layout on top of krilla: rows of text at fixed columns, left or right aligned,
//! horizontal rules, and page breaks. Text is set in the bundled DejaVu Sans (all of Spanish).

use chrono::{Datelike, Timelike};
use krilla::configure::{Archival, ConfigurationBuilder};
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::{DateTime as MetaDate, Metadata};
use krilla::page::PageSettings;
use krilla::paint::Stroke;
use krilla::paint::{LineCap, LineJoin};
use krilla::text::{Font, TextDirection};
use krilla::{Document, SerializeSettings};
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

use crate::consents::model::Ink;
use crate::error::{AppError, AppResult};

static REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// US Letter (carta), the paper Mexican offices print on; 1 pt = 1/72 in.
pub const PAGE_WIDTH: f32 = 612.0;
const PAGE_HEIGHT: f32 = 792.0;
pub const MARGIN: f32 = 48.0;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

struct Item {
    x: f32,
    y: f32,
    text: String,
    size: f32,
    bold: bool,
}

enum Mark {
    Text(Item),
    /// Lines through points, in page coordinates (a rule, a signature's strokes).
    Lines {
        lines: Vec<Vec<(f32, f32)>>,
        width: f32,
    },
}

/// Text width in points, from the font's advances (no kerning: fine for labels and amounts).
pub fn width(text: &str, size: f32, bold: bool) -> f32 {
    let Ok(font) = FontRef::new(if bold { BOLD } else { REGULAR }) else {
        return 0.0;
    };
    let charmap = font.charmap();
    let metrics = font.glyph_metrics(Size::new(size), LocationRef::default());
    text.chars().filter_map(|c| charmap.map(c)).filter_map(|g| metrics.advance_width(g)).sum()
}

/// One column of a row: where it starts (left) or ends (right), and its text.
pub struct Cell<'a> {
    pub x: f32,
    pub align: Align,
    pub text: &'a str,
}

pub fn left(x: f32, text: &str) -> Cell<'_> {
    Cell { x, align: Align::Left, text }
}

pub fn right(x: f32, text: &str) -> Cell<'_> {
    Cell { x, align: Align::Right, text }
}

/// Pages being laid out, top to bottom.
pub struct Layout {
    pages: Vec<Vec<Mark>>,
    y: f32,
}

impl Default for Layout {
    fn default() -> Self {
        Self { pages: vec![Vec::new()], y: MARGIN }
    }
}

impl Layout {
    fn ensure(&mut self, height: f32) {
        if self.y + height > PAGE_HEIGHT - MARGIN {
            self.pages.push(Vec::new());
            self.y = MARGIN;
        }
    }

    fn page(&mut self) -> &mut Vec<Mark> {
        self.pages.last_mut().expect("a page")
    }

    /// A row of cells at `size` points; long left-aligned text is cut to fit before `limit`.
    pub fn row(&mut self, cells: &[Cell<'_>], size: f32, bold: bool) {
        let height = size * 1.45;
        self.ensure(height);
        let baseline = self.y + size;
        for cell in cells {
            let x = match cell.align {
                Align::Left => cell.x,
                Align::Right => cell.x - width(cell.text, size, bold),
            };
            let item = Item { x, y: baseline, text: cell.text.to_string(), size, bold };
            self.page().push(Mark::Text(item));
        }
        self.y += height;
    }

    /// A line of text across the page.
    pub fn line(&mut self, text: &str, size: f32, bold: bool) {
        self.row(&[left(MARGIN, text)], size, bold);
    }

    /// Text from `x` to the right margin, wrapped between words (a word wider than the line is
    /// cut), keeping its own line breaks.
    pub fn paragraph(&mut self, x: f32, text: &str, size: f32, bold: bool) {
        let room = PAGE_WIDTH - MARGIN - x;
        for source in text.lines() {
            let mut line = String::new();
            for word in source.split_whitespace() {
                let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
                if width(&candidate, size, bold) <= room || line.is_empty() {
                    line = candidate;
                } else {
                    self.row(&[left(x, &line)], size, bold);
                    line = word.to_string();
                }
                while width(&line, size, bold) > room && line.chars().count() > 1 {
                    let mut cut = line.chars().count() - 1;
                    while cut > 1 && width(&line.chars().take(cut).collect::<String>(), size, bold) > room {
                        cut -= 1;
                    }
                    let head: String = line.chars().take(cut).collect();
                    self.row(&[left(x, &head)], size, bold);
                    line = line.chars().skip(cut).collect();
                }
            }
            self.row(&[left(x, &line)], size, bold);
        }
    }

    pub fn gap(&mut self, height: f32) {
        self.y += height;
    }

    pub fn rule(&mut self) {
        self.ensure(6.0);
        let y = self.y + 2.0;
        self.page().push(Mark::Lines { lines: vec![vec![(MARGIN, y), (PAGE_WIDTH - MARGIN, y)]], width: 0.6 });
        self.y += 6.0;
    }

    /// A signature line `width` wide at `x` with room `height` above it, holding `ink` (strokes in
    /// the pad's own coordinates, scaled to fit and kept in proportion), or left blank to sign on
    /// paper.
    pub fn signature(&mut self, x: f32, width: f32, height: f32, ink: Option<&Ink>) {
        self.ensure(height + 4.0);
        let (top, bottom) = (self.y, self.y + height);
        let mut lines = vec![vec![(x, bottom), (x + width, bottom)]];
        if let Some(ink) = ink.filter(|i| i.width > 0.0 && i.height > 0.0) {
            let scale = (width / ink.width).min(height / ink.height);
            let (dx, dy) = (x + (width - ink.width * scale) / 2.0, top + (height - ink.height * scale) / 2.0);
            for stroke in &ink.strokes {
                let mut line: Vec<(f32, f32)> = stroke.iter().map(|p| (dx + p.x * scale, dy + p.y * scale)).collect();
                if line.len() == 1 {
                    // A dot: a tiny stroke, so it shows.
                    line.push((line[0].0 + 0.8, line[0].1));
                }
                lines.push(line);
            }
        }
        self.page().push(Mark::Lines { lines, width: 1.1 });
        self.y = bottom + 4.0;
    }

    /// Starts a new page unless the current one is still empty.
    pub fn keep_together(&mut self, height: f32) {
        self.ensure(height);
    }

    pub fn render(self) -> AppResult<Vec<u8>> {
        self.render_with(Document::new())
    }

    /// Renders as PDF/A-2b, the archival PDF (fonts embedded, colours calibrated, metadata in
    /// XMP), checked by the PDF library as it writes: what is kept for years, like a signed letter.
    pub fn render_archival(self, title: &str, lang: &str, at: chrono::DateTime<chrono::Utc>) -> AppResult<Vec<u8>> {
        let configuration = ConfigurationBuilder::new()
            .with_archival_validator(Archival::A2_B)
            .finish()
            .map_err(|e| AppError::internal(format!("pdf/a configuration: {e:?}")))?;
        let mut document = Document::new_with(SerializeSettings { configuration, ..Default::default() });
        let created = MetaDate::new(at.year() as u16)
            .month(at.month() as u8)
            .day(at.day() as u8)
            .hour(at.hour() as u8)
            .minute(at.minute() as u8)
            .second(at.second() as u8);
        document.set_metadata(
            Metadata::new()
                .title(title.to_string())
                .language(lang.to_string())
                .creator("PodoClinic".to_string())
                .creation_date(created),
        );
        self.render_with(document)
    }

    fn render_with(self, mut document: Document) -> AppResult<Vec<u8>> {
        let regular = Font::new(REGULAR.into(), 0).ok_or_else(|| AppError::internal("bundled font unreadable"))?;
        let bold = Font::new(BOLD.into(), 0).ok_or_else(|| AppError::internal("bundled font unreadable"))?;
        let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT).ok_or_else(|| AppError::internal("page size"))?;
        for marks in self.pages {
            let mut page = document.start_page_with(settings.clone());
            let mut surface = page.surface();
            for mark in marks {
                match mark {
                    Mark::Text(t) => {
                        let font = if t.bold { bold.clone() } else { regular.clone() };
                        surface.draw_text(Point::from_xy(t.x, t.y), font, t.size, &t.text, false, TextDirection::Auto);
                    }
                    Mark::Lines { lines, width } => {
                        let mut path = PathBuilder::new();
                        for line in lines.iter().filter(|l| l.len() > 1) {
                            path.move_to(line[0].0, line[0].1);
                            for &(x, y) in &line[1..] {
                                path.line_to(x, y);
                            }
                        }
                        if let Some(path) = path.finish() {
                            let stroke = Stroke {
                                width,
                                line_cap: LineCap::Round,
                                line_join: LineJoin::Round,
                                ..Default::default()
                            };
                            surface.set_stroke(Some(stroke));
                            surface.draw_path(&path);
                            surface.set_stroke(None);
                        }
                    }
                }
            }
            surface.finish();
            page.finish();
        }
        document.finish().map_err(|e| AppError::internal(format!("pdf: {e:?}")))
    }
}
