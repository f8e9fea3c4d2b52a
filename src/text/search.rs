//! Search text, the same for both backends: what is indexed for a record,
//! how a query is read, and the snippet shown for a hit.
//!
//! Text is cut into words (runs of letters and digits), and each word is
//! indexed twice, in ASCII so that SQLite's FTS5 and PostgreSQL's `simple`
//! configuration see the very same tokens:
//! - **folded** ([`super::fold`]): `Đình` → `dinh`. Queries match here.
//! - **exact**: the word's marks spelled as digits after their letter, so
//!   `Đình` → `d9i1nh` and `Dinh` → `dinh`. A query typed with marks ranks
//!   the records that hold it so written first.
//!
//! A query is words, `"phrases"`, `AND` (implied between words) and `OR`. A
//! word such as `1312/UBND-VP` is a phrase of its parts. Anything else (a
//! lone quote, `AND AND`, an operator at an end) is refused with a reason:
//! the backends never see user syntax.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::fold::fold;

/// Longest query, in characters.
pub const MAX_QUERY: usize = 200;
/// Most words and phrases in one query.
pub const MAX_TERMS: usize = 16;

/// One word as indexed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub folded: String,
    pub exact: String,
}

/// A word of `text` with where it stands, in characters of the NFC text.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Placed {
    token: Token,
    start: usize,
    end: usize,
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || is_combining_mark(c)
}

/// The digit that spells a mark in an exact token.
fn mark_digit(mark: char) -> char {
    match mark {
        '\u{300}' => '1', // huyền
        '\u{301}' => '2', // sắc
        '\u{309}' => '3', // hỏi
        '\u{303}' => '4', // ngã
        '\u{323}' => '5', // nặng
        '\u{302}' => '6', // â ê ô
        '\u{306}' => '7', // ă
        '\u{31b}' => '8', // ơ ư
        _ => '0',
    }
}

fn token_of(word: &str) -> Option<Token> {
    let folded: String = fold(word)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    if folded.is_empty() {
        return None;
    }
    let mut exact = String::with_capacity(word.len() + 4);
    for c in word.nfd().flat_map(char::to_lowercase) {
        if c == 'đ' {
            exact.push_str("d9");
        } else if is_combining_mark(c) {
            exact.push(mark_digit(c));
        } else if c.is_ascii_alphanumeric() {
            exact.push(c);
        }
    }
    Some(Token { folded, exact })
}

fn placed(text: &str) -> Vec<Placed> {
    let chars: Vec<char> = text.nfc().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !is_word_char(chars[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && is_word_char(chars[i]) {
            i += 1;
        }
        let word: String = chars[start..i].iter().collect();
        if let Some(token) = token_of(&word) {
            out.push(Placed {
                token,
                start,
                end: i,
            });
        }
    }
    out
}

/// The words of `text`, in order.
pub fn tokens(text: &str) -> Vec<Token> {
    placed(text).into_iter().map(|p| p.token).collect()
}

/// What the index holds for some text: its folded and exact words, each
/// joined by spaces.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Indexed {
    pub folded: String,
    pub exact: String,
}

impl Indexed {
    pub fn of<'a>(texts: impl IntoIterator<Item = &'a str>) -> Self {
        let mut folded = Vec::new();
        let mut exact = Vec::new();
        for text in texts {
            for t in tokens(text) {
                folded.push(t.folded);
                exact.push(t.exact);
            }
        }
        Indexed {
            folded: folded.join(" "),
            exact: exact.join(" "),
        }
    }
}

/// Adjacent pairs of the folded words of `parts`, in order across them, each
/// pair's two words run together ("vu duc phuc" → "vuduc ducphuc"): what
/// PostgreSQL's pair index holds, so that a phrase's candidates are found
/// without reading every row. A superset is all it must be (two pairs can
/// run together the same): the phrase itself is checked after.
pub fn pairs(parts: &[&str]) -> String {
    let words: Vec<&str> = parts.iter().flat_map(|p| p.split_whitespace()).collect();
    words
        .windows(2)
        .map(|w| format!("{}{}", w[0], w[1]))
        .collect::<Vec<_>>()
        .join(" ")
}

