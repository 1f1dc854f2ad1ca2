//! A small page layout on top of krilla: rows of text at fixed columns, left or right aligned,
//! horizontal rules, and page breaks. Text is set in the bundled DejaVu Sans (all of Spanish).

use krilla::Document;
use krilla::geom::{PathBuilder, Point};
use krilla::page::PageSettings;
use krilla::paint::Stroke;
use krilla::text::{Font, TextDirection};
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

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
    Rule { y: f32 },
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
        self.page().push(Mark::Rule { y });
        self.y += 6.0;
    }

    /// Starts a new page unless the current one is still empty.
    pub fn keep_together(&mut self, height: f32) {
        self.ensure(height);
    }

    pub fn render(self) -> AppResult<Vec<u8>> {
        let regular = Font::new(REGULAR.into(), 0).ok_or_else(|| AppError::internal("bundled font unreadable"))?;
        let bold = Font::new(BOLD.into(), 0).ok_or_else(|| AppError::internal("bundled font unreadable"))?;
        let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT).ok_or_else(|| AppError::internal("page size"))?;
        let mut document = Document::new();
        for marks in self.pages {
            let mut page = document.start_page_with(settings.clone());
            let mut surface = page.surface();
            for mark in marks {
                match mark {
                    Mark::Text(t) => {
                        let font = if t.bold { bold.clone() } else { regular.clone() };
                        surface.draw_text(Point::from_xy(t.x, t.y), font, t.size, &t.text, false, TextDirection::Auto);
                    }
                    Mark::Rule { y } => {
                        let mut path = PathBuilder::new();
                        path.move_to(MARGIN, y);
                        path.line_to(PAGE_WIDTH - MARGIN, y);
                        if let Some(path) = path.finish() {
                            surface.set_stroke(Some(Stroke { width: 0.6, ..Default::default() }));
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
