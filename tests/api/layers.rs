//! The structure the README promises, checked on the source: dependencies
//! point one way (`domain` ← `server` ← `api` ← `ui`, with `view` a leaf
//! they share), and inside `server` no two modules import each other, even
//! through others.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, with its module path (`services::cases`).
fn modules(dir: &Path) -> BTreeMap<String, String> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
            let p = entry.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "rs") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(dir, &mut files);
    files
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(dir).expect("under dir").with_extension("");
            let mut parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().to_string())
                .collect();
            if parts.last().is_some_and(|l| l == "mod") {
                parts.pop();
            }
            let text = std::fs::read_to_string(&p).expect("read");
            (parts.join("::"), code_only(&text))
        })
        .collect()
}

/// The source without comments and without its unit tests.
fn code_only(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    };
    text.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The paths a file names after `prefix` (`crate::server::` → `db::audit`),
/// with `{a, b::c}` groups opened one level.
fn named_after(code: &str, prefix: &str) -> Vec<String> {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == ':';
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find(prefix) {
        let before = rest[..i].chars().last();
        rest = &rest[i + prefix.len()..];
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            out.extend(
                group[..end]
                    .split(',')
                    .map(|s| {
                        s.trim()
                            .split(" as ")
                            .next()
                            .unwrap_or("")
                            .trim()
                            .to_string()
                    })
                    .filter(|s| s.starts_with(|c: char| c.is_ascii_lowercase())),
            );
        } else {
            let end = rest.find(|c| !ident(c)).unwrap_or(rest.len());
            out.push(rest[..end].trim_end_matches(':').to_string());
        }
    }
    out
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn dependencies_point_one_way_from_domain_to_the_pages() {
    let rules: [(&str, &[&str]); 4] = [
        (
            "domain",
            &["crate::server", "crate::api", "crate::ui", "crate::view"],
        ),
        ("server", &["crate::api", "crate::ui"]),
        ("api", &["crate::ui"]),
        ("bin", &["kyc_desk::ui", "kyc_desk::api"]),
    ];
    for (layer, forbidden) in rules {
        for (module, code) in modules(&src().join(layer)) {
            for f in forbidden {
                assert!(
                    !code.contains(&format!("{f}::")) && !code.contains(&format!("use {f};")),
                    "{layer}::{module} uses {f}"
                );
            }
        }
    }
    let view = code_only(&std::fs::read_to_string(src().join("view.rs")).expect("view.rs"));
    for f in ["crate::server", "crate::api", "crate::ui"] {
        assert!(!view.contains(f), "view.rs is a leaf: it uses {f}");
    }
    assert!(
        !view.contains("fn "),
        "view.rs is plain data: no functions, no logic"
    );
}

#[test]
fn no_two_server_modules_import_each_other() {
    let server = modules(&src().join("server"));
    let names: BTreeSet<&String> = server.keys().collect();
    // A module of services/db/workers counts on its own; any other folder
    // (providers/eclipse, sandbox/…) counts as its top module.
    let unit = |m: &str| -> String {
        let parts: Vec<&str> = m.split("::").collect();
        match parts.as_slice() {
            [top @ ("services" | "db" | "workers"), sub, ..] => format!("{top}::{sub}"),
            [top, ..] => top.to_string(),
            [] => String::new(),
        }
    };
    let resolve = |path: &str| -> Option<String> {
        let segs: Vec<&str> = path.split("::").collect();
        (1..=segs.len())
            .rev()
            .map(|n| segs[..n].join("::"))
            .find(|cand| names.contains(cand))
    };
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, code) in &server {
        let here: Vec<&str> = module.split("::").collect();
        let mut targets = named_after(code, "crate::server::");
        for ups in (1..=3).rev() {
            let prefix = "super::".repeat(ups);
            let base = here[..here.len().saturating_sub(ups)].join("::");
            for t in named_after(code, &prefix) {
                targets.push(if base.is_empty() {
                    t
                } else {
                    format!("{base}::{t}")
                });
            }
        }
        for t in targets.iter().filter_map(|t| resolve(t)) {
            let (from, to) = (unit(module), unit(&t));
            if from != to {
                edges.entry(from).or_default().insert(to);
            }
        }
    }
    // Any path back to where it started is a circle.
    for start in edges.keys() {
        let mut seen = BTreeSet::new();
        let mut todo: Vec<(String, Vec<String>)> = vec![(start.clone(), vec![start.clone()])];
        while let Some((at, path)) = todo.pop() {
            for next in edges.get(&at).into_iter().flatten() {
                assert!(
                    next != start,
                    "import circle: {} -> {start}",
                    path.join(" -> ")
                );
                if seen.insert(next.clone()) {
                    let mut p = path.clone();
                    p.push(next.clone());
                    todo.push((next.clone(), p));
                }
            }
        }
    }
    assert!(
        edges.len() > 20,
        "the scan sees the server's modules: {edges:?}"
    );
}

