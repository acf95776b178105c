//! Whether a tracked-link hit was a person's, judged once the hits around it are known.
//!
//! The redirect judges what a hit shows about itself ([`crate::scanner::Rules::classify`]: a
//! `HEAD`, a scanner's user agent or network) and answers at once; a hit nothing marks is stored
//! *pending*, and the judge, reading the log, decides it from the hits around it:
//!
//! | rule | verdict | confidence |
//! |---|---|---|
//! | the recipient opened `burst_links` (3) distinct links within any `burst_window` (10 s) that holds this hit | automated, `burst`, and so is every hit of that window, those before included | high |
//! | within `blast_horizon` (15 min) of the send, the blast's links were opened by `blast_recipients` (10) distinct recipients within `blast_window` (5 s) around it, and no landing page confirmed it | automated, `blast_burst` | medium |
//! | it came within `send_window` (30 s) of the send, and no landing page confirmed it | automated, `too_soon_after_send` | medium |
//! | its landing page ran the tracking script and posted its view | a person's | high |
//! | none of these | a person's | medium |
//!
//! Windows slide: they are placed wherever they catch the most links, not in fixed buckets. A
//! person who opens two links a second apart is still a person; a scanner's first and second links
//! are moved to the automated record once its third reveals the burst, and the recipient's next
//! human access becomes the first.

use jiff::{SignedDuration, Timestamp};

use crate::judgement::{Confidence, Judgement};
use crate::scanner::Signal;

/// The judge's tunables (template parameters `Scanner…`, environment `SCANNER_…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Windows {
    /// Distinct links of one recipient that make a burst (`SCANNER_BURST_LINKS`, 3; 0 disables).
    pub burst_links: usize,
    /// The sliding window they must fall in (`SCANNER_BURST_WINDOW_SECONDS`, 10).
    pub burst_window: SignedDuration,
    /// Distinct recipients of one blast that make a blast-wide burst (`SCANNER_BLAST_RECIPIENTS`,
    /// 10; 0 disables).
    pub blast_recipients: usize,
    /// Their window (`SCANNER_BLAST_WINDOW_SECONDS`, 5).
    pub blast_window: SignedDuration,
    /// How long after the send blast-wide bursts are looked for (`SCANNER_BLAST_HORIZON_SECONDS`,
    /// 900): gateways scan a blast's messages as they are delivered; later, scanners open one
    /// recipient's links at a time (the burst rule), and reading every recipient's hits for each
    /// click would cost more than it finds.
    pub blast_horizon: SignedDuration,
    /// A hit this soon after the send is a delivery-time scan unless confirmed
    /// (`SCANNER_SEND_WINDOW_SECONDS`, 30; 0 disables).
    pub send_window: SignedDuration,
}

impl Default for Windows {
    fn default() -> Self {
        Windows {
            burst_links: 3,
            burst_window: SignedDuration::from_secs(10),
            blast_recipients: 10,
            blast_window: SignedDuration::from_secs(5),
            blast_horizon: SignedDuration::from_secs(900),
            send_window: SignedDuration::from_secs(30),
        }
    }
}

/// Whether a hit at `at` of a blast sent at `sent_at` is looked at for a blast-wide burst (an
/// unknown send time: always).
pub fn looks_for_blast_burst(windows: &Windows, sent_at: Option<Timestamp>, at: Timestamp) -> bool {
    windows.blast_recipients > 0 && sent_at.is_none_or(|sent| at - sent <= windows.blast_horizon)
}

/// One hit of a recipient as the judge sees it in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenHit {
    /// Its row (sort key): unique, and in time order.
    pub id: String,
    /// When.
    pub at: Timestamp,
    /// Which link (action, target kind and id).
    pub link: String,
    /// Whether it is counted as a machine's now.
    pub automated: bool,
}

/// What the judge knows when judging `hit`.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    /// The hit.
    pub hit: &'a SeenHit,
    /// When the blast went out, if known.
    pub sent_at: Option<Timestamp>,
    /// The recipient's hits around it (this one included or not), any order.
    pub around: &'a [SeenHit],
    /// Whether its landing page confirmed it.
    pub confirmed: bool,
    /// Distinct recipients of the blast with a hit within the blast window around it (itself
    /// included).
    pub blast_recipients: usize,
}

