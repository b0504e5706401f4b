//! NCBI / PubMed Central client: PMID/DOI → PMCID (ID converter), full-text JATS (efetch db=pmc),
//! figure images (PMC Cloud Service on S3). One token-bucket rate limit per client, retries with
//! exponential backoff and jitter for transient failures, errors hidden in HTTP 200 bodies
//! detected, and the API key never shown in an error message or log line.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use crate::model::{Extracted, FigureFile};
use crate::{ReadError, ReadErrorKind};
use secrecy::{ExposeSecret, SecretString};

/// What the caller already validated and normalised the id as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdKind {
    /// "PMC1234567"
    Pmcid,
    /// "12345678"
    Pmid,
    /// "10.1371/journal.pone.0046493"
    Doi,
}

#[derive(Clone, Debug)]
pub struct NcbiConfig {
    /// E-utilities base, ending in `/` (efetch.fcgi is appended).
    pub eutils_base: String,
    /// PMC ID Converter endpoint.
    pub idconv_base: String,
    /// PMC OA Web Service endpoint (kept for configuration completeness; not needed by `fetch`).
    pub oa_base: String,
    /// PMC Cloud Service bucket base, ending in `/`.
    pub s3_base: String,
    /// Never printed: `Debug` shows `[REDACTED]`.
    pub api_key: Option<SecretString>,
    /// Sent as `tool=` (no spaces).
    pub tool: String,
    /// Sent as `email=`.
    pub email: Option<String>,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Longest the paper's text may take to arrive, retries and waits included; past it
    /// [`NcbiClient::fetch`] fails with `ncbi-timeout` (transient) and a message that says to try
    /// later or upload the PDF. Figure downloads come after it and never fail the fetch.
    pub deadline: Duration,
    /// Retries after the first attempt for 429/5xx/timeouts/connection errors.
    pub max_retries: u32,
    /// First backoff; doubled each retry, plus up to 50 % jitter.
    pub base_backoff: Duration,
    /// Requests per second; None = 2.5 without a key, 8 with one.
    pub rate_per_sec: Option<f64>,
    /// Download figure images from the PMC Cloud Service.
    pub fetch_figures: bool,
}

impl Default for NcbiConfig {
    fn default() -> Self {
        NcbiConfig {
            eutils_base: "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/".into(),
            idconv_base: "https://pmc.ncbi.nlm.nih.gov/tools/idconv/api/v1/articles/".into(),
            oa_base: "https://www.ncbi.nlm.nih.gov/pmc/utils/oa/oa.fcgi".into(),
            s3_base: "https://pmc-oa-opendata.s3.amazonaws.com/".into(),
            api_key: None,
            tool: "hidden-hill".into(),
            email: None,
            timeout: Duration::from_secs(20),
            deadline: Duration::from_secs(30),
            max_retries: 4,
            base_backoff: Duration::from_millis(1000),
            rate_per_sec: None,
            fetch_figures: true,
        }
    }
}

/// Token bucket shared by every call of one client.
struct Limiter {
    rate: f64,
    state: Mutex<(f64, Instant)>,
}

impl Limiter {
    fn new(rate: f64) -> Self {
        Limiter { rate: rate.max(0.01), state: Mutex::new((1.0, Instant::now())) }
    }

    async fn acquire(&self) {
        loop {
            let wait = {
                let mut st = self.state.lock().await;
                let now = Instant::now();
                let refill = now.duration_since(st.1).as_secs_f64() * self.rate;
                st.0 = (st.0 + refill).min(1.0);
                st.1 = now;
                if st.0 >= 1.0 {
                    st.0 -= 1.0;
                    return;
                }
                Duration::from_secs_f64((1.0 - st.0) / self.rate)
            };
            tokio::time::sleep(wait).await;
        }
    }
}

#[derive(Clone)]
pub struct NcbiClient {
    http: reqwest::Client,
    cfg: Arc<NcbiConfig>,
    limiter: Arc<Limiter>,
}

