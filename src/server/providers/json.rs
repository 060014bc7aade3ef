//! Small, panic-free JSON helpers shared by the four mappers: JSON inside strings, numbers
//! and booleans sent as strings, and the redaction of media, ids and secrets.
//!
//! Nothing here fails: junk in gives `None` (or the input back) out.

use serde_json::Value;

/// What a redacted value is replaced with.
pub const REDACTED: &str = "[redacted]";

/// Strings at least this long made only of the base64 alphabet are treated as inline binary.
pub const BASE64_MIN_LEN: usize = 512;

/// A string that holds a JSON object or array (`extraInfo`, `personData`, `scores`, `doc`,
/// `formData`, …) is parsed; anything else is returned unchanged: objects and arrays that are
/// already parsed, strings that are not valid JSON, and strings holding a JSON *scalar*
/// (`"75.73"`, `"true"`), which stay strings so that a numeric string is never silently
/// retyped.
pub fn json_in_string(v: &Value) -> Value {
    if let Value::String(s) = v {
        if let Some(parsed) = parse_container(s) {
            return parsed;
        }
    }
    v.clone()
}

/// Parses `s` when, trimmed, it is a JSON object or array.
fn parse_container(s: &str) -> Option<Value> {
    let t = s.trim();
    if !(t.starts_with('{') || t.starts_with('[')) {
        return None;
    }
    serde_json::from_str::<Value>(t).ok()
}

/// A finite number from a JSON number or a numeric string (`"0.9980"`, `" 75.73 "`).
/// Junk, booleans, empty strings, NaN and infinities give `None`.
pub fn number(v: &Value) -> Option<f64> {
    let n = match v {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => {
            let t = s.trim();
            // Rust also accepts "inf"/"nan"; they are filtered below.
            if t.is_empty() {
                return None;
            }
            t.parse::<f64>().ok()?
        }
        _ => return None,
    };
    n.is_finite().then_some(n)
}

