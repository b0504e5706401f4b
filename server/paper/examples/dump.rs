//! Prints what the readers make of a file and the quality gate's verdict:
//! `cargo run -p paper --example dump -- FILE`.
fn main() {
    let path = std::env::args().nth(1).expect("usage: dump FILE");
    let bytes = std::fs::read(&path).expect("read file");
    let t = std::time::Instant::now();
    match paper::extract(&bytes) {
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
            println!("LANGUAGE: {:?}  OCR: {}", p.language, p.read_by_ocr);
            let text = p.all_text().collect::<Vec<_>>().join("\n");
            println!("QUALITY: {:?}", paper::quality::assess(&text, p.language.as_deref()));
            match paper::quality::check(p, p.read_by_ocr) {
                Ok(()) => println!("GATE: accepted"),
                Err(e) => println!("GATE: refused, {}: {}", e.kind, e.message),
            }
        }
        Err(e) => println!("ERROR {}: {} (transient={})", e.kind, e.message, e.is_transient()),
    }
    eprintln!("took {:?}", t.elapsed());
}
