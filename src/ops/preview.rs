//! A page to look at: the original decoded and drawn again as a JPEG small
//! enough for a review screen. The preview is made on request and never
//! stored; the original is untouched (its bytes are checked against their
//! SHA-256 as they are read). Reading it is reading the page, so it is
//! logged in the ledger first, like any other read.

use bytes::Bytes;
use image::imageops::FilterType;

use super::Context;
use super::access::{self, AccessError};
use crate::domain::role::Actor;
use crate::imaging::decode::decode_page_in_colour;
use crate::imaging::encode::{self, Pixels};

/// Widest preview, in pixels: about a screen's half at 1366 px.
pub const MAX_WIDTH: u32 = 1100;
/// JPEG quality of a preview.
const QUALITY: u8 = 80;

/// Page `n` of record `id` as a JPEG at most [`MAX_WIDTH`] wide, the read logged first.
pub async fn page_preview(
    cx: &Context,
    actor: &Actor,
    id: &str,
    n: u32,
    purpose: Option<&str>,
) -> Result<Bytes, AccessError> {
    let page = access::page(cx, actor, id, n, purpose).await?;
    let original = access::original(cx, &page).await?;
    let limits = cx.intake.limits;
    let file_page = page.file_page;
    // Decoding is the gate's kind of work: bounded the same way.
    let _slot = cx
        .decoding
        .acquire()
        .await
        .map_err(|e| AccessError::Internal(format!("decoding slots closed: {e}")))?;
    tokio::task::spawn_blocking(move || -> Result<Bytes, AccessError> {
        let decoded = decode_page_in_colour(&original, file_page, &limits)
            .map_err(|e| AccessError::Internal(format!("decoding a stored page: {e}")))?;
        let jpeg = match decoded.colour {
            Some(colour) => {
                let small = shrink(&colour);
                encode::jpeg(Pixels::Colour(small.as_ref().unwrap_or(&colour)), QUALITY)
            }
            None => {
                let small = shrink(&decoded.pixels);
                encode::jpeg(
                    Pixels::Grey(small.as_ref().unwrap_or(&decoded.pixels)),
                    QUALITY,
                )
            }
        }
        .map_err(|e| AccessError::Internal(format!("encoding a preview: {e}")))?;
        Ok(Bytes::from(jpeg))
    })
    .await
    .map_err(|e| AccessError::Internal(format!("preview task: {e}")))?
}

/// The image scaled down to [`MAX_WIDTH`], or none when it is narrower.
fn shrink<P>(image: &image::ImageBuffer<P, Vec<u8>>) -> Option<image::ImageBuffer<P, Vec<u8>>>
where
    P: image::Pixel<Subpixel = u8> + 'static,
{
    let (w, h) = image.dimensions();
    (w > MAX_WIDTH).then(|| {
        let height = ((h as u64 * MAX_WIDTH as u64) / w as u64).max(1) as u32;
        image::imageops::resize(image, MAX_WIDTH, height, FilterType::Triangle)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wide_page_shrinks_to_the_preview_width_keeping_its_shape_and_a_narrow_one_stays() {
        let wide = image::GrayImage::new(2480, 3508);
        let small = shrink(&wide).unwrap();
        assert_eq!(small.dimensions(), (MAX_WIDTH, 3508 * MAX_WIDTH / 2480));
        assert!(shrink(&image::GrayImage::new(800, 1000)).is_none());
    }
}
