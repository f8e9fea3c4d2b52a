//! Any bytes, as an uploaded file: the gate decodes and judges them as it
//! would at the counter (PNG, JPEG, TIFF, PDF, born-digital text). It may
//! refuse them; it must never panic, hang or allocate past its limits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sohoa::domain::quality::Paper;
use sohoa::imaging::decode::Limits;

const LIMITS: Limits = Limits {
    max_pixels: 4_000_000,
    max_pages: 4,
};

fuzz_target!(|data: &[u8]| {
    let _ = sohoa::ops::intake::judge_bytes(data, &LIMITS, Paper::default());
});
