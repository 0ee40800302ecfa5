//! Expensive handlers' work in the bounded [`WorkPool`](crate::work::WorkPool),
//! with its refusals as problem+json.

use super::error::ApiError;
use crate::state::AppState;
use crate::work::{Budget, Refused, Stop};

/// Seconds a caller is asked to wait before trying a refused query again.
pub const RETRY_AFTER_S: u64 = 2;

/// Runs `work` in the state's pool. A query that runs out of time with the
/// pool to itself answers 422 (it will never fit) with `ask_less`, what
/// smaller query to send; one that runs out of time beside other queries,
/// or finds every worker busy, answers 503 with `Retry-After`.
pub async fn offload<T, F>(state: &AppState, ask_less: &'static str, work: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&Budget) -> Result<T, Stop> + Send + 'static,
{
    let pool = state.work();
    match pool.run(work).await {
        Ok(answer) => Ok(answer),
        Err(Refused::Busy) => Err(ApiError::Overloaded(
            format!(
                "the server is busy with other long queries and found no free worker within {} ms; \
                 try again in {RETRY_AFTER_S} seconds",
                pool.budget().as_millis()
            ),
            RETRY_AFTER_S,
        )),
        Err(Refused::Stopped(Stop::OverBudget)) => Err(ApiError::Overloaded(
            format!(
                "this query ran out of its {} ms of computing while other long queries shared the server, \
                 so it was stopped; try again in {RETRY_AFTER_S} seconds, or {ask_less}",
                pool.budget().as_millis()
            ),
            RETRY_AFTER_S,
        )),
        Err(Refused::TooLarge) => Err(ApiError::TooLarge(format!(
            "this query needs more than the {} ms of computing one request may use even on an idle server, \
             so it was stopped and asking again will not help; {ask_less}",
            pool.budget().as_millis()
        ))),
        // Nobody reads this answer: the caller is gone (or the work panicked,
        // which tokio has logged).
        Err(Refused::Stopped(Stop::Cancelled)) => {
            Err(ApiError::Internal("the query was stopped before it finished".into()))
        }
    }
}
