//! What an engine answers: typed columns and rows of values in the dataset's forms (instants as
//! `…T…Z` text, days as `YYYY-MM-DD`), served in pages of JSON objects.

use serde_json::{Map, Value};

use super::columns::Column;
use super::parquet_rows::Cells;

/// Rows in one page of an answer.
pub const PAGE_ROWS: usize = 1000;

/// An answer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResultSet {
    /// Its columns.
    pub columns: Vec<Column>,
    /// Its rows, a value per column.
    pub rows: Vec<Cells>,
}

impl ResultSet {
    /// Pages the answer has (at least one, maybe empty).
    pub fn pages(&self) -> usize {
        self.rows.len().div_ceil(PAGE_ROWS).max(1)
    }

    /// Page `n` (from 0) as JSON objects, keys in column order.
    pub fn page(&self, n: usize) -> Vec<Map<String, Value>> {
        self.rows
            .iter()
            .skip(n * PAGE_ROWS)
            .take(PAGE_ROWS)
            .map(|row| self.columns.iter().map(|c| c.name.clone()).zip(row.iter().cloned()).collect())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::ColumnKind;
    use super::*;

    #[test]
    fn pages_hold_a_thousand_rows_as_objects() {
        let set = ResultSet {
            columns: vec![Column::new("n", ColumnKind::Int)],
            rows: (0..2500).map(|n| vec![json!(n)]).collect(),
        };
        assert_eq!(set.pages(), 3);
        assert_eq!(set.page(2).len(), 500);
        assert_eq!(set.page(1)[0]["n"], 1000);
        assert_eq!(ResultSet::default().pages(), 1);
    }
}
