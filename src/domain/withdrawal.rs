//! "May I withdraw my copy?": the answer a collection manager needs before weeding a title, from
//! the commitments on it that they may see.
//!
//! A title is retained by a library while one of its commitments is `active` or
//! `release_requested` (the contract's "committed"); proposals and ended commitments retain nothing.

use std::collections::BTreeMap;

use uuid::Uuid;

use super::commitment::Status;
use super::retention::RetentionEnd;

/// One commitment on the title, as the answer needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retention {
    pub library_id: Uuid,
    pub oclc_symbol: String,
    pub program_code: String,
    pub status: Status,
    pub retention_end: RetentionEnd,
}

/// Whether `status` keeps a copy retained.
pub fn retains(status: Status) -> bool {
    matches!(status, Status::Active | Status::ReleaseRequested)
}

/// Who retains a title, seen from one library (or from no library: coordinators, auditors, admins).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WithdrawalAnswer {
    /// This library's own latest retention end and its program, when it has committed.
    pub committed_here: Option<(RetentionEnd, String)>,
    /// Other libraries retaining it: OCLC symbol → their latest end, in symbol order.
    pub elsewhere: BTreeMap<String, RetentionEnd>,
}

fn later(a: RetentionEnd, b: RetentionEnd) -> RetentionEnd {
    if b.is_later_than(a) {
        b
    } else {
        a
    }
}

impl WithdrawalAnswer {
    /// The answer for `library` (None: no library of one's own) from the title's commitments.
    pub fn of(commitments: &[Retention], library: Option<Uuid>) -> Self {
        let mut committed_here: Option<(RetentionEnd, String)> = None;
        let mut elsewhere: BTreeMap<String, RetentionEnd> = BTreeMap::new();
        for c in commitments.iter().filter(|c| retains(c.status)) {
            if Some(c.library_id) == library {
                committed_here = Some(match committed_here.take() {
                    Some((end, program)) if !c.retention_end.is_later_than(end) => (end, program),
                    _ => (c.retention_end, c.program_code.clone()),
                });
            } else {
                elsewhere
                    .entry(c.oclc_symbol.clone())
                    .and_modify(|end| *end = later(*end, c.retention_end))
                    .or_insert(c.retention_end);
            }
        }
        Self {
            committed_here,
            elsewhere,
        }
    }

    /// The latest end among the other libraries.
    pub fn latest_elsewhere(&self) -> Option<RetentionEnd> {
        self.elsewhere.values().copied().reduce(later)
    }

    /// The answer in one sentence.
    pub fn sentence(&self, has_library: bool) -> String {
        let others = self.elsewhere.len();
        let symbols: Vec<&str> = self.elsewhere.keys().map(String::as_str).collect();
        let until = match self.latest_elsewhere() {
            Some(RetentionEnd::Permanent) => "permanently".to_owned(),
            Some(end) => format!("until {end}"),
            None => String::new(),
        };
        let libraries = |n: usize| {
            if n == 1 {
                "library".to_owned()
            } else {
                "libraries".to_owned()
            }
        };
        if let Some((end, program)) = &self.committed_here {
            let kept = match end {
                RetentionEnd::Permanent => "permanently".to_owned(),
                end => format!("until {end}"),
            };
            let also = if others == 0 {
                "no other library retains it".to_owned()
            } else {
                format!(
                    "{others} other {} also retain{} it ({})",
                    libraries(others),
                    if others == 1 { "s" } else { "" },
                    symbols.join(", ")
                )
            };
            return format!(
                "No: your library has committed to retain this title {kept} under {program}; {also}."
            );
        }
        match (has_library, others) {
            (true, 0) => "Not safely: no other library retains this title, so yours may be the last copy kept.".to_owned(),
            (true, n) => format!(
                "Yes: {n} other {} retain{} this title ({}), the longest {until}.",
                libraries(n),
                if n == 1 { "s" } else { "" },
                symbols.join(", ")
            ),
            (false, 0) => "No library retains this title.".to_owned(),
            (false, n) => format!(
                "{n} {} retain{} this title ({}), the longest {until}.",
                libraries(n),
                if n == 1 { "s" } else { "" },
                symbols.join(", ")
            ),
        }
    }
}

/// The answer of a withdrawal check for one title, as the contract names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// This library promised to keep it: do not withdraw.
    CommittedHere,
    /// Other libraries keep at least the program's target of copies.
    RetainedElsewhere,
    /// Other libraries keep it, fewer than the target.
    FewCopies,
    /// Nobody keeps it.
    NotRetained,
    /// The registry does not know the title.
    UnknownTitle,
    /// The identifier does not read.
    Invalid,
}

impl Verdict {
    pub const ALL: [Verdict; 6] = [
        Verdict::CommittedHere,
        Verdict::RetainedElsewhere,
        Verdict::FewCopies,
        Verdict::NotRetained,
        Verdict::UnknownTitle,
        Verdict::Invalid,
    ];

