//! Streaming PDF writer for planroom activity reports.
//!
//! # Why streaming
//! Activity reports can have hundreds of thousands of rows and are rendered inside an AWS Lambda
//! worker with a fixed memory size. Building the whole document in memory (as most PDF libraries
//! do) would make memory grow with the report. This writer instead emits every page to the output
//! as soon as it is full, so memory stays bounded whatever the number of rows.
//!
//! # What is kept between pages
//! Only three things outlive a page:
//! - the byte offsets of the objects already written (two per page), for the cross-reference table;
//! - the set of glyphs used so far (bounded by the font's glyph count), to subset the font at the end;
//! - a few counters (pages, rows).
//!
//! The current page's content stream is the only per-page buffer; it is compressed and written,
//! together with its page dictionary, when the page is full.
//!
//! # How objects that depend on the whole document are handled
//! PDF objects may appear in any order in the file, so the objects that can only be known at the
//! end are given fixed object numbers up front and written by [`PdfWriter::finish`]:
//! - the font: a CID-keyed `Type0` font (`Identity-H`) whose `CIDFontType2` descendant embeds a
//!   TrueType subset made of the glyphs used. Glyph ids are renumbered (via
//!   [`subsetter::GlyphRemapper`]) the first time a glyph is used, so the content streams written
//!   earlier already use the final CIDs. The `W` array and the `ToUnicode` CMap (so text can be
//!   copied and extracted) are built from the same glyph set;
//! - the page tree, whose kids are the page objects numbered sequentially while streaming;
//! - the total page count: each footer reads "Page N of " followed by a Form XObject (`/Total`)
//!   that every page references but that is only written at the end, once the count is known.
//!
//! The font is WenQuanYi Micro Hei (Apache-2.0), which covers Latin-1, Latin Extended-A and CJK
//! ideographs. Layout is simple left-to-right with the font's advances; a cell that does not fit
//! its column is truncated with "…".

use std::collections::HashMap;
use std::io::{self, Write};

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::writers::{Catalog, DocumentInfo};
use pdf_writer::{Chunk, Content, Filter, Finish, Name, Rect, Ref, Str, TextStr};
use subsetter::GlyphRemapper;
use ttf_parser::{Face, GlyphId};

/// The embedded font (a single face extracted from `wqy-microhei.ttc`).
static FONT_DATA: &[u8] = include_bytes!("../assets/fonts/WenQuanYiMicroHei.ttf");
/// PostScript name of the font, prefixed with a subset tag in the PDF.
const FONT_PS_NAME: &str = "WenQuanYiMicroHei";
/// Resource name of the font on every page.
const FONT: Name<'static> = Name(b"F1");
/// Resource name of the total-page-count Form XObject.
const TOTAL: Name<'static> = Name(b"Total");

// Fixed object numbers for the objects written by `finish`; pages are numbered from `FIRST_PAGE_ID`.
const CATALOG_ID: Ref = Ref::new(1);
const PAGE_TREE_ID: Ref = Ref::new(2);
const TYPE0_ID: Ref = Ref::new(3);
const CID_FONT_ID: Ref = Ref::new(4);
const DESCRIPTOR_ID: Ref = Ref::new(5);
const FONT_FILE_ID: Ref = Ref::new(6);
const TO_UNICODE_ID: Ref = Ref::new(7);
const TOTAL_ID: Ref = Ref::new(8);
const INFO_ID: Ref = Ref::new(9);
const FIRST_PAGE_ID: i32 = 10;

// Page geometry (A4 landscape, points).
const PAGE_W: f32 = 841.89;
const PAGE_H: f32 = 595.28;
const MARGIN: f32 = 36.0;
const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN;
/// Lowest y that body content may reach (room is left for the footer).
const BODY_BOTTOM: f32 = MARGIN + 6.0;
const FOOTER_Y: f32 = 22.0;

// Typography.
const TITLE_SIZE: f32 = 14.0;
const META_SIZE: f32 = 8.5;
const HEADING_SIZE: f32 = 11.0;
const BODY_SIZE: f32 = 8.0;
const FOOTER_SIZE: f32 = 7.5;
const ROW_H: f32 = 13.0;
const HEADING_H: f32 = 24.0;
const TABLE_GAP: f32 = 4.0;
const CELL_PAD: f32 = 4.0;
const ELLIPSIS: char = '…';

