//! Extraction on papers as their text comes out of the OCR.

use super::*;

fn lines(text: &str) -> Vec<Line> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| Line {
            page: 1,
            text: l.trim().into(),
            confidence: 95,
            doubtful: false,
            words: Vec::new(),
        })
        .collect()
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()
}

fn values(s: &Suggestions) -> BTreeMap<&str, &str> {
    s.iter()
        .map(|(k, v)| (k.as_str(), v.value.as_str()))
        .collect()
}

#[test]
fn the_shipped_rules_parse() {
    Rules::parse(include_str!("../particulars.toml")).unwrap();
    assert!(rules().labels.len() > 20);
}

const MARRIAGE: &str = "
    UBND THÀNH PHỐ HÀ NỘI
    CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
    UBND PHƯỜNG LÁNG HẠ Độc lập - Tự do - Hạnh phúc
    Số: 125/UBND-TP Hà Nội, ngày 05 tháng 3 năm 2024
    GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN
    Họ và tên: ............ NGUYỄN VĂN AN
    Ngày, tháng, năm sinh: .......... 15/03/1990
    Số định danh cá nhân: ....... 001090012345
    Nơi cư trú: số 8 phố Láng Hạ, quận Đống Đa
    Giấy này được cấp để làm thủ tục đăng ký kết hôn.
    TM. ỦY BAN NHÂN DÂN
    KT. CHỦ TỊCH
    Nơi nhận:
    PHÓ CHỦ TỊCH
    - Như trên;
    - Lưu: VT.
    Trần Văn Bình
";

#[test]
fn a_decree_30_paper_gives_its_header_body_and_signer() {
    let s = extract(
        DocumentKind::MarriageStatusCertificate,
        &lines(MARRIAGE),
        today(),
    );
    let v = values(&s);
    assert_eq!(v["document_number"], "125/UBND-TP");
    assert_eq!(v["issued_on"], "2024-03-05");
    assert_eq!(v["issuing_agency"], "UBND PHƯỜNG LÁNG HẠ");
    assert_eq!(v["signer"], "Trần Văn Bình");
    assert_eq!(v["full_name"], "NGUYỄN VĂN AN");
    assert_eq!(v["date_of_birth"], "1990-03-15");
    assert_eq!(v["personal_id"], "001090012345");
    assert!(
        s.values()
            .all(|x| x.confidence > 0.5 && x.confidence <= 1.0)
    );
}

#[test]
fn a_card_gives_its_owner_but_no_header() {
    let card = "
        CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
        CĂN CƯỚC CÔNG DÂN
        Số / No.: 001090012345
        Họ và tên / Full name:
        NGUYỄN VĂN AN
        Ngày sinh / Date of birth: 15/03/1990 Giới tính / Sex: Nam
    ";
    let v = extract(DocumentKind::Cccd, &lines(card), today());
    let v = values(&v);
    assert_eq!(v["personal_id"], "001090012345");
    assert_eq!(v["full_name"], "NGUYỄN VĂN AN");
    assert_eq!(v["date_of_birth"], "1990-03-15");
    assert!(!v.contains_key("document_number"));
}

#[test]
fn values_that_fail_their_check_are_left_out_not_guessed() {
    let text = "
        Họ, chữ đệm, tên người mẹ: TRẦN THỊ BÌNH
        Ngày sinh: 31/02/1990
        Số định danh cá nhân: 000090012345
        Mã số doanh nghiệp: 0100109107
        Họ và tên: nguyễn 3 an
    ";
    let s = extract(DocumentKind::BusinessRegistration, &lines(text), today());
    assert!(s.is_empty(), "{s:?}");
}

#[test]
fn a_business_paper_gives_its_company_and_tax_code() {
    let text = "
        Tên công ty: CÔNG TY TNHH CƠ KHÍ ĐÔNG ANH
        Mã số doanh nghiệp: 0100109106
    ";
    let s = extract(DocumentKind::BusinessRegistration, &lines(text), today());
    let v = values(&s);
    assert_eq!(v["company_name"], "CÔNG TY TNHH CƠ KHÍ ĐÔNG ANH");
    assert_eq!(v["tax_code"], "0100109106");
    // The same labels on another kind are not read.
    let s = extract(DocumentKind::Other, &lines(text), today());
    assert!(!s.contains_key("tax_code"));
}

