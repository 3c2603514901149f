//! What a run did: counts by name, the rows it skipped and why, and what a person should
//! read (the backup's file name, say). The runner stores it with the run.

/// A run's report; each job adds to it as it goes.
#[derive(Debug, Default, Clone)]
pub struct Report {
    pub counts: Vec<(&'static str, i64)>,
    pub skipped: Vec<String>,
    pub output: Vec<String>,
}

impl Report {
    /// Adds `n` to the count called `name`.
    pub fn add(&mut self, name: &'static str, n: i64) {
        match self.counts.iter_mut().find(|(k, _)| *k == name) {
            Some((_, count)) => *count += n,
            None => self.counts.push((name, n)),
        }
    }

    pub fn count(&self, name: &str) -> i64 {
        self.counts
            .iter()
            .find(|(k, _)| *k == name)
            .map_or(0, |(_, n)| *n)
    }

    /// Notes a row the job could not handle; the run goes on and ends `partial`.
    pub fn skip(&mut self, what: impl Into<String>) {
        let what = what.into();
        tracing::warn!(skipped = %what, "job skipped a row");
        self.skipped.push(what);
    }

    pub fn say(&mut self, line: impl Into<String>) {
        self.output.push(line.into());
    }

    /// `sent=3 failed=1 skipped=1`, as stored with the run.
    pub fn counts_text(&self) -> String {
        let mut parts: Vec<String> = self
            .counts
            .iter()
            .map(|(k, n)| format!("{k}={n}"))
            .collect();
        if !self.skipped.is_empty() {
            parts.push(format!("skipped={}", self.skipped.len()));
        }
        parts.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_add_up_and_skips_are_counted() {
        let mut report = Report::default();
        report.add("sent", 2);
        report.add("sent", 1);
        report.add("failed", 1);
        report.skip("customer 7: no email");
        assert_eq!(report.count("sent"), 3);
        assert_eq!(report.counts_text(), "sent=3 failed=1 skipped=1");
    }
}
