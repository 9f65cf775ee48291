//! Property tests of the rules: the identifier parsers never panic and read back what they wrote,
//! and no sequence of workflow actions reaches an undefined state or lets anyone act outside their
//! scope.

use chrono::NaiveDate;
use proptest::prelude::*;
use uuid::Uuid;

use super::commitment::{LossReason, Status};
use super::identifiers::{Isbn, Issn, OclcNumber, TitleQuery};
use super::retention::{parse_imported_end, parse_imported_start, RetentionEnd};
use super::workflow::{decide, Action, Facts, Side};
use super::{Actor, Role};

fn isbn13_check(body: &str) -> u32 {
    let sum: u32 = body
        .chars()
        .enumerate()
        .map(|(i, c)| c.to_digit(10).unwrap() * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    (10 - sum % 10) % 10
}

fn issn_check(body: &str) -> String {
    let sum: u32 = body
        .chars()
        .zip((2..=8).rev())
        .map(|(c, w)| c.to_digit(10).unwrap() * w)
        .sum();
    match sum % 11 {
        0 => "0".into(),
        1 => "X".into(),
        r => (11 - r).to_string(),
    }
}

proptest! {
    #[test]
    fn parsers_never_panic_on_any_text(text in any::<String>()) {
        let _ = OclcNumber::parse(&text);
        let _ = Isbn::parse(&text);
        let _ = Issn::parse(&text);
        let _ = TitleQuery::parse(&text);
        let _ = RetentionEnd::parse(&text);
        let _ = parse_imported_start(&text);
        let _ = parse_imported_end(&text);
    }

    #[test]
    fn an_oclc_number_reads_back_from_every_written_form(n in 1_i64..10_000_000_000) {
        for form in [
            n.to_string(),
            format!("{n:08}"),
            format!("(OCoLC){n}"),
            format!("(OCoLC)ocm{n:08}"),
            format!(" ocn{n:09} "),
            format!("on{n:010}"),
        ] {
            prop_assert_eq!(OclcNumber::parse(&form).map(OclcNumber::value), Ok(n), "{}", form);
        }
    }

    #[test]
    fn a_valid_isbn_reads_back_and_an_isbn10_becomes_its_isbn13(body in "[0-9]{9}") {
        let ten_check = {
            let sum: u32 = body.chars().zip((2..=10).rev()).map(|(c, w)| c.to_digit(10).unwrap() * w).sum();
            match (11 - sum % 11) % 11 { 10 => "X".to_owned(), d => d.to_string() }
        };
        let ten = format!("{body}{ten_check}");
        let thirteen_body = format!("978{body}");
        let thirteen = format!("{thirteen_body}{}", isbn13_check(&thirteen_body));
        for form in [&ten, &thirteen] {
            let isbn = Isbn::parse(form).unwrap();
            prop_assert_eq!(isbn.as_str(), thirteen.as_str());
        }
        let hyphenated = format!("{}-{}-{}", &thirteen[..3], &thirteen[3..9], &thirteen[9..]);
        let isbn = Isbn::parse(&hyphenated).unwrap();
        prop_assert_eq!(isbn.as_str(), thirteen.as_str());
        // Any other check digit is refused.
        let wrong = (isbn13_check(&thirteen_body) + 1) % 10;
        let wrong_isbn = format!("{thirteen_body}{wrong}");
        prop_assert!(Isbn::parse(&wrong_isbn).is_err());
    }

    #[test]
    fn a_valid_issn_reads_back_in_its_written_form(body in "[0-9]{7}") {
        let issn = format!("{}-{}{}", &body[..4], &body[4..], issn_check(&body));
        let (written, bare) = (Issn::parse(&issn).unwrap(), Issn::parse(&issn.replace('-', "")).unwrap());
        prop_assert_eq!(written.as_str(), issn.as_str());
        prop_assert_eq!(bare.as_str(), issn.as_str());
    }
}

/// Who acts: someone of the commitment's program and library, or an outsider.
#[derive(Debug, Clone, Copy)]
enum Who {
    Admin,
    Coordinator,
    LibraryManager,
    Auditor,
    OtherLibraryManager,
    OtherProgramCoordinator,
    OtherProgramAuditor,
}

fn who() -> impl Strategy<Value = Who> {
    prop_oneof![
        Just(Who::Admin),
        Just(Who::Coordinator),
        Just(Who::LibraryManager),
        Just(Who::Auditor),
        Just(Who::OtherLibraryManager),
        Just(Who::OtherProgramCoordinator),
        Just(Who::OtherProgramAuditor),
    ]
}

fn action() -> impl Strategy<Value = Action> {
    let day = NaiveDate::from_ymd_opt(2032, 1, 1).unwrap();
    prop_oneof![
        Just(Action::Accept),
        Just(Action::Decline { reason: "r".into() }),
        Just(Action::Withdraw { reason: None }),
        Just(Action::ReportLoss {
            reason: LossReason::Lost
        }),
        Just(Action::RequestRelease { reason: "r".into() }),
        Just(Action::ApproveRelease),
        Just(Action::DenyRelease { reason: None }),
        Just(Action::Renew {
            retention_end: RetentionEnd::Date(NaiveDate::from_ymd_opt(2045, 1, 1).unwrap())
        }),
        Just(Action::Transfer {
            to_library_id: Uuid::from_u128(7)
        }),
        Just(Action::Expire { as_of: day }),
    ]
}

proptest! {
    #[test]
    fn no_sequence_of_actions_reaches_an_undefined_state_or_lets_an_outsider_act(
        proposer in prop_oneof![Just(Side::Library), Just(Side::Program)],
        steps in proptest::collection::vec((who(), action()), 1..25),
    ) {
        let (program, library) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let actor = |who: Who| {
            let (role, library_id, programs) = match who {
                Who::Admin => (Role::Admin, None, vec![]),
                Who::Coordinator => (Role::Coordinator, None, vec![program]),
                Who::LibraryManager => (Role::CollectionManager, Some(library), vec![program]),
                Who::Auditor => (Role::Auditor, None, vec![program]),
                Who::OtherLibraryManager => (Role::CollectionManager, Some(Uuid::from_u128(3)), vec![program]),
                Who::OtherProgramCoordinator => (Role::Coordinator, None, vec![Uuid::from_u128(4)]),
                Who::OtherProgramAuditor => (Role::Auditor, None, vec![Uuid::from_u128(4)]),
            };
            Actor { user_id: Uuid::from_u128(9), role, library_id, program_ids: programs }
        };
        let mut facts = Facts {
            status: Status::Proposed,
            program_id: program,
            library_id: library,
            proposer,
            retention_end: RetentionEnd::Date(NaiveDate::from_ymd_opt(2031, 6, 30).unwrap()),
        };
        for (who, action) in steps {
            let outcome = decide(&facts, &actor(who), &action);
            if let Ok(outcome) = &outcome {
                // Outsiders and auditors never change anything.
                prop_assert!(
                    !matches!(who, Who::Auditor | Who::OtherLibraryManager | Who::OtherProgramCoordinator | Who::OtherProgramAuditor),
                    "{:?} did {:?} from {:?}", who, action, facts.status
                );
                // A final state is never left.
                prop_assert!(facts.status.is_live(), "{:?} acted on a {:?} commitment", action, facts.status);
                // Every outcome is a state the contract names, with a reason when it ends.
                prop_assert!(Status::ALL.contains(&outcome.to));
                prop_assert_eq!(outcome.end_reason.is_some(), !outcome.to.is_live());
                facts.status = outcome.to;
                if let Some(end) = outcome.retention_end {
                    prop_assert!(end.is_later_than(facts.retention_end) );
                    facts.retention_end = end;
                }
            }
        }
    }
}