// Colours (RGB).
const TEXT: [f32; 3] = [0.13, 0.13, 0.13];
const MUTED: [f32; 3] = [0.42, 0.42, 0.42];
const HEAD_FILL: [f32; 3] = [0.87, 0.90, 0.94];
const HEAD_TEXT: [f32; 3] = [0.10, 0.16, 0.27];
const ZEBRA: [f32; 3] = [0.96, 0.965, 0.97];
const RULE: [f32; 3] = [0.55, 0.60, 0.67];

/// What the top of every page says.
#[derive(Debug, Clone, Default)]
pub struct PdfHeader {
    /// Report title, e.g. "Planroom activity".
    pub title: String,
    /// Name of the job (project) the report is about.
    pub job_name: String,
    /// Job number, printed in parentheses after the name when present.
    pub job_number: Option<String>,
    /// When the report was generated, already formatted for display.
    pub generated_at: String,
    /// Name of the time zone the report's times are expressed in.
    pub time_zone: String,
    /// A line printed under the header of every page (a certificate's data digest).
    pub note: Option<String>,
}

/// One table column: a title and a relative width weight.
#[derive(Debug, Clone)]
pub struct Column {
    /// Text of the column's header cell.
    pub title: String,
    /// Relative width: a column gets `weight / sum of weights` of the usable page width.
    pub weight: f32,
}

/// A glyph of the embedded font as used for layout.
#[derive(Debug, Clone, Copy)]
struct Metrics {
    /// Glyph id in the full font.
    gid: u16,
    /// Horizontal advance in font units.
    advance: u16,
    /// The character this glyph stands for in extracted text.
    unicode: char,
}

/// The font, the glyphs used so far, and their renumbering into the subset.
struct FontState {
    face: Face<'static>,
    units_per_em: f32,
    cache: HashMap<char, Metrics>,
    remapper: GlyphRemapper,
    /// Indexed by CID (= glyph id in the subset): advance and Unicode value.
    used: Vec<(u16, Option<char>)>,
    /// Scratch buffer holding the last encoded string.
    encoded: Vec<u8>,
}

impl FontState {
    fn new() -> io::Result<Self> {
        let face = Face::parse(FONT_DATA, 0).map_err(|e| other(format!("cannot parse embedded font: {e}")))?;
        let units_per_em = f32::from(face.units_per_em());
        let notdef = face.glyph_hor_advance(GlyphId(0)).unwrap_or(0);
        Ok(Self {
            face,
            units_per_em,
            cache: HashMap::new(),
            remapper: GlyphRemapper::new(),
            used: vec![(notdef, None)],
            encoded: Vec::new(),
        })
    }

    /// Metrics of `ch`; control characters print as spaces and missing ones as '?'.
    fn metrics(&mut self, ch: char) -> Metrics {
        let ch = if ch.is_control() { ' ' } else { ch };
        if let Some(m) = self.cache.get(&ch) {
            return *m;
        }
        let (gid, unicode) = match self.face.glyph_index(ch) {
            Some(gid) => (gid, ch),
            None => (self.face.glyph_index('?').unwrap_or(GlyphId(0)), '?'),
        };
        let advance = self.face.glyph_hor_advance(gid).unwrap_or(0);
        let m = Metrics { gid: gid.0, advance, unicode };
        self.cache.insert(ch, m);
        m
    }

    /// Width of `text` in points at `size`.
    fn width(&mut self, text: &str, size: f32) -> f32 {
        let units: u32 = text.chars().map(|c| u32::from(self.metrics(c).advance)).sum();
        self.to_points(units, size)
    }

    fn to_points(&self, units: u32, size: f32) -> f32 {
        units as f32 * size / self.units_per_em
    }

    /// Encodes `text` as 2-byte CIDs, truncated with "…" to fit `max_width` points at `size`.
    fn encode(&mut self, text: &str, size: f32, max_width: f32) -> &[u8] {
        self.encoded.clear();
        let budget = if self.width(text, size) <= max_width {
            f32::INFINITY
        } else {
            max_width - self.width(&ELLIPSIS.to_string(), size)
        };
        let mut units = 0;
        for ch in text.chars() {
            let m = self.metrics(ch);
            units += u32::from(m.advance);
            if self.to_points(units, size) > budget {
                let ellipsis = self.metrics(ELLIPSIS);
                self.push_glyph(ellipsis);
                break;
            }
            self.push_glyph(m);
        }
        &self.encoded
    }