struct Reply {
    status: u16,
    body: Vec<u8>,
}

impl Reply {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

impl NcbiClient {
    pub fn new(cfg: NcbiConfig) -> Self {
        let rate = cfg.rate_per_sec.unwrap_or(if cfg.api_key.is_some() { 8.0 } else { 2.5 });
        let http = reqwest::Client::builder()
            .timeout(cfg.timeout)
            .connect_timeout(cfg.timeout.min(Duration::from_secs(10)))
            .user_agent(format!("{}/{}", cfg.tool, env!("CARGO_PKG_VERSION")))
            .build()
            .expect("HTTP client");
        NcbiClient { http, cfg: Arc::new(cfg), limiter: Arc::new(Limiter::new(rate)) }
    }

    /// Fetches a paper from PubMed Central by PMCID, PMID or DOI.
    pub async fn fetch(&self, kind: IdKind, id: &str) -> Result<Extracted, ReadError> {
        let result = self.fetch_inner(kind, id).await;
        result.map_err(|mut e| {
            e.message = self.redact(&e.message);
            e
        })
    }

    async fn fetch_inner(&self, kind: IdKind, id: &str) -> Result<Extracted, ReadError> {
        let deadline = Instant::now() + self.cfg.deadline;
        let text = tokio::time::timeout(self.cfg.deadline, self.fetch_text(kind, id, deadline)).await;
        let (mut paper, numeric) = text.map_err(|_| self.no_answer())??;
        let mut figure_files = Vec::new();
        if self.cfg.fetch_figures && paper.figures.iter().any(|f| f.source_href.is_some()) {
            match self.figures(&format!("PMC{numeric}"), &mut paper).await {
                Ok(files) => figure_files = files,
                Err(note) => paper.notes.push(self.redact(&note)),
            }
        }
        let mut x = Extracted { paper, figure_files };
        crate::limits::drop_oversized_figures(&mut x);
        Ok(x)
    }

    /// The failure when NCBI gives no usable answer before the deadline.
    fn no_answer(&self) -> ReadError {
        ReadError::new(
            ReadErrorKind::NcbiTimeout,
            format!(
                "NCBI did not answer within {} s. Try again later, or upload the paper's PDF.",
                self.cfg.deadline.as_secs().max(1)
            ),
        )
    }

    /// The paper's text, checked by the quality gate, and its numeric PMCID.
    async fn fetch_text(
        &self,
        kind: IdKind,
        id: &str,
        deadline: Instant,
    ) -> Result<(crate::model::Paper, String), ReadError> {
        let pmcid = match kind {
            IdKind::Pmcid => id.to_string(),
            IdKind::Pmid => self.convert(id, "pmid", deadline).await?,
            IdKind::Doi => self.convert(id, "doi", deadline).await?,
        };
        let numeric = pmcid.trim_start_matches("PMC").to_string();
        if numeric.is_empty() || !numeric.chars().all(|c| c.is_ascii_digit()) {
            return Err(ReadError::new(
                ReadErrorKind::InvalidId,
                format!("\"{pmcid}\" is not a PMCID (PMC followed by digits)."),
            ));
        }
        let mut url = format!("{}efetch.fcgi?db=pmc&id={}&retmode=xml", self.cfg.eutils_base, enc(&numeric));
        self.ident(&mut url, true);
        let reply = self.get(&url, true, Some(deadline)).await?;
        if reply.status != 200 {
            return Err(self.http_error(&reply, "efetch"));
        }
        let body = reply.text();
        if let Some(msg) = eutils_error(&body) {
            let l = msg.to_lowercase();
            if l.contains("backend")
                || l.contains("temporar")
                || l.contains("unable to obtain")
                || l.contains("try again")
            {
                return Err(ReadError::new(
                    ReadErrorKind::NcbiUnavailable,
                    format!("PubMed Central reported a temporary problem ({msg}). Try again in a few minutes."),
                ));
            }
            return Err(ReadError::new(
                ReadErrorKind::NotFound,
                format!("PubMed Central could not return {pmcid} ({msg}). Check the id, or upload the PDF."),
            ));
        }
        let (mut paper, info) = match crate::jats::parse(body.as_bytes()) {
            Ok(v) => v,
            Err(e) if e.kind == ReadErrorKind::NotFound => {
                return Err(ReadError::new(ReadErrorKind::NotFound, format!("PubMed Central has no article {pmcid}. Check the id, or upload the PDF.")))
            }
            Err(e) if e.kind == ReadErrorKind::NoText => {
                return Err(ReadError::new(ReadErrorKind::NotOpenAccess,
                    format!("{pmcid} is in PubMed Central, but its publisher does not allow downloading the full text and there is no abstract to use. Upload the paper's PDF instead."),
                ))
            }
            Err(e) if e.kind == ReadErrorKind::InvalidXml || e.kind == ReadErrorKind::NotJats => {
                return Err(ReadError::new(ReadErrorKind::NcbiBadResponse,
                    format!("PubMed Central sent an incomplete or malformed answer for {pmcid}. Try again later, or upload the PDF."),
                ))
            }
            Err(e) => return Err(e),
        };
        crate::finish(&mut paper);
        if !info.has_body {
            paper.notes.retain(|n| !n.contains("based on the abstract"));
            paper.notes.push(
                "The publisher does not allow downloading this article's full text, so the video is based on the abstract only.".into(),
            );
        }
        if paper.pmcid.is_none() {
            paper.pmcid = Some(format!("PMC{numeric}"));
        }
        crate::quality::check(&paper, false)?;
        Ok((paper, numeric))
    }