    /// The verdict on a known title: `committed_here` when this library keeps it, else from the
    /// other libraries keeping it in each program, as (libraries, the program's target).
    pub fn of(committed_here: bool, elsewhere_by_program: &[(i64, i64)]) -> Self {
        if committed_here {
            Verdict::CommittedHere
        } else if elsewhere_by_program
            .iter()
            .any(|(n, target)| *n > 0 && n >= target)
        {
            Verdict::RetainedElsewhere
        } else if elsewhere_by_program.iter().any(|(n, _)| *n > 0) {
            Verdict::FewCopies
        } else {
            Verdict::NotRetained
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::CommittedHere => "committed_here",
            Verdict::RetainedElsewhere => "retained_elsewhere",
            Verdict::FewCopies => "few_copies",
            Verdict::NotRetained => "not_retained",
            Verdict::UnknownTitle => "unknown_title",
            Verdict::Invalid => "invalid",
        }
    }

    /// What it means for the book on the shelf.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::CommittedHere => "Keep: your library committed to retain it",
            Verdict::RetainedElsewhere => "May withdraw: retained elsewhere",
            Verdict::FewCopies => "Caution: retained elsewhere, below target",
            Verdict::NotRetained => "Caution: nobody retains it",
            Verdict::UnknownTitle => "Not in the registry",
            Verdict::Invalid => "Identifier does not read",
        }
    }
}

/// Whether `actor` may check withdrawals for `library_id`, a member of `library_programs`: the
/// libraries it may act for or read — an admin any library, anyone else its own library or a member
/// of one of its programs (whose commitments it reads).
pub fn may_check(
    actor: &crate::domain::Actor,
    library_id: Uuid,
    library_programs: &[Uuid],
) -> Result<(), crate::domain::workflow::Refusal> {
    let allowed = actor.is_admin()
        || actor.library_id == Some(library_id)
        || library_programs
            .iter()
            .any(|p| actor.program_ids.contains(p));
    if allowed {
        Ok(())
    } else {
        Err(crate::domain::workflow::Refusal::Forbidden(
            "you may check withdrawals only for your own library or the libraries of your programs"
                .into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn on(library: Uuid, symbol: &str, status: Status, end: RetentionEnd) -> Retention {
        Retention {
            library_id: library,
            oclc_symbol: symbol.into(),
            program_code: "EAST".into(),
            status,
            retention_end: end,
        }
    }

    fn date(y: i32) -> RetentionEnd {
        RetentionEnd::Date(NaiveDate::from_ymd_opt(y, 6, 30).unwrap())
    }

    #[test]
    fn other_libraries_retaining_it_let_you_withdraw_and_say_until_when() {
        let mine = Uuid::now_v7();
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let commitments = [
            on(a, "AMH", Status::Active, date(2031)),
            on(b, "DKC", Status::ReleaseRequested, date(2042)),
            on(a, "AMH", Status::Proposed, date(2050)),
            on(mine, "EYM", Status::Expired, date(2020)),
        ];
        let answer = WithdrawalAnswer::of(&commitments, Some(mine));
        assert_eq!(answer.committed_here, None);
        assert_eq!(answer.latest_elsewhere(), Some(date(2042)));
        assert_eq!(
            answer.sentence(true),
            "Yes: 2 other libraries retain this title (AMH, DKC), the longest until 2042-06-30."
        );
    }

    #[test]
    fn your_own_commitment_means_keep_it() {
        let mine = Uuid::now_v7();
        let answer = WithdrawalAnswer::of(
            &[on(mine, "EYM", Status::Active, RetentionEnd::Permanent)],
            Some(mine),
        );
        assert_eq!(
            answer.sentence(true),
            "No: your library has committed to retain this title permanently under EAST; no other library retains it."
        );
    }

    #[test]
    fn verdicts_weigh_this_library_first_then_the_target_of_any_program() {
        assert_eq!(Verdict::of(true, &[(5, 2)]), Verdict::CommittedHere);
        assert_eq!(Verdict::of(false, &[(2, 2)]), Verdict::RetainedElsewhere);
        assert_eq!(
            Verdict::of(false, &[(1, 2), (3, 3)]),
            Verdict::RetainedElsewhere
        );
        assert_eq!(Verdict::of(false, &[(1, 2)]), Verdict::FewCopies);
        assert_eq!(Verdict::of(false, &[(0, 2)]), Verdict::NotRetained);
        assert_eq!(Verdict::of(false, &[]), Verdict::NotRetained);
    }

    #[test]
    fn a_check_is_for_ones_own_library_or_a_library_of_ones_programs() {
        use crate::domain::{Actor, Role};
        let (library, program, elsewhere) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let actor = |role, library_id, programs: Vec<Uuid>| Actor {
            user_id: Uuid::now_v7(),
            role,
            library_id,
            program_ids: programs,
        };
        let member_of = [program];
        assert!(may_check(&actor(Role::Admin, None, vec![]), library, &member_of).is_ok());
        assert!(may_check(
            &actor(Role::CollectionManager, Some(library), vec![]),
            library,
            &[]
        )
        .is_ok());
        let sibling = actor(Role::CollectionManager, Some(Uuid::now_v7()), vec![program]);
        assert!(may_check(&sibling, library, &member_of).is_ok());
        assert!(may_check(
            &actor(Role::Auditor, None, vec![program]),
            library,
            &member_of
        )
        .is_ok());
        assert!(may_check(
            &actor(Role::Coordinator, None, vec![elsewhere]),
            library,
            &member_of
        )
        .is_err());
    }

    #[test]
    fn nobody_retaining_it_is_a_warning() {
        let answer = WithdrawalAnswer::of(&[], Some(Uuid::now_v7()));
        assert!(answer.sentence(true).starts_with("Not safely"));
        assert_eq!(answer.sentence(false), "No library retains this title.");
    }
}