    /// Appends a glyph's CID to the encoded string, adding the glyph to the subset if new.
    fn push_glyph(&mut self, m: Metrics) {
        let cid = self.remapper.remap(m.gid);
        if usize::from(cid) == self.used.len() {
            self.used.push((m.advance, Some(m.unicode)));
        }
        self.encoded.extend_from_slice(&cid.to_be_bytes());
    }

    /// Scales font units to the PDF glyph space (1000 units per em).
    fn to_glyph_space(&self, units: i16) -> f32 {
        f32::from(units) * 1000.0 / self.units_per_em
    }
}

/// The table currently open: its column titles and horizontal layout.
struct Table {
    titles: Vec<String>,
    /// Left edge and width of each column, in points.
    spans: Vec<(f32, f32)>,
    /// Rows printed in this table, for zebra shading.
    rows: u64,
}

impl Table {
    fn new(columns: Vec<Column>) -> Self {
        let weights: Vec<f32> =
            columns.iter().map(|c| if c.weight.is_finite() && c.weight > 0.0 { c.weight } else { 0.0 }).collect();
        let total: f32 = weights.iter().sum();
        let count = weights.len().max(1) as f32;
        let mut x = MARGIN;
        let spans = weights
            .iter()
            .map(|w| {
                let width = if total > 0.0 { CONTENT_W * w / total } else { CONTENT_W / count };
                x += width;
                (x - width, width)
            })
            .collect();
        Self { titles: columns.into_iter().map(|c| c.title).collect(), spans, rows: 0 }
    }
}

/// Counts the bytes written so far, to record object offsets.
struct Output<W> {
    inner: W,
    pos: usize,
}

impl<W: Write> Output<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.inner.write_all(bytes)?;
        self.pos += bytes.len();
        Ok(())
    }
}

/// Streams a paginated report to `W`: see the module documentation.
pub struct PdfWriter<W: Write> {
    out: Output<W>,
    header: PdfHeader,
    font: FontState,
    /// Byte offset of each object, indexed by object number - 1 (0 = not written yet).
    offsets: Vec<usize>,
    /// Content of the page being filled; meaningful while `page_open`.
    content: Content,
    page_open: bool,
    /// Top of the free space on the current page.
    y: f32,
    pages: u32,
    table: Option<Table>,
    rows: u64,
}

impl<W: Write> PdfWriter<W> {
    /// Starts a document (A4 landscape, 36 pt margins, 8 pt body text) and writes the PDF header.
    pub fn new(out: W, header: PdfHeader) -> io::Result<Self> {
        let mut writer = Self {
            out: Output { inner: out, pos: 0 },
            header,
            font: FontState::new()?,
            offsets: vec![0; (FIRST_PAGE_ID - 1) as usize],
            content: Content::new(),
            page_open: false,
            y: 0.0,
            pages: 0,
            table: None,
            rows: 0,
        };
        writer.out.write(b"%PDF-1.7\n%\x80\x80\x80\x80\n")?;
        Ok(writer)
    }

    /// A section heading (e.g. an individual's name and e-mail in a detailed report); ends any open table.
    ///
    /// The heading is kept on the same page as at least two following lines.
    pub fn heading(&mut self, text: &str) -> io::Result<()> {
        self.table = None;
        self.fit(HEADING_H + 2.0 * ROW_H)?;
        let baseline = self.y - HEADING_H + 7.0;
        self.fill(HEAD_TEXT);
        self.show(MARGIN, baseline, HEADING_SIZE, text, CONTENT_W);
        self.y -= HEADING_H;
        Ok(())
    }

    /// A line of plain text (e.g. "No activity recorded."); truncated to the page width.
    pub fn text(&mut self, text: &str) -> io::Result<()> {
        self.fit(ROW_H)?;
        self.fill(TEXT);
        self.show(MARGIN, self.baseline(), BODY_SIZE, text, CONTENT_W);
        self.y -= ROW_H;
        Ok(())
    }

    /// Starts a table: prints its header row now, and again at the top of every new page while the table is open.
    pub fn table(&mut self, columns: Vec<Column>) -> io::Result<()> {
        self.table = None;
        self.fit(TABLE_GAP + 2.0 * ROW_H)?;
        self.y -= TABLE_GAP;
        self.table = Some(Table::new(columns));
        self.draw_table_header();
        Ok(())
    }

