//! QR codes on a page: a CCCD card carries one holding its owner's
//! particulars (ID number, old ID, name, date of birth, sex, address, issue
//! date, separated by `|`). Found and decoded in pure Rust (rqrr, a port of
//! quirc), on the grey page as it is read.

use image::GrayImage;

/// The text of the first QR code on `page` that decodes, if any.
pub fn read(page: &GrayImage) -> Option<String> {
    let (w, h) = page.dimensions();
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(w as usize, h as usize, |x, y| {
            page.get_pixel(x as u32, y as u32)[0]
        });
    prepared
        .detect_grids()
        .into_iter()
        .find_map(|grid| grid.decode().ok().map(|(_, text)| text))
        .filter(|text| !text.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_qr_code_drawn_on_a_page_is_read_back_and_a_blank_page_has_none() {
        let payload =
            "001090012345|123456789|Nguyễn Văn An|15031990|Nam|8 Láng Hạ, Đống Đa, Hà Nội|01012022";
        let code = qrcode::QrCode::new(payload.as_bytes()).unwrap();
        let modules = code.to_colors();
        let side = code.width();
        let scale = 6;
        let margin = 40;
        let size = (side * scale + 2 * margin) as u32;
        let page = GrayImage::from_fn(size + 300, size + 200, |x, y| {
            let (x, y) = (x as i64 - margin as i64, y as i64 - margin as i64);
            let inside =
                x >= 0 && y >= 0 && (x as usize) < side * scale && (y as usize) < side * scale;
            let dark = inside
                && modules[(y as usize / scale) * side + x as usize / scale] == qrcode::Color::Dark;
            image::Luma([if dark { 20 } else { 235 }])
        });
        assert_eq!(read(&page).as_deref(), Some(payload));
        assert_eq!(
            read(&GrayImage::from_pixel(400, 300, image::Luma([240]))),
            None
        );
    }
}
