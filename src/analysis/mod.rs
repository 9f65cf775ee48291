//! Collection analysis beside the workflow: answers computed from every library's commitments and
//! holdings at once (the withdrawal check).

pub mod withdrawal;