/// A boolean from `true`/`false`, the strings `"true"`/`"false"` (any case, trimmed) or the
/// integers 1/0. Anything else (null, absent, junk) gives `None`.
pub fn flag(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        Value::Number(n) => match n.as_i64() {
            Some(1) => Some(true),
            Some(0) => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// Free text: a non-blank string as sent, or a number/bool written out. Null, blank strings,
/// objects and arrays give `None`.
pub fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// An identifier: a non-blank string (trimmed) or a number (Eclipse ids are numbers).
pub fn id_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The exact status string received: the string itself, `""` when absent or null, and the
/// JSON text for anything else (a number, an object) so that the raw value is never lost.
pub fn raw_status(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// The JSON type name of `v`, for error messages.
pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A display name from a camelCase or snake_case key: `selfieIsASelfie` → "Selfie is a
/// selfie", `internalBlackListCheck` → "Internal black list check", `ip_check` → "Ip check".
/// Runs of capitals stay an acronym (`checkURLValid` → "Check URL valid").
pub fn humanize(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    let mut words: Vec<String> = Vec::new();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' || c == '-' || c == ' ' || c == '.' || c == ':' {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if c.is_uppercase() && !cur.is_empty() {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            // "fooBar" splits before B; "URLValid" splits before V (the last capital of a
            // run that is followed by a lower-case letter starts the next word).
            if prev.is_lowercase() || prev.is_ascii_digit() || (prev.is_uppercase() && next_lower) {
                words.push(std::mem::take(&mut cur));
            }
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    let words: Vec<String> = words
        .into_iter()
        .map(|w| {
            let acronym = w.chars().count() > 1 && w.chars().all(|c| !c.is_lowercase());
            if acronym {
                w
            } else {
                w.to_lowercase()
            }
        })
        .collect();
    let joined = words.join(" ");
    let mut out = String::with_capacity(joined.len());
    let mut it = joined.chars();
    if let Some(first) = it.next() {
        out.extend(first.to_uppercase());
        out.extend(it);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Redaction
// ---------------------------------------------------------------------------------------------

/// Keys whose string values are images or other media (base64 or storage references).
/// Compared after [`norm_key`] (lower case, `_`/`-` removed).
const MEDIA_KEYS: &[&str] = &[
    "base64encodeddocument",
    "idphoto",
    "idphotoback",
    "selfie",
    "selfievideo",
    "userphoto",
    "frontimage",
    "backimage",
    "images",
    "facefull",
];

/// Keys holding document numbers / national ids.
pub(super) const ID_KEYS: &[&str] = &[
    "idnumber",
    "ssn",
    "iin",
    "nationalidentitynumber",
    "documentnumber",
    "passportnumber",
];

/// Keys holding credentials (never in a result, but never store one if it shows up).
pub(super) const SECRET_KEYS: &[&str] = &[
    "apikey",
    "flowapikey",
    "apisecret",
    "password",
    "jwt",
    "csrftoken",
];

pub fn norm_key(k: &str) -> String {
    k.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Strips what must never be stored or logged, in place:
/// - values under media keys (`base64EncodedDocument`, `id_photo`, `selfie`, `images`,
///   `faceFull`, …) and under id / secret keys (`id_number`, `ssn`, `iin`,
///   `nationalIdentityNumber`, `api_key`, …);
/// - anywhere: `data:` URIs, pre-signed URLs (`X-Amz-Signature`, `X-Amz-Credential`,
///   `Signature=`) and long pure-base64 strings;
///
/// all become `"[redacted]"`. Empty strings, nulls, booleans and numbers under media keys stay
/// as they are (Vouched's numeric `selfie` confidence is not an image). Objects, arrays and
/// JSON-in-string fields are walked; a JSON-in-string field is re-encoded only when something
/// inside it was redacted, so untouched strings keep their exact bytes.
pub fn redact(v: &mut Value) {
    redact_value(v);
}

/// Returns whether anything was changed.
fn redact_value(v: &mut Value) -> bool {
    match v {
        Value::Object(map) => {
            let mut changed = false;
            for (k, val) in map.iter_mut() {
                let nk = norm_key(k);
                changed |= if MEDIA_KEYS.contains(&nk.as_str()) {
                    redact_strings(val, false)
                } else if ID_KEYS.contains(&nk.as_str()) || SECRET_KEYS.contains(&nk.as_str()) {
                    redact_strings(val, true)
                } else {
                    redact_value(val)
                };
            }
            changed
        }
        Value::Array(items) => items.iter_mut().fold(false, |c, i| redact_value(i) | c),
        Value::String(s) => {
            if is_sensitive_string(s) {
                *s = REDACTED.to_string();
                return true;
            }
            if let Some(mut inner) = parse_container(s) {
                if redact_value(&mut inner) {
                    *s = serde_json::to_string(&inner).unwrap_or_else(|_| REDACTED.to_string());
                    return true;
                }
            }
            false
        }
        _ => false,
    }
}

/// Replaces every non-empty string (and, with `numbers`, every number) below `v`.
fn redact_strings(v: &mut Value, numbers: bool) -> bool {
    match v {
        Value::String(s) if s.is_empty() || s == REDACTED => false,
        Value::String(s) => {
            *s = REDACTED.to_string();
            true
        }
        Value::Number(_) if numbers => {
            *v = Value::String(REDACTED.to_string());
            true
        }
        Value::Object(map) => map
            .values_mut()
            .fold(false, |c, x| redact_strings(x, numbers) | c),
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |c, x| redact_strings(x, numbers) | c),
        _ => false,
    }
}

/// A `data:` URI, a pre-signed URL or a long run of base64.
pub fn is_sensitive_string(s: &str) -> bool {
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    if lower.starts_with("data:") && lower.contains(',') {
        return true;
    }
    if (lower.starts_with("http://") || lower.starts_with("https://"))
        && (lower.contains("x-amz-signature")
            || lower.contains("x-amz-credential")
            || lower.contains("signature="))
    {
        return true;
    }
    is_long_base64(t)
}

fn is_long_base64(t: &str) -> bool {
    let mut n = 0usize;
    for c in t.chars() {
        match c {
            'A'..='Z' | 'a'..='z' | '0'..='9' | '+' | '/' | '=' | '-' | '_' => n += 1,
            '\r' | '\n' => {}
            _ => return false,
        }
    }
    n >= BASE64_MIN_LEN
}

/// A redacted copy of `v`.
pub fn redacted(v: &Value) -> Value {
    let mut copy = v.clone();
    redact(&mut copy);
    copy
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_in_string_parses_objects_and_arrays_and_leaves_the_rest() {
        assert_eq!(json_in_string(&json!("{\"a\":1}")), json!({"a": 1}));
        assert_eq!(json_in_string(&json!(" [1,2] ")), json!([1, 2]));
        assert_eq!(json_in_string(&json!({"a": 1})), json!({"a": 1}));
        assert_eq!(json_in_string(&json!("{not json")), json!("{not json"));
        assert_eq!(json_in_string(&json!("75.73")), json!("75.73"));
        assert_eq!(json_in_string(&json!("")), json!(""));
        assert_eq!(json_in_string(&json!(3)), json!(3));
        assert_eq!(json_in_string(&Value::Null), Value::Null);
        let deep = "[".repeat(10_000);
        assert_eq!(json_in_string(&json!(deep)), json!(deep));
    }

    #[test]
    fn number_accepts_numbers_and_numeric_strings_only() {
        assert_eq!(number(&json!(0.5)), Some(0.5));
        assert_eq!(number(&json!("0.9980")), Some(0.998));
        assert_eq!(number(&json!(" 75.73 ")), Some(75.73));
        assert_eq!(number(&json!("1e2")), Some(100.0));
        for junk in [
            json!("abc"),
            json!(""),
            json!("NaN"),
            json!("inf"),
            json!("-Infinity"),
            json!("75,73"),
            json!(true),
            json!(null),
            json!({}),
            json!([1]),
        ] {
            assert_eq!(number(&junk), None, "{junk}");
        }
    }

    #[test]
    fn flag_reads_booleans_strings_and_zero_one() {
        assert_eq!(flag(&json!(true)), Some(true));
        assert_eq!(flag(&json!(" FALSE ")), Some(false));
        assert_eq!(flag(&json!(1)), Some(true));
        assert_eq!(flag(&json!(2)), None);
        assert_eq!(flag(&json!("yes")), None);
        assert_eq!(flag(&json!(null)), None);
    }

    #[test]
    fn humanize_turns_keys_into_sentence_case() {
        assert_eq!(humanize("selfieIsASelfie"), "Selfie is a selfie");
        assert_eq!(
            humanize("internalBlackListCheck"),
            "Internal black list check"
        );
        assert_eq!(humanize("checkURLValid"), "Check URL valid");
        assert_eq!(humanize("aml_check"), "Aml check");
        assert_eq!(humanize("face2face"), "Face2face");
        assert_eq!(humanize(""), "");
        assert_eq!(humanize("__"), "");
        assert_eq!(humanize("ÉtatCivil"), "État civil");
    }

    #[test]
    fn redact_handles_keys_urls_data_uris_base64_and_json_in_strings() {
        let b64 = "QUJD".repeat(200);
        let mut v = json!({
            "id_photo": "abc",
            "selfie": "",
            "idPhotoBack": null,
            "confidences": {"selfie": 0.4},
            "ssn": "123-45-6789",
            "iin": 900101300123u64,
            "url": "https://b.s3.amazonaws.com/x.jpg?X-Amz-Signature=abc",
            "plain": "https://example.com/ok",
            "pic": "data:image/png;base64,iVBORw0KGgo=",
            "blob": b64,
            "extraInfo": "{\"landingUrl\":\"https://x\",\"photo\":\"data:image/jpeg;base64,/9j/\"}",
            "untouched": "{ \"a\" : 1 }",
            "list": ["data:text/plain;base64,SGk=", "ok"],
            "images": "{\"faceFull\":\"s3://workflow-kyc/selfie.jpg\"}"
        });
        redact(&mut v);
        assert_eq!(v["id_photo"], json!(REDACTED));
        assert_eq!(v["selfie"], json!(""));
        assert_eq!(v["idPhotoBack"], Value::Null);
        assert_eq!(v["confidences"]["selfie"], json!(0.4));
        assert_eq!(v["ssn"], json!(REDACTED));
        assert_eq!(v["iin"], json!(REDACTED));
        assert_eq!(v["url"], json!(REDACTED));
        assert_eq!(v["plain"], json!("https://example.com/ok"));
        assert_eq!(v["pic"], json!(REDACTED));
        assert_eq!(v["blob"], json!(REDACTED));
        assert_eq!(
            json_in_string(&v["extraInfo"]),
            json!({"landingUrl": "https://x", "photo": REDACTED})
        );
        assert_eq!(v["untouched"], json!("{ \"a\" : 1 }"));
        assert_eq!(v["list"], json!([REDACTED, "ok"]));
        assert_eq!(v["images"], json!(REDACTED));
    }
}
