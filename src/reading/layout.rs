//! From text regions to lines in reading order. Regions that share a row
//! (they overlap vertically by more than half the smaller) form a row, read
//! cell by cell, left to right — a table row, a form line with its label and
//! its value. A row of two cells on either side of the page's middle is two
//! columns, and a run of such rows is read column by column, the left
//! column first, when it heads the page (the two-column header of Decree 30
//! papers with its number and place-and-date line) or when each side's lines
//! are centred one under the other (a signer block); form lines, whose labels
//! are aligned left, stay label then value.

use super::detector::Region;

/// One line to read: its regions (cells), left to right.
#[derive(Debug, Clone, PartialEq)]
pub struct LineBox {
    pub cells: Vec<Region>,
    /// The first line of a block (after a gap, or a column's first line).
    pub starts_block: bool,
}

impl LineBox {
    /// Left, top, right, bottom around every cell.
    pub fn bounds(&self) -> (f32, f32, f32, f32) {
        self.cells.iter().map(Region::bounds).fold(
            (
                f32::INFINITY,
                f32::INFINITY,
                f32::NEG_INFINITY,
                f32::NEG_INFINITY,
            ),
            |(l, t, r, b), (cl, ct, cr, cb)| (l.min(cl), t.min(ct), r.max(cr), b.max(cb)),
        )
    }
}

fn overlap(a: (f32, f32), b: (f32, f32)) -> f32 {
    (a.1.min(b.1) - a.0.max(b.0)).max(0.0)
}

/// Rows of regions, top to bottom, each left to right.
fn rows(mut regions: Vec<Region>) -> Vec<Vec<Region>> {
    regions.sort_by(|a, b| {
        let (ca, cb) = (a.bounds(), b.bounds());
        ((ca.1 + ca.3) / 2.0).total_cmp(&((cb.1 + cb.3) / 2.0))
    });
    let mut rows: Vec<Vec<Region>> = Vec::new();
    for region in regions {
        let (_, t, _, b) = region.bounds();
        let joins = rows.last().is_some_and(|row| {
            row.iter().any(|r| {
                let (_, rt, _, rb) = r.bounds();
                let smaller = (b - t).min(rb - rt).max(1.0);
                overlap((t, b), (rt, rb)) > 0.5 * smaller
            })
        });
        match rows.last_mut() {
            Some(row) if joins => row.push(region),
            _ => rows.push(vec![region]),
        }
    }
    for row in &mut rows {
        row.sort_by(|a, b| a.bounds().0.total_cmp(&b.bounds().0));
        merge_touching(row);
    }
    rows
}

/// Regions of one row that overlap (a word the detector split) become one.
/// The detector's boxes are grown (unclipped) by most of a line's height on
/// every side, so regions that merely come near are columns or cells apart.
fn merge_touching(row: &mut Vec<Region>) {
    let mut merged: Vec<Region> = Vec::with_capacity(row.len());
    for region in row.drain(..) {
        if let Some(last) = merged.last_mut() {
            let (l0, t0, r0, b0) = last.bounds();
            let (l1, t1, r1, b1) = region.bounds();
            if l1 < r0 {
                let (l, t, r, b) = (l0.min(l1), t0.min(t1), r0.max(r1), b0.max(b1));
                *last = Region {
                    corners: [(l, t), (r, t), (r, b), (l, b)],
                    score: last.score.min(region.score),
                };
                continue;
            }
        }
        merged.push(region);
    }
    *row = merged;
}

/// Whether a row is two columns: two cells apart, the left one ending in
/// the left three fifths of the page and the right one starting in the right
/// three fifths (a heading such as "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" is
/// wide, and starts left of the middle).
fn columnar(row: &[Region], width: f32) -> bool {
    row.len() == 2
        && row[0].bounds().2 < row[1].bounds().0
        && row[0].bounds().2 < 0.62 * width
        && row[1].bounds().0 > 0.38 * width
}

/// Whether, on both sides of a run of two-column rows, the lines are centred
/// one under another rather than aligned on their left edges.
fn centred_sides(rows: &[Vec<Region>]) -> bool {
    (0..2).all(|side| {
        let spread = |f: &dyn Fn(&Region) -> f32| {
            let v: Vec<f32> = rows.iter().map(|r| f(&r[side])).collect();
            v.iter().copied().fold(f32::NEG_INFINITY, f32::max)
                - v.iter().copied().fold(f32::INFINITY, f32::min)
        };
        let lefts = spread(&|r| r.bounds().0);
        let centres = spread(&|r| (r.bounds().0 + r.bounds().2) / 2.0);
        centres < 0.5 * lefts
    })
}

