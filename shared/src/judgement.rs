//! Whether an access was taken as a person's or a machine's, why, and how sure that is. Every
//! stored access carries one: an automated one keeps its reason, and `include_automated=true`
//! shows them all.

use serde::Serialize;

/// How sure a judgement is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// Circumstantial: timing alone (a hit soon after the send, a blast-wide burst), or a hit no
    /// signal marks and nothing confirmed yet.
    Medium,
    /// Evidence: a `HEAD`, a scanner's user agent or network, several links of one recipient at
    /// once; or, for a person, their own page's event or a logged-in session.
    High,
}

impl Confidence {
    /// The stored and answered form.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }

    /// The confidence stored as `text` (`medium` for anything unknown).
    pub fn parse(text: &str) -> Self {
        if text == "high" { Confidence::High } else { Confidence::Medium }
    }
}

/// A person's or a machine's, with the reason (a [`crate::scanner::Signal`] code) of a machine's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgement {
    /// The reason it was taken as automated; `None` for a person.
    pub automated: Option<String>,
    /// How sure.
    pub confidence: Confidence,
}

/// What an answer says an event was taken as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TakenAs {
    /// A person's access: it counts.
    #[default]
    Human,
    /// A machine's (an e-mail scanner's): kept apart, never a person's first access.
    Automated,
}

impl Judgement {
    /// A person's, as sure as `confidence`.
    pub fn human(confidence: Confidence) -> Self {
        Judgement { automated: None, confidence }
    }

    /// A machine's, for `reason`.
    pub fn automated(reason: &str, confidence: Confidence) -> Self {
        Judgement { automated: Some(reason.to_owned()), confidence }
    }

    /// Whether it was taken as a machine's.
    pub fn is_automated(&self) -> bool {
        self.automated.is_some()
    }

    /// What an answer says.
    pub fn taken_as(&self) -> TakenAs {
        if self.is_automated() { TakenAs::Automated } else { TakenAs::Human }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confidences_round_trip_and_order() {
        for c in [Confidence::Medium, Confidence::High] {
            assert_eq!(Confidence::parse(c.as_str()), c);
        }
        assert!(Confidence::High > Confidence::Medium);
        assert_eq!(Judgement::automated("burst", Confidence::High).taken_as(), TakenAs::Automated);
        assert_eq!(Judgement::human(Confidence::Medium).taken_as(), TakenAs::Human);
    }
}
