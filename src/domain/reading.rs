//! What reading a page yields: its lines in reading order, each a row of
//! words with their boxes (in the pixels of the page image that was read)
//! and confidences. The searchable PDF lays its invisible text over these
//! boxes; the page's text is these lines joined.

use serde::{Deserialize, Serialize};

/// A box on the page image: left, top, right, bottom, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BBox {
    pub x0: u32,
    pub y0: u32,
    pub x1: u32,
    pub y1: u32,
}

impl BBox {
    pub fn width(&self) -> u32 {
        self.x1.saturating_sub(self.x0)
    }

    pub fn height(&self) -> u32 {
        self.y1.saturating_sub(self.y0)
    }

    /// The smallest box holding both.
    pub fn union(&self, other: &BBox) -> BBox {
        BBox {
            x0: self.x0.min(other.x0),
            y0: self.y0.min(other.y0),
            x1: self.x1.max(other.x1),
            y1: self.y1.max(other.y1),
        }
    }
}

/// One recognised word.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Word {
    /// The word to show: corrected by the Vietnamese check where one fix
    /// was clearly right.
    pub text: String,
    pub bbox: BBox,
    /// The recogniser's confidence, 0–100.
    pub confidence: u8,
    /// The word as recognised, when the check corrected it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<String>,
    /// Not a Vietnamese syllable, or doubted by the recogniser: to confirm.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub doubtful: bool,
    /// Written by hand (ballpoint ink): a guess to confirm, never certain.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub handwritten: bool,
}

/// One line of words, left to right.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TextLine {
    pub bbox: BBox,
    pub words: Vec<Word>,
    /// True when this line starts a new paragraph or block.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub starts_block: bool,
}

/// A page as read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PageLayout {
    /// Size of the image the boxes refer to (the page as read: straightened
    /// when it was crooked).
    pub width: u32,
    pub height: u32,
    pub lines: Vec<TextLine>,
    /// The text of a QR code found on the page (a CCCD card's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr: Option<String>,
}

impl PageLayout {
    /// The page's text: words joined by spaces, lines by new lines, blocks
    /// by a blank line.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for line in &self.lines {
            if line.words.is_empty() {
                continue;
            }
            if !out.is_empty() {
                out.push('\n');
                if line.starts_block {
                    out.push('\n');
                }
            }
            let words: Vec<&str> = line.words.iter().map(|w| w.text.as_str()).collect();
            out.push_str(&words.join(" "));
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out
    }

    /// Mean word confidence, 0–100 (0 for a page without words).
    pub fn mean_confidence(&self) -> u32 {
        let words: Vec<u32> = self
            .lines
            .iter()
            .flat_map(|l| &l.words)
            .map(|w| u32::from(w.confidence))
            .collect();
        if words.is_empty() {
            0
        } else {
            words.iter().sum::<u32>() / words.len() as u32
        }
    }

    pub fn word_count(&self) -> usize {
        self.lines.iter().map(|l| l.words.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str, x0: u32, confidence: u8) -> Word {
        Word {
            text: text.into(),
            bbox: BBox {
                x0,
                y0: 10,
                x1: x0 + 40,
                y1: 30,
            },
            confidence,
            raw: None,
            doubtful: false,
            handwritten: false,
        }
    }

    #[test]
    fn the_text_joins_words_lines_and_blocks() {
        let line = |words, starts_block| TextLine {
            bbox: BBox {
                x0: 0,
                y0: 0,
                x1: 100,
                y1: 20,
            },
            words,
            starts_block,
        };
        let layout = PageLayout {
            width: 100,
            height: 100,
            lines: vec![
                line(vec![word("CỘNG", 0, 90), word("HÒA", 50, 70)], true),
                line(vec![word("Số:", 0, 80)], false),
                line(vec![word("GIẤY", 0, 100)], true),
            ],
            qr: None,
        };
        assert_eq!(layout.text(), "CỘNG HÒA\nSố:\n\nGIẤY\n");
        assert_eq!(layout.mean_confidence(), 85);
        assert_eq!(layout.word_count(), 4);
        assert_eq!(PageLayout::default().text(), "");
    }
}
