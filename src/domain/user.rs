//! The user form's rules.

use super::password;
use super::role::Role;
use super::validation::{required_text, FieldErrors};

pub const USERNAME_MAX: usize = 32;
pub const DISPLAY_NAME_MAX: usize = 64;

/// What the user form posts, as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct UserInput {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub office_id: String,
    #[serde(default)]
    pub password: String,
}

/// A user's details once checked (the office's existence is the database's to check).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserDetails {
    pub username: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub office_id: Option<i32>,
}

/// User names are lower case, so `Alice` and `alice` are one account.
pub fn normalize_username(name: &str) -> String {
    name.trim().to_lowercase()
}

pub fn check_username(errors: &mut FieldErrors, name: &str) -> String {
    let name = normalize_username(name);
    let valid_chars = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if name.is_empty() {
        errors.add("username", "err-required");
    } else if name.chars().count() > USERNAME_MAX {
        errors.add("username", "err-too-long");
    } else if name.chars().count() < 2 || !valid_chars {
        errors.add("username", "err-username-format");
    }
    name
}

pub fn check_roles(errors: &mut FieldErrors, roles: &[String]) -> Vec<Role> {
    let mut parsed = Vec::new();
    for role in roles {
        match role.parse::<Role>() {
            Ok(role) if !parsed.contains(&role) => parsed.push(role),
            Ok(_) => {}
            Err(_) => errors.add("roles", "err-role-unknown"),
        }
    }
    if roles.is_empty() {
        errors.add("roles", "err-role-required");
    }
    parsed.sort();
    parsed
}

pub fn check_office_id(errors: &mut FieldErrors, office_id: &str) -> Option<i32> {
    let office_id = office_id.trim();
    if office_id.is_empty() {
        return None;
    }
    match office_id.parse::<i32>() {
        Ok(id) => Some(id),
        Err(_) => {
            errors.add("office_id", "err-office-missing");
            None
        }
    }
}

pub fn check_password(errors: &mut FieldErrors, field: &'static str, value: &str) {
    if let Err(weakness) = password::check_strength(value) {
        errors.add(field, weakness.message_key());
    }
}

/// Checks the form for a new user (with an initial password) or an edit (without).
pub fn check(input: &UserInput, with_password: bool) -> Result<UserDetails, FieldErrors> {
    let mut errors = FieldErrors::default();
    let username = check_username(&mut errors, &input.username);
    let display_name = if input.display_name.trim().is_empty() {
        username.clone()
    } else {
        required_text(
            &mut errors,
            "display_name",
            &input.display_name,
            DISPLAY_NAME_MAX,
        )
    };
    let roles = check_roles(&mut errors, &input.roles);
    let office_id = check_office_id(&mut errors, &input.office_id);
    if with_password {
        check_password(&mut errors, "password", &input.password);
    }
    errors.into_result(UserDetails {
        username,
        display_name,
        roles,
        office_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> UserInput {
        UserInput {
            username: " Wang.Li ".into(),
            display_name: "王丽".into(),
            roles: vec!["clerk".into()],
            office_id: "3".into(),
            password: "quiet-harbour-42".into(),
        }
    }

    #[test]
    fn a_valid_form_gives_normalised_details() {
        let details = check(&input(), true).unwrap();
        assert_eq!(details.username, "wang.li");
        assert_eq!(details.roles, vec![Role::Clerk]);
        assert_eq!(details.office_id, Some(3));
    }

    #[test]
    fn each_bad_field_gets_its_own_message() {
        let bad = UserInput {
            username: "x y".into(),
            display_name: "名".repeat(65),
            roles: vec!["root".into()],
            office_id: "abc".into(),
            password: "short".into(),
        };
        let errors = check(&bad, true).unwrap_err();
        assert_eq!(errors.get("username"), Some("err-username-format"));
        assert_eq!(errors.get("display_name"), Some("err-too-long"));
        assert_eq!(errors.get("roles"), Some("err-role-unknown"));
        assert_eq!(errors.get("office_id"), Some("err-office-missing"));
        assert_eq!(errors.get("password"), Some("err-password-short"));
    }
}