/// Byte ranges of the string literals in `src` (plain, byte and raw);
/// comments are skipped, never read as strings.
fn string_literals(src: &str) -> Vec<(usize, usize)> {
    let b = src.as_bytes();
    let (mut out, mut i) = (Vec::new(), 0);
    let word = |i: usize| i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
    while i < b.len() {
        if b[i..].starts_with(b"//") {
            i = src[i..].find('\n').map_or(b.len(), |j| i + j);
        } else if b[i..].starts_with(b"/*") {
            i = src[i + 2..].find("*/").map_or(b.len(), |j| i + 2 + j + 2);
        } else if (b[i] == b'r' || b[i..].starts_with(b"br")) && !word(i) {
            let start = i;
            let mut j = i + if b[i] == b'b' { 2 } else { 1 };
            let hashes = b[j..].iter().take_while(|c| **c == b'#').count();
            j += hashes;
            if b.get(j) == Some(&b'"') {
                let end = format!("\"{}", "#".repeat(hashes));
                i = src[j + 1..]
                    .find(&end)
                    .map_or(b.len(), |k| j + 1 + k + end.len());
                out.push((start, i));
            } else {
                i += 1;
            }
        } else if b[i] == b'"' {
            let start = i;
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push((start, i.min(b.len())));
        } else if b[i] == b'\'' && b.get(i + 2) == Some(&b'\'') {
            i += 3;
        } else if b[i..].starts_with(b"'\\") {
            i = src[i + 2..].find('\'').map_or(b.len(), |j| i + 2 + j + 1);
        } else {
            i += 1;
        }
    }
    out
}

#[test]
fn no_line_is_over_100_characters_but_for_string_literals() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut long = Vec::new();
    for dir in ["src", "tests"] {
        let mut files = Vec::new();
        let mut todo = vec![root.join(dir)];
        while let Some(d) = todo.pop() {
            for e in std::fs::read_dir(&d).expect("dir").flatten() {
                let p = e.path();
                if p.is_dir() {
                    todo.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    files.push(p);
                }
            }
        }
        for file in files {
            let src = std::fs::read_to_string(&file).expect("read");
            let strings = string_literals(&src);
            let in_string = |k: usize| strings.iter().any(|(a, b)| (*a..*b).contains(&k));
            let mut at = 0;
            for (n, line) in src.split('\n').enumerate() {
                let chars: Vec<(usize, char)> = line.char_indices().collect();
                let over = chars
                    .iter()
                    .skip(100)
                    .all(|(i, c)| in_string(at + i) || matches!(c, ' ' | ',' | ';' | ')'));
                if chars.len() > 100 && !over {
                    long.push(format!("{}:{}", file.display(), n + 1));
                }
                at += line.len() + 1;
            }
        }
    }
    assert!(long.is_empty(), "lines over 100 characters: {long:#?}");
}
