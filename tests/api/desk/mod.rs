//! The officers' desk over HTTP, as a browser sends it: accounts made with
//! `sohoa officers`, sign-in with the form's CSRF token, the session cookie,
//! what is on file for a citizen (logged in the ledger with the officer's
//! name), roles, lock-out, disabled accounts and sign-out.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{BIN, SUBJECT, Stores, TestApp};

mod browser;
mod webdriver;

const DOSSIER: &str = "000.00.00.H00-261123-0001";
const PASSWORD: &str = "bàn-một-cửa-2026";

/// `sohoa officers ARGS`, the password on standard input.
pub(crate) fn officers(stores: &Stores, args: &[&str], password: &str) -> std::process::Output {
    let mut child = Command::new(BIN)
        .arg("--data-dir")
        .arg(stores.dir.path())
        .arg("officers")
        .args(args)
        .envs(stores.env())
        .env("SOHOA_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sohoa runs");
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    child.wait_with_output().unwrap()
}

pub(crate) fn create_officer(app: &TestApp, username: &str, name: &str, role: &str) {
    let out = officers(
        &app.stores,
        &[
            "create",
            "--username",
            username,
            "--full-name",
            name,
            "--role",
            role,
        ],
        PASSWORD,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A browser of one officer: keeps the desk's cookies, follows no redirect.
struct Browser {
    url: String,
    client: reqwest::Client,
    cookies: Vec<(String, String)>,
}

impl Browser {
    fn new(app: &TestApp) -> Self {
        Self {
            url: app.url.clone(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: Vec::new(),
        }
    }

    fn keep(&mut self, res: &reqwest::Response) {
        for set in res.headers().get_all("set-cookie") {
            let set = set.to_str().unwrap();
            let (pair, _) = set.split_once(';').unwrap_or((set, ""));
            let (name, value) = pair.split_once('=').unwrap();
            self.cookies.retain(|(n, _)| n != name);
            if !value.is_empty() && !set.contains("Max-Age=0") {
                self.cookies.push((name.to_owned(), value.to_owned()));
            }
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn get(&mut self, path: &str) -> (u16, String) {
        let res = self
            .client
            .get(format!("{}{path}", self.url))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.keep(&res);
        (res.status().as_u16(), res.text().await.unwrap())
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let res = self
            .client
            .post(format!("{}{path}", self.url))
            .header("cookie", self.cookie_header())
            .form(form)
            .send()
            .await
            .unwrap();
        self.keep(&res);
        res
    }

    /// Signs in through the form; the response to the form's post.
    async fn sign_in(&mut self, username: &str, password: &str) -> reqwest::Response {
        let (status, page) = self.get("/desk/login").await;
        assert_eq!(status, 200);
        assert!(page.contains(r#"name="username""#) && page.contains(r#"name="password""#));
        let csrf = hidden_csrf(&page);
        self.post(
            "/desk/login",
            &[
                ("username", username),
                ("password", password),
                ("csrf", &csrf),
            ],
        )
        .await
    }
}

/// A marriage-status result of `SUBJECT` registered by an agency's issuer
/// key and digitised: its record id.
pub(crate) async fn registered_result(app: &TestApp) -> String {
    let issuer = app.create_key("ubnd-ben-nghe", "issuer");
    let registered = app
        .register(
            &issuer,
            json!({
                "subject_id": SUBJECT, "kind": "marriage_status_certificate",
                "result_code": "KQ.H56.000031", "document_number": "45/2026/XNTTHN",
                "issuing_agency": "UBND phường Bến Nghé", "signer": "Trần Văn Bình",
                "issued_on": "2026-11-02",
            }),
            &["born_digital_result.pdf"],
        )
        .await;
    assert_eq!(registered.status(), 202);
    let id = registered.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.wait_until_processed(&id, Duration::from_secs(180))
        .await;
    id
}

fn hidden_csrf(page: &str) -> String {
    let at = page.find(r#"name="csrf" value=""#).expect("a csrf field") + 19;
    page[at..at + 64].to_owned()
}

#[tokio::test]
async fn an_officer_signs_in_sees_what_is_on_file_for_a_citizen_and_signs_out() {
    let app = TestApp::spawn().await;
    create_officer(&app, "lan.nguyen", "Nguyễn Thị Lan", "intake");
    registered_result(&app).await;

    let mut desk = Browser::new(&app);
    // Pages need a session: without one, to the sign-in form.
    let res = desk
        .client
        .get(format!("{}/desk/", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/desk/login");

    let res = desk.sign_in("Lan.Nguyen", PASSWORD).await;
    assert_eq!(res.status(), 303);
    let set: Vec<&str> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    let session = set
        .iter()
        .find(|c| c.starts_with("sohoa_session="))
        .unwrap();
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/desk"] {
        assert!(session.contains(flag), "{session}");
    }

    let (status, home) = desk.get("/desk/").await;
    assert_eq!(status, 200);
    assert!(home.contains("Nguyễn Thị Lan") && home.contains(r#"name="subject_id""#));
    let csrf = hidden_csrf(&home);

    let (status, page) = desk
        .get(&format!(
            "/desk/citizen?subject_id={SUBJECT}&dossier_code={DOSSIER}"
        ))
        .await;
    assert_eq!(status, 200, "{page}");
    let reusable = &page[page.find(r#"id="reusable""#).expect("a reuse list")..];
    assert!(reusable.contains("45/2026/XNTTHN"), "{page}");
    assert!(reusable.contains("Còn hiệu lực đến "), "{page}");

    // The read is in the ledger, naming the officer and the dossier.
    let auditor = app.create_key("inspector", "auditor");
    let log = app
        .get_json(&auditor, &format!("/v1/subjects/{SUBJECT}/access-log"))
        .await;
    let listed = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["key_name"] == "officer:lan.nguyen")
        .expect("the officer's read is logged");
    assert_eq!(listed["action"], "list_records");
    assert_eq!(listed["purpose"], DOSSIER);
    // No name or ID in the log at info level.
    assert!(!app.log().contains("Nguyễn Thị Lan"));

    // A bad ID is refused in Vietnamese, and nothing is read.
    let (status, page) = desk.get("/desk/citizen?subject_id=12345").await;
    assert_eq!(status, 400);
    assert!(page.contains("Số định danh không hợp lệ"), "{page}");

    // Sign-out needs the form's token; then the session is over.
    assert_eq!(
        desk.post("/desk/logout", &[("csrf", "forged")])
            .await
            .status(),
        403
    );
    let old = desk.cookie_header();
    assert_eq!(
        desk.post("/desk/logout", &[("csrf", &csrf)]).await.status(),
        303
    );
    let res = desk
        .client
        .get(format!("{}/desk/", app.url))
        .header("cookie", old)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "the old cookie no longer opens the desk");
}

#[tokio::test]
async fn wrong_passwords_lock_the_account_and_a_disabled_officer_cannot_sign_in() {
    let app = TestApp::spawn_without_workers().await;
    create_officer(&app, "hung", "Phạm Quốc Hưng", "intake");
    let mut desk = Browser::new(&app);

    let res = desk.sign_in("hung", "not-the-password").await;
    assert_eq!(res.status(), 401);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Sai tên đăng nhập hoặc mật khẩu")
    );
    let res = desk.sign_in("nobody", PASSWORD).await;
    assert_eq!(res.status(), 401, "an unknown name is told the same");

    for _ in 0..4 {
        assert_eq!(desk.sign_in("hung", "still-wrong-1").await.status(), 401);
    }
    // Five failures in a row: even the right password is refused for a while.
    let res = desk.sign_in("hung", PASSWORD).await;
    assert_eq!(res.status(), 401);
    assert!(res.text().await.unwrap().contains("tạm khóa"));

    // An admin's reset lifts the lock.
    let out = officers(
        &app.stores,
        &["reset-password", "--username", "hung"],
        PASSWORD,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(desk.sign_in("hung", PASSWORD).await.status(), 303);
    assert_eq!(desk.get("/desk/").await.0, 200);

    // Disabling ends the session at once and refuses the next sign-in.
    let out = officers(&app.stores, &["disable", "--username", "hung"], "");
    assert!(out.status.success());
    assert_eq!(desk.get("/desk/").await.0, 303);
    assert_eq!(desk.sign_in("hung", PASSWORD).await.status(), 401);

    let out = officers(&app.stores, &["list"], "");
    let listed = String::from_utf8(out.stdout).unwrap();
    assert!(
        listed.contains("hung") && !listed.contains("argon2"),
        "{listed}"
    );
}

#[tokio::test]
async fn an_intake_officer_cannot_reach_admin_pages_and_a_form_without_its_token_is_refused() {
    let app = TestApp::spawn_without_workers().await;
    create_officer(&app, "lan", "Nguyễn Thị Lan", "intake");
    create_officer(&app, "quan.tri", "Lê Văn Quản", "admin");

    // A sign-in posted without the form's token changes nothing.
    let mut desk = Browser::new(&app);
    let res = desk
        .post(
            "/desk/login",
            &[("username", "lan"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("Biểu mẫu đã hết hạn"));

    assert_eq!(desk.sign_in("lan", PASSWORD).await.status(), 303);
    let (status, page) = desk.get("/desk/officers").await;
    assert_eq!(status, 403);
    assert!(page.contains("không có quyền"), "{page}");
    assert!(
        !desk
            .get("/desk/")
            .await
            .1
            .contains(r#"href="/desk/officers""#)
    );

    let mut admin = Browser::new(&app);
    assert_eq!(admin.sign_in("quan.tri", PASSWORD).await.status(), 303);
    let (status, page) = admin.get("/desk/officers").await;
    assert_eq!(status, 200);
    assert!(page.contains("Nguyễn Thị Lan") && page.contains("Cán bộ tiếp nhận"));

    // An officer account cannot be a back-office reader, nor have a short password.
    let out = officers(
        &app.stores,
        &[
            "create",
            "--username",
            "he-thong",
            "--full-name",
            "Hệ thống",
            "--role",
            "reader",
        ],
        PASSWORD,
    );
    assert!(!out.status.success());
    let out = officers(
        &app.stores,
        &[
            "create",
            "--username",
            "ngan",
            "--full-name",
            "Ngắn",
            "--role",
            "intake",
        ],
        "short",
    );
    assert!(!out.status.success());
}

#[tokio::test]
async fn a_script_drives_the_scan_form_by_the_apis_field_names_and_an_admin_revokes_at_the_desk() {
    let app = TestApp::spawn().await;
    create_officer(&app, "lan", "Nguyễn Thị Lan", "intake");
    create_officer(&app, "quan.tri", "Lê Văn Quản", "admin");
    create_officer(&app, "binh", "Trần Văn Bình", "issuer");
    let mut desk = Browser::new(&app);
    assert_eq!(desk.sign_in("lan", PASSWORD).await.status(), 303);
    let (_, form) = desk.get(&format!("/desk/scan?subject_id={SUBJECT}")).await;
    let csrf = hidden_csrf(&form);
    for name in [
        r#"name="subject_id""#,
        r#"name="kind""#,
        r#"name="dossier_code""#,
        r#"name="page""#,
        r#"capture="environment""#,
    ] {
        assert!(form.contains(name), "{name}");
    }

    let scan = |csrf: &str, files: &[&str]| {
        let mut form = reqwest::multipart::Form::new()
            .text("csrf", csrf.to_owned())
            .text("subject_id", SUBJECT)
            .text("kind", "birth_certificate")
            .text("dossier_code", DOSSIER)
            .text("paper", "A4");
        for f in files {
            form = form.part(
                "page",
                reqwest::multipart::Part::bytes(crate::helpers::fixture_bytes(f))
                    .file_name(f.to_string()),
            );
        }
        // A camera input left empty still sends its part, with no file.
        form.part(
            "page",
            reqwest::multipart::Part::bytes(Vec::new()).file_name(""),
        )
    };
    let post_scan = |form: reqwest::multipart::Form, cookies: String| {
        let client = desk.client.clone();
        let url = format!("{}/desk/scan", app.url);
        async move {
            let res = client
                .post(url)
                .header("cookie", cookies)
                .multipart(form)
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };

    // Without the session's token: refused, nothing stored.
    let (status, page) = post_scan(
        scan("forged", &["birth_certificate.png"]),
        desk.cookie_header(),
    )
    .await;
    assert_eq!(status, 403, "{page}");
    assert_eq!(app.count_rows("records").await, 0);

    let (status, page) = post_scan(
        scan(&csrf, &["birth_certificate.png", "blank_back.png"]),
        desk.cookie_header(),
    )
    .await;
    assert_eq!(status, 202, "{page}");
    assert!(page.contains("Đã lưu an toàn"), "{page}");
    assert!(page.contains("Tệp 2, trang 1: trang trống"), "{page}");
    assert_eq!(app.count_rows("records").await, 1);
    let (status, page) =
        post_scan(scan(&csrf, &["low_resolution.png"]), desk.cookie_header()).await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("dpi") && page.contains("quét lại"), "{page}");
    assert_eq!(
        app.count_rows("records").await,
        1,
        "a refusal stores nothing"
    );

    // A form the desk cannot read is told in Vietnamese, not in actix's words.
    let res = desk.post("/desk/receipt", &[("csrf", &csrf)]).await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("không hợp lệ"));

    // An admin revokes a certified result; an issuer only its own.
    let id = &registered_result(&app).await;
    let mut binh = Browser::new(&app);
    assert_eq!(binh.sign_in("binh", PASSWORD).await.status(), 303);
    let (status, page) = binh.get(&format!("/desk/withdraw?record_id={id}")).await;
    assert_eq!(status, 200);
    let res = binh
        .post(
            "/desk/withdraw",
            &[
                ("csrf", &hidden_csrf(&page)),
                ("record_id", id),
                ("reason", "Cấp nhầm người"),
            ],
        )
        .await;
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("chính cơ quan mình"));

    let mut admin = Browser::new(&app);
    assert_eq!(admin.sign_in("quan.tri", PASSWORD).await.status(), 303);
    let (_, home) = admin.get("/desk/").await;
    let res = admin
        .post(
            "/desk/withdraw",
            &[
                ("csrf", &hidden_csrf(&home)),
                ("record_id", id),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("lý do"));
    let res = admin
        .post(
            "/desk/withdraw",
            &[
                ("csrf", &hidden_csrf(&home)),
                ("record_id", id),
                ("reason", "Cấp nhầm người"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (status, page) = admin.get(&format!("/desk/records/{id}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Đã bị thu hồi"), "{page}");
    let record = app
        .get_json(&app.intake_key, &format!("/v1/records/{id}"))
        .await;
    assert_eq!(record["status"], "revoked");
}
