//! A practical email syntax check: what mail providers hand out, not all RFC 5322 allows.

use super::fold_width;

const ERR_FORMAT: &str = "err-email-format";
const MAX_LEN: usize = 254;
const LOCAL_MAX_LEN: usize = 64;
const LABEL_MAX_LEN: usize = 63;

/// The address with its domain in lower case (the local part is the mailbox's own business).
pub fn normalize_email(value: &str) -> Result<String, &'static str> {
    let value = fold_width(value.trim());
    if value.len() > MAX_LEN {
        return Err("err-too-long");
    }
    let (local, domain) = value.split_once('@').ok_or(ERR_FORMAT)?;
    if !local_part_ok(local) || !domain_ok(domain) {
        return Err(ERR_FORMAT);
    }
    Ok(format!("{local}@{}", domain.to_lowercase()))
}

fn local_part_ok(local: &str) -> bool {
    let allowed = |c: char| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c);
    !local.is_empty()
        && local.len() <= LOCAL_MAX_LEN
        && local.chars().all(allowed)
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
}

/// Two labels or more of letters, digits and inner hyphens; the last one not numeric.
fn domain_ok(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |label: &&str| {
        !label.is_empty()
            && label.len() <= LABEL_MAX_LEN
            && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    let top_ok = labels.last().is_some_and(|top| {
        top.starts_with("xn--")
            || (top.chars().count() >= 2 && top.chars().all(char::is_alphabetic))
    });
    labels.len() >= 2 && labels.iter().all(label_ok) && top_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_addresses_pass_with_the_domain_in_lower_case() {
        for ok in [
            "9239221916@qq.com",
            "chenling.1967@yahoo.com",
            "songdanjun_x45@foxmail.com",
            "finance@hongtu-bj.com.cn",
            "o'brien+home@example.co.uk",
            "王丽@例子.中国",
        ] {
            assert_eq!(normalize_email(ok), Ok(ok.to_string()), "{ok}");
        }
        assert_eq!(
            normalize_email(" Li.Lei@QQ.COM "),
            Ok("Li.Lei@qq.com".into())
        );
        assert_eq!(normalize_email("li＠163.com"), Ok("li@163.com".into()));
    }

    #[test]
    fn the_generators_bad_emails_are_refused() {
        let local = "chenling.1967";
        for bad in [
            format!("{local}@"),
            format!("{local}.163.com"),
            format!("{local}@@qq.com"),
            format!("{local} x@126.com"),
            format!("@{local}.com"),
            format!("{local}@qq"),
        ] {
            assert_eq!(normalize_email(&bad), Err("err-email-format"), "{bad}");
        }
    }

    #[test]
    fn other_malformed_addresses_are_refused() {
        for bad in [
            "",
            "a@b.c",
            "a@-qq.com",
            "a@qq-.com",
            "a@qq..com",
            "a@qq.com.",
            "a@192.168.1.1",
            ".a@qq.com",
            "a..b@qq.com",
            "a,b@qq.com",
            "<a@qq.com>",
        ] {
            assert_eq!(normalize_email(bad), Err("err-email-format"), "{bad:?}");
        }
        let long = format!("{}@qq.com", "a".repeat(65));
        assert_eq!(normalize_email(&long), Err("err-email-format"));
        let longer = format!("a@{}.com", vec!["b".repeat(60); 5].join("."));
        assert_eq!(normalize_email(&longer), Err("err-too-long"));
    }
}
