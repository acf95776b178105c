//! The User Activity dataset (issue 11, groundwork): every event as one row of fixed fields, in
//! the 24-category taxonomy of the reference dataset, filtered on any field, narrowed to chosen
//! fields, or grouped and counted. Pure logic only; storage and routes come next.

pub mod device;
pub mod fields;
pub mod input;
pub mod partition;
pub mod row;
pub mod select;
pub mod taxonomy;

pub use fields::{FIELDS, Field, FieldKind};
pub use select::{Filters, Grouping, Selection};
pub use taxonomy::EventType;
