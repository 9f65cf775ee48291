//! User accounts and the programs they act in.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

use crate::db::audit::{self, AuditActor, NewEvent};
use crate::db::schema::{libraries, program_members, user_programs, users};
use crate::db::{now, DbConnection, DbError, Page};
use crate::domain::accounts::{Email, NewUser};
use crate::domain::{Actor, Role, ValidationErrors};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub role: String,
    pub library_id: Option<String>,
    pub disabled: bool,
    pub token_version: i32,
    #[diesel(deserialize_as = crate::db::time::StoredTime)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = crate::db::time::StoredTime)]
    pub updated_at: NaiveDateTime,
}

/// A user with the programs it acts in: its own for a coordinator or auditor, its library's for a
/// collection manager, none for an admin.
#[derive(Debug, Clone)]
pub struct Account {
    pub user: UserRow,
    pub role: Role,
    pub program_ids: Vec<Uuid>,
}

impl Account {
    pub fn id(&self) -> Result<Uuid, DbError> {
        super::parse_id(&self.user.id)
    }

    /// The account as the domain rules see it.
    pub fn actor(&self) -> Result<Actor, DbError> {
        Ok(Actor {
            user_id: self.id()?,
            role: self.role,
            library_id: super::parse_opt_id(self.user.library_id.as_deref())?,
            program_ids: self.program_ids.clone(),
        })
    }
}

/// The columns an account change writes; `None` leaves a column as it is.
#[derive(AsChangeset)]
#[diesel(table_name = users)]
struct UserChanges<'a> {
    disabled: Option<bool>,
    password_hash: Option<&'a str>,
    updated_at: NaiveDateTime,
}

/// Changes an admin may make to an account.
#[derive(Debug, Default)]
pub struct AccountChange {
    pub disabled: Option<bool>,
    pub password_hash: Option<String>,
}

pub fn count(conn: &mut DbConnection) -> Result<i64, DbError> {
    Ok(users::table.count().get_result(conn)?)
}

/// Stores a new account whose password was already hashed. The e-mail must be unused and the
/// library and programs of its scope must exist.
pub fn create(
    conn: &mut DbConnection,
    actor: &AuditActor,
    user: NewUser,
    password_hash: String,
) -> Result<Account, DbError> {
    let mut errors = ValidationErrors::new();
    let taken: i64 = users::table
        .filter(users::email.eq(user.email.as_str()))
        .count()
        .get_result(conn)?;
    if taken > 0 {
        errors.add(
            "email",
            format!("a user with e-mail {} already exists", user.email.as_str()),
        );
    }
    let library_id = user.scope.library_id().map(|id| id.to_string());
    if let Some(library_id) = &library_id {
        let found: i64 = libraries::table.find(library_id).count().get_result(conn)?;
        if found == 0 {
            errors.add("library_id", format!("no library has id {library_id}"));
        }
    }
    let program_ids = user.scope.program_ids().to_vec();
    let existing = super::programs::existing_ids(conn, &program_ids)?;
    for missing in program_ids.iter().filter(|id| !existing.contains(id)) {
        errors.add("program_ids", format!("no program has id {missing}"));
    }
    errors.into_result()?;

    let at = now();
    let row = UserRow {
        id: Uuid::now_v7().to_string(),
        email: user.email.as_str().to_owned(),
        name: user.name,
        password_hash,
        role: user.role.as_str().to_owned(),
        library_id,
        disabled: false,
        token_version: 0,
        created_at: at,
        updated_at: at,
    };
    diesel::insert_into(users::table)
        .values(&row)
        .execute(conn)?;
    let links: Vec<_> = program_ids
        .iter()
        .map(|p| {
            (
                user_programs::user_id.eq(&row.id),
                user_programs::program_id.eq(p.to_string()),
            )
        })
        .collect();
    for link in links {
        diesel::insert_into(user_programs::table)
            .values(link)
            .execute(conn)?;
    }
    let account = with_programs(conn, vec![row])?.remove(0);
    audit::append(
        conn,
        actor,
        vec![NewEvent::record(
            "create_user",
            "user",
            account.id()?,
            json!({"email": account.user.email, "name": account.user.name, "role": account.user.role,
                   "library_id": account.user.library_id, "program_ids": account.program_ids}),
        )],
    )?;
    Ok(account)
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<Account, DbError> {
    // Every signed-in request: the statement found by its type (see `on_backend!`).
    let row = crate::on_backend!(conn, |c| users::table
        .find(id.to_string())
        .select(UserRow::as_select())
        .first(c)
        .optional())?
    .ok_or(DbError::NotFound("user"))?;
    Ok(with_programs(conn, vec![row])?.remove(0))
}

pub fn find_by_email(conn: &mut DbConnection, email: &Email) -> Result<Option<Account>, DbError> {
    let row = users::table
        .filter(users::email.eq(email.as_str()))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?;
    match row {
        Some(row) => Ok(Some(with_programs(conn, vec![row])?.remove(0))),
        None => Ok(None),
    }
}

/// Accounts in creation order, after the key `after`.
pub fn list(
    conn: &mut DbConnection,
    after: Option<&str>,
    limit: i64,
) -> Result<Page<Account>, DbError> {
    let mut query = users::table
        .select(UserRow::as_select())
        .order(users::id)
        .limit(limit + 1)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(users::id.gt(after.to_owned()));
    }
    let page = Page::from_rows(query.load(conn)?, limit, |u| u.id.clone());
    let items = with_programs(conn, page.items)?;
    Ok(Page {
        items,
        next_after: page.next_after,
    })
}

