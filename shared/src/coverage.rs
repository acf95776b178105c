//! Addendum coverage: a job's bidders by its documents, each cell the furthest step a person
//! reached on one file (sent → opened → viewed → downloaded → ordered), computed from the job's
//! blasts, their recipients and its first-access records. Scanners' hits never fill a cell; asked
//! for, they are shown beside it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use jiff::tz::TimeZone;
use serde::Serialize;

use crate::records::{AccessRecord, BlastView};
use crate::search_text;

/// How far a bidder got with one file; later steps are further.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// No blast sent the file to them, and they never accessed it.
    NotSent,
    /// A blast sent it to them.
    Sent,
    /// They followed a link of a blast that sent it (a person, not a scanner), but have not
    /// viewed the file itself.
    Opened,
    /// They viewed it.
    Viewed,
    /// They downloaded it.
    Downloaded,
    /// They ordered prints of it.
    Ordered,
}

impl Step {
    /// The wire and stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::NotSent => "not_sent",
            Step::Sent => "sent",
            Step::Opened => "opened",
            Step::Viewed => "viewed",
            Step::Downloaded => "downloaded",
            Step::Ordered => "ordered",
        }
    }

    /// Parses the wire and stored form.
    pub fn parse(text: &str) -> Option<Self> {
        [Step::NotSent, Step::Sent, Step::Opened, Step::Viewed, Step::Downloaded, Step::Ordered]
            .into_iter()
            .find(|s| s.as_str() == text)
    }

    /// The step a person's own access of this activity reaches.
    pub fn of_activity(activity: &str) -> Option<Self> {
        match activity {
            "view" => Some(Step::Viewed),
            "download" => Some(Step::Downloaded),
            "order" => Some(Step::Ordered),
            _ => None,
        }
    }
}

/// Which of `recipients` have not reached `until` on every one of `targets` (`(kind, id)`), by
/// the job's `records` (people's only count), in the order given.
pub fn not_reached<'a>(
    recipients: impl IntoIterator<Item = &'a str>,
    targets: &[(&str, &str)],
    records: &[AccessRecord],
    until: Step,
) -> Vec<&'a str> {
    let reached: std::collections::HashSet<(&str, &str, &str)> = records
        .iter()
        .filter(|r| !r.automated && Step::of_activity(&r.activity).is_some_and(|s| s >= until))
        .map(|r| (r.individual_id.as_str(), r.object.kind.as_str(), r.object.id.as_str()))
        .collect();
    recipients
        .into_iter()
        .filter(|who| targets.iter().any(|(kind, id)| !reached.contains(&(*who, *kind, *id))))
        .collect()
}

/// Rows by bidder company or by person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowsBy {
    /// A company has a file when any of its people has (people without a company are rows of
    /// their own).
    Company,
    /// One row per person.
    Individual,
}

impl RowsBy {
    /// The wire and stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            RowsBy::Company => "company",
            RowsBy::Individual => "individual",
        }
    }

    /// Parses the `by` parameter.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "company" => Some(RowsBy::Company),
            "individual" => Some(RowsBy::Individual),
            _ => None,
        }
    }
}

/// A blast as coverage reads it.
#[derive(Debug, Clone)]
pub struct SentBlast {
    /// The blast.
    pub blast_id: String,
    /// Its display name.
    pub name: String,
    /// When it went out (`sent_at`, else when it was registered; stored form).
    pub sent_at: String,
    /// The files its links open: `(file id, display name)`.
    pub files: Vec<(String, String)>,
}

impl SentBlast {
    /// The blast as its head reads: sent when it says, else when it was registered; its file
    /// targets (sections and whole-job links are not files).
    pub fn of(view: &BlastView) -> Self {
        let files = view
            .targets
            .as_array()
            .into_iter()
            .flatten()
            .filter(|t| t["kind"] == "file")
            .filter_map(|t| Some((t["id"].as_str()?.to_owned(), t["name"].as_str().unwrap_or_default().to_owned())))
            .collect();
        SentBlast {
            blast_id: view.blast_id.clone(),
            name: view.name.clone(),
            sent_at: view.sent_at.clone().or_else(|| view.created_at.clone()).unwrap_or_default(),
            files,
        }
    }
}

