//! Photos and other media in upstream answers. They are never stored: the
//! snapshot keeps `"[redacted]"` where they were, and the media proxy fetches
//! them fresh from the provider (short-lived URLs expire; inline base64 is
//! re-read) for a reviewer who revealed the customer's personal data.

use super::http::{classify_by_status, Upstream};
use super::json::{norm_key, ID_KEYS, REDACTED, SECRET_KEYS};
use super::UpstreamError;
use crate::server::providers::UpstreamErrorKind;
use base64::Engine as _;
use serde_json::Value;

/// JSON pointers (RFC 6901) of the media a redacted snapshot held: every
/// `"[redacted]"` string except ids and secrets.
pub fn media_paths(snapshot: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(snapshot, String::new(), false, &mut out);
    out
}

fn walk(v: &Value, path: String, excluded: bool, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, item) in map {
                let nk = norm_key(k);
                let excluded = excluded
                    || nk == "id"
                    || ID_KEYS.contains(&nk.as_str())
                    || SECRET_KEYS.contains(&nk.as_str());
                walk(item, format!("{path}/{}", escape(k)), excluded, out);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, format!("{path}/{i}"), excluded, out);
            }
        }
        Value::String(s) if s == REDACTED && !excluded => out.push(path),
        _ => {}
    }
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// A human name for a media path: `/liveness_result/image` → "liveness result image".
pub fn label(path: &str) -> String {
    let words: Vec<String> = path
        .split('/')
        .filter(|p| !p.is_empty() && p.parse::<usize>().is_err())
        .map(|p| {
            p.replace("~1", "/")
                .replace("~0", "~")
                .replace(['_', '-'], " ")
        })
        .collect();
    let tail = words.len().saturating_sub(2);
    words[tail..].join(" ")
}

/// Where the bytes of one media value are.
#[derive(Debug, PartialEq, Eq)]
pub enum MediaValue {
    Url(String),
    Inline(Vec<u8>),
}

/// Reads a media value: an http(s) URL, a `data:` URI or plain base64.
pub fn read_value(s: &str) -> Option<MediaValue> {
    let t = s.trim();
    if t.starts_with("https://") || t.starts_with("http://") {
        return Some(MediaValue::Url(t.to_string()));
    }
    let b64 = match t.strip_prefix("data:") {
        Some(rest) => rest.split_once(',')?.1,
        None => t,
    };
    let clean: String = b64.chars().filter(|c| !c.is_whitespace()).collect();
    let engine = &base64::engine::general_purpose::STANDARD;
    engine
        .decode(&clean)
        .or_else(|_| base64::engine::general_purpose::URL_SAFE.decode(&clean))
        .ok()
        .filter(|b| !b.is_empty())
        .map(MediaValue::Inline)
}

/// The image type of these bytes, by their magic number; anything else is
/// not served.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0xFF, 0xD8, 0xFF, ..] => Some("image/jpeg"),
        [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => Some("image/png"),
        [b'G', b'I', b'F', b'8', ..] => Some("image/gif"),
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => Some("image/webp"),
        _ => None,
    }
}

/// Downloads a media URL, only from the provider's own host or, over https,
/// from S3 object storage (where the providers keep their photos, as
/// presigned links): the URL comes from an upstream answer, and must not
/// make us fetch anything else (SSRF). Other `amazonaws.com` hosts (EC2
/// instances, load balancers, API gateways, anyone's) are refused.
pub async fn download(http: &Upstream, base: &str, url: &str) -> Result<Vec<u8>, UpstreamError> {
    let refuse = |why: &str| UpstreamError::new(http.provider(), UpstreamErrorKind::Rejected, why);
    let parsed = reqwest::Url::parse(url).map_err(|_| refuse("the media URL is not a URL"))?;
    let base_host = reqwest::Url::parse(base)
        .ok()
        .and_then(|b| b.host_str().map(str::to_string));
    let host = parsed.host_str().unwrap_or_default();
    let allowed =
        Some(host) == base_host.as_deref() || (parsed.scheme() == "https" && is_s3_host(host));
    if !allowed {
        return Err(refuse("the media URL points outside the provider's hosts"));
    }
    let answer = http
        .send(
            true,
            || http.client().get(parsed.clone()),
            classify_by_status,
        )
        .await?;
    Ok(answer.body.to_vec())
}