    /// PMID/DOI → PMCID through the ID converter.
    async fn convert(&self, id: &str, idtype: &str, deadline: Instant) -> Result<String, ReadError> {
        let mut url = format!("{}?ids={}&idtype={idtype}&format=json", self.cfg.idconv_base, enc(id));
        self.ident(&mut url, true);
        let reply = self.get(&url, true, Some(deadline)).await?;
        let v: serde_json::Value = match serde_json::from_slice(&reply.body) {
            Ok(v) => v,
            Err(_) if reply.status == 200 => {
                return Err(ReadError::new(
                    ReadErrorKind::NcbiBadResponse,
                    "The PMC ID converter sent a malformed answer. Try again later.",
                ))
            }
            Err(_) => return Err(self.http_error(&reply, "ID converter")),
        };
        if reply.status == 400 || v.get("status").and_then(|s| s.as_str()) == Some("error") {
            if v.to_string().contains("API key invalid") {
                return Err(bad_key());
            }
            let msg = v
                .get("errors")
                .and_then(|e| e.get(0))
                .and_then(|e| e.get("message"))
                .and_then(|m| m.as_str())
                .unwrap_or("the id was rejected");
            return Err(ReadError::new(
                ReadErrorKind::InvalidId,
                format!("The PMC ID converter rejected \"{id}\": {msg}"),
            ));
        }
        if reply.status != 200 {
            return Err(self.http_error(&reply, "ID converter"));
        }
        let rec = v.get("records").and_then(|r| r.get(0));
        let Some(rec) = rec else {
            return Err(ReadError::new(
                ReadErrorKind::NotFound,
                format!("No article was found for \"{id}\". Check the id, or upload the PDF."),
            ));
        };
        if rec.get("status").and_then(|s| s.as_str()) == Some("error") || rec.get("pmcid").is_none() {
            return Err(ReadError::new(ReadErrorKind::NotFound,
                format!("\"{id}\" is not in PubMed Central (the free full-text archive), so it cannot be fetched. Upload the PDF instead."),
            ));
        }
        let pmcid = rec.get("pmcid").and_then(|p| p.as_str()).unwrap_or_default().to_string();
        Ok(pmcid)
    }

