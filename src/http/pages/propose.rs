//! `GET /commitments/new` and `POST /commitments`: a collection manager proposes for its library,
//! a coordinator allocates to a member library. The form's fields carry the JSON names of
//! `POST /api/v1/commitments`; the same parse and store functions check them, and a form with
//! errors comes back (422) with each message beside its field and the input kept.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::Utc;

use super::options::{self, library_choices, program_choices, Libraries};
use super::session::PageUser;
use super::view::words;
use super::{
    checked, render, see_other, Choice, Chrome, FieldErrors, Form, PageError, Section, SignedInForm,
};
use crate::db::models::commitments;
use crate::db::models::libraries::LibraryRow;
use crate::db::DbError;
use crate::domain::commitment::{
    CommitmentInput, Condition, Format, NewCommitment, Policy, Shelving, Validation,
};
use crate::domain::{Actor, Capability, ValidationErrors};
use crate::error::ApiError;
use crate::http::extractors::CurrentUser;
use crate::http::AppState;

/// The text fields of the form, in the order shown, with their labels.
const TEXT_FIELDS: [(&str, &str); 14] = [
    ("author", "Author"),
    ("publisher", "Publisher"),
    ("pub_year", "Publication year"),
    ("isbn", "ISBN"),
    ("issn", "ISSN"),
    ("local_bib_id", "Local bib id"),
    ("local_item_id", "Local item id"),
    ("barcode", "Barcode"),
    ("call_number", "Call number"),
    (
        "materials_specified",
        "Materials specified (volumes of a serial)",
    ),
    ("public_note", "Public note"),
    ("private_note", "Private note"),
    ("program_note", "Program note (tier or sub-collection)"),
    ("validation_note", "Validation note (level, status)"),
];

/// Every field the form shows (a message for any other goes at its top).
const SHOWN: [&str; 25] = [
    "program_id",
    "library_id",
    "oclc_number",
    "title",
    "format",
    "shelving",
    "condition",
    "validation",
    "policies",
    "retention_start",
    "retention_end",
    "author",
    "publisher",
    "pub_year",
    "isbn",
    "issn",
    "local_bib_id",
    "local_item_id",
    "barcode",
    "call_number",
    "materials_specified",
    "public_note",
    "private_note",
    "program_note",
    "validation_note",
];

pub struct TextField {
    pub name: &'static str,
    pub label: &'static str,
    pub value: String,
}

#[derive(Template)]
#[template(path = "propose.html")]
struct ProposePage {
    chrome: Chrome,
    heading: &'static str,
    programs: Vec<Choice>,
    libraries: Vec<Choice>,
    /// A collection manager's own library: fixed, not chosen.
    own_library: Option<LibraryRow>,
    values: Form,
    policies_chosen: Vec<String>,
    text_fields: Vec<TextField>,
    formats: Vec<&'static str>,
    shelvings: Vec<&'static str>,
    conditions: Vec<&'static str>,
    validations: Vec<&'static str>,
    policies: Vec<&'static str>,
    errors: FieldErrors,
    problem: Option<String>,
}

impl ProposePage {
    fn label(&self, code: &str) -> String {
        words(code)
    }
}

async fn form_page(
    req: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    values: Form,
    errors: FieldErrors,
    problem: Option<String>,
) -> Result<ProposePage, PageError> {
    if !user.actor.can(Capability::Propose) {
        return Err(ApiError::Forbidden("an auditor only reads".into()).into());
    }
    let actor = user.actor.clone();
    let (programs, libraries) = state
        .db
        .read(move |conn| options::load(conn, &actor, Libraries::ActFor))
        .await?;
    // A collection manager proposes for its own library only.
    let own_library = user
        .actor
        .library_id
        .and_then(|_| libraries.first().cloned());
    Ok(ProposePage {
        chrome: Chrome::new(req, user, Section::Propose),
        heading: if own_library.is_some() {
            "Propose a commitment"
        } else {
            "Allocate a commitment to a library"
        },
        programs: program_choices(programs, values.text("program_id").as_deref()),
        libraries: library_choices(libraries, values.text("library_id").as_deref()),
        own_library,
        policies_chosen: values.all("policies"),
        text_fields: TEXT_FIELDS
            .iter()
            .map(|(name, label)| TextField {
                name,
                label,
                value: values.text(name).unwrap_or_default(),
            })
            .collect(),
        values,
        formats: Format::ALL.iter().map(|f| f.as_str()).collect(),
        shelvings: Shelving::ALL.iter().map(|s| s.as_str()).collect(),
        conditions: Condition::ALL.iter().map(|s| s.as_str()).collect(),
        validations: Validation::ALL.iter().map(|s| s.as_str()).collect(),
        policies: Policy::ALL.iter().map(|s| s.as_str()).collect(),
        errors,
        problem,
    })
}