/// Lines to read, in reading order, on a page `width` pixels wide.
pub fn lines(regions: Vec<Region>, width: f32) -> Vec<LineBox> {
    let rows = rows(regions);
    let mut out = Vec::new();
    let mut i = 0;
    let mut last_bottom: Option<(f32, f32)> = None;
    while i < rows.len() {
        if columnar(&rows[i], width) {
            // A run of two-column rows: the left column, then the right one.
            let mut j = i;
            while j < rows.len() && columnar(&rows[j], width) {
                j += 1;
            }
            if i > 0 && !centred_sides(&rows[i..j]) {
                // Labels and their values: row by row.
                for row in &rows[i..j] {
                    let line = LineBox {
                        cells: row.clone(),
                        starts_block: false,
                    };
                    let (_, top, _, bottom) = line.bounds();
                    let gap = last_bottom
                        .is_none_or(|(prev, height)| top - prev > 1.2 * height.max(bottom - top));
                    out.push(LineBox {
                        starts_block: gap,
                        ..line
                    });
                    last_bottom = Some((bottom, bottom - top));
                }
                i = j;
                continue;
            }
            for side in 0..2 {
                for (k, row) in rows[i..j].iter().enumerate() {
                    out.push(LineBox {
                        cells: vec![row[side].clone()],
                        starts_block: k == 0,
                    });
                }
            }
            last_bottom = rows[j - 1]
                .last()
                .map(|r| (r.bounds().3, r.bounds().3 - r.bounds().1));
            i = j;
            continue;
        }
        let line = LineBox {
            cells: rows[i].clone(),
            starts_block: false,
        };
        let (_, top, _, bottom) = line.bounds();
        let gap =
            last_bottom.is_none_or(|(prev, height)| top - prev > 1.2 * height.max(bottom - top));
        out.push(LineBox {
            starts_block: gap,
            ..line
        });
        last_bottom = Some((bottom, bottom - top));
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(l: f32, t: f32, r: f32, b: f32) -> Region {
        Region {
            corners: [(l, t), (r, t), (r, b), (l, b)],
            score: 0.9,
        }
    }

    fn lefts(lines: &[LineBox]) -> Vec<Vec<f32>> {
        lines
            .iter()
            .map(|l| l.cells.iter().map(|c| c.bounds().0).collect())
            .collect()
    }

    #[test]
    fn a_two_column_header_is_read_left_column_first() {
        let lines = lines(
            vec![
                region(620.0, 100.0, 1100.0, 130.0), // CỘNG HÒA…
                region(100.0, 102.0, 500.0, 128.0),  // ỦY BAN NHÂN DÂN
                region(100.0, 140.0, 480.0, 168.0),  // PHƯỜNG…
                region(650.0, 141.0, 1050.0, 169.0), // Độc lập…
                region(300.0, 260.0, 900.0, 300.0),  // the title
            ],
            1200.0,
        );
        assert_eq!(
            lefts(&lines),
            vec![
                vec![100.0],
                vec![100.0],
                vec![620.0],
                vec![650.0],
                vec![300.0]
            ]
        );
        assert!(lines[0].starts_block && lines[2].starts_block && lines[4].starts_block);
        assert!(!lines[1].starts_block && !lines[3].starts_block);
    }

    #[test]
    fn a_table_row_is_one_line_read_cell_by_cell() {
        let lines = lines(
            vec![
                region(500.0, 400.0, 700.0, 430.0),
                region(100.0, 401.0, 150.0, 429.0),
                region(200.0, 402.0, 450.0, 431.0),
                region(100.0, 450.0, 150.0, 480.0),
                region(200.0, 451.0, 450.0, 479.0),
                region(500.0, 452.0, 700.0, 478.0),
            ],
            800.0,
        );
        assert_eq!(
            lefts(&lines),
            vec![vec![100.0, 200.0, 500.0], vec![100.0, 200.0, 500.0]]
        );
    }

    #[test]
    fn a_form_line_is_its_label_then_its_value() {
        // "Họ và tên: ……… NGUYỄN VĂN A": the leader between is no text.
        let lines = lines(
            vec![
                region(100.0, 500.0, 300.0, 530.0),
                region(450.0, 501.0, 800.0, 529.0),
            ],
            1200.0,
        );
        assert_eq!(lefts(&lines), vec![vec![100.0, 450.0]]);
    }

    #[test]
    fn form_lines_below_the_header_stay_label_then_value() {
        let lines = lines(
            vec![
                region(300.0, 100.0, 900.0, 140.0),  // the title
                region(100.0, 200.0, 420.0, 230.0),  // Họ và tên:
                region(700.0, 201.0, 1000.0, 229.0), // NGUYỄN VĂN AN
                region(100.0, 250.0, 480.0, 280.0),  // Ngày, tháng, năm sinh:
                region(650.0, 251.0, 850.0, 279.0),  // 15/03/1990
            ],
            1200.0,
        );
        assert_eq!(
            lefts(&lines),
            vec![vec![300.0], vec![100.0, 700.0], vec![100.0, 650.0]]
        );
    }

    #[test]
    fn two_centred_columns_below_the_header_are_read_column_by_column() {
        let lines = lines(
            vec![
                region(300.0, 100.0, 900.0, 140.0),  // a body line
                region(100.0, 300.0, 300.0, 330.0),  // Nơi nhận:
                region(750.0, 301.0, 1050.0, 329.0), // TM. ỦY BAN NHÂN DÂN
                region(130.0, 340.0, 250.0, 370.0),  // - Như trên;
                region(800.0, 341.0, 1000.0, 369.0), // CHỦ TỊCH
            ],
            1200.0,
        );
        // Left edges 100 and 130 differ more than the centres (200, 190).
        assert_eq!(
            lefts(&lines),
            vec![
                vec![300.0],
                vec![100.0],
                vec![130.0],
                vec![750.0],
                vec![800.0]
            ]
        );
    }

    #[test]
    fn two_headings_a_column_apart_are_not_merged() {
        let lines = lines(
            vec![
                region(100.0, 100.0, 500.0, 140.0),
                region(560.0, 101.0, 1100.0, 139.0),
                region(300.0, 200.0, 900.0, 240.0),
            ],
            1200.0,
        );
        assert_eq!(lefts(&lines)[..2], [vec![100.0], vec![560.0]]);
    }

    #[test]
    fn pieces_of_one_word_split_by_the_detector_are_merged() {
        let lines = lines(
            vec![
                region(100.0, 100.0, 200.0, 130.0),
                region(195.0, 101.0, 300.0, 129.0),
            ],
            800.0,
        );
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].cells.len(), 1);
        assert_eq!(lines[0].bounds().2, 300.0);
    }
}
