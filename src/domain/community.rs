//! Which communities (小区) a user may file a record under.

use super::role::{allows, Permission, Role};

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
}