/// A recipient of one blast.
#[derive(Debug, Clone)]
pub struct BlastMember {
    /// The blast.
    pub blast_id: String,
    /// The individual.
    pub individual_id: String,
    /// Name as the blast gave it.
    pub name: String,
    /// E-mail.
    pub email: Option<String>,
    /// Company as the blast gave it.
    pub company_name: Option<String>,
}

/// What to compute.
#[derive(Debug, Clone)]
pub struct Ask<'a> {
    /// Rows by company or by person.
    pub by: RowsBy,
    /// Files to show besides those the blasts sent.
    pub extra_files: &'a [String],
    /// Keep only rows missing at least one column (not viewed or better).
    pub missing_only: bool,
    /// Show scanners' hits beside the cells.
    pub automated: bool,
    /// The job's time zone, for local times.
    pub zone: &'a TimeZone,
}

/// A column: one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Column {
    /// The file.
    pub file_id: String,
    /// Its display name (as the first blast that sent it named it, else as recorded).
    pub name: String,
    /// The blast that first sent it (`None`: named with `file_id=` and never sent).
    pub first_sent_by: Option<String>,
    /// That blast's name.
    pub first_sent_in: Option<String>,
    /// When that blast went out.
    pub first_sent_at: Option<String>,
}

/// Scanners' hits on one file, beside its cell.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AutomatedHits {
    /// How many.
    pub hits: u64,
    /// The first.
    pub first_at: Option<String>,
    /// Why they were judged automated.
    pub reasons: BTreeSet<String>,
}

/// One cell: how far a row got with one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cell {
    /// The column's file.
    pub file_id: String,
    /// The furthest human step.
    pub step: Step,
    /// The first human access (opened or further).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_at: Option<String>,
    /// `first_at` in the job's time zone, with its offset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_at_local: Option<String>,
    /// Who of a company row got there first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_by: Option<String>,
    /// When a blast first sent it to the row.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<String>,
    /// First human hit on a link of a blast that sent it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opened_at: Option<String>,
    /// First view.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub viewed_at: Option<String>,
    /// First download.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub downloaded_at: Option<String>,
    /// First order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ordered_at: Option<String>,
    /// Scanners' hits (only with `include_automated=true`, and only when there are some).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub automated: Option<AutomatedHits>,
}

/// One row: a company or a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// The company (a company row, or a person's company).
    pub company_name: Option<String>,
    /// The person (individual rows, and company rows of a person without a company).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub individual_id: Option<String>,
    /// The person's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The person's e-mail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The people of a company row (individual ids), to expand it with `by=individual`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub individuals: Vec<String>,
    /// One cell per column, in the columns' order.
    pub cells: Vec<Cell>,
    /// How many columns it has viewed or better.
    pub viewed: usize,
    /// How many it has not.
    pub missing: usize,
}

/// The matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// The files.
    pub columns: Vec<Column>,
    /// The rows, by name.
    pub rows: Vec<Row>,
}

/// The times one person (or company) reached on one file.
#[derive(Debug, Clone, Default)]
struct Reached {
    sent_at: Option<String>,
    opened_at: Option<String>,
    viewed_at: Option<String>,
    downloaded_at: Option<String>,
    ordered_at: Option<String>,
    first_by: Option<String>,
    automated: Option<AutomatedHits>,
}

/// The earlier of `slot` and `at`, kept in `slot`.
fn earliest(slot: &mut Option<String>, at: &str) {
    if at.is_empty() {
        return;
    }
    if slot.as_deref().is_none_or(|s| at < s) {
        *slot = Some(at.to_owned());
    }
}