    /// Figure images from the PMC Cloud Service. Err(note) when the service could not be used.
    async fn figures(&self, pmcid: &str, paper: &mut crate::model::Paper) -> Result<Vec<FigureFile>, String> {
        let list_url = format!("{}?list-type=2&prefix={}.&delimiter=/", self.cfg.s3_base, enc(pmcid));
        let reply = self
            .get(&list_url, false, None)
            .await
            .map_err(|e| format!("Figure images could not be listed ({}).", e.message))?;
        if reply.status != 200 {
            return Err("Figure images are not available from the PMC Cloud Service for this article.".into());
        }
        let listing = reply.text();
        let version = highest_version(&listing, pmcid)
            .ok_or("Figure images are not available from the PMC Cloud Service for this article.")?;
        let meta_url = format!("{}{version}/{version}.json", self.cfg.s3_base);
        let reply = self
            .get(&meta_url, false, None)
            .await
            .map_err(|e| format!("Figure metadata could not be read ({}).", e.message))?;
        if reply.status != 200 {
            return Err("Figure images are not available from the PMC Cloud Service for this article.".into());
        }
        let meta: serde_json::Value = serde_json::from_slice(&reply.body)
            .map_err(|_| "The PMC Cloud Service sent malformed figure metadata.".to_string())?;
        if meta.get("is_retracted").and_then(|v| v.as_bool()) == Some(true) {
            paper.notes.push("Warning: this article has been retracted.".into());
        }
        if paper.license.is_none() {
            if let Some(code) = meta.get("license_code").and_then(|v| v.as_str()) {
                paper.license =
                    Some(crate::model::License { name: Some(code.to_string()), url: None, text: String::new() });
            }
        }
        let media: Vec<String> = meta
            .get("media_urls")
            .and_then(|m| m.as_array())
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
            .unwrap_or_default();
        let mut files = Vec::new();
        let mut missing = 0;
        for i in 0..paper.figures.len() {
            if files.len() >= crate::pdf::MAX_FIGURES {
                break;
            }
            let Some(href) = paper.figures[i].source_href.clone() else { continue };
            let href_name = href.rsplit('/').next().unwrap_or(&href).to_string();
            let stem = file_stem(&href);
            let Some(key) = media.iter().filter_map(|u| s3_key(u)).find(|k| {
                let ks = file_stem(k);
                ks == href_name || ks == stem || k.rsplit('/').next() == Some(href_name.as_str())
            }) else {
                missing += 1;
                continue;
            };
            let ext = key.rsplit('.').next().unwrap_or("").to_lowercase();
            let ext = match ext.as_str() {
                "jpg" | "jpeg" => "jpg",
                "png" => "png",
                "gif" => "gif",
                _ => {
                    missing += 1;
                    continue;
                }
            };
            let url = format!("{}{}", self.cfg.s3_base, key);
            match self.get(&url, false, None).await {
                Ok(r) if r.status == 200 && !r.body.is_empty() => {
                    let name = format!("figures/fig-{}.{ext}", files.len() + 1);
                    paper.figures[i].image = Some(name.clone());
                    files.push(FigureFile { name, bytes: r.body });
                }
                _ => missing += 1,
            }
        }
        if missing > 0 {
            paper.notes.push(format!("{missing} figure image(s) could not be downloaded; their captions are kept."));
        }
        Ok(files)
    }

    fn ident(&self, url: &mut String, with_key: bool) {
        url.push_str(&format!("&tool={}", enc(&self.cfg.tool)));
        if let Some(e) = &self.cfg.email {
            url.push_str(&format!("&email={}", enc(e)));
        }
        if with_key {
            if let Some(k) = &self.cfg.api_key {
                url.push_str(&format!("&api_key={}", enc(k.expose_secret())));
            }
        }
    }

