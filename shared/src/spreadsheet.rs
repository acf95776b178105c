//! CSV cells that a spreadsheet would run as a formula are neutralised: a cell starting with
//! `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so Excel, Sheets and
//! LibreOffice show it as text (OWASP's "CSV injection" advice).

use std::borrow::Cow;

/// The cell as it is safe to write.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text_and_the_rest_is_untouched() {
        assert_eq!(neutralise("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
        for bad in ["+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert!(neutralise(bad).starts_with('\''), "{bad}");
        }
        for fine in ["Zoë", "a=b", "", "2026-11-25T10:00:00.000Z", "山田太郎"] {
            assert_eq!(neutralise(fine), fine);
        }
    }
}
