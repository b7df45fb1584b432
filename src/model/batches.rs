//! Results of a parallel pass over residents, gathered batch by batch.
//!
//! bevy's `par_iter` hands residents to threads in batches. A [`Collector`] gives each batch its
//! own value to add to, and takes it when the batch ends. Which batch finishes first depends on
//! the threads, so the order of the values is not fixed: whoever reads them must key what they
//! read by our own ids (a resident's slot), or combine them in a way that does not depend on
//! order (adding integers).

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