    /// GET with rate limiting (NCBI calls) and retries of transient failures.
    /// One GET with retries; with a `deadline`, a retry whose wait would end past it is not
    /// made and the last failure is returned at once.
    async fn get(&self, url: &str, ncbi: bool, deadline: Option<Instant>) -> Result<Reply, ReadError> {
        let mut attempt = 0u32;
        loop {
            if ncbi {
                self.limiter.acquire().await;
            }
            let (err, server_delay) = match self.http.get(url).send().await {
                Err(e) => {
                    // reqwest's own words ("error sending request") tell a person nothing.
                    let timed_out = e.is_timeout();
                    tracing::info!(target: "paper::ncbi", error = %self.redact(&e.without_url().to_string()), "NCBI request failed");
                    let (kind, what) = if timed_out {
                        (ReadErrorKind::NcbiTimeout, "did not answer in time")
                    } else {
                        (ReadErrorKind::NcbiUnavailable, "could not be reached")
                    };
                    (ReadError::new(kind, format!("NCBI {what}. Try again later, or upload the paper's PDF.")), None)
                }
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let retry_after = resp
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .map(|s| s * 1000);
                    let body = match resp.bytes().await {
                        Ok(b) => b.to_vec(),
                        Err(e) => {
                            let kind = if e.is_timeout() {
                                ReadErrorKind::NcbiTimeout
                            } else {
                                ReadErrorKind::NcbiUnavailable
                            };
                            let err = ReadError::new(kind, "NCBI's answer was cut off. Try again in a few minutes.");
                            if attempt >= self.cfg.max_retries || !self.backoff(attempt, None, deadline).await {
                                return Err(err);
                            }
                            attempt += 1;
                            continue;
                        }
                    };
                    let rate_limited =
                        status == 429 || (status == 200 && body.len() < 512 && is_rate_limit_body(&body));
                    if rate_limited {
                        let mut e = ReadError::new(ReadErrorKind::NcbiRateLimited, "NCBI's rate limit was exceeded. The request will be retried later; an NCBI API key raises the limit.");
                        e.retry_after_ms = Some(retry_after.unwrap_or(1000));
                        (e, Some(retry_after.unwrap_or(1000)))
                    } else if status >= 500 {
                        let mut e = ReadError::new(
                            ReadErrorKind::NcbiUnavailable,
                            format!("NCBI is having problems (HTTP {status}). Try again in a few minutes."),
                        );
                        e.retry_after_ms = retry_after;
                        (e, retry_after)
                    } else if status == 400 && String::from_utf8_lossy(&body).contains("API key invalid") {
                        return Err(bad_key());
                    } else {
                        return Ok(Reply { status, body });
                    }
                }
            };
            tracing::debug!(target: "paper::ncbi", url = %self.redact(url), attempt, kind = err.kind.as_str(), "NCBI request failed");
            if attempt >= self.cfg.max_retries || !self.backoff(attempt, server_delay, deadline).await {
                return Err(err);
            }
            attempt += 1;
        }
    }

    /// Waits before retry `attempt`; false (without waiting) when the wait would end past
    /// `deadline`.
    async fn backoff(&self, attempt: u32, server_delay_ms: Option<u64>, deadline: Option<Instant>) -> bool {
        let base = self.cfg.base_backoff.as_secs_f64() * 2f64.powi(attempt.min(10) as i32);
        let jittered = base * (1.0 + 0.5 * jitter());
        let wait = match server_delay_ms {
            Some(ms) => jittered.max(ms as f64 / 1000.0).min(60.0),
            None => jittered.min(60.0),
        };
        let wait = Duration::from_secs_f64(wait);
        if deadline.is_some_and(|d| Instant::now() + wait >= d) {
            return false;
        }
        tokio::time::sleep(wait).await;
        true
    }

    fn http_error(&self, reply: &Reply, what: &str) -> ReadError {
        let kind = if reply.status == 404 { ReadErrorKind::NotFound } else { ReadErrorKind::NcbiError };
        ReadError::new(
            kind,
            self.redact(&format!("NCBI's {what} answered HTTP {}. Check the id, or upload the PDF.", reply.status)),
        )
    }

    /// Removes the API key from any text (URLs, echoed bodies, error messages).
    pub fn redact(&self, s: &str) -> String {
        match &self.cfg.api_key {
            Some(k) if !k.expose_secret().is_empty() => {
                let k = k.expose_secret();
                s.replace(k, "[redacted]").replace(&enc(k), "[redacted]")
            }
            _ => s.to_string(),
        }
    }
}

