use std::time::Duration;

use actix_web::{web, HttpResponse};
use diesel::connection::SimpleConnection;

use crate::state::AppState;

/// How long the check waits for a connection: a health probe must answer quickly.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// `GET /healthz`: 200 `ok` when the database answers, 503 otherwise.
pub async fn check(state: web::Data<AppState>) -> HttpResponse {
    let pool = state.pool.clone();
    let probe = web::block(move || -> Result<(), String> {
        let mut conn = pool.get_timeout(PROBE_TIMEOUT).map_err(|e| e.to_string())?;
        conn.batch_execute("SELECT 1").map_err(|e| e.to_string())
    })
    .await;
    match probe {
        Ok(Ok(())) => HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body("ok"),
        failed => {
            tracing::warn!(?failed, "health check failed");
            HttpResponse::ServiceUnavailable()
                .content_type("text/plain; charset=utf-8")
                .body("database unreachable")
        }
    }
}