/// One search term: a word, or the words of a phrase in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term(pub Vec<Token>);

/// A query, read: terms that must all match (AND) in each group, and groups
/// of which one must match (OR).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub groups: Vec<Vec<Term>>,
    /// Whether the query was typed with marks (then exact matches rank first).
    pub marked: bool,
}

/// Why a query is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("the query is empty: type a name, a number or words from the paper")]
    Empty,
    #[error("the query is longer than {MAX_QUERY} characters")]
    TooLong,
    #[error("a quote is not closed: put the phrase between two quotes, \"like this\"")]
    OpenQuote,
    #[error("{0} needs a word on each side")]
    LoneOperator(&'static str),
    #[error("the query has no word to search for")]
    NoWords,
    #[error("the query has more than {MAX_TERMS} words and phrases")]
    TooManyTerms,
}

enum Lexeme {
    Term(Term),
    And,
    Or,
}

impl Query {
    pub fn parse(input: &str) -> Result<Self, QueryError> {
        if input.chars().count() > MAX_QUERY {
            return Err(QueryError::TooLong);
        }
        let input = input.trim();
        if input.is_empty() {
            return Err(QueryError::Empty);
        }
        let marked = input
            .nfd()
            .any(|c| is_combining_mark(c) || c == 'đ' || c == 'Đ');
        let lexemes = lex(input)?;
        let mut groups: Vec<Vec<Term>> = vec![Vec::new()];
        let mut after_operator: Option<&'static str> = Some("");
        let mut terms = 0;
        for lexeme in lexemes {
            match lexeme {
                Lexeme::Term(term) => {
                    terms += 1;
                    groups.last_mut().expect("a group").push(term);
                    after_operator = None;
                }
                Lexeme::And | Lexeme::Or => {
                    let name = if matches!(lexeme, Lexeme::And) {
                        "AND"
                    } else {
                        "OR"
                    };
                    if after_operator.is_some() {
                        return Err(QueryError::LoneOperator(name));
                    }
                    if matches!(lexeme, Lexeme::Or) {
                        groups.push(Vec::new());
                    }
                    after_operator = Some(name);
                }
            }
        }
        if let Some(name) = after_operator.filter(|n| !n.is_empty()) {
            return Err(QueryError::LoneOperator(name));
        }
        if terms == 0 {
            return Err(QueryError::NoWords);
        }
        if terms > MAX_TERMS {
            return Err(QueryError::TooManyTerms);
        }
        // A group can be empty only around words that held no letters ("- OR x").
        groups.retain(|g| !g.is_empty());
        Ok(Query { groups, marked })
    }

    /// The query as an FTS5 expression over `columns` (folded) or the exact
    /// column. Tokens are ASCII letters and digits only: quoting is safe.
    pub fn fts5(&self, exact: bool) -> String {
        let phrase = |t: &Term| {
            let words: Vec<&str> =
                t.0.iter()
                    .map(|w| if exact { &w.exact } else { &w.folded }.as_str())
                    .collect();
            format!("\"{}\"", words.join(" "))
        };
        let groups: Vec<String> = self
            .groups
            .iter()
            .map(|g| {
                let terms: Vec<String> = g.iter().map(phrase).collect();
                format!("({})", terms.join(" AND "))
            })
            .collect();
        let columns = if exact { "exact" } else { "{particulars body}" };
        format!("{columns} : ({})", groups.join(" OR "))
    }

    /// The query for PostgreSQL's `to_tsquery('simple', …)`.
    pub fn tsquery(&self, exact: bool) -> String {
        let phrase = |t: &Term| {
            let words: Vec<&str> =
                t.0.iter()
                    .map(|w| if exact { &w.exact } else { &w.folded }.as_str())
                    .collect();
            format!("({})", words.join(" <-> "))
        };
        let groups: Vec<String> = self
            .groups
            .iter()
            .map(|g| {
                let terms: Vec<String> = g.iter().map(phrase).collect();
                format!("({})", terms.join(" & "))
            })
            .collect();
        groups.join(" | ")
    }

