//! Planroom addresses, remembered per container for a short while: a warm redirect sends the
//! recipient on without reading it, and a change of the address (`PUT /v1/planroom`) reaches every
//! warm container within [`FRESH_FOR`]. An address older than that is read again (beside the hit's
//! write, so the click still waits for one round trip); when that read fails, the last one known
//! still serves.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a remembered address is used without reading it again.
pub const FRESH_FOR: Duration = Duration::from_secs(60);

/// The addresses this container knows.
#[derive(Debug, Default)]
pub struct Bases(Mutex<HashMap<String, (String, Instant)>>);

impl Bases {
    /// The planroom's address while it is fresh.
    pub fn fresh(&self, planroom: &str) -> Option<String> {
        self.0
            .lock()
            .ok()
            .and_then(|bases| bases.get(planroom).filter(|(_, at)| at.elapsed() < FRESH_FOR).map(|(b, _)| b.clone()))
    }

    /// The last address known, however old (storage is failing).
    pub fn last_known(&self, planroom: &str) -> Option<String> {
        self.0.lock().ok().and_then(|bases| bases.get(planroom).map(|(b, _)| b.clone()))
    }

    /// Remembers the address just read.
    pub fn remember(&self, planroom: &str, base: &str) {
        if let Ok(mut bases) = self.0.lock() {
            bases.insert(planroom.to_owned(), (base.to_owned(), Instant::now()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_fresh_for_a_while_and_known_after() {
        let bases = Bases::default();
        assert_eq!(bases.fresh("p"), None);
        bases.remember("p", "https://plans.example.com");
        assert_eq!(bases.fresh("p").as_deref(), Some("https://plans.example.com"));
        if let Ok(mut map) = bases.0.lock()
            && let Some(entry) = map.get_mut("p")
        {
            entry.1 = Instant::now() - FRESH_FOR - Duration::from_secs(1);
        }
        assert_eq!(bases.fresh("p"), None, "stale: read again");
        assert_eq!(bases.last_known("p").as_deref(), Some("https://plans.example.com"));
    }
}
