use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::{load, Code};
use crate::db::change_reports::{self, ChangeReport};
use crate::db::customers::Customer;
use crate::db::{communities, tags};
use crate::domain::community::Reach;
use crate::domain::customer::{self, CustomerInput};
use crate::domain::history::Change;
use crate::domain::validation::FieldErrors;
use crate::error::AppError;
use crate::handlers::caller;
use crate::service::customers::{self as service, Created, Updated};
use crate::state::AppState;
use crate::views::customers::{form_fields, in_form_order, FormPage};
use crate::views::{render_status, see_other, PageCtx};
use crate::web::current_user::CurrentUser;
use crate::web::form::{pairs, parse};
use crate::web::session::{FlashKind, TypedSession};

/// What the form sends besides the record's fields.
#[derive(Debug, Default, Deserialize)]
struct Extras {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    confirm_duplicate: String,
    version: Option<String>,
    change_report_id: Option<String>,
}

struct Form {
    code: Option<String>,
    version: Option<i32>,
    input: CustomerInput,
    id_placeholder: Option<String>,
    reason: String,
    errors: FieldErrors,
    similar: Vec<Customer>,
    conflicts: Vec<Change>,
    report: Option<ChangeReport>,
    /// The communities this user may choose.
    communities: Vec<String>,
}

fn page(ctx: PageCtx, status: StatusCode, form: Form) -> Result<HttpResponse, AppError> {
    let page = FormPage {
        ctx,
        fields: form_fields(
            &form.input,
            form.id_placeholder.as_deref(),
            &form.communities,
        ),
        code: form.code,
        version: form.version,
        reason: form.reason,
        errors: form.errors,
        similar: form.similar,
        conflicts: form.conflicts,
        report: form.report,
    };
    render_status(status, &page)
}

fn blank(code: Option<String>, version: Option<i32>, input: CustomerInput) -> Form {
    Form {
        code,
        version,
        input,
        id_placeholder: None,
        reason: String::new(),
        errors: FieldErrors::default(),
        similar: Vec::new(),
        conflicts: Vec::new(),
        report: None,
        communities: Vec::new(),
    }
}

/// The communities `user` may file a record under, for the form's select.
async fn choosable(state: &AppState, user: &CurrentUser) -> Result<Vec<String>, AppError> {
    let reach = Reach::of(user.office_id, &user.roles);
    state
        .read(move |c| Ok(communities::choosable(c, reach)?))
        .await
}

/// `GET /customers/new`
pub async fn new(
    ctx: PageCtx,
    user: CurrentUser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let input = CustomerInput {
        customer_type: "personal".into(),
        source: "phone".into(),
        first_contact_at: state.clock.today().to_string(),
        ..CustomerInput::default()
    };
    let form = Form {
        communities: choosable(&state, &user).await?,
        ..blank(None, None, input)
    };
    page(ctx, StatusCode::OK, form)
}

/// `POST /customers`: a similar record stops the save once; sending the form again
/// (with `confirm_duplicate`) saves it, and the reason says why.
pub async fn create(
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    session: TypedSession,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let input: CustomerInput = parse(&body)?;
    let extras: Extras = parse(&body)?;
    let mut form = Form {
        reason: extras.reason.clone(),
        communities: choosable(&state, &user).await?,
        ..blank(None, None, input.clone())
    };
    let today = state.clock.today();
    let draft = match customer::check(&input, today) {
        Ok(draft) => draft,
        Err(errors) => {
            return page(
                ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                Form { errors, ..form },
            )
        }
    };
    let (caller, keys) = (caller(&req, &user), state.keys.clone());
    let duplicate_ok = extras.confirm_duplicate == "yes";
    let outcome = state
        .db(move |c| {
            service::create(
                c,
                &caller,
                &keys,
                &draft,
                &extras.reason,
                duplicate_ok,
                today,
            )
        })
        .await;
    match outcome {
        Ok(Created::Saved(customer)) => {
            session.flash(
                FlashKind::Success,
                ctx.t_args("flash-customer-created", &[("code", customer.code.clone())]),
            )?;
            Ok(see_other(&format!("/customers/{}", customer.code)))
        }
        Ok(Created::Similar(similar)) => {
            form.similar = similar;
            page(ctx, StatusCode::CONFLICT, form)
        }
        Err(AppError::Invalid(errors)) => page(
            ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            Form { errors, ..form },
        ),
        Err(other) => Err(other),
    }
}

