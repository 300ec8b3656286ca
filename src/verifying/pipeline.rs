//! The parallel JSONL pipeline: one thread reads blocks of lines, workers verify and render
//! them, the calling thread writes each block's output in file order.

use std::num::NonZeroUsize;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread;

use super::{RequestVerifier, VerifiedBatch, VerifyReport};
use crate::capture::{JsonlBlock, JsonlBlocks};
use crate::error::Result;

/// Blocks of JSONL handed out round-robin to this many threads at most (parsing, HMAC and
/// rendering are per request; reading and writing stay on one thread each).
const MAX_WORKERS: usize = 4;
/// Blocks queued per worker, each way: what is in flight stays bounded (a few blocks).
const QUEUE: usize = 2;

/// Verify a JSONL capture's blocks, on worker threads when there is more than one core.
pub(super) fn verify_blocks(
    report: &mut VerifyReport<'_>,
    verifier: &RequestVerifier<'_>,
    blocks: JsonlBlocks,
) -> Result<()> {
    let workers = thread::available_parallelism()
        .map_or(1, NonZeroUsize::get)
        .min(MAX_WORKERS);
    if workers < 2 {
        for block in blocks {
            report.apply(verifier.block(block)?)?;
        }
        return Ok(());
    }
    thread::scope(|scope| {
        let mut inputs: Vec<SyncSender<Result<JsonlBlock>>> = Vec::with_capacity(workers);
        let mut outputs: Vec<Receiver<Result<VerifiedBatch>>> = Vec::with_capacity(workers);
        for _ in 0..workers {
            let (to_worker, work) = sync_channel::<Result<JsonlBlock>>(QUEUE);
            let (done, from_worker) = sync_channel(QUEUE);
            scope.spawn(move || {
                for block in work {
                    // A closed channel: the writer stopped (e.g. a closed pipe); so do we.
                    if done.send(verifier.block(block)).is_err() {
                        break;
                    }
                }
            });
            inputs.push(to_worker);
            outputs.push(from_worker);
        }
        scope.spawn(move || {
            for (i, block) in blocks.enumerate() {
                if inputs[i % inputs.len()].send(block).is_err() {
                    break;
                }
            }
        });
        // Block i went to worker i % n: reading the workers in turn restores file order.
        // The first worker with nothing more to give marks the end of the capture.
        for i in 0.. {
            match outputs[i % outputs.len()].recv() {
                Ok(batch) => report.apply(batch?)?,
                Err(_) => break,
            }
        }
        Ok(())
    })
}