/// The judge's decision about a pending hit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The hit's judgement.
    pub judgement: Judgement,
    /// Earlier hits of the same burst that are still counted as a person's: they move to the
    /// automated record.
    pub reclassify: Vec<String>,
}

/// Judges a pending hit.
pub fn judge(windows: &Windows, context: &Context<'_>) -> Verdict {
    if let Some(members) = burst(windows, context.hit, context.around) {
        let reclassify =
            members.into_iter().filter(|h| h.id != context.hit.id && !h.automated).map(|h| h.id.clone()).collect();
        return Verdict { judgement: Judgement::automated(Signal::Burst.code(), Confidence::High), reclassify };
    }
    let verdict = |judgement| Verdict { judgement, reclassify: Vec::new() };
    if context.confirmed {
        return verdict(Judgement::human(Confidence::High));
    }
    if windows.blast_recipients > 0 && context.blast_recipients >= windows.blast_recipients {
        return verdict(Judgement::automated(Signal::BlastBurst.code(), Confidence::Medium));
    }
    if let Some(sent) = context.sent_at
        && windows.send_window > SignedDuration::ZERO
        && context.hit.at.duration_since(sent) < windows.send_window
        && context.hit.at.duration_since(sent) > -SignedDuration::from_secs(5)
    {
        return verdict(Judgement::automated(Signal::TooSoonAfterSend.code(), Confidence::Medium));
    }
    verdict(Judgement::human(Confidence::Medium))
}

/// Whether a landing page's confirmation turns a hit judged automated into a person's: only the
/// circumstantial reasons give way (a burst of links is a machine's, script or not).
pub fn confirmation_overrides(reason: &str) -> bool {
    reason == Signal::TooSoonAfterSend.code() || reason == Signal::BlastBurst.code()
}

/// The hits of the busiest window of `burst_window` that holds `hit`, when they open at least
/// `burst_links` distinct links; windows slide, so a burst astride any boundary is seen.
fn burst<'a>(windows: &Windows, hit: &'a SeenHit, around: &'a [SeenHit]) -> Option<Vec<&'a SeenHit>> {
    if windows.burst_links == 0 {
        return None;
    }
    let mut hits: Vec<&SeenHit> = around.iter().filter(|h| h.id != hit.id).collect();
    hits.push(hit);
    hits.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
    let mut best: Option<Vec<&SeenHit>> = None;
    // The busiest window starts at one of the hits, at most a window before this one.
    for start in hits.iter().filter(|h| h.at <= hit.at && hit.at.duration_since(h.at) <= windows.burst_window) {
        let inside: Vec<&SeenHit> = hits
            .iter()
            .copied()
            .filter(|h| h.at >= start.at && h.at.duration_since(start.at) <= windows.burst_window)
            .collect();
        let mut links: Vec<&str> = inside.iter().map(|h| h.link.as_str()).collect();
        links.sort_unstable();
        links.dedup();
        if links.len() >= windows.burst_links && best.as_ref().is_none_or(|b| inside.len() > b.len()) {
            best = Some(inside);
        }
    }
    best
}

#[cfg(test)]
mod horizon_tests {
    use super::*;

