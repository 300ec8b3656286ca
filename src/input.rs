//! Reading what the user points us at: files by path, or stdin for `-`.

use std::io::Read;
use std::path::Path;

use crate::error::{Error, Result};

/// Exact bytes of a file, or of stdin for `-` or no path.
pub fn read_bytes(file: Option<&Path>) -> Result<Vec<u8>> {
    match file {
        Some(p) if p != Path::new("-") => {
            std::fs::read(p).map_err(|e| Error::file(p.display(), &e))
        }
        _ => {
            let mut buf = Vec::new();
            std::io::stdin()
                .lock()
                .read_to_end(&mut buf)
                .map_err(|e| Error::input(format!("cannot read stdin: {e}")))?;
            Ok(buf)
        }
    }
}
