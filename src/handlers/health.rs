use actix_web::{web, HttpResponse};
use diesel::connection::SimpleConnection;

use crate::state::AppState;

/// `GET /healthz`: 200 `ok` when the database answers, 503 otherwise.
pub async fn check(state: web::Data<AppState>) -> HttpResponse {
    let reachable = state.db(|conn| Ok(conn.batch_execute("SELECT 1")?)).await;
    match reachable {
        Ok(()) => HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body("ok"),
        Err(error) => {
            tracing::warn!(%error, "health check failed");
            HttpResponse::ServiceUnavailable()
                .content_type("text/plain; charset=utf-8")
                .body("database unreachable")
        }
    }
}
