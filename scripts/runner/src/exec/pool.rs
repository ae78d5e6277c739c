// SPDX-License-Identifier: GPL-2.0

//! Up to `jobs` guests at a time, with a progress line per finished run.

use std::{sync::Mutex, thread, time::Instant};

use crate::model::verdict::Verdict;

/// Runs `work(i)` for every `i < n` on up to `jobs` threads; results keep their order.
pub fn run<T: Send>(jobs: usize, n: usize, work: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let next = Mutex::new(0usize);
    let slots: Vec<Mutex<Option<T>>> = (0..n).map(|_| Mutex::new(None)).collect();
    thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, n.max(1)) {
            scope.spawn(|| loop {
                let i = {
                    let mut next = next.lock().unwrap_or_else(|e| e.into_inner());
                    let i = *next;
                    *next += 1;
                    i
                };
                if i >= n {
                    break;
                }
                let r = work(i);
                *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
            });
        }
    });
    slots
        .into_iter()
        .map(|s| {
            s.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .expect("every slot was filled")
        })
        .collect()
}

/// The `[done/total pass fail error skip | m:ss]` line printed as runs finish.
pub struct Progress {
    arch: &'static str,
    total: usize,
    started: Instant,
    /// done, pass, fail, error, skip
    counts: Mutex<[usize; 5]>,
}

impl Progress {
    pub fn new(arch: &'static str, total: usize) -> Self {
        Progress {
            arch,
            total,
            started: Instant::now(),
            counts: Mutex::new([0; 5]),
        }
    }

    pub fn done(&self, what: &str, verdict: Verdict, secs: f64, reason: &str) {
        let mut c = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        c[0] += 1;
        c[match verdict {
            Verdict::Pass => 1,
            Verdict::Fail => 2,
            Verdict::Error => 3,
            Verdict::Skip => 4,
        }] += 1;
        let elapsed = self.started.elapsed().as_secs();
        eprintln!(
            "[{}/{} pass {} fail {} error {} skip {} | {}:{:02}] {} {what:<28} {:<5} {secs:.1} s",
            c[0],
            self.total,
            c[1],
            c[2],
            c[3],
            c[4],
            elapsed / 60,
            elapsed % 60,
            self.arch,
            verdict.name()
        );
        // A pass has a reason only when it needs one (judged on the vmcore's log).
        if !reason.is_empty() {
            eprintln!("    {reason}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_their_order() {
        let out = run(3, 10, |i| i * i);
        assert_eq!(out, (0..10).map(|i| i * i).collect::<Vec<_>>());
        assert!(run(2, 0, |i| i).is_empty());
    }
}
