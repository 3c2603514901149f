use askama::Template;

use super::PageCtx;
use crate::web::current_user::CurrentUser;

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub ctx: PageCtx,
    pub user: CurrentUser,
    pub office: Option<String>,
}

impl HomePage {
    pub fn welcome(&self) -> String {
        self.ctx
            .t_args("home-welcome", &[("name", self.user.display_name.clone())])
    }
}
