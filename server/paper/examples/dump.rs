//! Prints what `paper::read` makes of a file: `cargo run -p paper --example dump -- FILE`.
fn main() {
    let path = std::env::args().nth(1).expect("usage: dump FILE");
    let bytes = std::fs::read(&path).expect("read file");
    let t = std::time::Instant::now();
    match paper::read(&bytes) {
        Ok(e) => {
            let p = &e.paper;
            println!("TITLE: {}", p.title);
            println!("AUTHORS: {:?}", p.authors);
            println!(
                "JOURNAL: {:?} PUB: {:?} DOI: {:?} PMID: {:?} PMCID: {:?}",
                p.journal, p.published, p.doi, p.pmid, p.pmcid
            );
            println!("LICENSE: {:?}", p.license);
            for a in &p.abstract_paragraphs {
                println!("ABSTRACT: {}", a.chars().take(300).collect::<String>());
            }
            for s in &p.sections {
                println!("{}[{}] {} ({} paras)", "  ".repeat(s.level as usize), s.level, s.heading, s.paragraphs.len());
                if std::env::var("FULL").is_ok() {
                    for para in &s.paragraphs {
                        println!("      | {}", para);
                    }
                } else if let Some(f) = s.paragraphs.first() {
                    println!("      | {}", f.chars().take(200).collect::<String>());
                }
            }
            for f in &p.figures {
                println!(
                    "FIG {:?} img={:?} href={:?}: {}",
                    f.label,
                    f.image,
                    f.source_href,
                    f.caption.chars().take(100).collect::<String>()
                );
            }
            for f in &e.figure_files {
                println!("FILE {} {} bytes", f.name, f.bytes.len());
            }
            println!("NOTES: {:?}", p.notes);
        }
        Err(e) => println!("ERROR {}: {} (transient={})", e.kind, e.message, e.is_transient()),
    }
    eprintln!("took {:?}", t.elapsed());
}
