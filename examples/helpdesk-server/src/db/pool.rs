//! What both databases' pools share: a fair permit per connection, the idle connections, and a
//! connection handed out that goes back when dropped.

use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::OwnedSemaphorePermit;

/// The right to use one pooled connection, taken on the runtime (in arrival order: tokio's
/// semaphore is fair) before the blocking task that uses it, and released once the connection
/// is back in its pool. Measured: blocking threads that queued for connections on a condition
/// variable let newcomers overtake them (PostgreSQL's p99 40 ms at a p50 of 9 ms).
#[derive(Debug)]
pub struct Permit {
    _held: OwnedSemaphorePermit,
}

impl Permit {
    pub(super) fn new(held: OwnedSemaphorePermit) -> Permit {
        Permit { _held: held }
    }
}

/// A connection a pool hands out and takes back.
pub trait Reusable: Sized {
    /// Readies the connection for its next user (a transaction left open is rolled back);
    /// `false` when it can no longer be used (the database went away).
    fn reset(&mut self) -> bool;

    /// Closes the connections left when the pool itself goes; dropping them by default.
    fn close_all(left: Vec<Self>) {
        drop(left);
    }
}

/// The connections not in use, shared by a pool and the connections it handed out.
#[derive(Debug)]
pub struct Idle<C: Reusable>(Mutex<Vec<C>>);

impl<C: Reusable> Idle<C> {
    /// `connections`, idle.
    pub(super) fn new(connections: Vec<C>) -> Arc<Idle<C>> {
        Arc::new(Idle(Mutex::new(connections)))
    }

    /// An idle connection, if any.
    pub(super) fn pop(&self) -> Option<C> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).pop()
    }
}

impl<C: Reusable> Drop for Idle<C> {
    fn drop(&mut self) {
        let left = std::mem::take(self.0.get_mut().unwrap_or_else(PoisonError::into_inner));
        if !left.is_empty() {
            C::close_all(left);
        }
    }
}

/// A connection out of the pool, back in it when dropped: one that can no longer be used is
/// dropped instead, with every idle one (the database went away or restarted, so they are most
/// likely closed too, though none can tell before its next use: dropping them now costs
/// reconnecting, where keeping them would cost a failed request each).
#[derive(Debug)]
pub struct Pooled<C: Reusable> {
    conn: Option<C>,
    idle: Arc<Idle<C>>,
    // Released after `drop` has put the connection back (fields drop after `Drop::drop`).
    _permit: Permit,
}

impl<C: Reusable> Pooled<C> {
    /// `conn`, taken from `idle` (or opened for it) by the holder of `permit`.
    pub(super) fn new(conn: C, idle: &Arc<Idle<C>>, permit: Permit) -> Pooled<C> {
        Pooled {
            conn: Some(conn),
            idle: Arc::clone(idle),
            _permit: permit,
        }
    }
}

impl<C: Reusable> Deref for Pooled<C> {
    type Target = C;
    fn deref(&self) -> &C {
        self.conn.as_ref().unwrap_or_else(|| unreachable!())
    }
}

impl<C: Reusable> DerefMut for Pooled<C> {
    fn deref_mut(&mut self) -> &mut C {
        self.conn.as_mut().unwrap_or_else(|| unreachable!())
    }
}

impl<C: Reusable> Drop for Pooled<C> {
    fn drop(&mut self) {
        let Some(mut conn) = self.conn.take() else {
            return;
        };
        let reusable = conn.reset();
        let mut idle = self.idle.0.lock().unwrap_or_else(PoisonError::into_inner);
        if reusable {
            idle.push(conn);
        } else {
            let stale = std::mem::take(&mut *idle);
            drop(idle);
            drop(stale);
            drop(conn);
        }
    }
}
