//! Results of a parallel pass over residents, gathered batch by batch.
//!
//! bevy's `par_iter` hands residents to threads in batches. A [`Collector`] gives each batch its
//! own value to add to, and takes it when the batch ends. Which batch finishes first depends on
//! the threads, so the order of the values is not fixed: whoever reads them must key what they
//! read by our own ids (a resident's slot), or combine them in a way that does not depend on
//! order (adding integers).

use bevy_ecs::batching::BatchingStrategy;
use bevy_ecs::query::{IterQueryData, QueryFilter, QueryItem};
use bevy_ecs::system::Query;
use std::sync::Mutex;

/// Values filled by the batches of one parallel pass.
pub struct Collector<T: Default> {
    done: Mutex<Vec<T>>,
}

/// One batch's value; handed to the collector when the batch ends.
pub struct Batch<'a, T: Default> {
    pub value: T,
    into: &'a Collector<T>,
}

impl<T: Default> Default for Collector<T> {
    fn default() -> Self {
        Collector {
            done: Mutex::new(Vec::new()),
        }
    }
}

impl<T: Default> Collector<T> {
    /// A new, empty value for one batch (call it in `for_each_init`'s `init`).
    pub fn batch(&self) -> Batch<'_, T> {
        Batch {
            value: T::default(),
            into: self,
        }
    }
}

impl<T: Default> Collector<T> {
    /// Every batch's value, in no fixed order.
    pub fn into_batches(self) -> Vec<T> {
        self.done.into_inner().unwrap_or_else(|e| e.into_inner())
    }
}

impl<T: Default> Drop for Batch<'_, T> {
    fn drop(&mut self) {
        let value = std::mem::take(&mut self.value);
        self.into
            .done
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(value);
    }
}

/// Boundaries that cut `0..n` into `parts` ranges of nearly equal length: range `p` is
/// `cuts[p]..cuts[p + 1]`.
pub fn even_cuts(n: usize, parts: usize) -> Vec<usize> {
    let parts = parts.max(1);
    (0..=parts).map(|p| p * n / parts).collect()
}

/// `slice` cut at `cuts` (ascending, the first 0 and the last `slice.len()`): piece `p` is
/// `slice[cuts[p]..cuts[p + 1]]`.
pub fn pieces<'a, T>(mut slice: &'a mut [T], cuts: &[usize]) -> Vec<&'a mut [T]> {
    let mut out = Vec::with_capacity(cuts.len().saturating_sub(1));
    for w in cuts.windows(2) {
        let (piece, rest) = std::mem::take(&mut slice).split_at_mut(w[1] - w[0]);
        out.push(piece);
        slice = rest;
    }
    out
}

/// Runs `work(p, part)` for every part on the compute pool's threads and waits for all. Give
/// each part only what it alone writes (disjoint pieces of a slice), so that what is written
/// does not depend on which thread ran which part, or when.
pub fn in_parallel<T: Send>(mut parts: Vec<T>, work: impl Fn(usize, T) + Sync) {
    if parts.len() == 1 {
        if let Some(part) = parts.pop() {
            work(0, part);
        }
        return;
    }
    let work = &work;
    bevy_tasks::ComputeTaskPool::get().scope(|scope| {
        for (p, part) in parts.into_iter().enumerate() {
            scope.spawn(async move { work(p, part) });
        }
    });
}

/// How many pieces to cut a pass over `n` residents into: one per thread, or one for a town
/// small enough that handing the pieces to threads costs more than it saves (measured on the
/// default town of 12,000: the split passes were slower there).
pub fn parts(n: usize) -> usize {
    if n < SPLIT_FROM {
        1
    } else {
        bevy_tasks::ComputeTaskPool::get().thread_num().max(1)
    }
}

/// Residents from which a pass is split between threads.
const SPLIT_FROM: usize = 50_000;

/// Runs `work` on every item of `query`: on this thread for a town small enough that handing
/// the residents to other threads costs more than it saves (fewer than [`MIN_BATCH`]; measured:
/// a town of 300 over 15 years took 0.7 s on two threads against 0.5 s on one), else in tasks of
/// at least [`MIN_BATCH`] residents on the compute pool, so that the default town of 12,000
/// still splits between threads. Results do not depend on which, as they do not depend on the
/// thread count: a pass writes only its own item, or keys what it collects by slot.
pub fn each<'w, 's, D: IterQueryData, F: QueryFilter>(
    query: Query<'w, 's, D, F>,
    work: impl Fn(QueryItem<'w, 's, D>) + Send + Sync + Clone,
) {
    each_init(query, || (), move |_, item| work(item));
}

/// [`each`] with a value each task makes with `init` and `work` adds to (one value in all when
/// the pass runs on this thread).
pub fn each_init<'w, 's, D: IterQueryData, F: QueryFilter, T>(
    query: Query<'w, 's, D, F>,
    init: impl Fn() -> T + Send + Sync + Clone,
    work: impl Fn(&mut T, QueryItem<'w, 's, D>) + Send + Sync + Clone,
) {
    if query.count() < MIN_BATCH || one_thread() {
        let mut value = init();
        for item in query {
            work(&mut value, item);
        }
    } else {
        query
            .par_iter_inner()
            .batching_strategy(BatchingStrategy::new().min_batch_size(MIN_BATCH))
            .for_each_init(init, work);
    }
}

/// A pass over venues in a town of `residents`: venues differ hugely in size, so a town large
/// enough to split hands them to threads one at a time; a smaller one meets all its venues on
/// this thread.
pub fn each_venue<'w, 's, D: IterQueryData, F: QueryFilter>(
    query: Query<'w, 's, D, F>,
    residents: usize,
    work: impl Fn(QueryItem<'w, 's, D>) + Send + Sync + Clone,
) {
    if residents < MIN_BATCH || one_thread() {
        query.into_iter().for_each(work);
    } else {
        query
            .par_iter_inner()
            .batching_strategy(BatchingStrategy::fixed(1))
            .for_each(work);
    }
}

/// Whether the compute pool has one thread: a pass then runs on the calling thread, without
/// handing its residents to the pool's one worker and waiting for it. This is how `compare`,
/// `sweep` and `calibrate` run each town (one town per thread), so a run never waits on a
/// worker another run keeps busy.
fn one_thread() -> bool {
    bevy_tasks::ComputeTaskPool::get().thread_num() <= 1
}

/// The fewest residents one task of a parallel pass takes.
const MIN_BATCH: usize = 2_048;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_cover_the_slice_in_order() {
        let mut v: Vec<u32> = (0..10).collect();
        let cuts = even_cuts(10, 3);
        assert_eq!(cuts, vec![0, 3, 6, 10]);
        let p = pieces(&mut v, &cuts);
        let lens: Vec<usize> = p.iter().map(|s| s.len()).collect();
        assert_eq!(lens, vec![3, 3, 4]);
        assert_eq!(p[2][0], 6);
        assert_eq!(even_cuts(2, 4), vec![0, 0, 1, 1, 2]);
    }
}
