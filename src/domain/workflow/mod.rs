//! The commitment state machine: given a commitment, who is acting and what they ask, the new state
//! or a typed refusal. Pure: persistence applies the outcome in one transaction with its event.
//!
//! | action | from | to | who |
//! |---|---|---|---|
//! | accept, decline | proposed | active, declined | the counter-party of the proposer |
//! | withdraw | proposed | withdrawn | the proposer's side |
//! | report_loss | active | released | the library's collection manager, a coordinator |
//! | request_release | active | release_requested | the library's collection manager |
//! | approve_release, deny_release | release_requested | released, active | a coordinator |
//! | renew | active | active | a coordinator applies; the library's collection manager proposes |
//! | transfer | active | transferred | a coordinator |
//! | expire | active | expired | a coordinator, or the registry's sweep |
//!
//! Admins may do everything. Someone who cannot see the commitment gets `NotVisible` (404).

use chrono::NaiveDate;
use uuid::Uuid;

use super::commitment::{LossReason, Status};
use super::retention::RetentionEnd;
use super::role::{Actor, Role};
use super::validation::ValidationErrors;

/// Which side made a proposal: the library itself, or the program (a coordinator's allocation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Library,
    Program,
}

impl Side {
    /// The side of a proposer with this role.
    pub fn of_role(role: &str) -> Side {
        if role == Role::CollectionManager.as_str() {
            Side::Library
        } else {
            Side::Program
        }
    }
}

impl Side {
    /// The other party, whose acceptance a proposal from this side waits for.
    pub fn other(self) -> Side {
        other(self)
    }

    /// The side a proposer's role stands on, as stored in `proposed_by_role`.
    pub fn matches_role(self, role: &str) -> bool {
        Side::of_role(role) == self
    }
}

/// The side `actor` proposes from and decides for: a collection manager for its library,
/// a coordinator or admin for the program; an auditor takes no side.
pub fn side_of_actor(actor: &Actor) -> Option<Side> {
    match actor.role {
        Role::CollectionManager => Some(Side::Library),
        Role::Coordinator | Role::Admin => Some(Side::Program),
        Role::Auditor => None,
    }
}

/// Whether `actor` decides release requests (in the programs it coordinates).
pub fn decides_releases(actor: &Actor) -> bool {
    matches!(actor.role, Role::Coordinator | Role::Admin)
}

/// What the rules need to know about a commitment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    pub status: Status,
    pub program_id: Uuid,
    pub library_id: Uuid,
    pub proposer: Side,
    pub retention_end: RetentionEnd,
}

/// A requested action with its checked extras.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Accept,
    Decline { reason: String },
    Withdraw { reason: Option<String> },
    ReportLoss { reason: LossReason },
    RequestRelease { reason: String },
    ApproveRelease,
    DenyRelease { reason: Option<String> },
    Renew { retention_end: RetentionEnd },
    Transfer { to_library_id: Uuid },
    Expire { as_of: NaiveDate },
}

/// The name of an action, without its extras: what a user may be offered, what a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionKind {
    Accept,
    Decline,
    Withdraw,
    ReportLoss,
    RequestRelease,
    ApproveRelease,
    DenyRelease,
    Renew,
    Transfer,
    Expire,
}

impl ActionKind {
    pub const ALL: [ActionKind; 10] = [
        ActionKind::Accept,
        ActionKind::Decline,
        ActionKind::Withdraw,
        ActionKind::ReportLoss,
        ActionKind::RequestRelease,
        ActionKind::ApproveRelease,
        ActionKind::DenyRelease,
        ActionKind::Renew,
        ActionKind::Transfer,
        ActionKind::Expire,
    ];

    /// The contract's name, as in `POST /commitments/{id}/{action}`.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Accept => "accept",
            ActionKind::Decline => "decline",
            ActionKind::Withdraw => "withdraw",
            ActionKind::ReportLoss => "report_loss",
            ActionKind::RequestRelease => "request_release",
            ActionKind::ApproveRelease => "approve_release",
            ActionKind::DenyRelease => "deny_release",
            ActionKind::Renew => "renew",
            ActionKind::Transfer => "transfer",
            ActionKind::Expire => "expire",
        }
    }

    pub fn parse(name: &str) -> Option<ActionKind> {
        ActionKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The state the action starts from.
    pub fn from(self) -> Status {
        match self {
            ActionKind::Accept | ActionKind::Decline | ActionKind::Withdraw => Status::Proposed,
            ActionKind::ApproveRelease | ActionKind::DenyRelease => Status::ReleaseRequested,
            ActionKind::ReportLoss
            | ActionKind::RequestRelease
            | ActionKind::Renew
            | ActionKind::Transfer
            | ActionKind::Expire => Status::Active,
        }
    }
}

