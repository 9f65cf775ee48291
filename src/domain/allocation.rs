//! The allocation rule of a scenario: for each title short of its program's target, which member
//! libraries are asked to keep a copy. Only libraries that hold the title and have no live
//! commitment on it are asked, in the coordinator's order of preference (ties by OCLC symbol),
//! never past a library's cap, until committed + allocated copies reach the target. The same data
//! and rules always give the same allocations.

use std::collections::{HashMap, HashSet};

use uuid::Uuid;

/// How candidates are ordered, in the coordinator's order.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Preference {
    /// Libraries shelving their copy in a storage facility (or high-density storage) first.
    StorageFacility,
    /// Libraries given the fewest allocations so far in this scenario first.
    FewestAllocations,
    /// Libraries holding the most titles first.
    MostHoldings,
}

/// The coordinator's rules.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    pub prefer: Vec<Preference>,
    pub max_per_library: Option<u64>,
    pub exclude: HashSet<Uuid>,
}

/// A library that holds a title.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub library_id: Uuid,
    pub oclc_symbol: String,
    /// Its copy is shelved in a storage facility or high-density storage.
    pub in_storage: bool,
    /// How many titles the library holds in all.
    pub holdings: i64,
}

/// A title short of target, as the rule sees it.
#[derive(Debug, Clone)]
pub struct ShortTitle {
    /// Copies still wanted: target − committed.
    pub need: i64,
    pub holders: Vec<Holder>,
    /// Libraries with a live commitment on it (proposed, active, release requested) in the program.
    pub live: HashSet<Uuid>,
}

/// Allocates title after title, remembering how many each library was given.
#[derive(Debug, Default)]
pub struct Allocator {
    rules: Rules,
    given: HashMap<Uuid, u64>,
}

impl Allocator {
    pub fn new(rules: Rules) -> Self {
        Self {
            rules,
            given: HashMap::new(),
        }
    }