#[derive(Deserialize)]
pub struct EditQuery {
    report: Option<i32>,
}

async fn open_report(
    state: &AppState,
    customer_id: i32,
    id: Option<i32>,
) -> Result<Option<ChangeReport>, AppError> {
    let Some(id) = id else { return Ok(None) };
    let report = state.db(move |c| Ok(change_reports::find(c, id)?)).await?;
    Ok(report.filter(|r| r.customer_id == customer_id && r.applied_at.is_none()))
}

/// `GET /customers/{code}/edit[?report=ID]`: applying a reported change opens this form.
pub async fn edit(
    ctx: PageCtx,
    user: CurrentUser,
    state: web::Data<AppState>,
    code: Code,
    query: web::Query<EditQuery>,
) -> Result<HttpResponse, AppError> {
    let customer = load(&state, &user, code.into_inner()).await?;
    crate::service::customers::ensure_editable(&customer)?;
    let id = customer.id;
    let tags = state.db(move |c| Ok(tags::of_customer(c, id)?)).await?;
    let report = open_report(&state, customer.id, query.report).await?;
    let form = Form {
        id_placeholder: customer.id_number_masked.clone(),
        report,
        communities: choosable(&state, &user).await?,
        ..blank(
            Some(customer.code.clone()),
            Some(customer.version),
            CustomerInput::from(&customer).with_tags(&tags),
        )
    };
    page(ctx, StatusCode::OK, form)
}

/// `POST /customers/{code}/update`: saves on the version the form was opened on, or
/// shows both values side by side and saves nothing.
pub async fn update(
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    session: TypedSession,
    state: web::Data<AppState>,
    code: Code,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let customer = load(&state, &user, code.into_inner()).await?;
    let extras: Extras = parse(&body)?;
    let Some(version) = extras
        .version
        .as_deref()
        .and_then(|v| v.trim().parse::<i32>().ok())
    else {
        return Err(AppError::BadRequest("the form has no version".into()));
    };
    let id = customer.id;
    let stored_tags = state.db(move |c| Ok(tags::of_customer(c, id)?)).await?;
    let mut input = CustomerInput::from(&customer).with_tags(&stored_tags);
    for (key, value) in pairs(&body)? {
        input.overlay(&key, value);
    }
    let keep_id = input.id_number.trim().is_empty();
    let report_id = extras
        .change_report_id
        .as_deref()
        .and_then(|r| r.parse::<i32>().ok());
    let report = open_report(&state, customer.id, report_id).await?;
    let mut form = Form {
        reason: extras.reason.clone(),
        id_placeholder: customer.id_number_masked.clone(),
        report: report.clone(),
        communities: choosable(&state, &user).await?,
        ..blank(Some(customer.code.clone()), Some(version), input.clone())
    };
    let draft = match customer::check(&input, state.clock.today()) {
        Ok(draft) => draft,
        Err(errors) => {
            return page(
                ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                Form { errors, ..form },
            )
        }
    };
    let (caller, keys, reason) = (
        caller(&req, &user),
        state.keys.clone(),
        extras.reason.clone(),
    );
    let report_id = report.map(|r| r.id);
    let stored = customer.clone();
    let outcome = state
        .db(move |c| {
            service::update(
                c, &caller, &keys, &stored, version, &draft, keep_id, &reason, report_id,
            )
        })
        .await;
    let code = customer.code.clone();
    match outcome {
        Ok(Updated::Saved(saved)) => {
            session.flash(
                FlashKind::Success,
                ctx.t_args(
                    "flash-customer-saved",
                    &[("version", saved.version.to_string())],
                ),
            )?;
            Ok(see_other(&format!("/customers/{code}")))
        }
        Ok(Updated::Unchanged) => {
            session.flash(FlashKind::Success, ctx.t("flash-customer-unchanged"))?;
            Ok(see_other(&format!("/customers/{code}")))
        }
        Err(AppError::Conflict(conflict)) => {
            // The form now carries the stored version: saving again is a deliberate choice.
            form.version = Some(conflict.current.version);
            form.conflicts = in_form_order(conflict.differences);
            page(ctx, StatusCode::CONFLICT, form)
        }
        Err(AppError::Invalid(errors)) => page(
            ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            Form { errors, ..form },
        ),
        Err(other) => Err(other),
    }
}
