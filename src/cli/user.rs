//! `dossier user add|list|passwd|disable`

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Subcommand;

use crate::app::connect;
use crate::db::{offices, users, DbConnection};
use crate::domain::audit::Actor;
use crate::domain::user::{check_roles, check_username, UserDetails};
use crate::domain::validation::FieldErrors;
use crate::i18n::Lang;
use crate::service::{self, Caller};
use crate::settings::Settings;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user; the password comes from DOSSIER_PASSWORD or a hidden prompt
    Add {
        name: String,
        /// admin, manager, clerk or auditor (repeat for several)
        #[arg(long = "role", required = true, value_name = "ROLE")]
        roles: Vec<String>,
        /// The office (管理处) by name; none means the whole company
        #[arg(long, value_name = "NAME")]
        office: Option<String>,
        /// Name shown in the interface [default: NAME]
        #[arg(long, value_name = "TEXT")]
        display_name: Option<String>,
    },
    /// List users with their roles, office and status
    List,
    /// Set a user's password (from DOSSIER_PASSWORD or a hidden prompt)
    Passwd { name: String },
    /// Disable a user: they cannot sign in and their sessions end at once
    Disable { name: String },
}

fn caller() -> Caller {
    let os_user = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
    Caller {
        actor: Actor::System,
        address: format!("cli:{os_user}"),
    }
}

pub fn run(settings: Settings, command: UserCommand) -> anyhow::Result<ExitCode> {
    let mut conn = connect(&settings)?;
    match command {
        UserCommand::Add {
            name,
            roles,
            office,
            display_name,
        } => add(&mut conn, &name, &roles, office, display_name),
        UserCommand::List => list(&mut conn),
        UserCommand::Passwd { name } => {
            let user = find(&mut conn, &name)?;
            let password = read_password()?;
            // Set by an operator on purpose: no forced change at the next sign-in.
            service::users::reset_password(&mut conn, &caller(), user.id, &password, false)
                .map_err(explain)?;
            println!("password changed for {}", user.username);
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::Disable { name } => {
            let user = find(&mut conn, &name)?;
            service::users::set_disabled(&mut conn, &caller(), user.id, true).map_err(explain)?;
            println!("disabled {}", user.username);
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn add(
    conn: &mut DbConnection,
    name: &str,
    roles: &[String],
    office: Option<String>,
    display_name: Option<String>,
) -> anyhow::Result<ExitCode> {
    let mut errors = FieldErrors::default();
    let username = check_username(&mut errors, name);
    let roles = check_roles(&mut errors, roles);
    if !errors.is_empty() {
        return Err(explain(service::Error::Invalid(errors)));
    }
    let office_id = match office {
        Some(office) => Some(
            offices::find_by_name(conn, office.trim())?
                .with_context(|| {
                    format!("no office named {office:?} (create it in /admin/offices first)")
                })?
                .id,
        ),
        None => None,
    };
    let password = read_password()?;
    let details = UserDetails {
        display_name: display_name.unwrap_or_else(|| username.clone()),
        username,
        roles,
        office_id,
    };
    let user =
        service::users::create(conn, &caller(), &details, &password, false).map_err(explain)?;
    println!(
        "added {} ({})",
        user.username,
        details
            .roles
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(ExitCode::SUCCESS)
}

fn list(conn: &mut DbConnection) -> anyhow::Result<ExitCode> {
    let offices = offices::list(conn)?;
    println!(
        "{:<20} {:<20} {:<28} {:<16} status",
        "name", "display name", "roles", "office"
    );
    for u in users::list_with_roles(conn)? {
        let roles = u
            .roles
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(",");
        let office = u
            .user
            .office_id
            .and_then(|id| offices.iter().find(|o| o.id == id))
            .map_or("-".to_string(), |o| o.name.clone());
        let status = if u.user.disabled {
            "disabled"
        } else {
            "active"
        };
        println!(
            "{:<20} {:<20} {:<28} {:<16} {status}",
            u.user.username, u.user.display_name, roles, office
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn find(conn: &mut DbConnection, name: &str) -> anyhow::Result<users::User> {
    let username = crate::domain::user::normalize_username(name);
    users::find_by_username(conn, &username)?.with_context(|| format!("no user named {username:?}"))
}

/// The password from `DOSSIER_PASSWORD`, else typed twice at a hidden prompt.
fn read_password() -> anyhow::Result<String> {
    if let Ok(password) = std::env::var("DOSSIER_PASSWORD") {
        return Ok(password);
    }
    if !std::io::stdin().is_terminal() {
        bail!("no password: set DOSSIER_PASSWORD or run this on a terminal");
    }
    let first = rpassword::prompt_password("Password / 密码: ")?;
    let second = rpassword::prompt_password("Again / 再次输入: ")?;
    if first != second {
        bail!("the two passwords differ");
    }
    Ok(first)
}

/// Field errors become a sentence in English (the CLI's language).
fn explain(error: service::Error) -> anyhow::Error {
    match error {
        service::Error::Invalid(errors) => {
            let fields = ["username", "roles", "office_id", "password", "status"];
            let messages: Vec<String> = fields
                .iter()
                .filter_map(|f| errors.get(f).map(|key| format!("{f}: {}", Lang::En.t(key))))
                .collect();
            anyhow::anyhow!(messages.join("; "))
        }
        // Printed as a chain ("database error: ..."): the cause stays attached.
        other => other.into(),
    }
}
