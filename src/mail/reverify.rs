//! The re-verification mail (复核): Chinese first, English below. The name and the link;
//! never the ID number. Plain text (`.txt` templates are not HTML-escaped).

use askama::Template;

/// The subject line.
#[derive(Template)]
#[template(path = "mail/reverify.subject.txt")]
pub struct Subject;

/// The body; `link` is the personal link, or the placeholder it is stored with.
#[derive(Template)]
#[template(path = "mail/reverify.txt")]
pub struct Body<'a> {
    pub name: &'a str,
    pub link: &'a str,
    /// The last day the link works, in the office's time zone.
    pub until: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subject_is_one_line_in_both_languages() {
        assert_eq!(
            Subject.render().unwrap(),
            "请核对您的客户资料 / Please confirm your details"
        );
    }

    #[test]
    fn the_body_reads_as_it_always_did_and_escapes_nothing() {
        let body = Body {
            name: "O'Brien & <Sons>",
            link: "{personal-link}",
            until: "2026-12-17",
        };
        let expected = "O'Brien & <Sons>，您好：\n\n\
            为保证您的客户资料准确，请打开下面的链接核对：信息无误请点击“信息无误”，\
            有变化请点击“信息有变化”并简单说明。\n\n\
            {personal-link}\n\n\
            链接仅供您本人使用，有效期至 2026-12-17。\n\n\
            ----\n\
            Dear O'Brien & <Sons>,\n\n\
            Please open the link above to check the details we keep about you: confirm them, \
            or tell us what has changed. The link is for you alone and works until 2026-12-17.\n";
        assert_eq!(body.render().unwrap(), expected);
    }
}
