//! The sandbox's photos: a face-like portrait and an ID-card layout, drawn by the program (no
//! downloaded assets) and encoded as JPEG, as the providers send them. Large enough to compare
//! side by side on a case page; made once, on first use.

use std::sync::LazyLock;

type Rgb = [u8; 3];

const SKIN: Rgb = [224, 178, 146];
const SKIN_SHADE: Rgb = [201, 150, 118];
const HAIR: Rgb = [58, 42, 34];
const EYE_WHITE: Rgb = [246, 244, 240];
const IRIS: Rgb = [74, 92, 108];
const LIPS: Rgb = [178, 92, 92];
const SHIRT: Rgb = [46, 74, 112];
const INK: Rgb = [52, 58, 70];
const FAINT_INK: Rgb = [150, 158, 170];

/// An RGB picture being drawn.
struct Canvas {
    width: usize,
    height: usize,
    pixels: Vec<u8>,
}

impl Canvas {
    fn new(width: usize, height: usize, color: Rgb) -> Canvas {
        Canvas {
            width,
            height,
            pixels: color.repeat(width * height),
        }
    }

    fn set(&mut self, x: usize, y: usize, color: Rgb) {
        if x < self.width && y < self.height {
            let at = (y * self.width + x) * 3;
            self.pixels[at..at + 3].copy_from_slice(&color);
        }
    }

    fn get(&self, x: usize, y: usize) -> Rgb {
        let at = (y * self.width + x) * 3;
        [self.pixels[at], self.pixels[at + 1], self.pixels[at + 2]]
    }

    /// A vertical gradient from `top` to `bottom`.
    fn gradient(&mut self, top: Rgb, bottom: Rgb) {
        for y in 0..self.height {
            let t = y as f32 / self.height.max(1) as f32;
            let color = mix(top, bottom, t);
            for x in 0..self.width {
                self.set(x, y, color);
            }
        }
    }

    fn rect(&mut self, x0: usize, y0: usize, x1: usize, y1: usize, color: Rgb) {
        for y in y0..y1.min(self.height) {
            for x in x0..x1.min(self.width) {
                self.set(x, y, color);
            }
        }
    }

    /// A filled ellipse centred on (`cx`, `cy`).
    fn ellipse(&mut self, cx: f32, cy: f32, rx: f32, ry: f32, color: Rgb) {
        let (y0, y1) = ((cy - ry).max(0.0) as usize, (cy + ry) as usize + 1);
        let (x0, x1) = ((cx - rx).max(0.0) as usize, (cx + rx) as usize + 1);
        for y in y0..y1.min(self.height) {
            for x in x0..x1.min(self.width) {
                let (dx, dy) = ((x as f32 - cx) / rx, (y as f32 - cy) / ry);
                if dx * dx + dy * dy <= 1.0 {
                    self.set(x, y, color);
                }
            }
        }
    }

    /// Copies `other` scaled to `w`×`h` with its top left at (`x0`, `y0`).
    fn paste(&mut self, other: &Canvas, x0: usize, y0: usize, w: usize, h: usize) {
        for y in 0..h {
            for x in 0..w {
                let color = other.get(x * other.width / w, y * other.height / h);
                self.set(x0 + x, y0 + y, color);
            }
        }
    }

    fn jpeg(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let encoder = jpeg_encoder::Encoder::new(&mut out, 85);
        // Both pictures are a few hundred pixels a side: within u16.
        let (w, h) = (self.width as u16, self.height as u16);
        if let Err(e) = encoder.encode(&self.pixels, w, h, jpeg_encoder::ColorType::Rgb) {
            tracing::error!(error = %e, "the sandbox could not draw a photo");
        }
        out
    }
}

fn mix(a: Rgb, b: Rgb, t: f32) -> Rgb {
    let m = |i: usize| (a[i] as f32 + (b[i] as f32 - a[i] as f32) * t) as u8;
    [m(0), m(1), m(2)]
}