#[test]
fn a_cards_qr_code_is_the_strongest_suggestion() {
    let qr = from_cccd_qr(
        "001090012345|123456789|Nguyễn Văn An|15031990|Nam|8 Láng Hạ, Đống Đa, Hà Nội|01012022",
        today(),
    );
    let v = values(&qr);
    assert_eq!(v["personal_id"], "001090012345");
    assert_eq!(v["full_name"], "Nguyễn Văn An");
    assert_eq!(v["date_of_birth"], "1990-03-15");
    assert_eq!(v["issued_on"], "2022-01-01");
    let mut read = Suggestions::new();
    for (field, value) in [
        ("full_name", "NGUYỄN VĂN AN"),
        ("personal_id", "001090012346"),
    ] {
        read.insert(
            field.into(),
            Suggestion {
                value: value.into(),
                confidence: 0.7,
            },
        );
    }
    let merged = with_qr(read, qr);
    assert_eq!(merged["full_name"].value, "NGUYỄN VĂN AN");
    assert_eq!(merged["full_name"].confidence, 0.99);
    assert_eq!(merged["personal_id"].value, "001090012345");
    assert!(from_cccd_qr("https://example.org", today()).is_empty());
    assert!(from_cccd_qr("123|4|A B|1|2|3|4", today()).is_empty());
}

#[test]
fn the_signer_is_the_name_under_the_capacity_past_the_recipients() {
    let text = "
        CÔNG AN XÃ ĐÔNG HÒA
        Số: 48/XNCT
        TRƯỞNG CÔNG AN XÃ
        Nơi nhận:
        - Như trên;
        - Lưu: VT
        Phạm Quốc Hưng
    ";
    let s = extract(DocumentKind::ResidenceConfirmation, &lines(text), today());
    assert_eq!(values(&s)["signer"], "Phạm Quốc Hưng");
    // A name whose surname was read with other marks gets the surname's.
    let s = extract(
        DocumentKind::Other,
        &lines("KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC\nHoằng Thị Mai"),
        today(),
    );
    assert_eq!(values(&s)["signer"], "Hoàng Thị Mai");
    let s = extract(
        DocumentKind::Other,
        &lines("KT. GIÁM ĐỐC\nNơi nhận: sHỏ GIÁM pốc\n- Lưu: VI.\n-Hoäng Thị Mai"),
        today(),
    );
    assert_eq!(values(&s)["signer"], "Hoàng Thị Mai");
    // The capacity line merged with the recipients' still leads to the name.
    let s = extract(
        DocumentKind::Other,
        &lines("Nơi nhận: sHỏ GIÁM pốc\n- Như trên;\nHoàng Thị Mai"),
        today(),
    );
    assert_eq!(values(&s)["signer"], "Hoàng Thị Mai");
    // A line that is not wholly a name is not the signer.
    let s = extract(
        DocumentKind::Other,
        &lines("KT. CHỦ TỊCH\n~träff Văn Bình"),
        today(),
    );
    assert!(!s.contains_key("signer"));
}

#[test]
fn a_future_issue_date_is_not_suggested() {
    let s = extract(
        DocumentKind::Other,
        &lines("Số: 9/QĐ\nHuế, ngày 10 tháng 11 năm 2027"),
        today(),
    );
    assert!(!s.contains_key("issued_on"));
    assert_eq!(values(&s)["document_number"], "9/QĐ");
}

#[test]
fn a_labelled_value_is_as_sure_as_its_own_words_not_its_label() {
    // A handwritten date after a printed label: the label's words read at
    // 88–97, the date at 20 (a 5 taken for a 3). The line's mean is 79.
    let line = |date_confidence: u8| Line {
        page: 1,
        text: "Ngày, tháng, năm sinh: 04/03/2026".into(),
        confidence: 79,
        doubtful: false,
        words: vec![97, 96, 97, 88, date_confidence],
    };
    let doubtful = extract(DocumentKind::Other, &[line(20)], today());
    assert!(!doubtful.contains_key("date_of_birth"), "{doubtful:?}");
    let sure = extract(DocumentKind::Other, &[line(90)], today());
    assert_eq!(values(&sure).get("date_of_birth"), Some(&"2026-03-04"));
    assert!(sure["date_of_birth"].confidence <= 0.79);
}
