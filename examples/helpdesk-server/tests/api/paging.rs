//! Paging on generated databases: through to the end, every conversation `check` allows, each
//! once, on both databases; and the 400s of bad `limit` and `before`.