    #[test]
    fn blast_wide_bursts_are_looked_for_only_near_the_send() {
        let windows = Windows::default();
        let sent: Timestamp = "2026-12-01T10:00:00Z".parse().unwrap();
        let at = |s: i64| sent + SignedDuration::from_secs(s);
        assert!(looks_for_blast_burst(&windows, Some(sent), at(5)));
        assert!(looks_for_blast_burst(&windows, Some(sent), at(900)));
        assert!(!looks_for_blast_burst(&windows, Some(sent), at(901)));
        assert!(looks_for_blast_burst(&windows, None, at(10_000)), "no send time: always");
        let off = Windows { blast_recipients: 0, ..windows };
        assert!(!looks_for_blast_burst(&off, Some(sent), at(5)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(1_796_000_000 + seconds).unwrap()
    }

    fn hit(id: &str, seconds: i64, link: &str, automated: bool) -> SeenHit {
        SeenHit { id: id.into(), at: at(seconds), link: link.into(), automated }
    }

    fn context<'a>(hit: &'a SeenHit, around: &'a [SeenHit]) -> Context<'a> {
        Context { hit, sent_at: Some(at(-3600)), around, confirmed: false, blast_recipients: 1 }
    }

    #[test]
    fn a_single_click_an_hour_after_the_send_is_a_person_unconfirmed() {
        let h = hit("a", 0, "view#file#f1", false);
        assert_eq!(judge(&Windows::default(), &context(&h, &[])).judgement, Judgement::human(Confidence::Medium));
        let confirmed = Context { confirmed: true, ..context(&h, &[]) };
        assert_eq!(judge(&Windows::default(), &confirmed).judgement, Judgement::human(Confidence::High));
    }

    #[test]
    fn the_third_link_of_a_burst_moves_the_first_two_to_the_automated_record() {
        let first = hit("a", 0, "view#file#f1", false);
        let second = hit("b", 1, "view#file#f2", false);
        let third = hit("c", 2, "download#section#s1", false);
        let around = [first.clone(), second.clone()];
        let verdict = judge(&Windows::default(), &context(&third, &around));
        assert_eq!(verdict.judgement, Judgement::automated("burst", Confidence::High));
        assert_eq!(verdict.reclassify, ["a", "b"]);
        // Judged later, the first sees the whole burst ahead of it too.
        let later = [second.clone(), third.clone()];
        assert_eq!(judge(&Windows::default(), &context(&first, &later)).judgement.automated.as_deref(), Some("burst"));
    }

    #[test]
    fn windows_slide_so_a_burst_astride_a_ten_second_boundary_is_seen() {
        // 9 s, 11 s and 12 s: fixed buckets [0,10) and [10,20) would each hold fewer than three.
        let around = [hit("a", 9, "l1", false), hit("b", 11, "l2", false)];
        let third = hit("c", 12, "l3", false);
        assert_eq!(judge(&Windows::default(), &context(&third, &around)).reclassify, ["a", "b"]);
    }

    #[test]
    fn the_same_link_again_or_links_far_apart_are_no_burst() {
        let same = [hit("a", 0, "l1", false), hit("b", 1, "l1", false)];
        let again = hit("c", 2, "l1", false);
        assert!(!judge(&Windows::default(), &context(&again, &same)).judgement.is_automated());
        let apart = [hit("a", 0, "l1", false), hit("b", 30, "l2", false)];
        let third = hit("c", 60, "l3", false);
        assert!(!judge(&Windows::default(), &context(&third, &apart)).judgement.is_automated());
        let disabled = Windows { burst_links: 0, ..Windows::default() };
        let burst = [hit("a", 0, "l1", false), hit("b", 1, "l2", false)];
        let c = hit("c", 2, "l3", false);
        assert!(!judge(&disabled, &context(&c, &burst)).judgement.is_automated());
    }

    #[test]
    fn hits_already_automated_are_not_moved_again() {
        let around = [hit("a", 0, "l1", true), hit("b", 1, "l2", false)];
        let third = hit("c", 2, "l3", false);
        assert_eq!(judge(&Windows::default(), &context(&third, &around)).reclassify, ["b"]);
    }

    #[test]
    fn timing_alone_is_circumstantial_and_a_landing_page_overrides_it() {
        let h = hit("a", 0, "l1", false);
        let soon = Context { sent_at: Some(at(-12)), ..context(&h, &[]) };
        assert_eq!(
            judge(&Windows::default(), &soon).judgement,
            Judgement::automated("too_soon_after_send", Confidence::Medium)
        );
        let confirmed = Context { confirmed: true, ..soon.clone() };
        assert!(!judge(&Windows::default(), &confirmed).judgement.is_automated());
        let crowd = Context { blast_recipients: 12, ..context(&h, &[]) };
        assert_eq!(judge(&Windows::default(), &crowd).judgement.automated.as_deref(), Some("blast_burst"));
        assert!(confirmation_overrides("too_soon_after_send") && confirmation_overrides("blast_burst"));
        assert!(!confirmation_overrides("burst") && !confirmation_overrides("scanner_network"));
    }

    #[test]
    fn a_burst_wins_over_a_confirmation() {
        let around = [hit("a", 0, "l1", false), hit("b", 1, "l2", false)];
        let third = hit("c", 2, "l3", false);
        let confirmed = Context { confirmed: true, ..context(&third, &around) };
        assert!(judge(&Windows::default(), &confirmed).judgement.is_automated());
    }
}
