//! `users` and `user_roles`: together because a user is read and saved with their roles.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{user_roles, users};
use super::{now, DbConnection};
use crate::domain::role::Role;
use crate::domain::user::UserDetails;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i32,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub office_id: Option<i32>,
    pub must_change_password: bool,
    pub disabled: bool,
    pub session_epoch: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
struct NewUser<'a> {
    username: &'a str,
    display_name: &'a str,
    password_hash: &'a str,
    office_id: Option<i32>,
    must_change_password: bool,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// A user with their roles, as most pages need them.
#[derive(Debug, Clone)]
pub struct UserWithRoles {
    pub user: User,
    pub roles: Vec<Role>,
}

pub fn find(conn: &mut DbConnection, id: i32) -> QueryResult<Option<User>> {
    users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_username(conn: &mut DbConnection, username: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::username.eq(username))
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}

/// A user and their roles in one query (the session check of every request).
pub fn find_with_roles(conn: &mut DbConnection, id: i32) -> QueryResult<Option<(User, Vec<Role>)>> {
    let rows: Vec<(User, Option<String>)> = users::table
        .left_join(user_roles::table)
        .filter(users::id.eq(id))
        .select((User::as_select(), user_roles::role.nullable()))
        .load(conn)?;
    let roles = parse_roles(rows.iter().filter_map(|(_, role)| role.as_ref()));
    Ok(rows.into_iter().next().map(|(user, _)| (user, roles)))
}

pub fn roles_of(conn: &mut DbConnection, user_id: i32) -> QueryResult<Vec<Role>> {
    let names: Vec<String> = user_roles::table
        .filter(user_roles::user_id.eq(user_id))
        .select(user_roles::role)
        .load(conn)?;
    Ok(parse_roles(names.iter()))
}

/// Every user with their roles, in two queries whatever the number of users.
pub fn list_with_roles(conn: &mut DbConnection) -> QueryResult<Vec<UserWithRoles>> {
    let all: Vec<User> = users::table
        .order(users::username)
        .select(User::as_select())
        .load(conn)?;
    let pairs: Vec<(i32, String)> = user_roles::table
        .select((user_roles::user_id, user_roles::role))
        .load(conn)?;
    Ok(all
        .into_iter()
        .map(|user| {
            let roles = parse_roles(
                pairs
                    .iter()
                    .filter(|(id, _)| *id == user.id)
                    .map(|(_, r)| r),
            );
            UserWithRoles { user, roles }
        })
        .collect())
}

fn parse_roles<'a>(names: impl Iterator<Item = &'a String>) -> Vec<Role> {
    let mut roles: Vec<Role> = names
        .filter_map(|name| match name.parse() {
            Ok(role) => Some(role),
            Err(error) => {
                tracing::warn!(%error, "ignoring a stored role");
                None
            }
        })
        .collect();
    roles.sort();
    roles
}

/// Inserts a user and their roles. Call inside a transaction.
pub fn create(
    conn: &mut DbConnection,
    details: &UserDetails,
    password_hash: &str,
    must_change_password: bool,
) -> QueryResult<User> {
    let at = now();
    diesel::insert_into(users::table)
        .values(NewUser {
            username: &details.username,
            display_name: &details.display_name,
            password_hash,
            office_id: details.office_id,
            must_change_password,
            created_at: at,
            updated_at: at,
        })
        .execute(conn)?;
    let user = find_by_username(conn, &details.username)?.ok_or(diesel::result::Error::NotFound)?;
    set_roles(conn, user.id, &details.roles)?;
    Ok(user)
}

fn set_roles(conn: &mut DbConnection, user_id: i32, roles: &[Role]) -> QueryResult<()> {
    diesel::delete(user_roles::table.filter(user_roles::user_id.eq(user_id))).execute(conn)?;
    for role in roles {
        diesel::insert_into(user_roles::table)
            .values((
                user_roles::user_id.eq(user_id),
                user_roles::role.eq(role.as_str()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Changes name, roles and office. Role changes end the user's sessions, so that a
/// removed permission takes effect at once. Call inside a transaction.
pub fn update_details(conn: &mut DbConnection, id: i32, details: &UserDetails) -> QueryResult<()> {
    let roles_changed = roles_of(conn, id)? != details.roles;
    diesel::update(users::table.find(id))
        .set((
            users::display_name.eq(&details.display_name),
            users::office_id.eq(details.office_id),
            users::updated_at.eq(now()),
        ))
        .execute(conn)?;
    set_roles(conn, id, &details.roles)?;
    if roles_changed {
        end_sessions(conn, id)?;
    }
    Ok(())
}

/// Sets a new password hash and ends every session of the user.
pub fn set_password(
    conn: &mut DbConnection,
    id: i32,
    hash: &str,
    must_change: bool,
) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(hash),
            users::must_change_password.eq(must_change),
            users::session_epoch.eq(users::session_epoch + 1),
            users::updated_at.eq(now()),
        ))
        .execute(conn)
        .map(drop)
}

pub fn set_disabled(conn: &mut DbConnection, id: i32, disabled: bool) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((
            users::disabled.eq(disabled),
            users::session_epoch.eq(users::session_epoch + 1),
            users::updated_at.eq(now()),
        ))
        .execute(conn)
        .map(drop)
}

/// Makes every cookie issued so far for this user invalid.
pub fn end_sessions(conn: &mut DbConnection, id: i32) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set(users::session_epoch.eq(users::session_epoch + 1))
        .execute(conn)
        .map(drop)
}
