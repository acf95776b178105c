//! One time budget per request. A handler runs inside [`within`]; every storage call and every
//! retry reads the time left with [`remaining`], so a slow table turns into a clear 503 (or, for a
//! tracked link, a redirect without recording) before the platform's own timeout, however many
//! calls a request makes.

use std::time::Duration;

use tokio::time::Instant;

use crate::config::{self, ConfigError};
use crate::{Error, Result};

tokio::task_local! {
    static DEADLINE: Instant;
}

/// What a call outside any request (a worker's step, a test) may spend.
pub const UNSCOPED: Duration = Duration::from_secs(30);

/// Runs `work` with `budget` as the time it may take in all.
pub async fn within<F: Future>(budget: Duration, work: F) -> F::Output {
    DEADLINE.scope(Instant::now() + budget, work).await
}

/// Runs a request's `work` within `budget`: storage calls inside see the deadline, and whatever
/// still runs when it passes is cut off with a 503.
pub async fn run<T>(budget: Duration, work: impl Future<Output = Result<T>>) -> Result<T> {
    within(budget, async {
        match tokio::time::timeout(budget, work).await {
            Ok(result) => result,
            Err(_) => Err(Error::Unavailable {
                context: "answering the request".into(),
                source: "the request's time budget ran out".into(),
            }),
        }
    })
    .await
}

/// When the current request's time is up.
pub fn deadline() -> Instant {
    DEADLINE.try_with(|d| *d).unwrap_or_else(|_| Instant::now() + UNSCOPED)
}

/// The time left in the current request's budget.
pub fn remaining() -> Duration {
    deadline().saturating_duration_since(Instant::now())
}

/// Time kept back from Lambda's own deadline for writing the answer.
const ANSWER_MARGIN: Duration = Duration::from_millis(500);

/// A budget in milliseconds from the environment (`name`, default `default_ms`).
pub fn from_env(name: &str, default_ms: u64) -> Result<Duration, ConfigError> {
    let budget = Duration::from_millis(config::number(name, default_ms)?);
    if budget.is_zero() {
        return Err(ConfigError(format!("{name} must be more than 0")));
    }
    Ok(budget)
}

/// The budget of one request: the configured one, cut to end before the invocation's own
/// deadline when Lambda gives one (`deadline_ms`, epoch milliseconds).
pub fn for_request(configured: Duration, deadline_ms: Option<u64>) -> Duration {
    let Some(deadline_ms) = deadline_ms else { return configured };
    let now_ms = u64::try_from(jiff::Timestamp::now().as_millisecond()).unwrap_or(0);
    let left = Duration::from_millis(deadline_ms.saturating_sub(now_ms)).saturating_sub(ANSWER_MARGIN);
    configured.min(left)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_budget_is_the_scopes_and_shrinks() {
        let left = within(Duration::from_secs(2), async {
            let first = remaining();
            tokio::time::sleep(Duration::from_millis(20)).await;
            (first, remaining())
        })
        .await;
        assert!(left.0 <= Duration::from_secs(2) && left.0 > Duration::from_millis(1900), "{left:?}");
        assert!(left.1 < left.0);
        assert!(remaining() > Duration::from_secs(20), "outside a request the unscoped budget applies");
    }

    #[tokio::test]
    async fn work_past_the_budget_is_a_503() {
        let slow = run(Duration::from_millis(20), async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            Ok(())
        });
        assert_eq!(slow.await.unwrap_err().status(), 503);
        assert_eq!(run(Duration::from_secs(1), async { Ok(7) }).await.unwrap(), 7);
    }

    #[test]
    fn a_request_never_outlives_the_invocation() {
        assert_eq!(from_env("NO_SUCH_BUDGET_VAR", 8000).unwrap(), Duration::from_secs(8));
        assert!(from_env("NO_SUCH_BUDGET_VAR", 0).is_err());
        let configured = Duration::from_secs(8);
        assert_eq!(for_request(configured, None), configured);
        let now_ms = u64::try_from(jiff::Timestamp::now().as_millisecond()).unwrap();
        let cut = for_request(configured, Some(now_ms + 3000));
        assert!(cut <= Duration::from_millis(2500) && cut > Duration::from_millis(2300), "{cut:?}");
        assert_eq!(for_request(configured, Some(now_ms + 60_000)), configured);
        assert_eq!(for_request(configured, Some(now_ms - 10)), Duration::ZERO);
    }
}