impl std::fmt::Display for ActionKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Action {
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::Accept => ActionKind::Accept,
            Action::Decline { .. } => ActionKind::Decline,
            Action::Withdraw { .. } => ActionKind::Withdraw,
            Action::ReportLoss { .. } => ActionKind::ReportLoss,
            Action::RequestRelease { .. } => ActionKind::RequestRelease,
            Action::ApproveRelease => ActionKind::ApproveRelease,
            Action::DenyRelease { .. } => ActionKind::DenyRelease,
            Action::Renew { .. } => ActionKind::Renew,
            Action::Transfer { .. } => ActionKind::Transfer,
            Action::Expire { .. } => ActionKind::Expire,
        }
    }

    pub fn name(&self) -> &'static str {
        self.kind().as_str()
    }

    /// The state the action starts from.
    fn from(&self) -> Status {
        self.kind().from()
    }
}

/// What happens to the commitment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub to: Status,
    /// Set when the commitment ends: a short code (`declined`, `lost`, `expired`, …).
    pub end_reason: Option<String>,
    /// A new retention end to store (renew).
    pub retention_end: Option<RetentionEnd>,
    /// A collection manager's renewal: recorded for a coordinator to apply, the end unchanged.
    pub proposed_renewal: Option<RetentionEnd>,
    /// Transfer: the library that takes the commitment over.
    pub transfer_to: Option<Uuid>,
}

impl Outcome {
    fn to(status: Status) -> Self {
        Self {
            to: status,
            end_reason: None,
            retention_end: None,
            proposed_renewal: None,
            transfer_to: None,
        }
    }

    fn ending(status: Status, reason: &str) -> Self {
        Self {
            end_reason: Some(reason.to_owned()),
            ..Self::to(status)
        }
    }
}

/// Why an action is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The actor may not even see the commitment.
    NotVisible,
    /// The actor sees it but may not do this.
    Forbidden(String),
    /// The commitment's state does not allow the action.
    WrongState { status: Status },
    /// The action's extras are wrong.
    Invalid(ValidationErrors),
}

/// Whether `actor` may see commitments of `program_id`.
pub fn can_see(actor: &Actor, program_id: Uuid) -> bool {
    actor.can_read_program(program_id)
}

fn is_coordinator_of(actor: &Actor, facts: &Facts) -> bool {
    actor.role == Role::Coordinator && actor.program_ids.contains(&facts.program_id)
}

fn is_library_manager_of(actor: &Actor, facts: &Facts) -> bool {
    actor.role == Role::CollectionManager && actor.library_id == Some(facts.library_id)
}

fn side_of(actor: &Actor, facts: &Facts) -> Option<Side> {
    if is_library_manager_of(actor, facts) {
        Some(Side::Library)
    } else if is_coordinator_of(actor, facts) {
        Some(Side::Program)
    } else {
        None
    }
}

fn other(side: Side) -> Side {
    match side {
        Side::Library => Side::Program,
        Side::Program => Side::Library,
    }
}

fn describe(side: Side) -> &'static str {
    match side {
        Side::Library => "the library's collection manager",
        Side::Program => "a coordinator of the program",
    }
}

/// Whether `actor` may propose a commitment of `library_id` in `program_id`: a collection manager
/// for its own library, a coordinator in its programs (an allocation), an admin anywhere.
pub fn may_propose(actor: &Actor, program_id: Uuid, library_id: Uuid) -> Result<Side, Refusal> {
    match actor.role {
        Role::Admin => Ok(Side::Program),
        Role::Coordinator if actor.program_ids.contains(&program_id) => Ok(Side::Program),
        Role::Coordinator => Err(Refusal::Forbidden(
            "a coordinator allocates only in its own programs".into(),
        )),
        Role::CollectionManager if actor.library_id == Some(library_id) => Ok(Side::Library),
        Role::CollectionManager => Err(Refusal::Forbidden(
            "a collection manager proposes only for its own library".into(),
        )),
        Role::Auditor => Err(Refusal::Forbidden("an auditor only reads".into())),
    }
}

/// Whether `actor` may run the expiry of a whole program: its coordinators and admins.
pub fn may_expire_program(actor: &Actor, program_id: Uuid) -> bool {
    actor.is_admin() || (actor.role == Role::Coordinator && actor.program_ids.contains(&program_id))
}