    /// One table row; never split across pages (a row that does not fit starts a new page).
    /// Cells beyond the column count are ignored, missing ones are blank.
    ///
    /// Fails with [`io::ErrorKind::InvalidInput`] when no table is open.
    pub fn row(&mut self, cells: &[&str]) -> io::Result<()> {
        if self.table.is_none() {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "PdfWriter::row called without an open table"));
        }
        self.fit(ROW_H)?;
        let Some(table) = self.table.take() else { return Ok(()) };
        if table.rows % 2 == 1 {
            self.band(ZEBRA);
        }
        self.fill(TEXT);
        self.draw_cells(&table.spans, cells.iter().copied());
        self.y -= ROW_H;
        self.rows += 1;
        self.table = Some(Table { rows: table.rows + 1, ..table });
        Ok(())
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Writes the last page, the font (subset), page tree, catalog, info, xref and trailer; returns the output.
    pub fn finish(mut self) -> io::Result<W> {
        if !self.page_open && self.pages == 0 {
            self.open_page();
        }
        if self.page_open {
            self.close_page()?;
        }
        self.write_total()?;
        self.write_font()?;
        self.write_structure()?;
        self.write_xref_and_trailer()?;
        self.out.inner.flush()?;
        Ok(self.out.inner)
    }

    /// Makes sure a page is open with at least `height` points of free space.
    fn fit(&mut self, height: f32) -> io::Result<()> {
        if self.page_open && self.y - height < BODY_BOTTOM {
            self.close_page()?;
        }
        if !self.page_open {
            self.open_page();
        }
        Ok(())
    }

    /// Starts a page: header block, then the open table's header row.
    fn open_page(&mut self) {
        self.page_open = true;
        self.pages += 1;
        self.draw_page_header();
        if self.table.is_some() {
            self.draw_table_header();
        }
    }

    fn draw_page_header(&mut self) {
        let h = &self.header;
        let title = h.title.clone();
        let job = match &h.job_number {
            Some(number) => format!("Job: {} ({number})", h.job_name),
            None => format!("Job: {}", h.job_name),
        };
        let generated = format!("Generated {} · Times in {}", h.generated_at, h.time_zone);
        let note = h.note.clone();
        let mut y = PAGE_H - MARGIN - TITLE_SIZE;
        self.fill(HEAD_TEXT);
        self.show(MARGIN, y, TITLE_SIZE, &title, CONTENT_W);
        y -= 14.0;
        self.fill(TEXT);
        self.show(MARGIN, y, META_SIZE, &job, CONTENT_W);
        y -= 12.0;
        self.fill(MUTED);
        self.show(MARGIN, y, META_SIZE, &generated, CONTENT_W);
        if let Some(note) = note {
            y -= 12.0;
            self.fill(TEXT);
            self.show(MARGIN, y, META_SIZE, &note, CONTENT_W);
        }
        y -= 7.0;
        self.hline(y, 0.75);
        self.y = y - 8.0;
    }

    fn draw_table_header(&mut self) {
        let Some(table) = self.table.take() else { return };
        self.band(HEAD_FILL);
        self.hline(self.y - ROW_H, 0.6);
        self.fill(HEAD_TEXT);
        self.draw_cells(&table.spans, table.titles.iter().map(String::as_str));
        self.y -= ROW_H;
        self.table = Some(table);
    }

    /// Draws one line of cells in the row starting at `self.y`.
    fn draw_cells<'a>(&mut self, spans: &[(f32, f32)], cells: impl Iterator<Item = &'a str>) {
        let baseline = self.baseline();
        for (&(x, width), cell) in spans.iter().zip(cells.chain(std::iter::repeat(""))) {
            if !cell.is_empty() {
                self.show(x + CELL_PAD, baseline, BODY_SIZE, cell, width - 2.0 * CELL_PAD);
            }
        }
    }

    /// Baseline of body text in the row whose top is `self.y`.
    fn baseline(&self) -> f32 {
        self.y - ROW_H + 4.0
    }

    /// Fills the full-width band of the row starting at `self.y`.
    fn band(&mut self, color: [f32; 3]) {
        self.content.save_state();
        self.content.set_fill_rgb(color[0], color[1], color[2]).rect(MARGIN, self.y - ROW_H, CONTENT_W, ROW_H);
        self.content.fill_nonzero().restore_state();
    }

    /// A full-width horizontal rule at `y`.
    fn hline(&mut self, y: f32, width: f32) {
        self.content.save_state().set_stroke_rgb(RULE[0], RULE[1], RULE[2]).set_line_width(width);
        self.content.move_to(MARGIN, y).line_to(PAGE_W - MARGIN, y).stroke().restore_state();
    }

    fn fill(&mut self, color: [f32; 3]) {
        self.content.set_fill_rgb(color[0], color[1], color[2]);
    }

    /// Shows `text` at (`x`, `y`), truncated to `max_width` points.
    fn show(&mut self, x: f32, y: f32, size: f32, text: &str, max_width: f32) {
        let encoded = self.font.encode(text, size, max_width);
        self.content.begin_text().set_font(FONT, size).next_line(x, y).show(Str(encoded)).end_text();
    }

    /// Draws the footer, then writes the page's content stream and page object.
    fn close_page(&mut self) -> io::Result<()> {
        self.draw_footer();
        self.page_open = false;
        let content = std::mem::replace(&mut self.content, Content::new()).finish();
        let page_id = page_ref(self.pages - 1)?;
        let content_id = page_id.get().checked_add(1).map(Ref::new).ok_or_else(|| other("too many pages"))?;
        let mut chunk = Chunk::new();
        chunk.stream(content_id, &deflate(&content)).filter(Filter::FlateDecode);
        self.emit(content_id, &chunk)?;
        let mut chunk = Chunk::new();
        let mut page = chunk.page(page_id);
        page.parent(PAGE_TREE_ID).media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H)).contents(content_id);
        let mut resources = page.resources();
        resources.fonts().pair(FONT, TYPE0_ID);
        resources.x_objects().pair(TOTAL, TOTAL_ID);
        resources.finish();
        page.finish();
        self.emit(page_id, &chunk)
    }

    /// "Page N of " followed by the `/Total` Form XObject, centred at the bottom.
    fn draw_footer(&mut self) {
        let label = format!("Page {} of ", self.pages);
        let label_w = self.font.width(&label, FOOTER_SIZE);
        let x = (PAGE_W - label_w - self.font.width(&self.pages.to_string(), FOOTER_SIZE)) / 2.0;
        self.fill(MUTED);
        self.show(x, FOOTER_Y, FOOTER_SIZE, &label, f32::INFINITY);
        self.content.save_state().transform([1.0, 0.0, 0.0, 1.0, x + label_w, FOOTER_Y]);
        self.content.x_object(TOTAL).restore_state();
    }

    /// Writes the `/Total` Form XObject: the page count, drawn at its origin.
    fn write_total(&mut self) -> io::Result<()> {
        let mut content = Content::new();
        let encoded = self.font.encode(&self.pages.to_string(), FOOTER_SIZE, f32::INFINITY);
        content.set_fill_rgb(MUTED[0], MUTED[1], MUTED[2]);
        content.begin_text().set_font(FONT, FOOTER_SIZE).show(Str(encoded)).end_text();
        let content = content.finish();
        let mut chunk = Chunk::new();
        let mut form = chunk.form_xobject(TOTAL_ID, &content);
        form.bbox(Rect::new(0.0, -FOOTER_SIZE, 20.0 * FOOTER_SIZE, 2.0 * FOOTER_SIZE));
        form.resources().fonts().pair(FONT, TYPE0_ID);
        form.finish();
        self.emit(TOTAL_ID, &chunk)
    }

    /// Writes the subset font program and the font dictionaries that describe it.
    fn write_font(&mut self) -> io::Result<()> {
        let subset = subsetter::subset(FONT_DATA, 0, &self.font.remapper)
            .map_err(|e| other(format!("cannot subset embedded font: {e}")))?;
        let base_font = format!("{}+{FONT_PS_NAME}", subset_tag(&self.font.used));
        let mut chunk = Chunk::new();
        chunk
            .stream(FONT_FILE_ID, &deflate(&subset))
            .filter(Filter::FlateDecode)
            .pair(Name(b"Length1"), i32::try_from(subset.len()).map_err(other)?);
        self.emit(FONT_FILE_ID, &chunk)?;
        self.write_descriptor(&base_font)?;
        self.write_cid_font(&base_font)?;
        let mut chunk = Chunk::new();
        chunk
            .type0_font(TYPE0_ID)
            .base_font(Name(base_font.as_bytes()))
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(CID_FONT_ID)
            .to_unicode(TO_UNICODE_ID);
        self.emit(TYPE0_ID, &chunk)?;
        self.write_to_unicode()
    }

    fn write_descriptor(&mut self, base_font: &str) -> io::Result<()> {
        let f = &self.font;
        let bbox = f.face.global_bounding_box();
        let ascent = f.to_glyph_space(f.face.ascender());
        let cap_height = f.face.capital_height().map_or(ascent * 0.7, |h| f.to_glyph_space(h));
        let mut chunk = Chunk::new();
        chunk
            .font_descriptor(DESCRIPTOR_ID)
            .name(Name(base_font.as_bytes()))
            .flags(FontFlags::NON_SYMBOLIC)
            .bbox(Rect::new(
                f.to_glyph_space(bbox.x_min),
                f.to_glyph_space(bbox.y_min),
                f.to_glyph_space(bbox.x_max),
                f.to_glyph_space(bbox.y_max),
            ))
            .italic_angle(0.0)
            .ascent(ascent)
            .descent(f.to_glyph_space(f.face.descender()))
            .cap_height(cap_height)
            .stem_v(80.0)
            .font_file2(FONT_FILE_ID);
        self.emit(DESCRIPTOR_ID, &chunk)
    }

    fn write_cid_font(&mut self, base_font: &str) -> io::Result<()> {
        let scale = 1000.0 / self.font.units_per_em;
        let widths: Vec<f32> = self.font.used.iter().map(|&(advance, _)| f32::from(advance) * scale).collect();
        let mut chunk = Chunk::new();
        let mut cid = chunk.cid_font(CID_FONT_ID);
        cid.subtype(CidFontType::Type2)
            .base_font(Name(base_font.as_bytes()))
            .system_info(identity_system_info())
            .font_descriptor(DESCRIPTOR_ID)
            .default_width(0.0)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        let mut w = cid.widths();
        // Runs of at most 1000 entries keep every PDF array well under reader limits.
        for (i, run) in widths.chunks(1000).enumerate() {
            w.consecutive(u16::try_from(i * 1000).map_err(other)?, run.iter().copied());
        }
        w.finish();
        cid.finish();
        self.emit(CID_FONT_ID, &chunk)
    }

    fn write_to_unicode(&mut self) -> io::Result<()> {
        let mut cmap = UnicodeCmap::new(Name(b"Custom"), identity_system_info());
        for (cid, &(_, unicode)) in self.font.used.iter().enumerate() {
            if let (Some(ch), Ok(cid)) = (unicode, u16::try_from(cid)) {
                cmap.pair(cid, ch);
            }
        }
        let data = cmap.finish();
        let mut chunk = Chunk::new();
        chunk.cmap(TO_UNICODE_ID, &data);
        self.emit(TO_UNICODE_ID, &chunk)
    }

    /// Writes the page tree, the catalog and the document information dictionary.
    fn write_structure(&mut self) -> io::Result<()> {
        let kids = (0..self.pages).map(page_ref).collect::<io::Result<Vec<_>>>()?;
        let count = i32::try_from(self.pages).map_err(other)?;
        let mut chunk = Chunk::new();
        chunk.pages(PAGE_TREE_ID).kids(kids).count(count);
        self.emit(PAGE_TREE_ID, &chunk)?;
        let mut chunk = Chunk::new();
        chunk.indirect(CATALOG_ID).start::<Catalog>().pages(PAGE_TREE_ID);
        self.emit(CATALOG_ID, &chunk)?;
        let title = format!("{} – {}", self.header.title, self.header.job_name);
        let mut chunk = Chunk::new();
        chunk.indirect(INFO_ID).start::<DocumentInfo>().title(TextStr(&title)).producer(TextStr("planroom export"));
        self.emit(INFO_ID, &chunk)
    }

    fn write_xref_and_trailer(&mut self) -> io::Result<()> {
        let start = self.out.pos;
        let size = self.offsets.len() + 1;
        let mut table = format!("xref\n0 {size}\n0000000000 65535 f\r\n");
        for offset in &self.offsets {
            table.push_str(&format!("{offset:010} 00000 n\r\n"));
        }
        table.push_str(&format!(
            "trailer\n<< /Size {size} /Root {} 0 R /Info {} 0 R >>\nstartxref\n{start}\n%%EOF\n",
            CATALOG_ID.get(),
            INFO_ID.get()
        ));
        self.out.write(table.as_bytes())
    }

    /// Writes a chunk holding the single object `id`, recording its offset.
    fn emit(&mut self, id: Ref, chunk: &Chunk) -> io::Result<()> {
        let index = usize::try_from(id.get() - 1).map_err(other)?;
        if self.offsets.len() <= index {
            self.offsets.resize(index + 1, 0);
        }
        self.offsets[index] = self.out.pos;
        self.out.write(chunk.as_bytes())
    }

    /// Bytes held for the current page (its content stream) and number of recorded object offsets.
    #[cfg(test)]
    fn retained(&self) -> (usize, usize) {
        (self.content.len(), self.offsets.len())
    }
}

