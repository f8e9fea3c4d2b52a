//! Finding records by what is written on them (`ops::search`, each hit
//! logged as a read naming the officer), the matched words marked.

use actix_web::{HttpResponse, web};
use askama::Template;

use super::DeskError;
use super::pages::{Frame, html};
use super::session::Desk;
use crate::http::AppState;
use crate::ops::{access, search};

/// A run of a snippet: marked where the query matched.
pub struct Piece {
    pub text: String,
    pub marked: bool,
}

pub struct Found {
    pub id: String,
    pub kind: &'static str,
    pub subject_id: String,
    pub number: String,
    pub status: &'static str,
    pub snippet: Vec<Piece>,
}

#[derive(Template)]
#[template(path = "desk/search.html")]
struct SearchPage {
    frame: Frame,
    q: String,
    subject_id: String,
    searched: bool,
    found: Vec<Found>,
    /// The next page's address.
    next: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    subject_id: String,
    #[serde(default)]
    cursor: String,
}

fn pieces(snippet: &crate::text::search::Snippet) -> Vec<Piece> {
    let text = &snippet.text;
    let mut out = Vec::new();
    let mut at = 0;
    for [start, end] in &snippet.marks {
        let (start, end) = ((*start).max(at), (*end).min(text.len()));
        if start >= end || !text.is_char_boundary(start) || !text.is_char_boundary(end) {
            continue;
        }
        if start > at {
            out.push(Piece {
                text: text[at..start].to_owned(),
                marked: false,
            });
        }
        out.push(Piece {
            text: text[start..end].to_owned(),
            marked: true,
        });
        at = end;
    }
    if at < text.len() {
        out.push(Piece {
            text: text[at..].to_owned(),
            marked: false,
        });
    }
    out
}

pub async fn find(
    state: web::Data<AppState>,
    desk: Desk,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, DeskError> {
    let query = query.into_inner();
    let q = query.q.trim().to_owned();
    let subject_id = query.subject_id.trim().to_owned();
    let frame = Frame::of("Tìm giấy tờ", &desk);
    if q.is_empty() {
        crate::ops::authorize(&desk.officer.actor(), access::READ_ROLES)?;
        return html(SearchPage {
            frame,
            q,
            subject_id,
            searched: false,
            found: Vec::new(),
            next: None,
        });
    }
    let request = search::Request {
        q: q.clone(),
        subject_id: Some(subject_id.clone()).filter(|s| !s.is_empty()),
        cursor: Some(query.cursor).filter(|c| !c.is_empty()),
        limit: Some(20),
        ..search::Request::default()
    };
    let found = search::search(&state.cx, &desk.officer.actor(), None, &request).await?;
    html(SearchPage {
        frame,
        found: found
            .hits
            .into_iter()
            .map(|h| Found {
                kind: h.record.kind.label_vi(),
                subject_id: h.record.subject_id.to_string(),
                number: h
                    .record
                    .meta
                    .document_number
                    .clone()
                    .unwrap_or_else(|| "—".into()),
                status: h.record.status.label_vi(),
                snippet: h.snippet.as_ref().map(pieces).unwrap_or_default(),
                id: h.record.id,
            })
            .collect(),
        next: found.next_cursor.map(|cursor| {
            let query = serde_urlencoded::to_string([
                ("q", q.as_str()),
                ("subject_id", subject_id.as_str()),
                ("cursor", cursor.as_str()),
            ])
            .unwrap_or_default();
            format!("/desk/search?{query}")
        }),
        q,
        subject_id,
        searched: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snippet_is_cut_into_marked_and_plain_pieces_at_its_marks() {
        let text = "Ông Nguyễn Văn An sinh năm";
        let at = |w: &str| {
            let i = text.find(w).unwrap();
            [i, i + w.len()]
        };
        let snippet = crate::text::search::Snippet {
            text: text.into(),
            marks: vec![at("Nguyễn"), at("Văn")],
        };
        let p = pieces(&snippet);
        let shown: Vec<(&str, bool)> = p.iter().map(|p| (p.text.as_str(), p.marked)).collect();
        assert_eq!(
            shown,
            [
                ("Ông ", false),
                ("Nguyễn", true),
                (" ", false),
                ("Văn", true),
                (" An sinh năm", false)
            ]
        );
    }

    #[test]
    fn marks_off_character_boundaries_are_skipped_not_panicked_on() {
        let snippet = crate::text::search::Snippet {
            text: "Đình".into(),
            marks: vec![[1, 3], [0, 99]],
        };
        assert_eq!(pieces(&snippet).len(), 1);
    }
}
