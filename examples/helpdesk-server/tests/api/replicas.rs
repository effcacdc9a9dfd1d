//! Two servers on one PostgreSQL over TCP.
