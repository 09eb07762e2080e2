//! Escaping for the few places the templates cannot escape themselves:
//! SVG built in Rust, JSON inside `<script>`, URL paths and file names.

/// Text or attribute value for HTML and SVG.
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// JSON to embed in `<script type="application/ld+json">`: `<`, `>` and `&`
/// become `\u003c`, `\u003e`, `\u0026` (still the same JSON), so nothing in
/// it can close the script element or open a comment.
pub fn json_for_script(value: &serde_json::Value) -> String {
    let text = serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".into());
    text.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// A URL path, percent-encoded except for unreserved characters and `/`.
pub fn url_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One path segment of the site (a dataset identifier, a project code, a
/// part of a DOI): anything but `[A-Za-z0-9._-]` becomes `_`, and `.`/`..`
/// cannot climb out of the site.
pub fn segment(text: &str) -> String {
    let mut out: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.chars().all(|c| c == '.') {
        out = out.replace('.', "_");
        if out.is_empty() {
            out.push('_');
        }
    }
    out
}

/// The site path of a DOI's page: `doi/<prefix>/<suffix>` (the server's
/// landing pages are `<landing base><doi>`), each part a safe segment.
pub fn doi_path(doi: &str) -> String {
    let parts: Vec<String> = doi.split('/').map(segment).collect();
    format!("doi/{}", parts.join("/"))
}

/// `1536` → `1.5 KiB`.
pub fn bytes(n: i64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn html_escapes_markup_and_quotes() {
        assert_eq!(
            html(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn json_in_a_script_cannot_close_it_and_stays_the_same_json() {
        let value = json!({ "name": "</script><script>alert(1)</script> & <!--" });
        let text = json_for_script(&value);
        assert!(!text.contains("</script"), "{text}");
        assert!(!text.contains("<!--"), "{text}");
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn segments_cannot_climb_or_nest() {
        assert_eq!(segment(".."), "__");
        assert_eq!(segment("a/b c"), "a_b_c");
        assert_eq!(
            segment("ML-2022-10-01-14-03-22-0001"),
            "ML-2022-10-01-14-03-22-0001"
        );
        assert_eq!(doi_path("10.80000/ml.1"), "doi/10.80000/ml.1");
        assert_eq!(doi_path("10.1/../x"), "doi/10.1/__/x");
    }

    #[test]
    fn url_paths_are_percent_encoded() {
        assert_eq!(url_path("movies/grid 3#1.tif"), "movies/grid%203%231.tif");
    }

    #[test]
    fn sizes_are_binary() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(3 * 1024 * 1024 * 1024), "3.0 GiB");
    }
}