/// An S3 endpoint: `[bucket.]s3[-region|.region[.dualstack]].amazonaws.com`
/// (virtual-hosted or path style), nothing else under `amazonaws.com`.
fn is_s3_host(host: &str) -> bool {
    let Some(rest) = host
        .to_ascii_lowercase()
        .strip_suffix(".amazonaws.com")
        .map(str::to_string)
    else {
        return false;
    };
    let labels: Vec<&str> = rest.split('.').collect();
    let plain = |l: &str| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    let Some(s3) = labels
        .iter()
        .position(|l| *l == "s3" || l.starts_with("s3-"))
    else {
        return false;
    };
    let after = &labels[s3 + 1..];
    after.len() <= 2 && labels.iter().all(|l| plain(l))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn media_paths_are_the_redacted_values_that_are_not_ids_or_secrets() {
        let snapshot = json!({
            "liveness_result": {"image": "[redacted]", "result": true},
            "documents": [{"front_image": "[redacted]"}, {"front_image": ""}],
            "id_number": "[redacted]",
            "provider_representation": {"result": {"id": "[redacted]"}},
            "a/b": "[redacted]",
        });
        let mut paths = media_paths(&snapshot);
        paths.sort();
        assert_eq!(
            paths,
            vec![
                "/a~1b",
                "/documents/0/front_image",
                "/liveness_result/image"
            ]
        );
        for p in &paths {
            assert_eq!(
                snapshot.pointer(p),
                Some(&json!("[redacted]")),
                "{p} resolves"
            );
        }
        assert_eq!(label("/liveness_result/image"), "liveness result image");
        assert_eq!(label("/documents/0/front_image"), "documents front image");
    }

    #[test]
    fn media_values_are_urls_data_uris_or_base64_and_only_images_are_served() {
        assert_eq!(
            read_value(" https://x.s3.amazonaws.com/a.jpg?X-Amz-Signature=1 "),
            Some(MediaValue::Url(
                "https://x.s3.amazonaws.com/a.jpg?X-Amz-Signature=1".into()
            ))
        );
        let jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10];
        let b64 = base64::engine::general_purpose::STANDARD.encode(jpeg);
        assert_eq!(read_value(&b64), Some(MediaValue::Inline(jpeg.to_vec())));
        assert_eq!(
            read_value(&format!("data:image/jpeg;base64,{b64}")),
            Some(MediaValue::Inline(jpeg.to_vec()))
        );
        assert_eq!(sniff(&jpeg), Some("image/jpeg"));
        assert_eq!(
            sniff(b"<svg onload=alert(1)>"),
            None,
            "markup is never served as an image"
        );
        assert_eq!(sniff(b"AB1234567"), None);
        assert_eq!(read_value(""), None);
    }

    #[test]
    fn only_s3_endpoints_count_as_object_storage() {
        for host in [
            "kyc-media-prod.s3.eu-central-1.amazonaws.com",
            "bucket.s3.amazonaws.com",
            "s3.eu-west-1.amazonaws.com",
            "bucket.s3-eu-west-1.amazonaws.com",
            "bucket.s3.dualstack.us-east-1.amazonaws.com",
        ] {
            assert!(is_s3_host(host), "{host}");
        }
        for host in [
            "ec2-3-80-1-1.compute-1.amazonaws.com",
            "sqs.us-east-1.amazonaws.com",
            "bucket.s3.eu-west-1.evil.example",
            "s3.amazonaws.com.evil.example",
            "a.b.c.s3.x.y.z.amazonaws.com",
        ] {
            assert!(!is_s3_host(host), "{host}");
        }
    }

    #[tokio::test]
    async fn a_media_url_outside_the_providers_hosts_is_never_fetched() {
        use crate::domain::verification::Provider;
        let http = Upstream::new(Provider::BiometricKz, Default::default()).expect("client");
        let base = "https://kyc.biometric.kz";
        for url in [
            "http://169.254.169.254/latest/meta-data/",
            "http://127.0.0.1:3000/admin",
            "http://bucket.s3.amazonaws.com/a.jpg",
            "https://amazonaws.com.evil.example/a.jpg",
            "https://ec2-3-80-1-1.compute-1.amazonaws.com/a.jpg",
            "https://internal-app.eu-west-1.elb.amazonaws.com/a.jpg",
            "https://abc123.execute-api.eu-west-1.amazonaws.com/a.jpg",
            "https://amazonaws.com/a.jpg",
            "file:///etc/passwd",
        ] {
            let err = download(&http, base, url).await.expect_err(url);
            assert_eq!(err.kind, UpstreamErrorKind::Rejected, "{url}");
        }
    }
}
