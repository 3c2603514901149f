//! The rejects file beside the imported one: each bad row with its line number, the
//! reason, and its columns as they were read.

use std::fs::File;
use std::path::{Path, PathBuf};

use super::{ImportError, HEADER};
use crate::domain::spreadsheet::neutralise;

pub struct Rejects {
    writer: csv::Writer<File>,
    path: PathBuf,
    count: usize,
}

impl Rejects {
    /// Creates the file with its header: `line,reason,` and the import's columns.
    pub fn create(path: PathBuf) -> Result<Rejects, ImportError> {
        // A bad row may have fewer or more columns than the header: it is written as it
        // came, padded to the header's width.
        let mut writer = csv::WriterBuilder::new().flexible(true).from_path(&path)?;
        let mut header = vec!["line", "reason"];
        header.extend(HEADER);
        writer.write_record(&header)?;
        Ok(Rejects {
            writer,
            path,
            count: 0,
        })
    }

    /// Adds a row. Every cell goes through `neutralise`: a rejected name or note that
    /// starts like a formula must not run when the file is opened in a spreadsheet.
    pub fn add<'a>(
        &mut self,
        line: u64,
        reason: &str,
        columns: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<(), ImportError> {
        let mut row = vec![line.to_string(), neutralise(reason).into_owned()];
        row.extend(
            columns
                .into_iter()
                .map(|c| neutralise(&String::from_utf8_lossy(c)).into_owned()),
        );
        let width = HEADER.len() + 2;
        if row.len() < width {
            row.resize(width, String::new());
        }
        self.writer.write_record(&row)?;
        self.count += 1;
        Ok(())
    }

    pub fn count(&self) -> usize {
        self.count
    }

    /// Writes the file out and returns its path; an import without bad rows leaves none.
    pub fn finish(mut self) -> Result<Option<PathBuf>, ImportError> {
        self.writer
            .flush()
            .map_err(|e| ImportError::Rejects(e.into()))?;
        if self.count > 0 {
            return Ok(Some(self.path));
        }
        drop(self.writer);
        remove_quietly(&self.path);
        Ok(None)
    }
}

/// An empty rejects file that cannot be deleted is only clutter.
fn remove_quietly(path: &Path) {
    if let Err(error) = std::fs::remove_file(path) {
        tracing::debug!(%error, path = %path.display(), "cannot remove the empty rejects file");
    }
}
