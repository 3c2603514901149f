//! Which communities (小区) a user may file a record under, and the form that gives a
//! waiting one its office.

use super::role::{allows, Permission, Role};
use super::validation::FieldErrors;

/// The communities a user may choose for a record: their office's; without an office,
/// every community an office has, and also those waiting for one (an import brought
/// them) if their role lets them reach those.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    Office(i32),
    Assigned,
    All,
}

impl Reach {
    pub fn of(office_id: Option<i32>, roles: &[Role]) -> Reach {
        match office_id {
            Some(office) => Reach::Office(office),
            None if allows(roles, Permission::ReachUnassignedCommunities) => Reach::All,
            None => Reach::Assigned,
        }
    }
}

/// The form that gives a waiting community its office, as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct AssignInput {
    #[serde(default)]
    pub office_id: String,
}

/// The chosen office's id; none chosen (or not a number) is `err-office-missing`.
pub fn check_assign(input: &AssignInput) -> Result<i32, FieldErrors> {
    let mut errors = FieldErrors::default();
    let office_id = input.office_id.trim().parse::<i32>();
    if office_id.is_err() {
        errors.add("office_id", "err-office-missing");
    }
    errors.into_result(office_id.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_office_bounds_every_role_and_only_a_manager_reaches_unassigned_communities() {
        assert_eq!(Reach::of(Some(3), &[Role::Manager]), Reach::Office(3));
        assert_eq!(Reach::of(Some(3), &[Role::Clerk]), Reach::Office(3));
        assert_eq!(Reach::of(None, &[Role::Manager]), Reach::All);
        assert_eq!(Reach::of(None, &[Role::Clerk]), Reach::Assigned);
        assert_eq!(Reach::of(None, &[Role::Clerk, Role::Manager]), Reach::All);
    }

    #[test]
    fn assigning_needs_an_office_chosen() {
        let chosen = AssignInput {
            office_id: " 7 ".into(),
        };
        assert_eq!(check_assign(&chosen), Ok(7));
        let errors = check_assign(&AssignInput::default()).unwrap_err();
        assert_eq!(errors.get("office_id"), Some("err-office-missing"));
    }
}
