//! What is indexed, how queries read, and snippets.

use super::*;

fn folded(text: &str) -> String {
    Indexed::of([text]).folded
}

#[test]
fn words_are_folded_to_ascii_and_split_at_punctuation() {
    assert_eq!(folded("Số: 1312/UBND-VP"), "so 1312 ubnd vp");
    assert_eq!(folded("NGUYỄN VĂN A"), "nguyen van a");
    assert_eq!(folded("Đình"), "dinh");
}

#[test]
fn exact_words_keep_their_marks_and_the_barred_d_apart() {
    let exact = |w: &str| tokens(w)[0].exact.clone();
    assert_eq!(exact("Đình"), "d9i1nh");
    assert_eq!(exact("Dinh"), "dinh");
    assert_ne!(exact("Văn"), exact("Vân"));
    // Decomposed input spells the same.
    let nfd: String = "Nguyễn".nfd().collect();
    assert_eq!(exact(&nfd), exact("Nguyễn"));
}

#[test]
fn a_query_reads_words_phrases_and_operators() {
    let q = Query::parse("\"nguyen van an\" 1312 OR Đình").unwrap();
    assert_eq!(q.groups.len(), 2);
    assert_eq!(q.groups[0].len(), 2);
    assert!(q.marked);
    assert_eq!(
        q.fts5(false),
        "{particulars body} : ((\"nguyen van an\" AND \"1312\") OR (\"dinh\"))"
    );
    assert_eq!(
        q.tsquery(false),
        "((nguyen <-> van <-> an) & (1312)) | ((dinh))"
    );
    assert_eq!(
        q.fts5(true),
        "exact : ((\"nguyen van an\" AND \"1312\") OR (\"d9i1nh\"))"
    );
    let number = Query::parse("1312/UBND-VP").unwrap();
    assert_eq!(number.tsquery(false), "((1312 <-> ubnd <-> vp))");
    assert!(!number.marked);
}

#[test]
fn bad_queries_are_refused_with_a_reason() {
    assert_eq!(Query::parse("   "), Err(QueryError::Empty));
    assert_eq!(Query::parse("\""), Err(QueryError::OpenQuote));
    assert_eq!(Query::parse("\"nguyen van"), Err(QueryError::OpenQuote));
    assert_eq!(
        Query::parse("AND AND"),
        Err(QueryError::LoneOperator("AND"))
    );
    assert_eq!(Query::parse("an OR"), Err(QueryError::LoneOperator("OR")));
    assert_eq!(
        Query::parse("an AND OR b"),
        Err(QueryError::LoneOperator("OR"))
    );
    assert_eq!(Query::parse("- / ."), Err(QueryError::NoWords));
    assert_eq!(Query::parse("\"\""), Err(QueryError::NoWords));
    assert_eq!(Query::parse(&"a".repeat(201)), Err(QueryError::TooLong));
    let many = vec!["an"; MAX_TERMS + 1].join(" ");
    assert_eq!(Query::parse(&many), Err(QueryError::TooManyTerms));
    // Lower-case "and" and "or" are words to find.
    assert!(Query::parse("and or").is_ok());
}

#[test]
fn a_snippet_marks_what_matched_in_the_text_as_written() {
    let text = "GIẤY KHAI SINH\nHọ và tên: NGUYỄN VĂN AN\nNơi sinh: Hà Nội";
    let q = Query::parse("nguyen van an").unwrap();
    let s = snippet(text, &q).unwrap();
    assert!(!s.text.contains('\n'));
    let marked: Vec<String> = s
        .marks
        .iter()
        .map(|[a, b]| s.text.chars().skip(*a).take(b - a).collect())
        .collect();
    assert_eq!(marked, ["NGUYỄN", "VĂN", "AN"]);
    let phrase = Query::parse("\"ha noi\"").unwrap();
    let s = snippet(text, &phrase).unwrap();
    let [a, b] = s.marks[0];
    let hit: String = s.text.chars().skip(a).take(b - a).collect();
    assert_eq!(hit, "Hà Nội");
}

#[test]
fn a_long_text_is_cut_around_the_first_match() {
    let mut text = "mở đầu ".repeat(40);
    text.push_str("Số: 1312/UBND-VP");
    text.push_str(&" kết thúc".repeat(40));
    let s = snippet(&text, &Query::parse("1312").unwrap()).unwrap();
    assert!(s.text.starts_with('…') && s.text.ends_with('…'));
    assert!(s.text.chars().count() < 150);
    let [a, b] = s.marks[0];
    assert_eq!(
        s.text.chars().skip(a).take(b - a).collect::<String>(),
        "1312"
    );
}

#[test]
fn pairs_run_adjacent_words_together_across_the_parts_in_order() {
    assert_eq!(
        pairs(&["giay khai sinh", "nguyen van an"]),
        "giaykhai khaisinh sinhnguyen nguyenvan vanan"
    );
    assert_eq!(pairs(&["", "mot"]), "");
    assert_eq!(pairs(&[]), "");
}

#[test]
fn a_phrase_asks_the_pair_index_for_its_first_or_last_pair_and_a_lone_word_asks_nothing() {
    let q = Query::parse("\"Vũ Đức Phúc\" OR \"Mai Thị Trang\"").unwrap();
    assert_eq!(
        q.pair_tsquery(false).as_deref(),
        Some("('ducphuc') | ('thitrang')")
    );
    assert_eq!(
        q.pair_tsquery(true).as_deref(),
        Some("('vuduc') | ('maithi')")
    );
    let q = Query::parse("\"xac nhan\" 1312").unwrap();
    assert_eq!(q.pair_tsquery(false).as_deref(), Some("('xacnhan')"));
    assert_eq!(q.pair_tsquery(true).as_deref(), Some("('xacnhan')"));
    assert_eq!(
        Query::parse("nguyen van an").unwrap().pair_tsquery(false),
        None
    );
    assert_eq!(
        Query::parse("\"van an\" OR dinh")
            .unwrap()
            .pair_tsquery(true),
        None,
        "an OR group without a phrase could match anything"
    );
}
