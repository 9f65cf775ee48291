//! Collection analysis beside the workflow: answers computed from every library's commitments and
//! holdings at once (allocation scenarios, the withdrawal check).

pub mod scenarios;
pub mod withdrawal;
