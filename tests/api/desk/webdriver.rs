//! A small W3C WebDriver client over reqwest, driving Debian's `chromium`
//! headless through `chromedriver` (both from `scripts/install-deps.sh
//! --test`): enough to sign in, fill forms, attach files, click, read the
//! page, take screenshots and run axe-core's accessibility check.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    client: reqwest::Client,
    _profile: tempfile::TempDir,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Where the test run leaves its screenshots (out of git: under `target/`).
pub fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/desk-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// axe-core's script, installed by `scripts/install-deps.sh --test`.
fn axe_source() -> String {
    let dir = std::env::var("SOHOA_AXE")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap()).join(".local/share/sohoa/axe")
        });
    let path = dir.join("node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "axe-core at {} ({e}): run scripts/install-deps.sh --test",
            path.display()
        )
    })
}

impl Browser {
    pub async fn start() -> Self {
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (scripts/install-deps.sh --test installs chromium-driver)");
        let base = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let up = client.get(format!("{base}/status")).send().await;
            if up.is_ok_and(|res| res.status().is_success()) {
                break;
            }
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu",
                    "--disable-dev-shm-usage", "--window-size=1366,768",
                    "--lang=vi-VN",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            },
        }}});
        let res: Value = client
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = res["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {res}"))
            .to_owned();
        let mut b = Browser {
            driver,
            base,
            session,
            client,
            _profile: profile,
        };
        b.size(1366, 768).await;
        b
    }

    async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut req = self.client.request(method, url);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res: Value = req.send().await.unwrap().json().await.unwrap();
        if let Some(error) = res["value"]["error"].as_str() {
            panic!(
                "WebDriver {path}: {error}: {}",
                res["value"]["message"].as_str().unwrap_or("")
            );
        }
        res["value"].clone()
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.cmd(reqwest::Method::POST, path, Some(body)).await
    }

    async fn get(&self, path: &str) -> Value {
        self.cmd(reqwest::Method::GET, path, None).await
    }

    pub async fn goto(&self, url: &str) {
        self.post("/url", json!({ "url": url })).await;
    }

    pub async fn url(&self) -> String {
        self.get("/url").await.as_str().unwrap().to_owned()
    }

    /// The window's size: the page lays itself out again, nothing reloads.
    pub async fn size(&mut self, width: u32, height: u32) {
        self.post("/window/rect", json!({ "width": width, "height": height }))
            .await;
    }

    async fn find(&self, css: &str) -> String {
        let v = self
            .post("/element", json!({ "using": "css selector", "value": css }))
            .await;
        v[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {v}"))
            .to_owned()
    }

    pub async fn exists(&self, css: &str) -> bool {
        let v = self
            .post(
                "/elements",
                json!({ "using": "css selector", "value": css }),
            )
            .await;
        !v.as_array().unwrap().is_empty()
    }

    /// Types `text` into the field (after clearing it); for a file input,
    /// `text` is the file's path.
    pub async fn fill(&self, css: &str, text: &str) {
        let id = self.find(css).await;
        let is_file = self
            .run(
                "return arguments[0].type === 'file'",
                json!([{ ELEMENT: id }]),
            )
            .await
            .as_bool()
            .unwrap();
        if !is_file {
            self.post(&format!("/element/{id}/clear"), json!({})).await;
        }
        if text.is_empty() {
            return;
        }
        self.post(&format!("/element/{id}/value"), json!({ "text": text }))
            .await;
    }

    /// Chooses the option with this value of a select.
    pub async fn choose(&self, css: &str, value: &str) {
        let option = self.find(&format!("{css} option[value=\"{value}\"]")).await;
        self.post(&format!("/element/{option}/click"), json!({}))
            .await;
    }

    /// Clicks something that leads to another page, and waits until that
    /// page has loaded (the old one marked first, so its own "complete" is
    /// not taken for the new one's).
    pub async fn click(&self, css: &str) {
        let id = self.find(css).await;
        self.run("window.__leaving = true; return 0;", json!([]))
            .await;
        self.post(&format!("/element/{id}/click"), json!({})).await;
        let deadline = Instant::now() + Duration::from_secs(60);
        while self
            .run(
                "return !window.__leaving && document.readyState === 'complete'",
                json!([]),
            )
            .await
            != true
        {
            assert!(
                Instant::now() < deadline,
                "no new page after clicking {css}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn text(&self, css: &str) -> String {
        let id = self.find(css).await;
        self.get(&format!("/element/{id}/text"))
            .await
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub async fn source(&self) -> String {
        self.get("/source").await.as_str().unwrap().to_owned()
    }

    pub async fn run(&self, script: &str, args: Value) -> Value {
        self.post("/execute/sync", json!({ "script": script, "args": args }))
            .await
    }

    /// A PNG of the viewport, kept as `target/desk-screenshots/NAME.png`.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.get("/screenshot").await;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap())
            .unwrap();
        let path = screenshot_dir().join(format!("{name}.png"));
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// The page printed (print CSS applied), as PDF bytes.
    pub async fn print(&self) -> Vec<u8> {
        let pdf = self
            .post(
                "/print",
                json!({ "page": { "width": 14.8, "height": 21.0 } }),
            )
            .await;
        base64::engine::general_purpose::STANDARD
            .decode(pdf.as_str().unwrap())
            .unwrap()
    }

    /// axe-core's WCAG 2 A and AA rules on the page (labels, contrast,
    /// names, landmarks, tab order): the violations, one line each.
    pub async fn accessibility_violations(&self) -> Vec<String> {
        self.run(&axe_source(), json!([])).await;
        let script = "const done = arguments[arguments.length - 1];\
            axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })\
              .then(r => done(r.violations.map(v => v.id + ': ' + v.help + ' — ' + v.nodes.map(n => n.target.join(' ')).join(', '))))\
              .catch(e => done(['axe failed: ' + e]));";
        self.post("/execute/async", json!({ "script": script, "args": [] }))
            .await
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    }

    /// The tab order's first stops: each focused element's tag and id, or text.
    pub async fn tab_order(&self, stops: usize) -> Vec<String> {
        self.run(
            "document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); return 0;",
            json!([]),
        )
        .await;
        let mut order = Vec::new();
        let tab = json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": [
            { "type": "keyDown", "value": "\u{E004}" }, { "type": "keyUp", "value": "\u{E004}" }
        ]}]});
        for _ in 0..stops {
            self.post("/actions", tab.clone()).await;
            let here = self
                .run(
                    "const e = document.activeElement; return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' ' + (e.getAttribute('name') || e.textContent.trim().slice(0, 30));",
                    json!([]),
                )
                .await;
            order.push(here.as_str().unwrap().to_owned());
        }
        order
    }

    pub async fn quit(mut self) {
        let _ = self
            .client
            .delete(format!("{}/session/{}", self.base, self.session))
            .send()
            .await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}
