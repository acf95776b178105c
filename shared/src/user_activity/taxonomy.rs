//! The 24 event categories of the reference dataset, spelled as there.

use crate::activity::Activity;

/// What kind of thing a user did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventType {
    /// Grant of permissions or access.
    Allow,
    /// Assignment of a task, resource or permission.
    Assign,
    /// Closure of a session, task or resource.
    Close,
    /// Creation or modification of data or resources.
    CreateUpdate,
    /// Deletion.
    Delete,
    /// Download of a file or a report.
    Download,
    /// Running a process.
    Execute,
    /// Export of data.
    Export,
    /// Inclusion of an item in another.
    Include,
    /// Linking items.
    Link,
    /// Moving an item.
    Move,
    /// A notification sent.
    Notify,
    /// Anything else.
    Other,
    /// Publishing.
    Publish,
    /// Rejection.
    Reject,
    /// Removal.
    Remove,
    /// Reset.
    Reset,
    /// Signature or acknowledgement.
    Sign,
    /// Submission (a bid, an order).
    Submit,
    /// Synchronisation.
    Sync,
    /// Upload.
    Upload,
    /// Validation.
    Validate,
    /// Viewing.
    View,
    /// Withdrawal or voiding.
    WithdrawVoid,
}

impl EventType {
    /// Every category, in the reference's (alphabetical) order.
    pub const ALL: [EventType; 24] = [
        EventType::Allow,
        EventType::Assign,
        EventType::Close,
        EventType::CreateUpdate,
        EventType::Delete,
        EventType::Download,
        EventType::Execute,
        EventType::Export,
        EventType::Include,
        EventType::Link,
        EventType::Move,
        EventType::Notify,
        EventType::Other,
        EventType::Publish,
        EventType::Reject,
        EventType::Remove,
        EventType::Reset,
        EventType::Sign,
        EventType::Submit,
        EventType::Sync,
        EventType::Upload,
        EventType::Validate,
        EventType::View,
        EventType::WithdrawVoid,
    ];

    /// The category as the reference spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Allow => "Allow",
            EventType::Assign => "Assign",
            EventType::Close => "Close",
            EventType::CreateUpdate => "Create/Update",
            EventType::Delete => "Delete",
            EventType::Download => "Download",
            EventType::Execute => "Execute",
            EventType::Export => "Export",
            EventType::Include => "Include",
            EventType::Link => "Link",
            EventType::Move => "Move",
            EventType::Notify => "Notify",
            EventType::Other => "Other",
            EventType::Publish => "Publish",
            EventType::Reject => "Reject",
            EventType::Remove => "Remove",
            EventType::Reset => "Reset",
            EventType::Sign => "Sign",
            EventType::Submit => "Submit",
            EventType::Sync => "Sync",
            EventType::Upload => "Upload",
            EventType::Validate => "Validate",
            EventType::View => "View",
            EventType::WithdrawVoid => "Withdraw/Void",
        }
    }

    /// Parses the exact spelling (case matters, as in the reference).
    pub fn parse(text: &str) -> Option<Self> {
        EventType::ALL.into_iter().find(|t| t.as_str() == text)
    }

    /// The category of a tracked planroom activity: a view is a `View`, a download a
    /// `Download`, an order of prints a `Submit`.
    pub fn of_activity(activity: Activity) -> Self {
        match activity {
            Activity::View => EventType::View,
            Activity::Download => EventType::Download,
            Activity::Order => EventType::Submit,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_24_categories_round_trip_and_only_their_exact_spelling_parses() {
        assert_eq!(EventType::ALL.len(), 24);
        let names: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted, "in the reference's order");
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Some(t));
        }
        for bad in ["view", "VIEW", "Create", "Create/update", "Withdraw", "", "View "] {
            assert_eq!(EventType::parse(bad), None, "{bad:?}");
        }
        assert_eq!(EventType::of_activity(Activity::Order).as_str(), "Submit");
    }
}