/// Whether `actor` may take an action of `kind` on the commitment `facts` describes, whatever its
/// state: `NotVisible` when the commitment is not theirs to see, `Forbidden` with who may.
pub fn permitted(facts: &Facts, actor: &Actor, kind: ActionKind) -> Result<(), Refusal> {
    if !can_see(actor, facts.program_id) {
        return Err(Refusal::NotVisible);
    }
    let admin = actor.is_admin();
    let allowed = match kind {
        ActionKind::Accept | ActionKind::Decline => {
            admin || side_of(actor, facts) == Some(other(facts.proposer))
        }
        ActionKind::Withdraw => admin || side_of(actor, facts) == Some(facts.proposer),
        ActionKind::ReportLoss | ActionKind::Renew => admin || side_of(actor, facts).is_some(),
        ActionKind::RequestRelease => admin || is_library_manager_of(actor, facts),
        ActionKind::ApproveRelease
        | ActionKind::DenyRelease
        | ActionKind::Transfer
        | ActionKind::Expire => admin || is_coordinator_of(actor, facts),
    };
    if allowed {
        return Ok(());
    }
    let who = match kind {
        ActionKind::Accept | ActionKind::Decline => describe(other(facts.proposer)),
        ActionKind::Withdraw => describe(facts.proposer),
        ActionKind::ReportLoss | ActionKind::Renew => {
            "the library's collection manager or a coordinator of the program"
        }
        ActionKind::RequestRelease => "the library's collection manager",
        _ => "a coordinator of the program",
    };
    Err(Refusal::Forbidden(format!(
        "only {who} may {} this commitment",
        kind.as_str().replace('_', " ")
    )))
}

/// The actions `actor` may take on the commitment now, on `today`: allowed for them, from its
/// current state, and able to succeed with some extras (a permanent commitment cannot be renewed,
/// one whose end has not passed cannot expire). What a page offers, and nothing else.
pub fn available(facts: &Facts, actor: &Actor, today: NaiveDate) -> Vec<ActionKind> {
    ActionKind::ALL
        .into_iter()
        .filter(|kind| kind.from() == facts.status)
        .filter(|kind| permitted(facts, actor, *kind).is_ok())
        .filter(|kind| match kind {
            ActionKind::Renew => facts.retention_end != RetentionEnd::Permanent,
            ActionKind::Expire => facts.retention_end.ended_before(today),
            _ => true,
        })
        .collect()
}

/// Decides `action` by `actor` on a commitment described by `facts`.
pub fn decide(facts: &Facts, actor: &Actor, action: &Action) -> Result<Outcome, Refusal> {
    permitted(facts, actor, action.kind())?;
    if facts.status != action.from() {
        return Err(Refusal::WrongState {
            status: facts.status,
        });
    }
    let outcome = match action {
        Action::Accept => Outcome::to(Status::Active),
        Action::Decline { .. } => Outcome::ending(Status::Declined, "declined"),
        Action::Withdraw { .. } => Outcome::ending(Status::Withdrawn, "withdrawn"),
        Action::ReportLoss { reason } => Outcome::ending(Status::Released, reason.as_str()),
        Action::RequestRelease { .. } => Outcome::to(Status::ReleaseRequested),
        Action::ApproveRelease => Outcome::ending(Status::Released, "released"),
        Action::DenyRelease { .. } => Outcome::to(Status::Active),
        Action::Renew { retention_end } => {
            if !retention_end.is_later_than(facts.retention_end) {
                return Err(Refusal::Invalid(ValidationErrors::one(
                    "retention_end",
                    format!(
                        "the new retention_end {retention_end} must be later than the current {}",
                        facts.retention_end
                    ),
                )));
            }
            if is_library_manager_of(actor, facts) {
                Outcome {
                    proposed_renewal: Some(*retention_end),
                    ..Outcome::to(Status::Active)
                }
            } else {
                Outcome {
                    retention_end: Some(*retention_end),
                    ..Outcome::to(Status::Active)
                }
            }
        }
        Action::Transfer { to_library_id } => {
            if *to_library_id == facts.library_id {
                return Err(Refusal::Invalid(ValidationErrors::one(
                    "to_library_id",
                    "the commitment is already with this library",
                )));
            }
            Outcome {
                transfer_to: Some(*to_library_id),
                ..Outcome::ending(Status::Transferred, "transferred")
            }
        }
        Action::Expire { as_of } => {
            if !facts.retention_end.ended_before(*as_of) {
                return Err(Refusal::Invalid(ValidationErrors::one(
                    "as_of",
                    format!(
                        "the commitment runs until {}, not before {as_of}",
                        facts.retention_end
                    ),
                )));
            }
            Outcome::ending(Status::Expired, "expired")
        }
    };
    Ok(outcome)
}

#[cfg(test)]
mod tests;
