//! User accounts: e-mail addresses, the password rule, and which scope each role needs.

use uuid::Uuid;

use super::role::Role;
use super::validation::{non_empty_text, ValidationErrors};

/// A login e-mail address, kept in lower case so that sign-in is case-insensitive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(value: &str) -> Result<Self, String> {
        let value = value.trim().to_lowercase();
        let valid = value.len() <= 254
            && !value.chars().any(|c| c.is_whitespace() || c.is_control())
            && match value.split_once('@') {
                Some((local, domain)) => {
                    !local.is_empty()
                        && !domain.is_empty()
                        && !domain.contains('@')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                }
                None => false,
            };
        if valid {
            Ok(Self(value))
        } else {
            Err(format!("{value:?} is not an e-mail address"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Fewest characters a password may have.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// A password that meets the registry's rule (12 to 1024 characters). Never logged or stored as is.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub fn parse(value: &str) -> Result<Self, String> {
        let chars = value.chars().count();
        if chars < MIN_PASSWORD_CHARS {
            return Err(format!(
                "password must be at least {MIN_PASSWORD_CHARS} characters"
            ));
        }
        if chars > 1024 {
            return Err("password must be at most 1024 characters".into());
        }
        Ok(Self(value.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

/// The scope an account acts in, which follows from its role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Everything,
    Library(Uuid),
    Programs(Vec<Uuid>),
}

impl Scope {
    /// Checks that the library and programs given fit the role: a collection manager needs a library,
    /// a coordinator or auditor at least one program, and an admin neither.
    pub fn for_role(
        role: Role,
        library_id: Option<Uuid>,
        program_ids: Vec<Uuid>,
    ) -> Result<Scope, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let scope = match role {
            Role::Admin => Scope::Everything,
            Role::CollectionManager => match library_id {
                Some(library) => Scope::Library(library),
                None => {
                    errors.add("library_id", "a collection_manager needs library_id");
                    Scope::Everything
                }
            },
            Role::Coordinator | Role::Auditor => {
                if program_ids.is_empty() {
                    errors.add(
                        "program_ids",
                        format!("a {role} needs at least one program in program_ids"),
                    );
                }
                Scope::Programs(dedup(program_ids.clone()))
            }
        };
        if library_id.is_some() && !role.is_library_scoped() {
            errors.add(
                "library_id",
                format!("a {role} is not tied to a library; leave library_id out"),
            );
        }
        if !program_ids.is_empty() && !role.is_program_scoped() {
            let why = if role.is_library_scoped() {
                "a collection_manager acts in the programs of its library; leave program_ids out"
            } else {
                "an admin sees every program; leave program_ids out"
            };
            errors.add("program_ids", why);
        }
        errors.into_result().map(|()| scope)
    }

    pub fn library_id(&self) -> Option<Uuid> {
        match self {
            Scope::Library(id) => Some(*id),
            _ => None,
        }
    }

    pub fn program_ids(&self) -> &[Uuid] {
        match self {
            Scope::Programs(ids) => ids,
            _ => &[],
        }
    }
}

fn dedup(mut ids: Vec<Uuid>) -> Vec<Uuid> {
    ids.sort();
    ids.dedup();
    ids
}

/// A user account, ready to store (the password still to be hashed).
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: Email,
    pub name: String,
    pub password: Password,
    pub role: Role,
    pub scope: Scope,
}

/// What a client sent to create a user, before checking.
#[derive(Debug, Default)]
pub struct UserInput {
    pub email: Option<String>,
    pub name: Option<String>,
    pub password: Option<String>,
    pub role: Option<Role>,
    pub library_id: Option<Uuid>,
    pub program_ids: Vec<Uuid>,
}

impl NewUser {
    pub fn parse(input: UserInput) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let email = errors
            .require("email", input.email)
            .and_then(|e| errors.check("email", Email::parse(&e)));
        let name = errors
            .require("name", input.name)
            .and_then(|n| errors.check("name", non_empty_text(&n, "name", 200)));
        let password = errors
            .require("password", input.password)
            .and_then(|p| errors.check("password", Password::parse(&p)));
        let role = errors.require("role", input.role);
        let scope = role.and_then(|role| {
            match Scope::for_role(role, input.library_id, input.program_ids) {
                Ok(scope) => Some(scope),
                Err(scope_errors) => {
                    errors.0.extend(scope_errors.0);
                    None
                }
            }
        });
        errors.into_result()?;
        Ok(Self {
            email: email.expect("checked above"),
            name: name.expect("checked above"),
            password: password.expect("checked above"),
            role: role.expect("checked above"),
            scope: scope.expect("checked above"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_lower_cased() {
        assert_eq!(
            Email::parse(" Ann.Smith@Amherst.EDU ").unwrap().as_str(),
            "ann.smith@amherst.edu"
        );
        for bad in ["", "ann", "@amherst.edu", "ann@", "a b@c.d", "a@b@c"] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_need_twelve_characters() {
        assert!(Password::parse("short-pass1").is_err());
        assert!(Password::parse("long-enough-1").is_ok());
        assert_eq!(
            format!("{:?}", Password::parse("long-enough-1").unwrap()),
            "Password(***)"
        );
    }

    #[test]
    fn collection_manager_needs_a_library() {
        let errors = Scope::for_role(Role::CollectionManager, None, vec![]).unwrap_err();
        assert_eq!(errors.0[0].field, "library_id");
        let library = Uuid::now_v7();
        assert_eq!(
            Scope::for_role(Role::CollectionManager, Some(library), vec![]).unwrap(),
            Scope::Library(library)
        );
    }

    #[test]
    fn coordinator_and_auditor_need_a_program() {
        for role in [Role::Coordinator, Role::Auditor] {
            let errors = Scope::for_role(role, None, vec![]).unwrap_err();
            assert_eq!(errors.0[0].field, "program_ids");
        }
        let program = Uuid::now_v7();
        assert_eq!(
            Scope::for_role(Role::Auditor, None, vec![program, program]).unwrap(),
            Scope::Programs(vec![program])
        );
    }

    #[test]
    fn admin_has_no_library_or_programs() {
        assert_eq!(
            Scope::for_role(Role::Admin, None, vec![]).unwrap(),
            Scope::Everything
        );
        assert!(Scope::for_role(Role::Admin, Some(Uuid::now_v7()), vec![]).is_err());
        assert!(Scope::for_role(Role::Admin, None, vec![Uuid::now_v7()]).is_err());
    }

    #[test]
    fn new_user_lists_every_missing_field() {
        let errors = NewUser::parse(UserInput::default()).unwrap_err();
        let fields: Vec<_> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["email", "name", "password", "role"]);
    }
}
