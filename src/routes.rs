//! The route table: one line per route, with the permission it needs. Read top to bottom
//! as a site map. GET shows a page; every change is a POST.

use actix_web::middleware::from_fn;
use actix_web::web::{get, post, ServiceConfig};
use actix_web::Route;

use crate::domain::role::Permission::{self, *};
use crate::handlers::customers::{activity, form, list, record, reports, tags};
use crate::handlers::{
    account, admin, audit, health, home, lang, login, logout, reverify, reviews,
};
use crate::web::{assets, guard};

/// A route that only users with `permission` reach.
fn need(permission: Permission, route: Route) -> Route {
    route.wrap(from_fn(move |req, next| {
        guard::check(permission, req, next)
    }))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg
        // Public
        .route("/healthz", get().to(health::check))
        .route("/static/{name}", get().to(assets::serve))
        .route("/login", get().to(login::form))
        .route("/login", post().to(login::submit))
        .route("/lang", post().to(lang::switch))
        // Public: the customer's personal re-verification link (the token is the key)
        .route("/verify/{token}", get().to(reverify::link::show))
        .route(
            "/verify/{token}/confirm",
            post().to(reverify::link::confirm),
        )
        .route("/verify/{token}/change", post().to(reverify::link::change))
        .route("/verify-thanks/{outcome}", get().to(reverify::link::thanks))
        // Any signed-in user
        .route("/", need(SignedIn, get().to(home::show)))
        .route("/logout", need(SignedIn, post().to(logout::submit)))
        .route("/account/password", need(SignedIn, get().to(account::form)))
        .route(
            "/account/password",
            need(SignedIn, post().to(account::submit)),
        )
        // Auditor
        .route("/audit", need(ReadAuditLog, get().to(audit::list)))
        // Customer records: read by clerks, managers, auditors; changed by clerks, managers
        .route("/customers", need(ReadCustomers, get().to(list::list)))
        .route("/customers", need(EditCustomers, post().to(form::create)))
        .route("/customers/new", need(EditCustomers, get().to(form::new)))
        .route(
            "/customers/{code}",
            need(ReadCustomers, get().to(record::show)),
        )
        .route(
            "/customers/{code}/edit",
            need(EditCustomers, get().to(form::edit)),
        )
        .route(
            "/customers/{code}/update",
            need(EditCustomers, post().to(form::update)),
        )
        .route(
            "/customers/{code}/history",
            need(ReadCustomers, get().to(record::history)),
        )
        .route(
            "/customers/{code}/restore/{version}",
            need(RestoreVersions, post().to(record::restore)),
        )
        .route(
            "/customers/{code}/reveal",
            need(RevealIdNumbers, post().to(record::reveal)),
        )
        .route(
            "/customers/{code}/interactions",
            need(EditCustomers, post().to(activity::add_interaction)),
        )
        .route(
            "/customers/{code}/changes",
            need(EditCustomers, post().to(activity::report_change)),
        )
        .route(
            "/customers/{code}/contacts",
            need(EditCustomers, post().to(activity::add_key_contact)),
        )
        .route(
            "/customers/{code}/contacts/{id}/remove",
            need(EditCustomers, post().to(activity::remove_key_contact)),
        )
        .route("/changes", need(ReadCustomers, get().to(reports::queue)))
        .route(
            "/changes/{id}/no-change",
            need(EditCustomers, post().to(reports::close_unchanged)),
        )
        .route("/tags", need(ReadCustomers, get().to(tags::list)))
        // Re-verification: records the mail cannot reach, verified by phone
        .route(
            "/reviews/call-list",
            need(ReadCustomers, get().to(reverify::call_list::list)),
        )
        .route(
            "/reviews/call-list/{code}/verified",
            need(EditCustomers, post().to(reverify::call_list::verified)),
        )
        .route(
            "/tags/{id}/move",
            need(ManageTags, post().to(tags::move_tag)),
        )
        // Review lists (dormancy): read by all who read records, decided by managers
        .route(
            "/reviews/pending-activation",
            need(ReadCustomers, get().to(reviews::pending)),
        )
        .route(
            "/reviews/pending-activation/{code}/callback",
            need(EditCustomers, post().to(reviews::callback)),
        )
        .route(
            "/reviews/cleanup",
            need(ReadCustomers, get().to(reviews::cleanup)),
        )
        .route(
            "/reviews/cleanup/legal-review",
            need(DecideCleanup, post().to(reviews::legal_review)),
        )
        .route(
            "/reviews/cleanup/archive",
            need(DecideCleanup, post().to(reviews::archive)),
        )
        .route(
            "/reviews/cleanup/{code}/decide",
            need(DecideCleanup, post().to(reviews::decide)),
        )
        // Admin: backups
        .route(
            "/admin/backups",
            need(ManageJobs, get().to(admin::backups::list)),
        )
        .route(
            "/admin/backups/run",
            need(ManageJobs, post().to(admin::backups::run)),
        )
        // Admin: scheduled jobs
        .route("/admin/jobs", need(ManageJobs, get().to(admin::jobs::list)))
        .route(
            "/admin/jobs/{name}/run",
            need(ManageJobs, post().to(admin::jobs::run)),
        )
        // Admin: users
        .route(
            "/admin/users",
            need(ManageUsers, get().to(admin::users::list)),
        )
        .route(
            "/admin/users",
            need(ManageUsers, post().to(admin::users::create)),
        )
        .route(
            "/admin/users/new",
            need(ManageUsers, get().to(admin::users::new)),
        )
        .route(
            "/admin/users/{id}/edit",
            need(ManageUsers, get().to(admin::users::edit)),
        )
        .route(
            "/admin/users/{id}/update",
            need(ManageUsers, post().to(admin::users::update)),
        )
        .route(
            "/admin/users/{id}/password",
            need(ManageUsers, post().to(admin::users::reset_password)),
        )
        .route(
            "/admin/users/{id}/disable",
            need(ManageUsers, post().to(admin::users::disable)),
        )
        .route(
            "/admin/users/{id}/enable",
            need(ManageUsers, post().to(admin::users::enable)),
        )
        // Admin: offices and their communities
        .route(
            "/admin/offices",
            need(ManageOffices, get().to(admin::offices::list)),
        )
        .route(
            "/admin/offices",
            need(ManageOffices, post().to(admin::offices::create)),
        )
        .route(
            "/admin/offices/new",
            need(ManageOffices, get().to(admin::offices::new)),
        )
        .route(
            "/admin/offices/{id}/edit",
            need(ManageOffices, get().to(admin::offices::edit)),
        )
        .route(
            "/admin/offices/{id}/update",
            need(ManageOffices, post().to(admin::offices::update)),
        )
        .route(
            "/admin/communities/{id}/assign",
            need(ManageOffices, post().to(admin::offices::assign)),
        )
        // Mail outbox: the list for admins and managers, bodies for managers only
        .route(
            "/admin/outbox",
            need(ReadOutbox, get().to(admin::outbox::list)),
        )
        .route(
            "/admin/outbox/pause",
            need(ManageJobs, post().to(admin::outbox::pause)),
        )
        .route(
            "/admin/outbox/resume",
            need(ManageJobs, post().to(admin::outbox::resume)),
        )
        .route(
            "/admin/outbox/{id}",
            need(ReadMailBodies, get().to(admin::outbox::show)),
        )
        .route(
            "/admin/outbox/{id}/retry",
            need(ManageJobs, post().to(admin::outbox::retry)),
        );
}