    /// The libraries asked to keep `title`, in preference order (at most `need`).
    pub fn allocate(&mut self, title: &ShortTitle) -> Vec<Uuid> {
        if title.need <= 0 {
            return Vec::new();
        }
        let cap = self.rules.max_per_library.unwrap_or(u64::MAX);
        let mut candidates: Vec<&Holder> = title
            .holders
            .iter()
            .filter(|h| !title.live.contains(&h.library_id))
            .filter(|h| !self.rules.exclude.contains(&h.library_id))
            .filter(|h| self.given.get(&h.library_id).copied().unwrap_or(0) < cap)
            .collect();
        candidates.sort_by(|a, b| {
            for preference in &self.rules.prefer {
                let order = match preference {
                    Preference::StorageFacility => b.in_storage.cmp(&a.in_storage),
                    Preference::FewestAllocations => {
                        let given =
                            |h: &Holder| self.given.get(&h.library_id).copied().unwrap_or(0);
                        given(a).cmp(&given(b))
                    }
                    Preference::MostHoldings => b.holdings.cmp(&a.holdings),
                };
                if order.is_ne() {
                    return order;
                }
            }
            a.oclc_symbol
                .cmp(&b.oclc_symbol)
                .then(a.library_id.cmp(&b.library_id))
        });
        let mut chosen: Vec<Uuid> = Vec::new();
        for holder in candidates {
            if chosen.len() as i64 >= title.need {
                break;
            }
            if !chosen.contains(&holder.library_id) {
                chosen.push(holder.library_id);
            }
        }
        for library in &chosen {
            *self.given.entry(*library).or_default() += 1;
        }
        chosen
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn holder(n: u128, symbol: &str, in_storage: bool, holdings: i64) -> Holder {
        Holder {
            library_id: Uuid::from_u128(n),
            oclc_symbol: symbol.into(),
            in_storage,
            holdings,
        }
    }

    fn title(need: i64, holders: Vec<Holder>) -> ShortTitle {
        ShortTitle {
            need,
            holders,
            live: HashSet::new(),
        }
    }

    fn symbols(chosen: &[Uuid], holders: &[Holder]) -> Vec<String> {
        chosen
            .iter()
            .map(|id| {
                holders
                    .iter()
                    .find(|h| h.library_id == *id)
                    .unwrap()
                    .oclc_symbol
                    .clone()
            })
            .collect()
    }

    #[test]
    fn without_preferences_ties_go_by_oclc_symbol() {
        let holders = vec![
            holder(1, "EYM", false, 1),
            holder(2, "AMH", false, 1),
            holder(3, "DKC", false, 1),
        ];
        let mut allocator = Allocator::new(Rules::default());
        let chosen = allocator.allocate(&title(2, holders.clone()));
        assert_eq!(symbols(&chosen, &holders), ["AMH", "DKC"]);
    }

    #[test]
    fn preferences_apply_in_the_coordinators_order() {
        let holders = vec![
            holder(1, "AMH", false, 900),
            holder(2, "DKC", true, 10),
            holder(3, "EYM", false, 50),
        ];
        let rules = |prefer: Vec<Preference>| Rules {
            prefer,
            ..Rules::default()
        };
        let chosen = Allocator::new(rules(vec![
            Preference::StorageFacility,
            Preference::MostHoldings,
        ]))
        .allocate(&title(2, holders.clone()));
        assert_eq!(symbols(&chosen, &holders), ["DKC", "AMH"]);
        let chosen = Allocator::new(rules(vec![Preference::MostHoldings]))
            .allocate(&title(2, holders.clone()));
        assert_eq!(symbols(&chosen, &holders), ["AMH", "EYM"]);
    }

    #[test]
    fn fewest_allocations_spreads_the_work() {
        let holders = vec![holder(1, "AMH", false, 1), holder(2, "DKC", false, 1)];
        let mut allocator = Allocator::new(Rules {
            prefer: vec![Preference::FewestAllocations],
            ..Rules::default()
        });
        let first = allocator.allocate(&title(1, holders.clone()));
        let second = allocator.allocate(&title(1, holders.clone()));
        assert_eq!(symbols(&first, &holders), ["AMH"]);
        assert_eq!(symbols(&second, &holders), ["DKC"]);
    }

    #[test]
    fn caps_exclusions_and_live_commitments_keep_a_library_out() {
        let holders = vec![
            holder(1, "AMH", false, 1),
            holder(2, "DKC", false, 1),
            holder(3, "EYM", false, 1),
        ];
        let mut allocator = Allocator::new(Rules {
            prefer: vec![],
            max_per_library: Some(1),
            exclude: HashSet::from([Uuid::from_u128(3)]),
        });
        let mut short = title(3, holders.clone());
        short.live.insert(Uuid::from_u128(2));
        assert_eq!(symbols(&allocator.allocate(&short), &holders), ["AMH"]);
        assert!(allocator
            .allocate(&title(1, holders.clone()))
            .iter()
            .all(|id| *id == Uuid::from_u128(2)));
        assert!(
            allocator.allocate(&title(1, holders)).is_empty(),
            "every library at its cap or excluded"
        );
    }

    fn arbitrary_title() -> impl Strategy<Value = ShortTitle> {
        (
            -1_i64..4,
            proptest::collection::vec((0_u128..8, any::<bool>(), 0_i64..100), 0..8),
            proptest::collection::hash_set(0_u128..8, 0..3),
        )
            .prop_map(|(need, holders, live)| ShortTitle {
                need,
                holders: holders
                    .into_iter()
                    .map(|(n, storage, holdings)| holder(n, &format!("L{n}"), storage, holdings))
                    .collect(),
                live: live.into_iter().map(Uuid::from_u128).collect(),
            })
    }

    proptest! {
        #[test]
        fn an_allocation_never_passes_the_target_nor_asks_a_library_that_does_not_hold_it(
            titles in proptest::collection::vec(arbitrary_title(), 1..20),
            cap in proptest::option::of(1_u64..4),
        ) {
            let rules = Rules {
                prefer: vec![Preference::FewestAllocations, Preference::StorageFacility],
                max_per_library: cap,
                exclude: HashSet::from([Uuid::from_u128(7)]),
            };
            let mut allocator = Allocator::new(rules.clone());
            let mut again = Allocator::new(rules);
            let mut given: HashMap<Uuid, u64> = HashMap::new();
            for title in &titles {
                let chosen = allocator.allocate(title);
                prop_assert_eq!(&chosen, &again.allocate(title), "deterministic");
                prop_assert!(chosen.len() as i64 <= title.need.max(0));
                let unique: HashSet<&Uuid> = chosen.iter().collect();
                prop_assert_eq!(unique.len(), chosen.len());
                for library in &chosen {
                    prop_assert!(title.holders.iter().any(|h| h.library_id == *library));
                    prop_assert!(!title.live.contains(library));
                    prop_assert!(*library != Uuid::from_u128(7));
                    *given.entry(*library).or_default() += 1;
                }
            }
            if let Some(cap) = cap {
                prop_assert!(given.values().all(|n| *n <= cap));
            }
        }
    }
}
