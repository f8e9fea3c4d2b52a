//! Any bytes, as the body of `POST /v1/records`: the multipart reader spools
//! the parts, parses the `meta` part and checks it as an upload would be. It
//! may refuse them; it must never panic or hang.
#![no_main]

use std::sync::{Arc, OnceLock};

use actix_web::http::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
use libfuzzer_sys::fuzz_target;
use sohoa::config::Settings;
use sohoa::http::UploadBudget;
use sohoa::http::upload::read_parts;
use sohoa::storage::spool::Spool;

struct Fixture {
    runtime: tokio::runtime::Runtime,
    settings: Settings,
    spool: Spool,
    budget: Arc<UploadBudget>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let mut settings = Settings::default();
        settings.max_upload_bytes = 1 << 20;
        settings.max_file_bytes = 1 << 19;
        settings.max_pages = 8;
        Fixture {
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
            spool: Spool::temporary().unwrap(),
            budget: Arc::new(UploadBudget::new(4, 1 << 22)),
            settings,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    let mut headers = HeaderMap::new();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("multipart/form-data; boundary=sohoa"),
    );
    // The body arrives in chunks of varying size, as from a socket.
    let chunks: Vec<Result<bytes::Bytes, actix_web::error::PayloadError>> = data
        .chunks(97)
        .map(|c| Ok(bytes::Bytes::copy_from_slice(c)))
        .collect();
    f.runtime.block_on(async {
        let mut ticket = f.budget.admit(0).unwrap();
        let body = futures_util::stream::iter(chunks);
        if let Ok((meta, files)) =
            read_parts(&f.settings, &f.spool, &headers, body, &mut ticket).await
        {
            let _ = sohoa::ops::intake::check_meta(&meta);
            drop(files);
        }
    });
});
