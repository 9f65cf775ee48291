//! Every rule of the state machine, from every state, for every kind of actor.

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

#[test]
fn available_actions_are_exactly_those_decide_allows() {
    let w = World::new();
    let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let actors = [
        w.actor(Role::Admin),
        w.actor(Role::Coordinator),
        w.actor(Role::CollectionManager),
        w.actor(Role::Auditor),
        w.other_library_manager(),
        w.other_program(Role::Coordinator),
    ];
    let sample = |kind: ActionKind| match kind {
        ActionKind::Accept => Action::Accept,
        ActionKind::Decline => Action::Decline { reason: "r".into() },
        ActionKind::Withdraw => Action::Withdraw { reason: None },
        ActionKind::ReportLoss => Action::ReportLoss {
            reason: LossReason::Lost,
        },
        ActionKind::RequestRelease => Action::RequestRelease { reason: "r".into() },
        ActionKind::ApproveRelease => Action::ApproveRelease,
        ActionKind::DenyRelease => Action::DenyRelease { reason: None },
        ActionKind::Renew => Action::Renew {
            retention_end: RetentionEnd::Permanent,
        },
        ActionKind::Transfer => Action::Transfer {
            to_library_id: Uuid::now_v7(),
        },
        ActionKind::Expire => Action::Expire { as_of: today },
    };
    for actor in &actors {
        for status in Status::ALL {
            for proposer in [Side::Library, Side::Program] {
                let facts = w.facts(*status, proposer);
                let offered = available(&facts, actor, today);
                for kind in ActionKind::ALL {
                    let allowed = decide(&facts, actor, &sample(kind)).is_ok();
                    // Expire is offered only once the end has passed (2031 is still to come).
                    let expected = allowed && kind != ActionKind::Expire;
                    assert_eq!(
                        offered.contains(&kind),
                        expected,
                        "{kind} from {status} by {:?} (proposer {proposer:?})",
                        actor.role
                    );
                }
            }
        }
    }
}

#[test]
fn collection_manager_of_another_library_is_offered_nothing() {
    let w = World::new();
    let facts = w.facts(Status::Proposed, Side::Program);
    let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    assert!(available(&facts, &w.other_library_manager(), today).is_empty());
    assert_eq!(
        available(&facts, &w.actor(Role::CollectionManager), today),
        vec![ActionKind::Accept, ActionKind::Decline]
    );
    assert_eq!(
        available(&facts, &w.actor(Role::Coordinator), today),
        vec![ActionKind::Withdraw]
    );
}

#[test]
fn a_past_end_is_offered_for_expiry_and_a_permanent_one_is_never_renewed() {
    let w = World::new();
    let coordinator = w.actor(Role::Coordinator);
    let facts = w.facts(Status::Active, Side::Library);
    let after_end = NaiveDate::from_ymd_opt(2031, 7, 1).unwrap();
    assert!(available(&facts, &coordinator, after_end).contains(&ActionKind::Expire));
    let permanent = Facts {
        retention_end: RetentionEnd::Permanent,
        ..facts
    };
    let offered = available(&permanent, &coordinator, after_end);
    assert!(!offered.contains(&ActionKind::Renew));
    assert!(!offered.contains(&ActionKind::Expire));
}

#[test]
fn action_names_round_trip() {
    for kind in ActionKind::ALL {
        assert_eq!(ActionKind::parse(kind.as_str()), Some(kind));
    }
    assert_eq!(ActionKind::parse("delete"), None);
}

#[test]
fn what_waits_for_each_side_mirrors_who_accepts() {
    let w = World::new();
    for role in Role::ALL {
        let actor = w.actor(role);
        let Some(side) = side_of_actor(&actor) else {
            assert_eq!(role, Role::Auditor);
            continue;
        };
        // A proposal from the other side is one this actor may accept.
        let facts = w.facts(Status::Proposed, side.other());
        assert!(decide(&facts, &actor, &Action::Accept).is_ok(), "{role:?}");
        let requested = w.facts(Status::ReleaseRequested, Side::Library);
        assert_eq!(
            decides_releases(&actor),
            decide(&requested, &actor, &Action::ApproveRelease).is_ok(),
            "{role:?}"
        );
    }
}
