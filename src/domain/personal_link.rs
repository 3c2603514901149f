//! A mail's personal link (the re-verification link opens a record without signing in)
//! is never stored readable. The queued body holds `PLACEHOLDER` where the link goes;
//! the link's token waits beside it encrypted with the field key; the sender puts the
//! link in as the mail leaves, and the token is dropped once it has left. A manager
//! reading the outbox sees the placeholder, never a link that works.

/// Where the link goes in a queued body. Braces never come out of a form field.
pub const PLACEHOLDER: &str = "{personal-link}";

/// The link a customer opens: `{public_url}/verify/{token}`.
pub fn verify_link(public_url: &str, token: &str) -> String {
    format!("{}/verify/{token}", public_url.trim_end_matches('/'))
}

/// The body as it is sent, with the link in place of the placeholder.
pub fn with_link(body: &str, link: &str) -> String {
    body.replace(PLACEHOLDER, link)
}

/// A body queued before links were kept apart, with its raw link cut out: the body with
/// the placeholder instead, and the token. `None` when it holds no such link.
pub fn take_raw_link(body: &str) -> Option<(String, String)> {
    const PATH: &str = "/verify/";
    let at = body.find(PATH)?;
    let token_start = at + PATH.len();
    let token = body.get(token_start..token_start + 64)?;
    if !super::reverify::looks_like_token(token) {
        return None;
    }
    // The link starts where its URL does: after the last whitespace before the path.
    let link_start = body[..at].rfind(char::is_whitespace).map_or(0, |i| {
        i + body[i..].chars().next().map_or(1, char::len_utf8)
    });
    let sealed = format!(
        "{}{PLACEHOLDER}{}",
        &body[..link_start],
        &body[token_start + 64..]
    );
    Some((sealed, token.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn the_link_goes_where_the_placeholder_is() {
        let link = verify_link("https://dossier.example/", TOKEN);
        assert_eq!(link, format!("https://dossier.example/verify/{TOKEN}"));
        assert_eq!(
            with_link(&format!("请打开：\n\n{PLACEHOLDER}\n\n谢谢"), &link),
            format!("请打开：\n\n{link}\n\n谢谢")
        );
    }

    #[test]
    fn a_raw_link_in_an_old_body_is_cut_out_with_its_token() {
        let body = format!("您好：\n\nhttp://10.0.0.5:8080/verify/{TOKEN}\n\n链接仅供您本人使用");
        let (sealed, token) = take_raw_link(&body).unwrap();
        assert_eq!(token, TOKEN);
        assert_eq!(
            sealed,
            format!("您好：\n\n{PLACEHOLDER}\n\n链接仅供您本人使用")
        );
        assert_eq!(take_raw_link(&sealed), None);
        assert_eq!(take_raw_link("see /verify/short"), None);
    }
}
