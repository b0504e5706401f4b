//! Throughput of the readers: `cargo bench -p paper --bench extract`.
//! PDF pages/s of `paper::pdf::read_pdf` against plain `pdftotext` on the same files (same run),
//! and JATS MB/s. Plain std::time; prints a Markdown table.

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

fn fixtures(dir: &str, ext: &str) -> Vec<PathBuf> {
    let base = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(dir);
    let mut v: Vec<PathBuf> = std::fs::read_dir(base)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    v.sort();
    v
}

fn pages(p: &PathBuf) -> usize {
    let out = Command::new("pdfinfo").arg(p).output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

fn main() {
    let reps = 3;
    println!("| input | size | ours | baseline (`pdftotext`) |");
    println!("|---|---|---|---|");
    for p in fixtures("pdf", "pdf") {
        let n = pages(&p);
        if n == 0 {
            continue;
        }
        let bytes = std::fs::read(&p).unwrap();
        let t = Instant::now();
        for _ in 0..reps {
            let _ = paper::pdf::read_pdf(&bytes);
        }
        let ours = (n * reps) as f64 / t.elapsed().as_secs_f64();
        let t = Instant::now();
        for _ in 0..reps {
            let _ = Command::new("pdftotext").arg(&p).arg("/dev/null").output().unwrap();
        }
        let base = (n * reps) as f64 / t.elapsed().as_secs_f64();
        println!(
            "| {} | {n} pages | {ours:.1} pages/s | {base:.1} pages/s |",
            p.file_name().unwrap().to_string_lossy()
        );
    }
    let mut total = 0usize;
    let files: Vec<Vec<u8>> = fixtures("jats", "xml")
        .into_iter()
        .chain(fixtures("jats", "nxml"))
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    let t = Instant::now();
    for _ in 0..reps * 5 {
        for f in &files {
            let _ = paper::jats::read_jats(f);
            total += f.len();
        }
    }
    let mbs = total as f64 / 1e6 / t.elapsed().as_secs_f64();
    println!(
        "| all JATS fixtures ({} files) | {:.1} MB | {mbs:.1} MB/s | n/a |",
        files.len(),
        total as f64 / 1e6 / (reps * 5) as f64
    );
}
