//! The browser assets under `/pkg`: each is brotli-compressed once, at best
//! quality, into a `.br` file beside it, which the server sends to browsers
//! that accept it. Compressing megabytes of wasm at that quality per request
//! would cost seconds of CPU; pages themselves are compressed on the fly at
//! a fast level.

use std::io;
use std::path::{Path, PathBuf};

/// The extensions worth compressing.
const COMPRESSIBLE: [&str; 3] = ["wasm", "js", "css"];

/// Writes `X.br` for every asset `X` in `dir` whose `.br` is missing or
/// older than it; returns the files written. Each is written beside under
/// a temporary name and renamed, so a request never sees half a file.
pub fn precompress(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let compressible = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| COMPRESSIBLE.contains(&e));
        if !compressible || !path.is_file() {
            continue;
        }
        let br = with_suffix(&path, ".br");
        if is_newer_or_same(&br, &path) {
            continue;
        }
        let compressed = brotli_best(&std::fs::read(&path)?)?;
        let tmp = with_suffix(&path, &format!(".br.{}.tmp", std::process::id()));
        std::fs::write(&tmp, compressed)?;
        std::fs::rename(&tmp, &br)?;
        written.push(br);
    }
    Ok(written)
}

/// Brotli at quality 11 (what `/pkg` serves).
pub fn brotli_best(raw: &[u8]) -> io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(raw.len() / 3);
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &raw[..], &mut out, &params)?;
    Ok(out)
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn is_newer_or_same(a: &Path, b: &Path) -> bool {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    matches!((modified(a), modified(b)), (Some(a), Some(b)) if a >= b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assets_are_compressed_once_and_again_when_they_change() {
        let dir = tempfile::tempdir().expect("dir");
        let wasm = dir.path().join("app.wasm");
        std::fs::write(&wasm, b"(module)".repeat(1000)).expect("write");
        std::fs::write(dir.path().join("notes.txt"), b"not an asset").expect("write");
        assert_eq!(
            precompress(dir.path()).expect("first"),
            vec![with_suffix(&wasm, ".br")]
        );
        let br = std::fs::read(with_suffix(&wasm, ".br")).expect("br");
        let mut back = Vec::new();
        brotli::BrotliDecompress(&mut &br[..], &mut back).expect("valid brotli");
        assert_eq!(back, b"(module)".repeat(1000));
        assert!(
            precompress(dir.path()).expect("second").is_empty(),
            "up to date"
        );

        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&wasm, b"(module 2)").expect("rebuild");
        assert_eq!(
            precompress(dir.path()).expect("third").len(),
            1,
            "stale .br rewritten"
        );
    }
}