/// A head and shoulders in front of a plain backdrop.
fn portrait_canvas() -> Canvas {
    let mut c = Canvas::new(360, 440, [0, 0, 0]);
    c.gradient([214, 224, 236], [168, 184, 204]);
    // Shoulders, neck, ears, hair, face.
    c.ellipse(180.0, 470.0, 175.0, 120.0, SHIRT);
    c.rect(152, 270, 208, 365, SKIN_SHADE);
    c.ellipse(99.0, 205.0, 16.0, 28.0, SKIN_SHADE);
    c.ellipse(261.0, 205.0, 16.0, 28.0, SKIN_SHADE);
    c.ellipse(180.0, 160.0, 92.0, 100.0, HAIR);
    c.ellipse(180.0, 200.0, 80.0, 102.0, SKIN);
    c.ellipse(180.0, 128.0, 84.0, 40.0, HAIR);
    // Brows, eyes, nose, mouth.
    c.rect(130, 170, 166, 176, HAIR);
    c.rect(194, 170, 230, 176, HAIR);
    for cx in [148.0, 212.0] {
        c.ellipse(cx, 192.0, 17.0, 9.0, EYE_WHITE);
        c.ellipse(cx, 192.0, 7.0, 7.0, IRIS);
        c.ellipse(cx, 192.0, 3.0, 3.0, [20, 20, 24]);
    }
    c.ellipse(180.0, 232.0, 10.0, 16.0, SKIN_SHADE);
    c.ellipse(180.0, 268.0, 26.0, 8.0, LIPS);
    c
}

/// A national ID card: a header band, the holder's photo, text lines, a chip and the
/// machine-readable zone.
fn id_card_canvas() -> Canvas {
    let mut c = Canvas::new(640, 404, [0, 0, 0]);
    c.gradient([240, 244, 236], [222, 230, 218]);
    c.rect(0, 0, 640, 64, [36, 92, 140]);
    c.rect(24, 20, 300, 30, [230, 238, 246]);
    c.rect(24, 38, 200, 46, [180, 204, 226]);
    let face = portrait_canvas();
    c.rect(22, 86, 186, 290, FAINT_INK);
    c.paste(&face, 24, 88, 160, 200);
    // Surname, given names, birth date, document number: a label and a value each.
    for (i, width) in [220, 260, 150, 190].iter().enumerate() {
        let y = 96 + i * 46;
        c.rect(212, y, 290, y + 6, FAINT_INK);
        c.rect(212, y + 14, 212 + width, y + 26, INK);
    }
    c.rect(540, 96, 604, 144, [201, 168, 84]);
    c.rect(556, 108, 588, 132, [176, 140, 62]);
    // Two lines of the machine-readable zone.
    c.rect(0, 316, 640, 404, [250, 250, 246]);
    for line in 0..2 {
        let y = 332 + line * 34;
        for ch in 0..30 {
            let x = 24 + ch * 20;
            if (ch * 7 + line * 3) % 5 != 0 {
                c.rect(x, y, x + 13, y + 18, INK);
            }
        }
    }
    c
}

static PORTRAIT: LazyLock<Vec<u8>> = LazyLock::new(|| portrait_canvas().jpeg());
static ID_CARD: LazyLock<Vec<u8>> = LazyLock::new(|| id_card_canvas().jpeg());

/// The customer's face (a selfie, a liveness frame).
pub fn portrait() -> &'static [u8] {
    &PORTRAIT
}

/// The customer's identity document.
pub fn id_card() -> &'static [u8] {
    &ID_CARD
}

/// The picture a provider's image named `name` shows: the document for `document_*` and
/// `id_*` names, the face for the others.
pub fn named(name: &str) -> &'static [u8] {
    let name = name.to_ascii_lowercase();
    if name.starts_with("document") || name.starts_with("id_") {
        id_card()
    } else {
        portrait()
    }
}

/// `named` in base64, as inline answers carry it.
pub fn named_b64(name: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(named(name))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_photos_are_jpegs_large_enough_to_compare() {
        for (name, bytes, width, height) in [
            ("portrait", portrait(), 360u16, 440u16),
            ("id card", id_card(), 640, 404),
        ] {
            assert!(bytes.starts_with(&[0xFF, 0xD8, 0xFF]), "{name} is a JPEG");
            assert!(bytes.ends_with(&[0xFF, 0xD9]), "{name} is whole");
            // The frame header (SOF0) carries the height and width.
            let sof = bytes.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
            let h = u16::from_be_bytes([bytes[sof + 5], bytes[sof + 6]]);
            let w = u16::from_be_bytes([bytes[sof + 7], bytes[sof + 8]]);
            assert_eq!((w, h), (width, height), "{name}");
            assert!(
                bytes.len() > 5_000,
                "{name} shows something: {} bytes",
                bytes.len()
            );
        }
        assert_eq!(named("document_front"), id_card());
        assert_eq!(named("id_photo"), id_card());
        assert_eq!(named("selfie"), portrait());
        assert!(named_b64("selfie").starts_with("/9j/"));
    }
}
