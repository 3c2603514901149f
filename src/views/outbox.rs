use askama::Template;

use super::PageCtx;
use crate::db::outbox::{Listed, Mail};
use crate::domain::outbox::{mask_answer, mask_recipient, MailState};
use crate::domain::personal_link::PLACEHOLDER;
use crate::domain::role::Permission;

/// `?state=&page=` as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct OutboxQuery {
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub page: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/outbox.html")]
pub struct OutboxPage {
    pub ctx: PageCtx,
    pub state: Option<MailState>,
    pub states: [MailState; 6],
    pub mails: Vec<Listed>,
    pub smtp_configured: bool,
    pub paused: bool,
    pub page: i64,
    pub prev_link: Option<String>,
    pub next_link: Option<String>,
}

impl OutboxPage {
    pub fn page_label(&self) -> String {
        self.ctx
            .t_args("page-number", &[("page", self.page.to_string())])
    }

    pub fn is_selected(&self, state: &MailState) -> bool {
        self.state == Some(*state)
    }

    pub fn masked(&self, recipient: &str) -> String {
        mask_recipient(recipient)
    }

    /// The last SMTP answer, with any echo of the address masked.
    pub fn answer(&self, mail: &Listed) -> String {
        mask_answer(&mail.last_answer, &mail.recipient)
    }

    pub fn state_label(&self, state: &str) -> String {
        match state.parse::<MailState>() {
            Ok(state) => self.ctx.t(state.label_key()),
            Err(_) => state.to_string(),
        }
    }

    pub fn can_retry(&self, state: &str) -> bool {
        self.can_manage() && state.parse().is_ok_and(|s: MailState| s.can_retry())
    }

    pub fn can_manage(&self) -> bool {
        self.ctx
            .user
            .as_ref()
            .is_some_and(|u| u.can(Permission::ManageJobs))
    }

    pub fn can_read_bodies(&self) -> bool {
        self.ctx
            .user
            .as_ref()
            .is_some_and(|u| u.can(Permission::ReadMailBodies))
    }
}

/// One mail with its body, for a manager.
#[derive(Template)]
#[template(path = "admin/outbox_mail.html")]
pub struct OutboxMailPage {
    pub ctx: PageCtx,
    pub mail: Mail,
}

impl OutboxMailPage {
    /// The body as queued: where the personal link goes, a note that it is withheld
    /// (the link is built only as the mail is sent).
    pub fn body_shown(&self) -> String {
        let note = format!("[{}]", self.ctx.t("mail-link-withheld"));
        self.mail.body.replace(PLACEHOLDER, &note)
    }

    pub fn state_label(&self) -> String {
        match self.mail.state.parse::<MailState>() {
            Ok(state) => self.ctx.t(state.label_key()),
            Err(_) => self.mail.state.clone(),
        }
    }
}