impl Reached {
    fn step(&self) -> Step {
        if self.ordered_at.is_some() {
            Step::Ordered
        } else if self.downloaded_at.is_some() {
            Step::Downloaded
        } else if self.viewed_at.is_some() {
            Step::Viewed
        } else if self.opened_at.is_some() {
            Step::Opened
        } else if self.sent_at.is_some() {
            Step::Sent
        } else {
            Step::NotSent
        }
    }

    fn first_at(&self) -> Option<&str> {
        [&self.opened_at, &self.viewed_at, &self.downloaded_at, &self.ordered_at]
            .into_iter()
            .filter_map(|t| t.as_deref())
            .min()
    }

    /// Folds a member's times into a company's.
    fn absorb(&mut self, other: &Reached, who: &str) {
        if let Some(at) = other.first_at()
            && self.first_at().is_none_or(|mine| at < mine)
        {
            self.first_by = Some(who.to_owned());
        }
        for (mine, theirs) in [
            (&mut self.sent_at, &other.sent_at),
            (&mut self.opened_at, &other.opened_at),
            (&mut self.viewed_at, &other.viewed_at),
            (&mut self.downloaded_at, &other.downloaded_at),
            (&mut self.ordered_at, &other.ordered_at),
        ] {
            if let Some(at) = theirs {
                earliest(mine, at);
            }
        }
        if let Some(theirs) = &other.automated {
            let mine = self.automated.get_or_insert_with(AutomatedHits::default);
            mine.hits += theirs.hits;
            if let Some(at) = &theirs.first_at {
                earliest(&mut mine.first_at, at);
            }
            mine.reasons.extend(theirs.reasons.iter().cloned());
        }
    }

    fn cell(&self, file_id: &str, zone: &TimeZone) -> Cell {
        let first_at = self.first_at().map(str::to_owned);
        Cell {
            file_id: file_id.to_owned(),
            step: self.step(),
            first_at_local: first_at
                .as_deref()
                .and_then(|t| t.parse::<jiff::Timestamp>().ok())
                .map(|ts| crate::time::local_with_offset(ts, zone)),
            first_at,
            first_by: self.first_by.clone(),
            sent_at: self.sent_at.clone(),
            opened_at: self.opened_at.clone(),
            viewed_at: self.viewed_at.clone(),
            downloaded_at: self.downloaded_at.clone(),
            ordered_at: self.ordered_at.clone(),
            automated: self.automated.clone(),
        }
    }
}

/// Who a person is, as the rows show them.
#[derive(Debug, Clone, Default)]
struct Person {
    name: String,
    email: Option<String>,
    company_name: Option<String>,
}

/// The columns: every file the blasts sent, by the blast that first sent it (earliest first),
/// then the `extra` files named.
pub fn columns(blasts: &[SentBlast], extra: &[String], records: &[AccessRecord]) -> Vec<Column> {
    let mut order: Vec<&SentBlast> = blasts.iter().collect();
    order.sort_by(|a, b| a.sent_at.cmp(&b.sent_at).then_with(|| a.blast_id.cmp(&b.blast_id)));
    let mut columns: Vec<Column> = Vec::new();
    for blast in order {
        for (file, name) in &blast.files {
            if columns.iter().all(|c| &c.file_id != file) {
                columns.push(Column {
                    file_id: file.clone(),
                    name: name.clone(),
                    first_sent_by: Some(blast.blast_id.clone()),
                    first_sent_in: Some(blast.name.clone()),
                    first_sent_at: Some(blast.sent_at.clone()),
                });
            }
        }
    }
    for file in extra {
        if columns.iter().all(|c| &c.file_id != file) {
            let recorded = records.iter().find(|r| r.object.kind == "file" && &r.object.id == file);
            columns.push(Column {
                file_id: file.clone(),
                name: recorded.map(|r| r.object.name.clone()).unwrap_or_default(),
                first_sent_by: None,
                first_sent_in: None,
                first_sent_at: None,
            });
        }
    }
    columns
}

