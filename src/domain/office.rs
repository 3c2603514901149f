//! The office form's rules: a name and its communities, one per line.

use super::validation::{required_text, FieldErrors};

pub const NAME_MAX: usize = 64;
pub const MAX_COMMUNITIES: usize = 500;

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct OfficeInput {
    #[serde(default)]
    pub name: String,
    /// Community names, one per line.
    #[serde(default)]
    pub communities: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeDetails {
    pub name: String,
    pub communities: Vec<String>,
}

pub fn check(input: &OfficeInput) -> Result<OfficeDetails, FieldErrors> {
    let mut errors = FieldErrors::default();
    let name = required_text(&mut errors, "name", &input.name, NAME_MAX);
    let mut communities: Vec<String> = Vec::new();
    for line in input
        .communities
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        if line.chars().count() > NAME_MAX || line.chars().any(char::is_control) {
            errors.add("communities", "err-community-name");
        } else if communities.iter().any(|c| c == line) {
            errors.add("communities", "err-community-repeated");
        } else {
            communities.push(line.to_string());
        }
    }
    if communities.len() > MAX_COMMUNITIES {
        errors.add("communities", "err-too-many");
    }
    errors.into_result(OfficeDetails { name, communities })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn communities_are_read_one_per_line() {
        let input = OfficeInput {
            name: "东城管理处".into(),
            communities: "阳光花园\r\n\n  翠湖苑 \n".into(),
        };
        assert_eq!(
            check(&input).unwrap().communities,
            vec!["阳光花园", "翠湖苑"]
        );
    }

    #[test]
    fn a_repeated_community_is_refused() {
        let input = OfficeInput {
            name: "东城管理处".into(),
            communities: "阳光花园\n阳光花园".into(),
        };
        assert_eq!(
            check(&input).unwrap_err().get("communities"),
            Some("err-community-repeated")
        );
    }
}