pub async fn new(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
) -> Result<HttpResponse, PageError> {
    // A link may fill in the program, library and title (the dashboard's "allocate" does).
    let prefilled = form_urlencoded::parse(req.query_string().as_bytes())
        .filter(|(name, _)| {
            matches!(
                name.as_ref(),
                "program_id" | "library_id" | "oclc_number" | "title"
            )
        })
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect();
    let page = form_page(
        &req,
        &state,
        &user.0,
        Form::from_pairs(prefilled),
        FieldErrors::default(),
        None,
    )
    .await?;
    render(StatusCode::OK, &page)
}

/// The form as the API's input; values that do not read are field errors.
fn input_of(form: &Form, actor: &Actor, errors: &mut ValidationErrors) -> CommitmentInput {
    // A collection manager's form names its own library, or none; a form naming another is
    // refused below as the API refuses it (403), not quietly turned into a proposal for its own.
    let library_id = form.id("library_id", errors).or(actor.library_id);
    let mut policies = Vec::new();
    for value in form.all("policies") {
        if let Some(policy) = errors.check("policies", Policy::parse(&value)) {
            policies.push(policy);
        }
    }
    CommitmentInput {
        program_id: form.id("program_id", errors),
        library_id,
        oclc_number: form.text("oclc_number"),
        title: form.text("title"),
        author: form.text("author"),
        publisher: form.text("publisher"),
        pub_year: form.parsed("pub_year", errors, |v| {
            v.parse::<i64>()
                .map_err(|_| format!("pub_year {v:?} is not a year"))
        }),
        isbn: form.text("isbn"),
        issn: form.text("issn"),
        format: form.parsed("format", errors, Format::parse),
        local_bib_id: form.text("local_bib_id"),
        local_item_id: form.text("local_item_id"),
        barcode: form.text("barcode"),
        call_number: form.text("call_number"),
        materials_specified: form.text("materials_specified"),
        shelving: form.parsed("shelving", errors, Shelving::parse),
        condition: form.parsed("condition", errors, Condition::parse),
        validation: form.parsed("validation", errors, Validation::parse),
        policies,
        retention_start: form.text("retention_start"),
        retention_end: form.text("retention_end"),
        public_note: form.text("public_note"),
        private_note: form.text("private_note"),
        program_note: form.text("program_note"),
        validation_note: form.text("validation_note"),
        aliases: Vec::new(),
    }
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    submitted: SignedInForm,
) -> Result<HttpResponse, PageError> {
    let SignedInForm { user, form } = submitted;
    let mut errors = ValidationErrors::new();
    let input = input_of(&form, &user.actor, &mut errors);
    let parsed = NewCommitment::parse(input, Utc::now().date_naive());
    let outcome = match checked(errors, parsed) {
        Ok(new) => {
            let actor = user.actor.clone();
            state
                .db
                .write(move |conn| commitments::propose(conn, &actor, new))
                .await
        }
        Err(invalid) => Err(invalid),
    };
    let (status, field_errors, problem) = match outcome {
        Ok(record) => {
            return Ok(see_other(&format!(
                "/commitments/{}?done=propose",
                record.commitment.id
            )))
        }
        Err(DbError::Invalid(errors)) => {
            let fields = FieldErrors::of(&errors);
            let others = fields.others(&SHOWN);
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                fields,
                (!others.is_empty()).then(|| others.join("; ")),
            )
        }
        Err(DbError::Forbidden(why)) => (StatusCode::FORBIDDEN, FieldErrors::default(), Some(why)),
        Err(other) => return Err(other.into()),
    };
    let page = form_page(&req, &state, &user, form, field_errors, problem).await?;
    render(status, &page)
}