    /// A `tsquery` over the pair index that every match holds: in each OR
    /// group, the first or the last pair of each phrase (one pair only:
    /// PostgreSQL takes several pairs of a phrase for independent and would
    /// guess far too few matches). The caller asks for both and uses the
    /// rarer: "Nguyễn Công Hoa" ends in the "cộng hòa" of every header. None
    /// when some group has no phrase, so no pair to ask.
    pub fn pair_tsquery(&self, first: bool) -> Option<String> {
        let groups: Option<Vec<String>> = self
            .groups
            .iter()
            .map(|g| {
                let pairs: Vec<String> = g
                    .iter()
                    .filter(|t| t.0.len() >= 2)
                    .map(|t| {
                        let at = if first { 0 } else { t.0.len() - 2 };
                        format!("'{}{}'", t.0[at].folded, t.0[at + 1].folded)
                    })
                    .collect();
                (!pairs.is_empty()).then(|| format!("({})", pairs.join(" & ")))
            })
            .collect();
        let q = groups?.join(" | ");
        // Folded words are ASCII letters and digits: nothing here to escape.
        q.chars()
            .all(|c| c.is_ascii_alphanumeric() || " '&|()".contains(c))
            .then_some(q)
    }

    fn terms(&self) -> impl Iterator<Item = &Term> {
        self.groups.iter().flatten()
    }
}

fn lex(input: &str) -> Result<Vec<Lexeme>, QueryError> {
    let mut out = Vec::new();
    let mut rest = input;
    loop {
        rest = rest.trim_start();
        let Some(first) = rest.chars().next() else {
            break;
        };
        if first == '"' {
            let body = &rest[1..];
            let close = body.find('"').ok_or(QueryError::OpenQuote)?;
            let words = tokens(&body[..close]);
            if words.is_empty() {
                return Err(QueryError::NoWords);
            }
            out.push(Lexeme::Term(Term(words)));
            rest = &body[close + 1..];
            continue;
        }
        let end = rest
            .find(|c: char| c.is_whitespace() || c == '"')
            .unwrap_or(rest.len());
        let word = &rest[..end];
        rest = &rest[end..];
        match word {
            "AND" => out.push(Lexeme::And),
            "OR" => out.push(Lexeme::Or),
            _ => {
                let words = tokens(word);
                if !words.is_empty() {
                    out.push(Lexeme::Term(Term(words)));
                }
            }
        }
    }
    Ok(out)
}

/// A short passage of a hit's text around what matched, with the matched
/// words marked by character offsets (`[start, end)`, in Unicode scalars).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Snippet {
    pub text: String,
    pub marks: Vec<[usize; 2]>,
}

/// Words of context on each side of the first match.
const CONTEXT: usize = 8;

/// The passage of `text` around the first place `query` matches, or its
/// opening words when the match is elsewhere (in the particulars, say).
pub fn snippet(text: &str, query: &Query) -> Option<Snippet> {
    let words = placed(text);
    if words.is_empty() {
        return None;
    }
    let mut hits: Vec<(usize, usize)> = Vec::new(); // word ranges
    for term in query.terms() {
        let n = term.0.len();
        if n == 0 || n > words.len() {
            continue;
        }
        for i in 0..=words.len() - n {
            if (0..n).all(|k| words[i + k].token.folded == term.0[k].folded) {
                hits.push((i, i + n));
            }
        }
    }
    hits.sort_unstable();
    let first = hits.first().map_or(0, |h| h.0);
    let from = first.saturating_sub(CONTEXT);
    let to = (first + 2 * CONTEXT + 1).min(words.len());
    let chars: Vec<char> = text.nfc().collect();
    let (start, end) = (words[from].start, words[to - 1].end);
    let mut out = String::new();
    if from > 0 {
        out.push('…');
    }
    let lead = out.chars().count();
    // Line breaks become spaces: a snippet is one line.
    out.extend(
        chars[start..end]
            .iter()
            .map(|c| if c.is_whitespace() { ' ' } else { *c }),
    );
    if to < words.len() {
        out.push('…');
    }
    let marks = hits
        .iter()
        .filter(|(a, b)| *a >= from && *b <= to)
        .map(|(a, b)| {
            [
                words[*a].start - start + lead,
                words[b - 1].end - start + lead,
            ]
        })
        .collect();
    Some(Snippet { text: out, marks })
}

#[cfg(test)]
mod tests;