fn bad_key() -> ReadError {
    ReadError::new(
        ReadErrorKind::NcbiBadApiKey,
        "NCBI rejected the configured API key. Ask the operator to fix or remove NCBI_API_KEY.",
    )
}

fn is_rate_limit_body(body: &[u8]) -> bool {
    let s = String::from_utf8_lossy(body);
    s.contains("API rate limit exceeded")
}

/// The message of an E-utilities error document (`<ERROR>…</ERROR>`), if that is what came back.
fn eutils_error(body: &str) -> Option<String> {
    let start = body.find("<ERROR>")?;
    let rest = &body[start + 7..];
    // Only when there is no article in the answer.
    if body.contains("<article") {
        return None;
    }
    let msg: String = match rest.find("</ERROR>") {
        Some(end) => rest[..end].to_string(),
        None => rest.chars().take(300).collect(),
    };
    Some(crate::util::collapse_ws(&msg))
}

fn highest_version(listing: &str, pmcid: &str) -> Option<String> {
    let doc = roxmltree::Document::parse(listing).ok()?;
    doc.descendants()
        .filter(|n| {
            n.tag_name().name() == "Prefix" && n.parent().is_some_and(|p| p.tag_name().name() == "CommonPrefixes")
        })
        .filter_map(|n| n.text())
        .filter_map(|p| {
            let p = p.trim_end_matches('/');
            let v = p.strip_prefix(pmcid)?.strip_prefix('.')?.parse::<u32>().ok()?;
            Some((v, p.to_string()))
        })
        .max_by_key(|(v, _)| *v)
        .map(|(_, p)| p)
}

/// `s3://pmc-oa-opendata/PMC1.1/gr1.jpg?md5=…` → `PMC1.1/gr1.jpg`.
fn s3_key(u: &str) -> Option<String> {
    let rest = u.strip_prefix("s3://")?;
    let (_, key) = rest.split_once('/')?;
    let key = key.split('?').next()?;
    // Keys are used only inside the bucket URL; refuse anything that could escape it.
    (!key.contains("..") && !key.starts_with('/')).then(|| key.to_string())
}

fn file_stem(p: &str) -> String {
    let name = p.rsplit('/').next().unwrap_or(p);
    let name = name.split('?').next().unwrap_or(name);
    match name.rsplit_once('.') {
        Some((stem, ext)) if ext.len() <= 4 && ext.chars().all(|c| c.is_ascii_alphanumeric()) => stem.to_string(),
        _ => name.to_string(),
    }
}

/// Percent-encodes a query value.
fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// 0..1, good enough for backoff jitter.
fn jitter() -> f64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static STATE: AtomicU64 = AtomicU64::new(0);
    let mut x = STATE.load(Ordering::Relaxed);
    if x == 0 {
        x = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1)
            | 1;
    }
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    STATE.store(x, Ordering::Relaxed);
    (x >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(file_stem("pone.0046493.g001"), "pone.0046493");
        assert_eq!(file_stem("gr1.jpg"), "gr1");
        assert_eq!(s3_key("s3://pmc-oa-opendata/PMC1.1/gr1.jpg?md5=ab").as_deref(), Some("PMC1.1/gr1.jpg"));
        assert_eq!(enc("10.1371/journal pone"), "10.1371%2Fjournal%20pone");
        let listing = r#"<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Prefix>PMC9.</Prefix><CommonPrefixes><Prefix>PMC9.1/</Prefix></CommonPrefixes><CommonPrefixes><Prefix>PMC9.2/</Prefix></CommonPrefixes></ListBucketResult>"#;
        assert_eq!(highest_version(listing, "PMC9").as_deref(), Some("PMC9.2"));
        assert_eq!(highest_version("<ListBucketResult><KeyCount>0</KeyCount></ListBucketResult>", "PMC9"), None);
    }
}
