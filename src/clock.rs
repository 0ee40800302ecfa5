//! The time as the service sees it: the system clock, or one a test sets and
//! moves by hand (no test waits on the wall clock).

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

/// Where "now" comes from.
#[derive(Clone, Default)]
pub struct Clock(Option<Arc<Mutex<DateTime<Utc>>>>, chrono::Duration);

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock(None, chrono::Duration::zero())
    }

    /// The system clock, shifted so that it reads `start` now and runs on
    /// from there (rehearsals and browser tests of dated figures).
    pub fn starting_at(start: DateTime<Utc>) -> Clock {
        Clock(None, start - Utc::now())
    }

    /// A clock standing still at `at` until [`Clock::set`] or
    /// [`Clock::advance`] moves it (tests).
    pub fn manual(at: DateTime<Utc>) -> Clock {
        Clock(Some(Arc::new(Mutex::new(at))), chrono::Duration::zero())
    }

    /// The current time.
    pub fn now(&self) -> DateTime<Utc> {
        match &self.0 {
            None => Utc::now() + self.1,
            Some(t) => *t.lock().unwrap_or_else(|e| e.into_inner()),
        }
    }

    /// Moves a manual clock to `at` (no effect on the system clock).
    pub fn set(&self, at: DateTime<Utc>) {
        if let Some(t) = &self.0 {
            *t.lock().unwrap_or_else(|e| e.into_inner()) = at;
        }
    }

    /// Moves a manual clock forward (no effect on the system clock).
    pub fn advance(&self, by: chrono::Duration) {
        if let Some(t) = &self.0 {
            let mut t = t.lock().unwrap_or_else(|e| e.into_inner());
            *t += by;
        }
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            None => write!(f, "Clock::system({})", self.now()),
            Some(_) => write!(f, "Clock::manual({})", self.now()),
        }
    }
}
