//! What the status page shows, folded from the job row and its events. Pure and shared: the
//! server renders it from the row, the browser updates it from each live event.

use super::{EventKind, Job, JobEvent, JobFailure, JobStatus, Step};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepState {
    Waiting,
    /// The job ended (failed or cancelled) before this step's turn.
    NotRun,
    Running,
    Done,
    /// Its output existed from an earlier run.
    Skipped,
    Failed,
    /// The job was cancelled while this step ran.
    Stopped,
}

impl StepState {
    pub fn label(self) -> &'static str {
        match self {
            StepState::Waiting => "Waiting",
            StepState::NotRun => "Not run",
            StepState::Running => "Running",
            StepState::Done => "Done",
            StepState::Skipped => "Done earlier",
            StepState::Failed => "Failed",
            StepState::Stopped => "Stopped",
        }
    }

    pub fn class(self) -> &'static str {
        match self {
            StepState::Waiting => "waiting",
            StepState::NotRun => "not-run",
            StepState::Running => "running",
            StepState::Done | StepState::Skipped => "done",
            StepState::Failed => "failed",
            StepState::Stopped => "stopped",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepProgress {
    pub step: Step,
    pub state: StepState,
    /// The step's latest message ("Scene 3 of 7").
    pub detail: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Progress {
    pub status: JobStatus,
    pub percent: i64,
    pub steps: Vec<StepProgress>,
    pub failure: Option<JobFailure>,
    /// The sequence number of the last event folded in.
    pub last_seq: i64,
    /// The job was deleted while someone watched (a `Deleted` event): nothing follows.
    pub deleted: bool,
}

impl Progress {
    /// The state the job row describes (before any event is known).
    pub fn from_job(job: &Job) -> Progress {
        let current = job.step.and_then(|s| Step::ALL.iter().position(|x| *x == s));
        let steps = Step::ALL
            .iter()
            .enumerate()
            .map(|(i, &step)| {
                let state = match (job.status, current) {
                    (JobStatus::Succeeded, _) => StepState::Done,
                    // Waiting for review: the script is written, the rest waits for its owner.
                    (JobStatus::Review, _) if step <= Step::GenerateScript => StepState::Done,
                    (_, Some(c)) if i < c => StepState::Done,
                    (JobStatus::Running, Some(c)) if i == c => StepState::Running,
                    (JobStatus::Failed, Some(c)) if i == c => StepState::Failed,
                    (JobStatus::Cancelled, Some(c)) if i == c => StepState::Stopped,
                    _ => StepState::Waiting,
                };
                StepProgress { step, state, detail: None }
            })
            .collect();
        let mut progress = Progress {
            status: job.status,
            percent: job.percent,
            steps,
            failure: job.failure.clone(),
            last_seq: 0,
            deleted: false,
        };
        progress.settle();
        progress
    }

    /// The row with its whole event log folded in, at once: the steps' last words included, and
    /// no state the job passed through shown on the way (a replay event by event would show a
    /// finished job queued and running again for a moment).
    pub fn from_history(job: &Job, events: &[JobEvent]) -> Progress {
        let mut progress = Progress::from_job(job);
        for event in events {
            progress.apply(event);
        }
        progress
    }

    /// Steps still to come of a job that has ended without them are "not run", not "waiting";
    /// queued again, they wait again.
    fn settle(&mut self) {
        let ended = matches!(self.status, JobStatus::Failed | JobStatus::Cancelled);
        for s in &mut self.steps {
            s.state = match s.state {
                StepState::Waiting if ended => StepState::NotRun,
                StepState::NotRun if !ended => StepState::Waiting,
                state => state,
            };
        }
    }

    /// Folds one event in; events already seen (by sequence number) change nothing.
    pub fn apply(&mut self, event: &JobEvent) {
        if event.seq <= self.last_seq {
            return;
        }
        self.last_seq = event.seq;
        self.percent = event.percent;
        let index = event.step.and_then(|s| Step::ALL.iter().position(|x| *x == s));
        // Steps run in order: news of a step means every step before it is behind the job, even
        // when the event that said so was missed (a reconnect, a page that loaded mid-run).
        if let (Some(i), true) = (index, event.kind.is_step()) {
            for s in &mut self.steps[..i] {
                if matches!(s.state, StepState::Waiting | StepState::NotRun | StepState::Running) {
                    s.state = StepState::Done;
                }
            }
        }
        let mut set = |state: StepState, detail: Option<String>| {
            if let Some(i) = index {
                self.steps[i].state = state;
                if detail.is_some() {
                    self.steps[i].detail = detail;
                }
            }
        };
        match event.kind {
            EventKind::Queued => {
                self.status = JobStatus::Queued;
                self.failure = None;
                for s in &mut self.steps {
                    if matches!(s.state, StepState::Failed | StepState::Stopped | StepState::Running) {
                        s.state = StepState::Waiting;
                    }
                }
            }
            EventKind::StepStarted => {
                self.status = JobStatus::Running;
                set(StepState::Running, None);
            }
            EventKind::StepProgress | EventKind::SceneReady => {
                self.status = JobStatus::Running;
                set(StepState::Running, Some(event.message.clone()));
            }
            EventKind::StepDone => set(StepState::Done, None),
            EventKind::StepSkipped => set(StepState::Skipped, None),
            EventKind::Review => {
                self.status = JobStatus::Review;
                for s in &mut self.steps {
                    if s.step <= Step::GenerateScript && s.state != StepState::Skipped {
                        s.state = StepState::Done;
                    }
                }
            }
            EventKind::QuotaWait => {
                // The step waits for the budget to renew; its line says which and until when.
                self.status = JobStatus::Quota;
                set(StepState::Waiting, Some(event.message.clone()));
            }
            EventKind::Succeeded => {
                self.status = JobStatus::Succeeded;
                self.percent = 100;
                for s in &mut self.steps {
                    if s.state != StepState::Skipped {
                        s.state = StepState::Done;
                    }
                }
            }
            EventKind::Failed => {
                self.status = JobStatus::Failed;
                set(StepState::Failed, None);
                self.failure =
                    Some(JobFailure { step: event.step, kind: String::new(), message: event.message.clone() });
            }
            EventKind::Cancelled => {
                self.status = JobStatus::Cancelled;
                for s in &mut self.steps {
                    if s.state == StepState::Running {
                        s.state = StepState::Stopped;
                    }
                }
            }
            EventKind::Deleted => self.deleted = true,
        }
        self.settle();
    }

    /// The step the job is on now: the last one running.
    pub fn current(&self) -> Option<&StepProgress> {
        self.steps.iter().rev().find(|s| s.state == StepState::Running)
    }

    /// What the job is doing, in one line ("Record the voice · 52%"), the same words on a My
    /// videos card and on the status page; `None` when no step runs.
    pub fn now_line(&self) -> Option<String> {
        if matches!(self.status, JobStatus::Review | JobStatus::Quota) {
            return Some(self.status.label().to_owned());
        }
        self.current().map(|s| format!("{} · {}%", s.step.title(), self.percent))
    }

    /// Why the job waits for provider quota, and until when (the waiting step's line); `None`
    /// unless it does.
    pub fn quota_note(&self) -> Option<String> {
        if self.status != JobStatus::Quota {
            return None;
        }
        self.steps.iter().find(|s| s.state == StepState::Waiting && s.detail.is_some()).and_then(|s| s.detail.clone())
    }

    /// Milliseconds left, estimated from the pace so far; `None` until there is a pace to go by.
    pub fn estimate_left_ms(&self, elapsed_ms: i64) -> Option<i64> {
        (self.status == JobStatus::Running && self.percent >= 5 && self.percent < 100)
            .then(|| elapsed_ms * (100 - self.percent) / self.percent)
    }
}

/// "42 s", "3 min 05 s", "1 h 02 min".
pub fn duration_label(ms: i64) -> String {
    let s = (ms.max(0) + 500) / 1000;
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 => format!("{} min {:02} s", s / 60, s % 60),
        _ => format!("{} h {:02} min", s / 3600, (s % 3600) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::PaperSource;

    fn job(status: JobStatus, step: Option<Step>) -> Job {
        Job {
            id: "j".into(),
            owner_id: "u".into(),
            source: PaperSource::Pmcid { id: "PMC1".into() },
            options: Default::default(),
            status,
            step,
            percent: 0,
            attempts: 0,
            failure: None,
            created_at_ms: 0,
            started_at_ms: None,
            finished_at_ms: None,
            title: None,
            video: None,
            reviewed_at_ms: None,
            resume_at_ms: None,
        }
    }

    fn event(seq: i64, kind: EventKind, step: Option<Step>, percent: i64) -> JobEvent {
        JobEvent { job_id: "j".into(), seq, kind, step, percent, message: format!("m{seq}"), at_ms: seq }
    }

    fn states(p: &Progress) -> Vec<StepState> {
        p.steps.iter().map(|s| s.state).collect()
    }

    #[test]
    fn a_script_waiting_for_review_shows_its_steps_done_and_says_so() {
        use StepState::*;
        let row = Progress::from_job(&job(JobStatus::Review, Some(Step::GenerateScript)));
        assert_eq!(states(&row), vec![Done, Done, Waiting, Waiting, Waiting]);
        assert_eq!(row.now_line().as_deref(), Some("Waiting for your review"));
        let mut p = Progress::from_job(&job(JobStatus::Running, Some(Step::GenerateScript)));
        p.apply(&event(1, EventKind::StepStarted, Some(Step::GenerateScript), 10));
        p.apply(&event(2, EventKind::Review, Some(Step::GenerateScript), 30));
        assert_eq!((p.status, states(&p)), (JobStatus::Review, vec![Done, Done, Waiting, Waiting, Waiting]));
        // Let go on: queued, then the voice starts.
        p.apply(&event(3, EventKind::Queued, Some(Step::GenerateScript), 30));
        p.apply(&event(4, EventKind::StepStarted, Some(Step::GenerateAudio), 31));
        assert_eq!((p.status, states(&p)), (JobStatus::Running, vec![Done, Done, Running, Waiting, Waiting]));
    }

    #[test]
    fn the_row_alone_gives_a_coherent_picture() {
        use StepState::*;
        assert_eq!(states(&Progress::from_job(&job(JobStatus::Queued, None))), vec![Waiting; 5]);
        assert_eq!(
            states(&Progress::from_job(&job(JobStatus::Running, Some(Step::GenerateAudio)))),
            vec![Done, Done, Running, Waiting, Waiting]
        );
        assert_eq!(
            states(&Progress::from_job(&job(JobStatus::Failed, Some(Step::GenerateScript)))),
            vec![Done, Failed, NotRun, NotRun, NotRun]
        );
        assert_eq!(states(&Progress::from_job(&job(JobStatus::Succeeded, Some(Step::AddCaptions)))), vec![Done; 5]);
    }

    #[test]
    fn events_move_the_steps_and_duplicates_are_ignored() {
        use StepState::*;
        let mut p = Progress::from_job(&job(JobStatus::Queued, None));
        let events = [
            event(1, EventKind::Queued, None, 0),
            event(2, EventKind::StepStarted, Some(Step::FetchPaper), 0),
            event(3, EventKind::StepDone, Some(Step::FetchPaper), 10),
            event(4, EventKind::StepProgress, Some(Step::GenerateScript), 15),
        ];
        for e in &events {
            p.apply(e);
        }
        p.apply(&events[2]); // a replayed duplicate
        assert_eq!(states(&p), vec![Done, Running, Waiting, Waiting, Waiting]);
        assert_eq!(p.steps[1].detail.as_deref(), Some("m4"));
        assert_eq!((p.status, p.percent, p.last_seq), (JobStatus::Running, 15, 4));

        p.apply(&event(5, EventKind::Failed, Some(Step::GenerateScript), 15));
        assert_eq!(states(&p), vec![Done, Failed, NotRun, NotRun, NotRun]);
        assert_eq!(p.failure.as_ref().unwrap().message, "m5");
        p.apply(&event(6, EventKind::Queued, Some(Step::GenerateScript), 15));
        assert_eq!(states(&p), vec![Done, Waiting, Waiting, Waiting, Waiting]);
        assert!(p.failure.is_none());
        p.apply(&event(7, EventKind::StepSkipped, Some(Step::FetchPaper), 10));
        p.apply(&event(8, EventKind::Succeeded, Some(Step::AddCaptions), 100));
        assert_eq!(states(&p), vec![Skipped, Done, Done, Done, Done]);
        assert_eq!(p.status, JobStatus::Succeeded);
    }

    #[test]
    fn a_finished_job_and_its_log_fold_into_its_end_with_every_step_s_last_word() {
        use StepState::*;
        let mut row = job(JobStatus::Succeeded, Some(Step::AddCaptions));
        row.percent = 100;
        let log = [
            event(1, EventKind::Queued, None, 0),
            event(2, EventKind::StepStarted, Some(Step::FetchPaper), 0),
            event(3, EventKind::StepProgress, Some(Step::FetchPaper), 5),
            event(4, EventKind::StepDone, Some(Step::FetchPaper), 10),
            event(5, EventKind::StepSkipped, Some(Step::GenerateScript), 35),
            event(6, EventKind::StepProgress, Some(Step::GenerateAudio), 50),
            event(7, EventKind::Succeeded, Some(Step::AddCaptions), 100),
        ];
        let p = Progress::from_history(&row, &log);
        assert_eq!(states(&p), vec![Done, Skipped, Done, Done, Done]);
        assert_eq!((p.status, p.percent, p.last_seq), (JobStatus::Succeeded, 100, 7));
        assert_eq!(p.steps[0].detail.as_deref(), Some("m3"));
        assert_eq!(p.steps[2].detail.as_deref(), Some("m6"));
        // No log (an old job, or a read that raced its first event): the row alone.
        assert_eq!(Progress::from_history(&row, &[]), Progress::from_job(&row));
    }

    #[test]
    fn a_missed_event_leaves_no_earlier_step_running() {
        use StepState::*;
        // A card that loaded while the paper was being read, then missed "step done".
        let mut p = Progress::from_job(&job(JobStatus::Running, Some(Step::FetchPaper)));
        assert_eq!(p.now_line().as_deref(), Some("Read the paper · 0%"));
        p.apply(&event(5, EventKind::StepStarted, Some(Step::GenerateScript), 35));
        p.apply(&event(9, EventKind::StepProgress, Some(Step::GenerateAudio), 52));
        assert_eq!(states(&p), vec![Done, Done, Running, Waiting, Waiting]);
        assert_eq!(p.now_line().as_deref(), Some("Record the voice · 52%"));
        p.apply(&event(10, EventKind::StepDone, Some(Step::GenerateAudio), 60));
        assert_eq!(p.now_line(), None);
    }

    #[test]
    fn a_deletion_is_the_end() {
        let mut p = Progress::from_job(&job(JobStatus::Succeeded, Some(Step::AddCaptions)));
        p.apply(&event(12, EventKind::Deleted, None, 100));
        assert!(p.deleted);
        assert_eq!(p.status, JobStatus::Succeeded, "what it was stays known; `deleted` says it is gone");
    }

    #[test]
    fn estimates_and_durations_read_well() {
        let mut p = Progress::from_job(&job(JobStatus::Running, Some(Step::FetchPaper)));
        p.percent = 25;
        assert_eq!(p.estimate_left_ms(30_000), Some(90_000));
        p.percent = 2;
        assert_eq!(p.estimate_left_ms(30_000), None);
        assert_eq!(duration_label(42_000), "42 s");
        assert_eq!(duration_label(185_000), "3 min 05 s");
        assert_eq!(duration_label(3_720_000), "1 h 02 min");
    }
}

/// "25 Nov 2026, 19:45 UTC": the same text on the server and in the browser (no time zone
/// guessing during hydration).
pub fn date_label(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    format!("{day} {} {year}, {:02}:{:02} UTC", MONTHS[(month - 1) as usize], rem / 3600, (rem % 3600) / 60)
}

#[cfg(test)]
mod date_tests {
    #[test]
    fn dates_are_civil_utc() {
        assert_eq!(super::date_label(0), "1 Jan 1970, 00:00 UTC");
        assert_eq!(super::date_label(1_764_099_900_000), "25 Nov 2025, 19:45 UTC");
        assert_eq!(super::date_label(951_782_400_000), "29 Feb 2000, 00:00 UTC");
    }
}

/// Midnight UTC of a `YYYY-MM-DD` date (what `<input type="date">` sends), in milliseconds.
pub fn parse_date_ms(text: &str) -> Option<i64> {
    let mut parts = text.trim().splitn(3, '-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: i64 = parts.next()?.parse().ok()?;
    let day: i64 = parts.next()?.parse().ok()?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || !(1970..=9999).contains(&year) {
        return None;
    }
    // Days since 1970-01-01 from a civil date (the inverse of `date_label`'s algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let ms = days * 86_400_000;
    // Reject dates that do not exist (31 Feb) by checking the round trip.
    date_label(ms).starts_with(&format!("{day} ")).then_some(ms)
}

#[cfg(test)]
mod parse_tests {
    #[test]
    fn dates_parse_to_utc_midnight_and_nonsense_does_not() {
        assert_eq!(super::parse_date_ms("1970-01-01"), Some(0));
        assert_eq!(super::parse_date_ms("2000-02-29"), Some(951_782_400_000));
        assert_eq!(super::parse_date_ms("2025-02-29"), None);
        assert_eq!(super::parse_date_ms("2025-13-01"), None);
        assert_eq!(super::parse_date_ms("yesterday"), None);
    }
}