/// Object number of the page with zero-based index `index` (its content stream follows it).
fn page_ref(index: u32) -> io::Result<Ref> {
    let id = i32::try_from(index).ok().and_then(|i| i.checked_mul(2)).and_then(|i| i.checked_add(FIRST_PAGE_ID));
    id.map(Ref::new).ok_or_else(|| other("too many pages"))
}

fn identity_system_info() -> SystemInfo<'static> {
    SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"Identity"), supplement: 0 }
}

/// Six upper-case letters derived from the glyph set, as PDF requires for subset fonts.
fn subset_tag(used: &[(u16, Option<char>)]) -> String {
    let hash = used.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &(advance, ch)| {
        let v = u64::from(advance) ^ (u64::from(ch.map_or(0, u32::from)) << 16);
        (h ^ v).wrapping_mul(0x0100_0000_01b3)
    });
    (0..6).map(|i| char::from(b'A' + ((hash >> (i * 5)) % 26) as u8)).collect()
}

fn deflate(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
}

fn other(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> io::Error {
    io::Error::other(e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const NAMES: [&str; 3] = ["Zoë Ångström", "山田太郎", "Łukasz Żółć"];

    fn header() -> PdfHeader {
        PdfHeader {
            title: "Planroom activity".into(),
            job_name: "Harbor Point Tower".into(),
            job_number: Some("J-2024-117".into()),
            generated_at: "2024-05-02 14:03".into(),
            time_zone: "America/Chicago".into(),
            note: None,
        }
    }

    fn columns() -> Vec<Column> {
        [("When", 1.2), ("Person", 1.5), ("Company", 1.5), ("Document", 2.5), ("Action", 0.8)]
            .into_iter()
            .map(|(title, weight)| Column { title: title.into(), weight })
            .collect()
    }

    fn render(body: impl FnOnce(&mut PdfWriter<Vec<u8>>) -> io::Result<()>) -> Vec<u8> {
        let mut writer = PdfWriter::new(Vec::new(), header()).unwrap();
        body(&mut writer).unwrap();
        writer.finish().unwrap()
    }

    /// Runs `pdftotext -layout` (Debian package poppler-utils) and checks it reported no error.
    fn pdftotext(pdf: &[u8]) -> String {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("pdf-test-{}-{n}.pdf", std::process::id()));
        std::fs::write(&path, pdf).unwrap();
        let out = Command::new("pdftotext").arg("-layout").arg(&path).arg("-").output();
        std::fs::remove_file(&path).unwrap();
        let out = out.expect("pdftotext must be installed (apt-get install poppler-utils)");
        assert!(out.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&out.stderr));
        assert!(out.stderr.is_empty(), "pdftotext reported: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }

    /// Pages of extracted text (pdftotext ends every page with a form feed).
    fn pages(text: &str) -> Vec<&str> {
        let mut pages: Vec<&str> = text.split('\x0c').collect();
        pages.pop();
        pages
    }

    #[test]
    fn font_covers_required_characters() {
        let face = Face::parse(FONT_DATA, 0).unwrap();
        let required = "Zoë Ångström 山田太郎 Łukasz Żółć ÀÉÎÕÜ àéîõü ß ñ ç € … · –";
        let missing: String = required.chars().filter(|&c| face.glyph_index(c).is_none()).collect();
        assert_eq!(missing, "");
        assert!(face.tables().glyf.is_some(), "font must have TrueType outlines");
        let latin: Vec<char> = ('\u{a0}'..='\u{17f}').filter(|&c| face.glyph_index(c).is_none()).collect();
        assert!(latin.is_empty(), "Latin-1 / Latin Extended-A gaps: {latin:?}");
    }

    #[test]
    fn unicode_names_and_header_are_extractable() {
        let pdf = render(|w| {
            for name in NAMES {
                w.heading(&format!("{name} <{}@example.com>", name.len()))?;
                w.table(columns())?;
                w.row(&["2024-05-01 09:15", name, "Acme Ltd", "A-101 Floor plan.pdf", "Download"])?;
                w.row(&["2024-05-01 09:16", name, "Acme Ltd", "Specs €.pdf", "View"])?;
            }
            w.text("No activity recorded.")
        });
        let text = pdftotext(&pdf);
        for expected in ["Harbor Point Tower", "Job: Harbor Point Tower (J-2024-117)", "Times in America/Chicago"] {
            assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
        }
        for expected in NAMES.into_iter().chain(["Specs €.pdf", "No activity recorded.", "Page 1 of 1"]) {
            assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
        }
        assert!(pdf.len() < 200_000, "subset font expected, got {} bytes", pdf.len());
    }

    #[test]
    fn long_table_paginates_without_splitting_rows() {
        let pdf = render(|w| {
            w.heading("All activity")?;
            w.table(columns())?;
            for i in 0..2_000 {
                let marker = format!("row-{i:05}");
                w.row(&["2024-05-01 09:15", NAMES[i % 3], &marker, "Drawings/A-101.pdf", "View"])?;
            }
            assert_eq!(w.rows(), 2_000);
            Ok(())
        });
        let text = pdftotext(&pdf);
        let pages = pages(&text);
        let n = pages.len();
        assert!(n > 20, "expected many pages, got {n}");
        for (i, page) in pages.iter().enumerate() {
            assert!(page.contains(&format!("Page {} of {n}", i + 1)), "bad footer on page {}:\n{page}", i + 1);
            assert!(page.contains("Document") && page.contains("Action"), "no table header on page {}", i + 1);
        }
        // Every row is on one line, with its first and last cells, exactly once.
        let rows: Vec<&str> = text.lines().filter(|l| l.contains("row-")).collect();
        assert_eq!(rows.len(), 2_000);
        assert!(rows.iter().all(|l| l.contains("2024-05-01 09:15") && l.ends_with("View")));
        assert!(rows.iter().enumerate().all(|(i, l)| l.contains(&format!("row-{i:05}"))));
    }

    #[test]
    fn empty_document_is_one_valid_page() {
        let pdf = render(|_| Ok(()));
        let text = pdftotext(&pdf);
        assert_eq!(pages(&text).len(), 1);
        assert!(text.contains("Page 1 of 1") && text.contains("Harbor Point Tower"), "{text}");
    }

    #[test]
    fn long_cells_are_truncated_with_ellipsis() {
        let long = "Very long document name that cannot possibly fit in a narrow column.pdf";
        let pdf = render(|w| {
            w.table(vec![Column { title: "Doc".into(), weight: 1.0 }, Column { title: "Rest".into(), weight: 9.0 }])?;
            w.row(&[long, "ok", "ignored extra cell"])?;
            w.row(&["short"])
        });
        let text = pdftotext(&pdf);
        assert!(!text.contains(long) && text.contains("Very long") && text.contains('…'), "{text}");
        assert!(!text.contains("ignored extra cell") && text.contains("short"), "{text}");
    }

    #[test]
    fn row_without_table_is_an_error() {
        let mut w = PdfWriter::new(Vec::new(), header()).unwrap();
        assert_eq!(w.row(&["x"]).unwrap_err().kind(), io::ErrorKind::InvalidInput);
        w.heading("h").unwrap();
        w.table(columns()).unwrap();
        w.heading("ends the table").unwrap();
        assert!(w.row(&["x"]).is_err());
    }

    /// Drops everything written to it, counting bytes.
    struct CountingSink(usize);

    impl Write for CountingSink {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn retained_state_does_not_grow_with_rows() {
        let mut w = PdfWriter::new(CountingSink(0), header()).unwrap();
        w.table(columns()).unwrap();
        let mut max_buffered = 0;
        for i in 0..50_000u32 {
            let when = format!("2024-05-01 {:02}:{:02}", i / 60 % 24, i % 60);
            w.row(&[&when, NAMES[i as usize % 3], "Acme Ltd", &format!("Sheet {i}.pdf"), "View"]).unwrap();
            max_buffered = max_buffered.max(w.retained().0);
        }
        let (_, offsets) = w.retained();
        // Only two offsets per page plus the fixed objects; the page buffer stays small.
        assert_eq!(offsets, (FIRST_PAGE_ID as usize - 1) + 2 * (w.pages as usize - 1));
        assert!(max_buffered < 32 * 1024, "page buffer reached {max_buffered} bytes");
        assert!(w.font.used.len() < 100, "glyph set grew to {}", w.font.used.len());
        let sink = w.finish().unwrap();
        assert!(sink.0 > 1_000_000);
    }
}
