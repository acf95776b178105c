//! What can be tracked: activities and the kinds of object they apply to.

use serde::{Deserialize, Serialize};

/// A tracked activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activity {
    /// Viewing a file in the planroom.
    View,
    /// Downloading a file, a section or a whole job.
    Download,
    /// Ordering prints of a file, a section or a whole job.
    Order,
}

/// The kind of planroom object an activity applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ObjectKind {
    /// One file.
    File,
    /// A section (folder) of files.
    Section,
    /// The whole job.
    Job,
}

impl Activity {
    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Activity::View => "view",
            Activity::Download => "download",
            Activity::Order => "order",
        }
    }

    /// Parses the stored and wire form.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "view" => Some(Activity::View),
            "download" => Some(Activity::Download),
            "order" => Some(Activity::Order),
            _ => None,
        }
    }

    /// The individual summary counter that a first access of this activity on `kind` increments:
    /// distinct files viewed, distinct objects downloaded, distinct objects ordered.
    pub fn summary_counter(self, kind: ObjectKind) -> Option<&'static str> {
        match (self, kind) {
            (Activity::View, ObjectKind::File) => Some("files_viewed"),
            (Activity::View, _) => None,
            (Activity::Download, _) => Some("downloads"),
            (Activity::Order, _) => Some("orders"),
        }
    }
}

impl ObjectKind {
    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::File => "file",
            ObjectKind::Section => "section",
            ObjectKind::Job => "job",
        }
    }

    /// Parses the stored and wire form.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "file" => Some(ObjectKind::File),
            "section" => Some(ObjectKind::Section),
            "job" => Some(ObjectKind::Job),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_forms_round_trip() {
        for a in [Activity::View, Activity::Download, Activity::Order] {
            assert_eq!(Activity::parse(a.as_str()), Some(a));
        }
        for k in [ObjectKind::File, ObjectKind::Section, ObjectKind::Job] {
            assert_eq!(ObjectKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(Activity::parse("print"), None);
    }

    #[test]
    fn only_file_views_count_as_files_viewed() {
        assert_eq!(Activity::View.summary_counter(ObjectKind::File), Some("files_viewed"));
        assert_eq!(Activity::View.summary_counter(ObjectKind::Section), None);
        assert_eq!(Activity::Download.summary_counter(ObjectKind::Job), Some("downloads"));
        assert_eq!(Activity::Order.summary_counter(ObjectKind::Section), Some("orders"));
    }
}
