//! Cells of the files Dossier writes for spreadsheets (CSV, Excel).
//!
//! A cell that starts with `=`, `+`, `-` or `@` is a formula to Excel and LibreOffice,
//! and a tab or carriage return in front can hide one: a customer's name like
//! `=cmd|' /C calc'!A0` would run on the clerk's machine when the file is opened. Such
//! cells get a leading `'`, which spreadsheets show as plain text (OWASP's advice on CSV
//! injection). A phone `+86…` or a negative number is prefixed too: a reader sees the
//! value, only the file holds the quote.

use std::borrow::Cow;

/// The characters a cell must not start with.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `cell` as it can be written to a file a spreadsheet will open.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::neutralise;

    #[test]
    fn a_cell_that_starts_like_a_formula_is_written_as_text() {
        for cell in [
            "=cmd|' /C calc'!A0",
            "+8613812345678",
            "-1",
            "@SUM(A1)",
            "\t=1+1",
            "\r=1+1",
        ] {
            assert_eq!(neutralise(cell), format!("'{cell}"));
        }
    }

    #[test]
    fn any_other_cell_is_left_as_it_is() {
        for cell in ["王伟", "13812345678", "a=b", "", " =1", "'=1"] {
            assert_eq!(neutralise(cell), cell);
        }
    }
}
