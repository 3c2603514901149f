//! UI language: zh-CN by default, English by a switch or the browser's Accept-Language.
//! Every string shown to a user lives in `src/locales/{zh-CN,en}/main.ftl`.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{static_loader, LanguageIdentifier, Loader};
use unic_langid::langid;

static_loader! {
    static LOCALES = {
        locales: "./src/locales",
        fallback_language: "zh-CN",
        // Unicode isolation marks around arguments would end up inside form values.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static ZH: LanguageIdentifier = langid!("zh-CN");
static EN: LanguageIdentifier = langid!("en");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        Lang::ALL
            .into_iter()
            .find(|l| l.code().eq_ignore_ascii_case(code.trim()))
    }

    /// The first language of an `Accept-Language` header that we speak, else zh-CN.
    pub fn negotiate(accept_language: &str) -> Lang {
        accept_language
            .split(',')
            .map(|part| {
                part.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            })
            .find_map(|tag| {
                if tag.starts_with("zh") {
                    Some(Lang::Zh)
                } else if tag.starts_with("en") {
                    Some(Lang::En)
                } else {
                    None
                }
            })
            .unwrap_or_default()
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }

    /// The text for `key`; a missing key shows itself, which the locale test prevents.
    pub fn t(self, key: &str) -> String {
        LOCALES
            .try_lookup(self.id(), key)
            .unwrap_or_else(|| key.to_string())
    }

    /// The text for `key` with named arguments, e.g. `[("name", "alice")]`.
    pub fn t_args(self, key: &str, args: &[(&'static str, String)]) -> String {
        let args: HashMap<Cow<'static, str>, FluentValue> = args
            .iter()
            .map(|(k, v)| (Cow::Borrowed(*k), FluentValue::from(v.clone())))
            .collect();
        LOCALES
            .try_lookup_with_args(self.id(), key, &args)
            .unwrap_or_else(|| key.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys(file: &str) -> BTreeSet<String> {
        file.lines()
            .filter(|l| !l.starts_with([' ', '#', '\t']) && l.contains(" ="))
            .filter_map(|l| l.split(" =").next())
            .map(str::to_string)
            .collect()
    }

    /// Every key of one locale, from all its `.ftl` files.
    fn locale_keys(lang: &str) -> BTreeSet<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src/locales")
            .join(lang);
        let mut all = BTreeSet::new();
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            all.extend(keys(&std::fs::read_to_string(entry.path()).unwrap()));
        }
        all
    }

    #[test]
    fn both_locales_have_the_same_keys() {
        let zh = locale_keys("zh-CN");
        let en = locale_keys("en");
        assert_eq!(
            zh.symmetric_difference(&en).collect::<Vec<_>>(),
            Vec::<&String>::new()
        );
    }

    #[test]
    fn every_key_used_in_templates_and_code_exists() {
        let zh = locale_keys("zh-CN");
        let mut missing = Vec::new();
        for path in source_files(std::path::Path::new(env!("CARGO_MANIFEST_DIR"))) {
            if path.ends_with("i18n.rs") {
                continue;
            }
            let mut text = std::fs::read_to_string(&path).unwrap();
            if path.extension().is_some_and(|e| e == "html") {
                // In templates only what goes through `t("…")` is a key; the rest is markup.
                let keys: Vec<String> = text
                    .split("t(\"")
                    .skip(1)
                    .filter_map(|rest| rest.split('"').next())
                    .map(|key| format!("\"{key}\""))
                    .collect();
                text = keys.join(" ");
            }
            for key in quoted_keys(&text) {
                if !zh.contains(&key) {
                    missing.push(format!("{}: {key}", path.display()));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "keys missing from the locale files: {missing:#?}"
        );
    }

    /// String literals that look like locale keys: `"err-…"`, `"nav-…"`, etc.
    fn quoted_keys(text: &str) -> Vec<String> {
        const PREFIXES: [&str; 20] = [
            "err-",
            "nav-",
            "role-",
            "login-",
            "home-",
            "admin-",
            "audit-",
            "action-",
            "flash-",
            "account-",
            "page-",
            "office-",
            "user-",
            "form-",
            "lang-",
            "app-",
            "customer-",
            "changes-",
            "channel-",
            "tags-",
        ];
        text.split('"')
            .skip(1)
            .step_by(2)
            .filter(|s| {
                PREFIXES
                    .iter()
                    .any(|p| s.starts_with(p) && s.len() > p.len())
            })
            .filter(|s| {
                s.chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit())
            })
            .map(str::to_string)
            .collect()
    }

    fn source_files(root: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        let mut stack = vec![root.join("src"), root.join("templates")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if matches!(
                    path.extension().and_then(|e| e.to_str()),
                    Some("rs" | "html")
                ) {
                    out.push(path);
                }
            }
        }
        out
    }

    #[test]
    fn every_logged_action_has_a_label_in_both_languages() {
        for action in crate::domain::audit::Action::ALL {
            let key = format!("action-{}", action.as_str().replace('_', "-"));
            for lang in Lang::ALL {
                assert_ne!(lang.t(&key), key, "{} has no {key}", lang.code());
            }
        }
    }

    #[test]
    fn accept_language_picks_the_first_language_we_speak() {
        assert_eq!(Lang::negotiate("en-US,en;q=0.9"), Lang::En);
        assert_eq!(Lang::negotiate("fr, zh-CN;q=0.8"), Lang::Zh);
        assert_eq!(Lang::negotiate(""), Lang::Zh);
    }
}
