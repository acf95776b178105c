//! The User Activity dataset: every event as one row of fixed fields, in the 24-category taxonomy
//! of the reference dataset, filtered on any field, narrowed to chosen fields, or grouped and
//! counted. Storage is in [`crate::store::user_activity`].

pub mod device;
pub mod fields;
pub mod input;
pub mod log;
pub mod partition;
pub mod row;
pub mod select;
pub mod settings;
pub mod sources;
pub mod taxonomy;
pub mod window;

pub use fields::{FIELDS, Field, FieldKind};
pub use select::{Filters, Grouping, Selection};
pub use settings::ActivitySettings;
pub use taxonomy::EventType;
