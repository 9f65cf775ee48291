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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Action::Accept => "accept",
            Action::Decline { .. } => "decline",
            Action::Withdraw { .. } => "withdraw",
            Action::ReportLoss { .. } => "report_loss",
            Action::RequestRelease { .. } => "request_release",
            Action::ApproveRelease => "approve_release",
            Action::DenyRelease { .. } => "deny_release",
            Action::Renew { .. } => "renew",
            Action::Transfer { .. } => "transfer",
            Action::Expire { .. } => "expire",
        }
    }

    /// The state the action starts from.
    fn from(&self) -> Status {
        match self {
            Action::Accept | Action::Decline { .. } | Action::Withdraw { .. } => Status::Proposed,
            Action::ApproveRelease | Action::DenyRelease { .. } => Status::ReleaseRequested,
            Action::ReportLoss { .. }
            | Action::RequestRelease { .. }
            | Action::Renew { .. }
            | Action::Transfer { .. }
            | Action::Expire { .. } => Status::Active,
        }
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

/// Decides `action` by `actor` on a commitment described by `facts`.
pub fn decide(facts: &Facts, actor: &Actor, action: &Action) -> Result<Outcome, Refusal> {
    if !can_see(actor, facts.program_id) {
        return Err(Refusal::NotVisible);
    }
    let admin = actor.is_admin();
    let forbidden = |who: &str| {
        Refusal::Forbidden(format!(
            "only {who} may {} this commitment",
            action.name().replace('_', " ")
        ))
    };
    let allowed = match action {
        Action::Accept | Action::Decline { .. } => {
            admin || side_of(actor, facts) == Some(other(facts.proposer))
        }
        Action::Withdraw { .. } => admin || side_of(actor, facts) == Some(facts.proposer),
        Action::ReportLoss { .. } | Action::Renew { .. } => {
            admin || side_of(actor, facts).is_some()
        }
        Action::RequestRelease { .. } => admin || is_library_manager_of(actor, facts),
        Action::ApproveRelease
        | Action::DenyRelease { .. }
        | Action::Transfer { .. }
        | Action::Expire { .. } => admin || is_coordinator_of(actor, facts),
    };
    if !allowed {
        let who = match action {
            Action::Accept | Action::Decline { .. } => describe(other(facts.proposer)),
            Action::Withdraw { .. } => describe(facts.proposer),
            Action::ReportLoss { .. } | Action::Renew { .. } => {
                "the library's collection manager or a coordinator of the program"
            }
            Action::RequestRelease { .. } => "the library's collection manager",
            _ => "a coordinator of the program",
        };
        return Err(forbidden(who));
    }
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
mod tests {
    use super::*;

    struct World {
        program: Uuid,
        library: Uuid,
    }

    impl World {
        fn new() -> Self {
            Self {
                program: Uuid::now_v7(),
                library: Uuid::now_v7(),
            }
        }

        fn facts(&self, status: Status, proposer: Side) -> Facts {
            Facts {
                status,
                program_id: self.program,
                library_id: self.library,
                proposer,
                retention_end: RetentionEnd::Date(NaiveDate::from_ymd_opt(2031, 6, 30).unwrap()),
            }
        }

        fn actor(&self, role: Role) -> Actor {
            let (library_id, program_ids) = match role {
                Role::Admin => (None, vec![]),
                Role::CollectionManager => (Some(self.library), vec![self.program]),
                _ => (None, vec![self.program]),
            };
            Actor {
                user_id: Uuid::now_v7(),
                role,
                library_id,
                program_ids,
            }
        }

        fn other_library_manager(&self) -> Actor {
            Actor {
                library_id: Some(Uuid::now_v7()),
                ..self.actor(Role::CollectionManager)
            }
        }

        fn other_program(&self, role: Role) -> Actor {
            Actor {
                program_ids: vec![Uuid::now_v7()],
                ..self.actor(role)
            }
        }
    }

    fn forbidden(result: Result<Outcome, Refusal>) -> bool {
        matches!(result, Err(Refusal::Forbidden(_)))
    }

    #[test]
    fn proposals_come_from_the_library_or_its_program() {
        let w = World::new();
        assert_eq!(
            may_propose(&w.actor(Role::CollectionManager), w.program, w.library),
            Ok(Side::Library)
        );
        assert_eq!(
            may_propose(&w.actor(Role::Coordinator), w.program, w.library),
            Ok(Side::Program)
        );
        assert!(may_propose(&w.other_library_manager(), w.program, w.library).is_err());
        assert!(may_propose(&w.other_program(Role::Coordinator), w.program, w.library).is_err());
        assert!(may_propose(&w.actor(Role::Auditor), w.program, w.library).is_err());
    }

    #[test]
    fn collection_manager_cannot_accept_own_proposal() {
        let w = World::new();
        let facts = w.facts(Status::Proposed, Side::Library);
        assert!(forbidden(decide(
            &facts,
            &w.actor(Role::CollectionManager),
            &Action::Accept
        )));
        assert_eq!(
            decide(&facts, &w.actor(Role::Coordinator), &Action::Accept)
                .unwrap()
                .to,
            Status::Active
        );
    }

    #[test]
    fn allocation_is_accepted_by_the_library_not_the_coordinator() {
        let w = World::new();
        let facts = w.facts(Status::Proposed, Side::Program);
        assert!(forbidden(decide(
            &facts,
            &w.actor(Role::Coordinator),
            &Action::Accept
        )));
        assert!(forbidden(decide(
            &facts,
            &w.other_library_manager(),
            &Action::Accept
        )));
        assert_eq!(
            decide(&facts, &w.actor(Role::CollectionManager), &Action::Accept)
                .unwrap()
                .to,
            Status::Active
        );
        let declined = decide(
            &facts,
            &w.actor(Role::CollectionManager),
            &Action::Decline {
                reason: "not held".into(),
            },
        )
        .unwrap();
        assert_eq!(
            (declined.to, declined.end_reason.as_deref()),
            (Status::Declined, Some("declined"))
        );
    }

    #[test]
    fn only_the_proposing_side_withdraws() {
        let w = World::new();
        let facts = w.facts(Status::Proposed, Side::Library);
        let withdraw = Action::Withdraw { reason: None };
        assert_eq!(
            decide(&facts, &w.actor(Role::CollectionManager), &withdraw)
                .unwrap()
                .to,
            Status::Withdrawn
        );
        assert!(forbidden(decide(
            &facts,
            &w.actor(Role::Coordinator),
            &withdraw
        )));
    }

    #[test]
    fn auditor_only_reads() {
        let w = World::new();
        let auditor = w.actor(Role::Auditor);
        let actions = [
            Action::Accept,
            Action::ReportLoss {
                reason: LossReason::Lost,
            },
            Action::ApproveRelease,
            Action::Transfer {
                to_library_id: Uuid::now_v7(),
            },
        ];
        for action in actions {
            assert!(
                forbidden(decide(
                    &w.facts(action.from(), Side::Library),
                    &auditor,
                    &action
                )),
                "{action:?}"
            );
        }
    }

    #[test]
    fn outsiders_cannot_see_the_commitment() {
        let w = World::new();
        let facts = w.facts(Status::Active, Side::Library);
        for actor in [
            w.other_program(Role::Coordinator),
            w.other_program(Role::Auditor),
        ] {
            assert_eq!(
                decide(&facts, &actor, &Action::ApproveRelease),
                Err(Refusal::NotVisible)
            );
        }
        let manager_elsewhere = Actor {
            program_ids: vec![],
            ..w.other_library_manager()
        };
        assert_eq!(
            decide(&facts, &manager_elsewhere, &Action::ApproveRelease),
            Err(Refusal::NotVisible)
        );
    }

    #[test]
    fn every_action_from_every_other_state_is_a_conflict_for_an_admin() {
        let w = World::new();
        let admin = w.actor(Role::Admin);
        let past = NaiveDate::from_ymd_opt(2040, 1, 1).unwrap();
        let actions = [
            Action::Accept,
            Action::Decline { reason: "r".into() },
            Action::Withdraw { reason: None },
            Action::ReportLoss {
                reason: LossReason::Missing,
            },
            Action::RequestRelease { reason: "r".into() },
            Action::ApproveRelease,
            Action::DenyRelease { reason: None },
            Action::Renew {
                retention_end: RetentionEnd::Permanent,
            },
            Action::Transfer {
                to_library_id: Uuid::now_v7(),
            },
            Action::Expire { as_of: past },
        ];
        for action in &actions {
            for status in Status::ALL {
                let result = decide(&w.facts(*status, Side::Library), &admin, action);
                if *status == action.from() {
                    assert!(result.is_ok(), "{action:?} from {status}: {result:?}");
                } else {
                    assert_eq!(
                        result,
                        Err(Refusal::WrongState { status: *status }),
                        "{action:?} from {status}"
                    );
                }
            }
        }
    }

    #[test]
    fn wrong_state_is_refused_with_the_current_status() {
        let w = World::new();
        let facts = w.facts(Status::Expired, Side::Library);
        assert_eq!(
            decide(&facts, &w.actor(Role::Coordinator), &Action::ApproveRelease),
            Err(Refusal::WrongState {
                status: Status::Expired
            })
        );
        assert_eq!(
            decide(&facts, &w.actor(Role::Admin), &Action::Accept),
            Err(Refusal::WrongState {
                status: Status::Expired
            })
        );
    }

    #[test]
    fn release_is_requested_by_the_library_and_decided_by_a_coordinator() {
        let w = World::new();
        let active = w.facts(Status::Active, Side::Library);
        let request = Action::RequestRelease {
            reason: "weeding".into(),
        };
        assert!(forbidden(decide(
            &active,
            &w.actor(Role::Coordinator),
            &request
        )));
        assert_eq!(
            decide(&active, &w.actor(Role::CollectionManager), &request)
                .unwrap()
                .to,
            Status::ReleaseRequested
        );
        let requested = w.facts(Status::ReleaseRequested, Side::Library);
        assert!(forbidden(decide(
            &requested,
            &w.actor(Role::CollectionManager),
            &Action::ApproveRelease
        )));
        assert_eq!(
            decide(
                &requested,
                &w.actor(Role::Coordinator),
                &Action::ApproveRelease
            )
            .unwrap()
            .to,
            Status::Released
        );
        assert_eq!(
            decide(
                &requested,
                &w.actor(Role::Coordinator),
                &Action::DenyRelease { reason: None }
            )
            .unwrap()
            .to,
            Status::Active
        );
    }

    #[test]
    fn loss_ends_with_its_reason() {
        let w = World::new();
        let outcome = decide(
            &w.facts(Status::Active, Side::Program),
            &w.actor(Role::CollectionManager),
            &Action::ReportLoss {
                reason: LossReason::Damaged,
            },
        )
        .unwrap();
        assert_eq!(
            (outcome.to, outcome.end_reason.as_deref()),
            (Status::Released, Some("damaged"))
        );
    }

    #[test]
    fn renewal_is_applied_by_a_coordinator_and_proposed_by_the_library() {
        let w = World::new();
        let facts = w.facts(Status::Active, Side::Library);
        let later = RetentionEnd::Date(NaiveDate::from_ymd_opt(2036, 6, 30).unwrap());
        let applied = decide(
            &facts,
            &w.actor(Role::Coordinator),
            &Action::Renew {
                retention_end: later,
            },
        )
        .unwrap();
        assert_eq!(applied.retention_end, Some(later));
        let proposed = decide(
            &facts,
            &w.actor(Role::CollectionManager),
            &Action::Renew {
                retention_end: later,
            },
        )
        .unwrap();
        assert_eq!(
            (proposed.retention_end, proposed.proposed_renewal),
            (None, Some(later))
        );
        let earlier = RetentionEnd::Date(NaiveDate::from_ymd_opt(2030, 1, 1).unwrap());
        assert!(matches!(
            decide(
                &facts,
                &w.actor(Role::Coordinator),
                &Action::Renew {
                    retention_end: earlier
                }
            ),
            Err(Refusal::Invalid(_))
        ));
        let permanent = decide(
            &facts,
            &w.actor(Role::Coordinator),
            &Action::Renew {
                retention_end: RetentionEnd::Permanent,
            },
        )
        .unwrap();
        assert_eq!(permanent.retention_end, Some(RetentionEnd::Permanent));
    }

    #[test]
    fn transfer_goes_to_another_library() {
        let w = World::new();
        let facts = w.facts(Status::Active, Side::Library);
        let to = Uuid::now_v7();
        let outcome = decide(
            &facts,
            &w.actor(Role::Coordinator),
            &Action::Transfer { to_library_id: to },
        )
        .unwrap();
        assert_eq!(
            (outcome.to, outcome.transfer_to),
            (Status::Transferred, Some(to))
        );
        assert!(matches!(
            decide(
                &facts,
                &w.actor(Role::Coordinator),
                &Action::Transfer {
                    to_library_id: w.library
                }
            ),
            Err(Refusal::Invalid(_))
        ));
    }

    #[test]
    fn expiry_needs_a_past_end_and_never_touches_permanent() {
        let w = World::new();
        let coordinator = w.actor(Role::Coordinator);
        let facts = w.facts(Status::Active, Side::Library);
        let after = NaiveDate::from_ymd_opt(2031, 7, 1).unwrap();
        assert_eq!(
            decide(&facts, &coordinator, &Action::Expire { as_of: after })
                .unwrap()
                .to,
            Status::Expired
        );
        let on_the_day = NaiveDate::from_ymd_opt(2031, 6, 30).unwrap();
        assert!(decide(&facts, &coordinator, &Action::Expire { as_of: on_the_day }).is_err());
        let permanent = Facts {
            retention_end: RetentionEnd::Permanent,
            ..facts
        };
        assert!(decide(&permanent, &coordinator, &Action::Expire { as_of: after }).is_err());
    }
}
