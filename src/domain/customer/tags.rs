//! Tags: `;`-separated (a Chinese `；` too), each a path of levels like `风险/欠费`.

pub const TAG_MAX_CHARS: usize = 32;
pub const TAGS_MAX: usize = 20;

/// Trimmed tags in the order given, repeats dropped (ignoring case: `vip` is `VIP`).
pub fn parse_tags(value: &str) -> Result<Vec<String>, &'static str> {
    let mut tags: Vec<String> = Vec::new();
    for tag in value
        .split([';', '；'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        let tag = normalize_tag(tag)?;
        if !tags.iter().any(|t| t.to_lowercase() == tag.to_lowercase()) {
            tags.push(tag);
        }
    }
    if tags.len() > TAGS_MAX {
        return Err("err-too-many");
    }
    Ok(tags)
}

/// Spaces around `/` dropped; an empty level (`风险//欠费`, `/欠费`) is refused.
fn normalize_tag(tag: &str) -> Result<String, &'static str> {
    if tag.chars().any(char::is_control) {
        return Err("err-invalid-chars");
    }
    let levels: Vec<&str> = tag.split('/').map(str::trim).collect();
    if levels.iter().any(|level| level.is_empty()) {
        return Err("err-tag-format");
    }
    let tag = levels.join("/");
    if tag.chars().count() > TAG_MAX_CHARS {
        return Err("err-tag-too-long");
    }
    Ok(tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_split_on_both_semicolons_trimmed_and_without_repeats() {
        assert_eq!(
            parse_tags(" 频繁投诉;高净值；VIP ; ;vip;高净值 "),
            Ok(vec!["频繁投诉".into(), "高净值".into(), "VIP".into()])
        );
        assert_eq!(parse_tags(""), Ok(vec![]));
    }

    #[test]
    fn a_slash_separates_levels() {
        assert_eq!(
            parse_tags("风险 / 欠费;风险/欠费"),
            Ok(vec!["风险/欠费".into()])
        );
        assert_eq!(parse_tags("风险//欠费"), Err("err-tag-format"));
        assert_eq!(parse_tags("/欠费"), Err("err-tag-format"));
    }

    #[test]
    fn long_tags_too_many_tags_and_control_characters_are_refused() {
        assert!(parse_tags(&"标".repeat(32)).is_ok());
        assert_eq!(parse_tags(&"标".repeat(33)), Err("err-tag-too-long"));
        let many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
        assert_eq!(parse_tags(&many.join(";")), Err("err-too-many"));
        assert_eq!(parse_tags("a\u{7}b"), Err("err-invalid-chars"));
    }
}