/// Applies an admin's change. Disabling, enabling or a new password bumps the token version, which
/// revokes every token issued before.
pub fn change(
    conn: &mut DbConnection,
    actor: &AuditActor,
    id: Uuid,
    change: AccountChange,
) -> Result<Account, DbError> {
    let before = find(conn, id)?;
    let mut details = serde_json::Map::new();
    if let Some(disabled) = change.disabled {
        details.insert("disabled".into(), json!(disabled));
    }
    if change.password_hash.is_some() {
        details.insert("password_changed".into(), json!(true));
    }
    if details.is_empty() {
        return Ok(before);
    }
    // Only the columns this change names are written, and the token version is bumped in SQL: a
    // concurrent disable and password reset both take effect (writing back what was read would
    // let the later one undo the earlier).
    let changes = UserChanges {
        disabled: change.disabled,
        password_hash: change.password_hash.as_deref(),
        updated_at: now(),
    };
    diesel::update(users::table.find(&before.user.id))
        .set((changes, users::token_version.eq(users::token_version + 1)))
        .execute(conn)?;
    audit::append(
        conn,
        actor,
        vec![NewEvent::record("update_user", "user", id, details.into())],
    )?;
    find(conn, id)
}

/// Adds to each row the programs its account acts in, with one query per kind of scope.
fn with_programs(conn: &mut DbConnection, rows: Vec<UserRow>) -> Result<Vec<Account>, DbError> {
    // A collection manager acts in its library's programs, anyone else in its own: each account
    // is asked about in one of the two tables only.
    fn library_of(r: &UserRow) -> Option<&String> {
        r.library_id
            .as_ref()
            .filter(|_| r.role == Role::CollectionManager.as_str())
    }
    let user_ids: Vec<&String> = rows
        .iter()
        .filter(|r| library_of(r).is_none())
        .map(|r| &r.id)
        .collect();
    let library_ids: Vec<&String> = rows.iter().filter_map(library_of).collect();
    let mut by_user: HashMap<String, Vec<Uuid>> = HashMap::new();
    // One account (every signed-in request) is asked with `=`, a statement SQLite prepares once
    // per connection; an `IN` list is prepared anew each time.
    let own: Vec<(String, String)> = match user_ids.as_slice() {
        [] => Vec::new(),
        [user_id] => crate::on_backend!(conn, |c| user_programs::table
            .select((user_programs::user_id, user_programs::program_id))
            .filter(user_programs::user_id.eq(*user_id))
            .order((user_programs::user_id, user_programs::program_id))
            .load(c))?,
        _ => user_programs::table
            .select((user_programs::user_id, user_programs::program_id))
            .filter(user_programs::user_id.eq_any(&user_ids))
            .order((user_programs::user_id, user_programs::program_id))
            .load(conn)?,
    };
    for (user, program) in own {
        by_user
            .entry(user)
            .or_default()
            .push(super::parse_id(&program)?);
    }
    let mut by_library: HashMap<String, Vec<Uuid>> = HashMap::new();
    if !library_ids.is_empty() {
        let members: Vec<(String, String)> = match library_ids.as_slice() {
            [library_id] => crate::on_backend!(conn, |c| program_members::table
                .select((program_members::library_id, program_members::program_id))
                .filter(program_members::library_id.eq(*library_id))
                .order((program_members::library_id, program_members::program_id))
                .load(c))?,
            _ => program_members::table
                .select((program_members::library_id, program_members::program_id))
                .filter(program_members::library_id.eq_any(&library_ids))
                .order((program_members::library_id, program_members::program_id))
                .load(conn)?,
        };
        for (library, program) in members {
            by_library
                .entry(library)
                .or_default()
                .push(super::parse_id(&program)?);
        }
    }
    rows.into_iter()
        .map(|user| {
            let role = Role::parse(&user.role).map_err(DbError::Corrupt)?;
            let program_ids = match (&user.library_id, role) {
                (Some(library), Role::CollectionManager) => {
                    by_library.get(library).cloned().unwrap_or_default()
                }
                _ => by_user.get(&user.id).cloned().unwrap_or_default(),
            };
            Ok(Account {
                user,
                role,
                program_ids,
            })
        })
        .collect()
}

/// The names and e-mail addresses of the users with these ids (an audit trail's actors).
pub fn names(
    conn: &mut DbConnection,
    ids: &[String],
) -> Result<HashMap<String, (String, String)>, DbError> {
    let rows: Vec<(String, String, String)> = users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::name, users::email))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, email)| (id, (name, email)))
        .collect())
}