/// The coverage matrix of a job: `blasts` and their `members`, the job's `records` (people's, and
/// scanners' when `ask.automated`).
pub fn matrix(blasts: &[SentBlast], members: &[BlastMember], records: &[AccessRecord], ask: &Ask<'_>) -> Coverage {
    let columns = columns(blasts, ask.extra_files, records);
    let column_of: HashMap<&str, usize> = columns.iter().enumerate().map(|(i, c)| (c.file_id.as_str(), i)).collect();
    let blast_of: HashMap<&str, &SentBlast> = blasts.iter().map(|b| (b.blast_id.as_str(), b)).collect();

    let mut people: BTreeMap<&str, Person> = BTreeMap::new();
    let mut reached: HashMap<&str, Vec<Reached>> = HashMap::new();
    let blank = vec![Reached::default(); columns.len()];
    // The blasts each person received, and what each sent them.
    let mut received: HashMap<&str, Vec<&SentBlast>> = HashMap::new();
    for member in members {
        let Some(blast) = blast_of.get(member.blast_id.as_str()) else { continue };
        people.entry(&member.individual_id).or_insert_with(|| Person {
            name: member.name.clone(),
            email: member.email.clone(),
            company_name: member.company_name.clone(),
        });
        received.entry(&member.individual_id).or_default().push(blast);
        let row = reached.entry(&member.individual_id).or_insert_with(|| blank.clone());
        for (file, _) in &blast.files {
            if let Some(&i) = column_of.get(file.as_str()) {
                earliest(&mut row[i].sent_at, &blast.sent_at);
            }
        }
    }
    for record in records {
        if record.automated && !ask.automated {
            continue;
        }
        let who = record.individual_id.as_str();
        let person = people.entry(who).or_default();
        if person.name.is_empty() {
            *person = Person {
                name: record.name.clone(),
                email: record.email.clone(),
                company_name: record.company_name.clone(),
            };
        }
        let row = reached.entry(who).or_insert_with(|| blank.clone());
        if record.automated {
            if record.object.kind == "file"
                && let Some(&i) = column_of.get(record.object.id.as_str())
            {
                let hits = row[i].automated.get_or_insert_with(AutomatedHits::default);
                hits.hits += record.count;
                earliest(&mut hits.first_at, &record.first_at);
                hits.reasons.extend(record.automated_reason.clone());
            }
            continue;
        }
        // A person's own access that came by a blast opens every file that blast sent them.
        for blast in received.get(who).into_iter().flatten() {
            if record.sources.iter().any(|s| s == &blast.blast_id) {
                for (file, _) in &blast.files {
                    if let Some(&i) = column_of.get(file.as_str()) {
                        earliest(&mut row[i].opened_at, &record.first_at);
                    }
                }
            }
        }
        if record.object.kind == "file"
            && let Some(&i) = column_of.get(record.object.id.as_str())
        {
            let slot = match record.activity.as_str() {
                "view" => &mut row[i].viewed_at,
                "download" => &mut row[i].downloaded_at,
                "order" => &mut row[i].ordered_at,
                _ => continue,
            };
            earliest(slot, &record.first_at);
        }
    }

    let row_of = |reached: &[Reached]| -> (Vec<Cell>, usize) {
        let cells: Vec<Cell> = reached.iter().zip(&columns).map(|(r, c)| r.cell(&c.file_id, ask.zone)).collect();
        let viewed = cells.iter().filter(|c| c.step >= Step::Viewed).count();
        (cells, viewed)
    };
    let mut rows: Vec<(String, Row)> = Vec::new();
    match ask.by {
        RowsBy::Individual => {
            for (who, person) in &people {
                let (cells, viewed) = row_of(reached.get(who).map_or(&[][..], Vec::as_slice));
                rows.push((
                    search_text::fold(&person.name),
                    Row {
                        company_name: person.company_name.clone(),
                        individual_id: Some((*who).to_owned()),
                        name: Some(person.name.clone()),
                        email: person.email.clone(),
                        individuals: Vec::new(),
                        missing: columns.len() - viewed,
                        cells,
                        viewed,
                    },
                ));
            }
        }
        RowsBy::Company => {
            let mut companies: BTreeMap<String, (String, Vec<&str>, Vec<Reached>)> = BTreeMap::new();
            for (who, person) in &people {
                let mine = reached.get(who).map_or(&[][..], Vec::as_slice);
                let Some(company) = person.company_name.as_deref().filter(|c| !c.trim().is_empty()) else {
                    let (cells, viewed) = row_of(mine);
                    rows.push((
                        search_text::fold(&person.name),
                        Row {
                            company_name: None,
                            individual_id: Some((*who).to_owned()),
                            name: Some(person.name.clone()),
                            email: person.email.clone(),
                            individuals: vec![(*who).to_owned()],
                            missing: columns.len() - viewed,
                            cells,
                            viewed,
                        },
                    ));
                    continue;
                };
                let entry = companies
                    .entry(search_text::fold(company))
                    .or_insert_with(|| (company.to_owned(), Vec::new(), vec![Reached::default(); columns.len()]));
                entry.1.push(who);
                for (total, theirs) in entry.2.iter_mut().zip(mine) {
                    total.absorb(theirs, who);
                }
            }
            for (key, (name, members, total)) in companies {
                let (cells, viewed) = row_of(&total);
                rows.push((
                    key,
                    Row {
                        company_name: Some(name),
                        individual_id: None,
                        name: None,
                        email: None,
                        individuals: members.into_iter().map(str::to_owned).collect(),
                        missing: columns.len() - viewed,
                        cells,
                        viewed,
                    },
                ));
            }
        }
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.individual_id.cmp(&b.1.individual_id)));
    let rows = rows.into_iter().map(|(_, row)| row).filter(|row| !ask.missing_only || row.missing > 0).collect();
    Coverage { columns, rows }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::ObjectView;

    fn blast(id: &str, at: &str, files: &[&str]) -> SentBlast {
        SentBlast {
            blast_id: id.into(),
            name: format!("Blast {id}"),
            sent_at: at.into(),
            files: files.iter().map(|f| ((*f).to_owned(), format!("{f}.pdf"))).collect(),
        }
    }

    fn member(blast: &str, who: &str, company: Option<&str>) -> BlastMember {
        BlastMember {
            blast_id: blast.into(),
            individual_id: who.into(),
            name: format!("Person {who}"),
            email: Some(format!("{who}@x.com")),
            company_name: company.map(str::to_owned),
        }
    }

    fn record(who: &str, activity: &str, kind: &str, object: &str, at: &str, source: &str) -> AccessRecord {
        AccessRecord {
            job_id: "j".into(),
            individual_id: who.into(),
            name: format!("Person {who}"),
            email: None,
            company_name: None,
            activity: activity.into(),
            object: ObjectView { kind: kind.into(), id: object.into(), name: format!("{object}.pdf") },
            section: None,
            first_at: at.into(),
            last_at: at.into(),
            count: 1,
            source: source.into(),
            device: None,
            automated: false,
            automated_reason: None,
            confidence: None,
            sources: vec![source.into()],
            first_at_local: None,
            last_at_local: None,
        }
    }

    fn ask(by: RowsBy) -> Ask<'static> {
        static UTC: TimeZone = TimeZone::UTC;
        Ask { by, extra_files: &[], missing_only: false, automated: false, zone: &UTC }
    }

    fn steps(row: &Row) -> Vec<Step> {
        row.cells.iter().map(|c| c.step).collect()
    }

    #[test]
    fn each_cell_is_the_furthest_step_with_its_first_time() {
        let blasts = [blast("b1", "2026-12-01T10:00:00.000Z", &["f1", "f2", "f3"])];
        let members = [member("b1", "ann", None), member("b1", "bob", None), member("b1", "cy", None)];
        let records = [
            record("ann", "view", "file", "f1", "2026-12-01T11:00:00.000Z", "b1"),
            record("ann", "download", "file", "f1", "2026-12-01T12:00:00.000Z", "login"),
            record("ann", "order", "file", "f3", "2026-12-02T09:00:00.000Z", "login"),
            // Bob followed the blast's link to f2 only: f1 and f3 are opened for him.
            record("bob", "view", "file", "f2", "2026-12-01T10:30:00.000Z", "b1"),
        ];
        let m = matrix(&blasts, &members, &records, &ask(RowsBy::Individual));
        assert_eq!(m.columns.iter().map(|c| c.file_id.as_str()).collect::<Vec<_>>(), ["f1", "f2", "f3"]);
        let ann = &m.rows[0];
        assert_eq!(steps(ann), [Step::Downloaded, Step::Opened, Step::Ordered]);
        assert_eq!(ann.cells[0].first_at.as_deref(), Some("2026-12-01T11:00:00.000Z"));
        assert_eq!(ann.cells[0].downloaded_at.as_deref(), Some("2026-12-01T12:00:00.000Z"));
        assert_eq!(ann.cells[0].sent_at.as_deref(), Some("2026-12-01T10:00:00.000Z"));
        assert_eq!((ann.viewed, ann.missing), (2, 1));
        let bob = &m.rows[1];
        assert_eq!(steps(bob), [Step::Opened, Step::Viewed, Step::Opened]);
        let cy = &m.rows[2];
        assert_eq!(steps(cy), [Step::Sent, Step::Sent, Step::Sent]);
        assert_eq!(cy.cells[0].first_at, None);
    }

    #[test]
    fn companies_roll_up_their_people_and_missing_keeps_the_incomplete() {
        let blasts =
            [blast("b1", "2026-12-01T10:00:00.000Z", &["f1"]), blast("b2", "2026-12-02T10:00:00.000Z", &["f1", "f2"])];
        let members = [
            member("b1", "ann", Some("Acme Électrique")),
            member("b2", "ann", Some("Acme Électrique")),
            member("b2", "al", Some("ACME electrique")),
            member("b2", "zed", Some("Zed Co")),
            member("b2", "solo", None),
        ];
        let records = [
            record("ann", "view", "file", "f1", "2026-12-02T11:00:00.000Z", "b2"),
            record("al", "view", "file", "f1", "2026-12-02T10:30:00.000Z", "b2"),
            record("al", "download", "file", "f2", "2026-12-03T10:30:00.000Z", "login"),
            record("zed", "view", "file", "f2", "2026-12-03T10:30:00.000Z", "login"),
        ];
        let m = matrix(&blasts, &members, &records, &ask(RowsBy::Company));
        assert_eq!(m.columns[0].first_sent_by.as_deref(), Some("b1"), "the blast that first sent it");
        assert_eq!(m.columns[1].first_sent_by.as_deref(), Some("b2"));
        assert_eq!(m.rows.len(), 3, "{:#?}", m.rows);
        let acme = &m.rows[0];
        // One company whatever the case and accents; named as the first of its people spells it.
        assert_eq!(acme.company_name.as_deref(), Some("ACME electrique"));
        assert_eq!(acme.individuals, ["al", "ann"]);
        assert_eq!(steps(acme), [Step::Viewed, Step::Downloaded]);
        assert_eq!(acme.cells[0].first_by.as_deref(), Some("al"), "al viewed f1 first");
        assert_eq!(acme.cells[0].sent_at.as_deref(), Some("2026-12-01T10:00:00.000Z"));
        assert_eq!(acme.missing, 0);
        let solo = &m.rows[1];
        assert_eq!((solo.company_name.as_deref(), solo.individual_id.as_deref()), (None, Some("solo")));
        let zed = &m.rows[2];
        assert_eq!(steps(zed), [Step::Sent, Step::Viewed]);
        let missing = matrix(&blasts, &members, &records, &Ask { missing_only: true, ..ask(RowsBy::Company) });
        let names: Vec<_> = missing.rows.iter().map(|r| r.name.clone().or(r.company_name.clone())).collect();
        assert_eq!(names, [Some("Person solo".to_owned()), Some("Zed Co".to_owned())]);
    }

    #[test]
    fn scanners_never_fill_a_cell_and_are_shown_beside_it_when_asked() {
        let blasts = [blast("b1", "2026-12-01T10:00:00.000Z", &["f1"])];
        let members = [member("b1", "ann", None)];
        let mut scan = record("ann", "view", "file", "f1", "2026-12-01T10:00:01.000Z", "b1");
        scan.automated = true;
        scan.count = 3;
        scan.automated_reason = Some("burst".into());
        let records = [scan];
        let m = matrix(&blasts, &members, &records, &ask(RowsBy::Individual));
        assert_eq!(steps(&m.rows[0]), [Step::Sent]);
        assert_eq!(m.rows[0].cells[0].automated, None);
        let m = matrix(&blasts, &members, &records, &Ask { automated: true, ..ask(RowsBy::Individual) });
        assert_eq!(steps(&m.rows[0]), [Step::Sent], "still not a person's");
        let hits = m.rows[0].cells[0].automated.clone().unwrap();
        assert_eq!((hits.hits, hits.reasons.into_iter().collect::<Vec<_>>()), (3, vec!["burst".to_owned()]));
    }

    #[test]
    fn a_reminder_goes_to_who_has_not_reached_every_target() {
        let mut scan = record("cy", "view", "file", "f2", "2026-12-01T10:00:00.000Z", "b1");
        scan.automated = true;
        let records = [
            record("ann", "view", "file", "f1", "2026-12-01T11:00:00.000Z", "b1"),
            record("ann", "download", "file", "f2", "2026-12-01T11:00:00.000Z", "b1"),
            record("bob", "view", "file", "f1", "2026-12-01T11:00:00.000Z", "b1"),
            record("cy", "view", "file", "f1", "2026-12-01T11:00:00.000Z", "b1"),
            scan,
        ];
        let targets = [("file", "f1"), ("file", "f2")];
        let who = ["ann", "bob", "cy", "dee"];
        assert_eq!(not_reached(who, &targets, &records, Step::Viewed), ["bob", "cy", "dee"]);
        assert_eq!(not_reached(who, &targets, &records, Step::Downloaded), ["ann", "bob", "cy", "dee"]);
        assert_eq!(not_reached(who, &targets[..1], &records, Step::Viewed), ["dee"]);
        assert_eq!(Step::parse("downloaded"), Some(Step::Downloaded));
        assert_eq!(Step::parse(Step::NotSent.as_str()), Some(Step::NotSent));
    }

    #[test]
    fn named_files_are_columns_too_and_people_who_came_by_login_are_rows() {
        let blasts = [blast("b1", "2026-12-01T10:00:00.000Z", &["f1"])];
        let records = [record("lee", "view", "file", "f9", "2026-12-01T09:00:00.000Z", "login")];
        let extra = ["f9".to_owned(), "f1".to_owned()];
        let m = matrix(&blasts, &[], &records, &Ask { extra_files: &extra, ..ask(RowsBy::Individual) });
        assert_eq!(m.columns.len(), 2);
        assert_eq!((m.columns[1].file_id.as_str(), m.columns[1].name.as_str()), ("f9", "f9.pdf"));
        assert_eq!(m.columns[1].first_sent_by, None);
        assert_eq!(steps(&m.rows[0]), [Step::NotSent, Step::Viewed]);
    }
}
