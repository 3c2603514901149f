//! Roles and what each may do: the one table every route's check reads.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Admin,
    Manager,
    Clerk,
    Auditor,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Manager, Role::Clerk, Role::Auditor];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Clerk => "clerk",
            Role::Auditor => "auditor",
        }
    }

    /// The locale key of the role's name.
    pub fn label_key(self) -> &'static str {
        match self {
            Role::Admin => "role-admin",
            Role::Manager => "role-manager",
            Role::Clerk => "role-clerk",
            Role::Auditor => "role-auditor",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown role {0:?} (expected admin, manager, clerk or auditor)")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Role, UnknownRole> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| UnknownRole(s.to_string()))
    }
}

/// What a route needs. `SignedIn` is any user; the rest come from roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    SignedIn,
    ManageUsers,
    ManageOffices,
    ReadAuditLog,
    ReadCustomers,
    EditCustomers,
    /// Showing an ID number unmasked (with a reason, logged).
    RevealIdNumbers,
    /// Bringing back an earlier version of a record.
    RestoreVersions,
    /// Moving and renaming tags in the tag tree.
    ManageTags,
    /// Jobs, the outbox (recipients masked, no bodies) and backups.
    ManageJobs,
    /// Open a queued or sent mail's body (it holds customer data).
    ReadMailBodies,
    /// Decide the cleanup list: keep or archive, legal review, bulk archive.
    DecideCleanup,
    /// The outbox list (recipients masked, no bodies).
    ReadOutbox,
    /// Filing records under a community no office has yet (an import brought it).
    ReachUnassignedCommunities,
}

/// Which role grants which permission. Admin maintains the system and never reads
/// customer records; the auditor reads, never changes.
const GRANTS: &[(Role, &[Permission])] = &[
    (
        Role::Admin,
        &[
            Permission::ManageUsers,
            Permission::ManageOffices,
            Permission::ManageJobs,
            Permission::ReadOutbox,
        ],
    ),
    (
        Role::Manager,
        &[
            Permission::ReadCustomers,
            Permission::EditCustomers,
            Permission::RevealIdNumbers,
            Permission::RestoreVersions,
            Permission::ManageTags,
            Permission::ReadMailBodies,
            Permission::DecideCleanup,
            Permission::ReadOutbox,
            Permission::ReachUnassignedCommunities,
        ],
    ),
    (
        Role::Clerk,
        &[Permission::ReadCustomers, Permission::EditCustomers],
    ),
    (
        Role::Auditor,
        &[Permission::ReadAuditLog, Permission::ReadCustomers],
    ),
];

/// Whether any of `roles` grants `permission`.
pub fn allows(roles: &[Role], permission: Permission) -> bool {
    if permission == Permission::SignedIn {
        return true;
    }
    GRANTS
        .iter()
        .filter(|(role, _)| roles.contains(role))
        .any(|(_, granted)| granted.contains(&permission))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_admin_role_never_grants_reading_customers() {
        assert!(!allows(&[Role::Admin], Permission::ReadCustomers));
        assert!(allows(&[Role::Admin], Permission::ManageUsers));
    }

    #[test]
    fn only_a_manager_reveals_id_numbers_and_restores_versions() {
        for role in [Role::Admin, Role::Clerk, Role::Auditor] {
            assert!(!allows(&[role], Permission::RevealIdNumbers), "{role}");
            assert!(!allows(&[role], Permission::RestoreVersions), "{role}");
        }
        assert!(allows(&[Role::Manager], Permission::RevealIdNumbers));
    }

    #[test]
    fn an_auditor_reads_but_never_edits() {
        assert!(allows(&[Role::Auditor], Permission::ReadAuditLog));
        assert!(!allows(&[Role::Auditor], Permission::EditCustomers));
    }

    #[test]
    fn roles_parse_from_their_names_only() {
        assert_eq!("clerk".parse::<Role>().unwrap(), Role::Clerk);
        assert!("root".parse::<Role>().is_err());
    }
}
