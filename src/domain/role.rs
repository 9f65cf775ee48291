//! Roles and the scope a signed-in person acts in.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a user account is for; see the Roles table of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Coordinator,
    CollectionManager,
    Auditor,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Admin,
        Role::Coordinator,
        Role::CollectionManager,
        Role::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Coordinator => "coordinator",
            Role::CollectionManager => "collection_manager",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(value: &str) -> Result<Role, String> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == value)
            .ok_or_else(|| {
                format!(
                    "unknown role {value:?}; expected one of admin, coordinator, collection_manager, auditor"
                )
            })
    }

    /// Coordinators and auditors are scoped to programs.
    pub fn is_program_scoped(self) -> bool {
        matches!(self, Role::Coordinator | Role::Auditor)
    }

    /// Collection managers are scoped to one library.
    pub fn is_library_scoped(self) -> bool {
        self == Role::CollectionManager
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A signed-in user as the rules see them: who, in which role, over which library and programs.
///
/// For a collection manager `program_ids` are the programs its library belongs to; for a
/// coordinator or auditor the programs they were given; for an admin it is empty (admins see all).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Uuid,
    pub role: Role,
    pub library_id: Option<Uuid>,
    pub program_ids: Vec<Uuid>,
}

impl Actor {
    /// The registry itself, acting with an admin's rights for an operator at the command line
    /// (imports, expiry). It has no user account: its id is the nil UUID.
    pub fn system() -> Self {
        Self {
            user_id: Uuid::nil(),
            role: Role::Admin,
            library_id: None,
            program_ids: Vec::new(),
        }
    }

    pub fn is_system(&self) -> bool {
        self.user_id.is_nil()
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Whether this actor may read records of `program_id`.
    pub fn can_read_program(&self, program_id: Uuid) -> bool {
        self.is_admin() || self.program_ids.contains(&program_id)
    }

    /// Only admins manage programs, libraries, memberships and user accounts.
    pub fn can_manage_accounts(&self) -> bool {
        self.is_admin()
    }

    /// Whether this actor may read the private note of a commitment of `library_id` in
    /// `program_id`: the library's own people, the program's coordinators and auditors, admins —
    /// not another library's collection manager, though it reads the commitment.
    pub fn reads_private_notes(&self, program_id: Uuid, library_id: Uuid) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Coordinator | Role::Auditor => self.program_ids.contains(&program_id),
            Role::CollectionManager => self.library_id == Some(library_id),
        }
    }

    /// Whether this actor may use `capability` at all (somewhere in its scope): what menus offer.
    /// Each use is still checked on its own (`workflow::may_propose`, `workflow::decide`, …).
    pub fn can(&self, capability: Capability) -> bool {
        match capability {
            Capability::Read | Capability::Export => true,
            // Proposing and importing make proposals: a library's own or a program's allocation.
            Capability::Propose | Capability::Import => self.role != Role::Auditor,
            Capability::Administer => self.can_manage_accounts(),
        }
    }
}

/// What a signed-in person may use, as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    /// Read commitments, titles and programs in its scope.
    Read,
    /// Propose a commitment (a library) or allocate one (a program).
    Propose,
    /// Import a file of commitments.
    Import,
    /// Export commitments and the audit trail of its scope.
    Export,
    /// Manage programs, libraries, memberships and accounts.
    Administer,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role, programs: Vec<Uuid>) -> Actor {
        Actor {
            user_id: Uuid::now_v7(),
            role,
            library_id: None,
            program_ids: programs,
        }
    }

    #[test]
    fn role_names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
        assert!(Role::parse("librarian").is_err());
    }

    #[test]
    fn auditor_reads_only_its_programs() {
        let east = Uuid::now_v7();
        let west = Uuid::now_v7();
        let auditor = actor(Role::Auditor, vec![east]);
        assert!(auditor.can_read_program(east));
        assert!(!auditor.can_read_program(west));
        assert!(!auditor.can_manage_accounts());
    }

    #[test]
    fn only_an_admin_administers_and_an_auditor_never_proposes() {
        for role in Role::ALL {
            let someone = actor(role, vec![Uuid::now_v7()]);
            assert_eq!(someone.can(Capability::Administer), role == Role::Admin);
            assert_eq!(someone.can(Capability::Propose), role != Role::Auditor);
            assert_eq!(someone.can(Capability::Import), role != Role::Auditor);
            assert!(someone.can(Capability::Read) && someone.can(Capability::Export));
        }
    }

    #[test]
    fn a_private_note_is_read_by_its_library_and_program_not_by_another_library() {
        let (program, library) = (Uuid::now_v7(), Uuid::now_v7());
        let own = Actor {
            library_id: Some(library),
            ..actor(Role::CollectionManager, vec![program])
        };
        let other = Actor {
            library_id: Some(Uuid::now_v7()),
            ..actor(Role::CollectionManager, vec![program])
        };
        assert!(own.reads_private_notes(program, library));
        assert!(!other.reads_private_notes(program, library));
        assert!(actor(Role::Coordinator, vec![program]).reads_private_notes(program, library));
        assert!(actor(Role::Auditor, vec![program]).reads_private_notes(program, library));
        assert!(!actor(Role::Auditor, vec![Uuid::now_v7()]).reads_private_notes(program, library));
        assert!(actor(Role::Admin, vec![]).reads_private_notes(program, library));
    }

    #[test]
    fn admin_reads_everything() {
        let admin = actor(Role::Admin, vec![]);
        assert!(admin.can_read_program(Uuid::now_v7()));
        assert!(admin.can_manage_accounts());
    }
}
