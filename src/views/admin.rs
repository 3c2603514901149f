use askama::Template;

use super::PageCtx;
use crate::db::communities::Community;
use crate::db::offices::{Office, OfficeWithCommunities};
use crate::db::users::UserWithRoles;
use crate::domain::office::OfficeInput;
use crate::domain::role::Role;
use crate::domain::user::UserInput;
use crate::domain::validation::FieldErrors;

#[derive(Template)]
#[template(path = "admin/users.html")]
pub struct UsersPage {
    pub ctx: PageCtx,
    pub users: Vec<UserWithRoles>,
    pub offices: Vec<Office>,
}

impl UsersPage {
    pub fn office_name(&self, id: &Option<i32>) -> String {
        match id {
            Some(id) => self
                .offices
                .iter()
                .find(|o| o.id == *id)
                .map(|o| o.name.clone())
                .unwrap_or_default(),
            None => self.ctx.t("user-whole-company"),
        }
    }
}

/// The user form, new (`user_id` None) or edit; it keeps what was typed.
#[derive(Template)]
#[template(path = "admin/user_form.html")]
pub struct UserFormPage {
    pub ctx: PageCtx,
    pub user_id: Option<i32>,
    pub disabled: bool,
    pub form: UserInput,
    pub errors: FieldErrors,
    pub reset_errors: FieldErrors,
    pub offices: Vec<Office>,
    pub all_roles: [Role; 4],
}

impl UserFormPage {
    pub fn has_role(&self, role: &Role) -> bool {
        self.form.roles.iter().any(|r| r == role.as_str())
    }

    pub fn office_selected(&self, id: &i32) -> bool {
        self.form.office_id.trim() == id.to_string()
    }
}

#[derive(Template)]
#[template(path = "admin/offices.html")]
pub struct OfficesPage {
    pub ctx: PageCtx,
    pub offices: Vec<OfficeWithCommunities>,
    /// Communities an import brought that wait for an office.
    pub unassigned: Vec<Community>,
    /// The community whose assignment was refused, what was chosen, and why.
    pub refused: Option<(i32, String)>,
    pub errors: FieldErrors,
}

impl OfficesPage {
    pub fn is_refused(&self, community: &i32) -> bool {
        self.refused.as_ref().is_some_and(|(id, _)| id == community)
    }

    pub fn office_chosen(&self, community: &i32, office: &i32) -> bool {
        self.refused
            .as_ref()
            .is_some_and(|(id, chosen)| id == community && chosen.trim() == office.to_string())
    }
}

#[derive(Template)]
#[template(path = "admin/office_form.html")]
pub struct OfficeFormPage {
    pub ctx: PageCtx,
    pub office_id: Option<i32>,
    pub form: OfficeInput,
    pub errors: FieldErrors,
}
