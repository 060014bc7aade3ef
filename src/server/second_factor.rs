//! The second factor's cryptography: TOTP (RFC 6238: HMAC-SHA1, 6 digits, 30 s steps, one step
//! either side accepted), the enrolment QR code (an SVG drawn here, no JavaScript), and
//! recovery codes (80 random bits each, stored as SHA-256: at that length a hash cannot be
//! searched backwards).

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, TOTP};

/// Seconds per TOTP step.
pub const STEP_SECS: u64 = 30;
/// How many recovery codes an enrolment gives.
pub const RECOVERY_CODES: usize = 10;
const ISSUER: &str = "KYC Desk";

/// A person's TOTP generator.
pub struct Totp(TOTP);

impl Totp {
    /// The generator of a base32 secret (as stored); `None` if it is not one.
    pub fn from_base32(secret: &str) -> Option<Totp> {
        let bytes = totp_rs::Secret::Encoded(secret.to_string())
            .to_bytes()
            .ok()?;
        Self::from_bytes(bytes, 6)
    }

    fn from_bytes(secret: Vec<u8>, digits: usize) -> Option<Totp> {
        TOTP::new(Algorithm::SHA1, digits, 1, STEP_SECS, secret)
            .ok()
            .map(Totp)
    }

    /// The code at `unix_secs`.
    pub fn code_at(&self, unix_secs: u64) -> String {
        self.0.generate(unix_secs)
    }

    /// The step (`unix_secs / 30`) whose code `code` is, within one step of `unix_secs`
    /// (a clock a little off, a code typed as it changed); compared in constant time.
    pub fn matching_step(&self, code: &str, unix_secs: u64) -> Option<u64> {
        let now = unix_secs / STEP_SECS;
        let mut found = None;
        for step in now.saturating_sub(1)..=now + 1 {
            let expected = self.0.generate(step * STEP_SECS);
            let same = expected.len() == code.len()
                && expected
                    .bytes()
                    .zip(code.bytes())
                    .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                    == 0;
            if same && found.is_none() {
                found = Some(step);
            }
        }
        found
    }
}

/// A new secret: 160 random bits (RFC 4226's recommended length), base32 without padding.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base32(&bytes)
}

fn base32(bytes: &[u8]) -> String {
    totp_rs::Secret::Raw(bytes.to_vec())
        .to_encoded()
        .to_string()
}

/// The `otpauth://` address an authenticator app reads from the QR code.
pub fn otpauth_uri(secret: &str, email: &str) -> String {
    let issuer = crate::domain::query_value(ISSUER);
    format!(
        "otpauth://totp/{issuer}:{}?secret={secret}&issuer={issuer}&algorithm=SHA1&digits=6&period={STEP_SECS}",
        crate::domain::query_value(email)
    )
}

/// The QR code of `uri` as an SVG `data:` address for an `<img>` (the page's policy allows
/// images from `data:`; nothing runs).
pub fn qr_data_url(uri: &str) -> Option<String> {
    let code = qrcode::QrCode::new(uri.as_bytes()).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    Some(format!(
        "data:image/svg+xml;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(svg)
    ))
}

/// Ten new recovery codes, as shown: `abcd-efgh-ijkl-mnop` (16 base32 letters, 80 bits).
pub fn new_recovery_codes() -> Vec<String> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut bytes = [0u8; 10];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            let letters = base32(&bytes).to_ascii_lowercase();
            letters
                .as_bytes()
                .chunks(4)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect::<Vec<_>>()
                .join("-")
        })
        .collect()
}

/// What is stored of a recovery code in its canonical form
/// ([`crate::domain::second_factor::recovery_code`]).
pub fn recovery_code_hash(canonical: &str) -> String {
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::second_factor::recovery_code;

    /// RFC 6238, appendix B: the SHA-1 secret "12345678901234567890", 8 digits.
    #[test]
    fn codes_match_the_rfc_6238_test_vectors() {
        let totp = Totp::from_bytes(b"12345678901234567890".to_vec(), 8).expect("totp");
        for (t, code) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(totp.code_at(t), code, "T = {t}");
        }
    }

    #[test]
    fn a_code_is_accepted_one_step_either_side_and_no_further() {
        let totp = Totp::from_base32(&new_secret()).expect("totp");
        let now = 1_800_000_015;
        let code = totp.code_at(now);
        assert_eq!(totp.matching_step(&code, now), Some(now / 30));
        assert_eq!(totp.matching_step(&code, now + 30), Some(now / 30));
        assert_eq!(totp.matching_step(&code, now - 30), Some(now / 30));
        assert_eq!(totp.matching_step(&code, now + 60), None);
        assert_eq!(totp.matching_step(&code, now - 60), None);
        assert_eq!(totp.matching_step("12345", now), None);
    }

    #[test]
    fn recovery_codes_are_ten_distinct_readable_codes() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), 10);
        let mut canon: Vec<String> = codes
            .iter()
            .map(|c| recovery_code(c).expect("a code reads back"))
            .collect();
        canon.sort();
        canon.dedup();
        assert_eq!(canon.len(), 10);
        assert_eq!(codes[0].len(), 19, "{}", codes[0]);
        assert_eq!(
            recovery_code_hash(&canon[0]),
            recovery_code_hash(&recovery_code(&canon[0].to_uppercase()).expect("code"))
        );
    }

    #[test]
    fn the_qr_code_is_an_svg_image() {
        let uri = otpauth_uri(&new_secret(), "officer@example.test");
        assert!(uri.starts_with("otpauth://totp/KYC%20Desk:officer%40example.test?secret="));
        let url = qr_data_url(&uri).expect("qr");
        let svg = base64::engine::general_purpose::STANDARD
            .decode(url.trim_start_matches("data:image/svg+xml;base64,"))
            .expect("base64");
        assert!(String::from_utf8_lossy(&svg).contains("<svg"));
    }
}
