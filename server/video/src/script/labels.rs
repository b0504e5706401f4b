//! The words a script adds around the paper's own sentences (scene labels, the credits line, the
//! post text), in the narration's language. Tables for en, pt, es, fr, de, it, uk, ru, zh and ar;
//! any other language gets the English labels (the narration itself stays in the paper's
//! language).

/// The fixed words of one language.
#[derive(Clone, Copy, Debug)]
pub struct Labels {
    pub new_research: &'static str,
    pub why_it_matters: &'static str,
    pub what_they_did: &'static str,
    pub what_they_found: &'static str,
    pub what_it_means: &'static str,
    pub caveat: &'static str,
    pub read_the_paper: &'static str,
    /// "Research by {who}".
    pub research_by: &'static str,
    pub from_the_paper: &'static str,
    /// "{first author} and colleagues".
    pub and_colleagues: &'static str,
    pub and: &'static str,
    /// ", published in {journal}".
    pub published_in: &'static str,
    /// " in {year}".
    pub in_year: &'static str,
    pub read_full: &'static str,
    /// The post's reference line starts with this ("Paper").
    pub paper: &'static str,
    /// "One caveat:" before the limitation the paper states.
    pub one_caveat: &'static str,
    /// "This figure from the paper shows" (figure scenes; followed by the caption's first words).
    pub figure_shows: &'static str,
}

pub const EN: Labels = Labels {
    new_research: "New research",
    why_it_matters: "Why it matters",
    what_they_did: "What they did",
    what_they_found: "What they found",
    what_it_means: "What it means",
    caveat: "A caveat",
    read_the_paper: "Read the paper",
    research_by: "Research by",
    from_the_paper: "From the paper",
    and_colleagues: "and colleagues",
    and: "and",
    published_in: "published in",
    in_year: "in",
    read_full: "Read the full paper via the link.",
    paper: "Paper",
    one_caveat: "One caveat:",
    figure_shows: "This figure from the paper shows",
};

const PT: Labels = Labels {
    new_research: "Nova pesquisa",
    why_it_matters: "Por que importa",
    what_they_did: "O que fizeram",
    what_they_found: "O que descobriram",
    what_it_means: "O que significa",
    caveat: "Uma ressalva",
    read_the_paper: "Leia o artigo",
    research_by: "Pesquisa de",
    from_the_paper: "Do artigo",
    and_colleagues: "e colegas",
    and: "e",
    published_in: "publicada em",
    in_year: "em",
    read_full: "Leia o artigo completo pelo link.",
    paper: "Artigo",
    one_caveat: "Uma ressalva:",
    figure_shows: "Esta figura do artigo mostra",
};

const ES: Labels = Labels {
    new_research: "Nueva investigación",
    why_it_matters: "Por qué importa",
    what_they_did: "Qué hicieron",
    what_they_found: "Qué encontraron",
    what_it_means: "Qué significa",
    caveat: "Una advertencia",
    read_the_paper: "Lee el artículo",
    research_by: "Investigación de",
    from_the_paper: "Del artículo",
    and_colleagues: "y colegas",
    and: "y",
    published_in: "publicada en",
    in_year: "en",
    read_full: "Lee el artículo completo en el enlace.",
    paper: "Artículo",
    one_caveat: "Una advertencia:",
    figure_shows: "Esta figura del artículo muestra",
};

const FR: Labels = Labels {
    new_research: "Nouvelle recherche",
    why_it_matters: "Pourquoi c'est important",
    what_they_did: "Ce qu'ils ont fait",
    what_they_found: "Ce qu'ils ont trouvé",
    what_it_means: "Ce que cela signifie",
    caveat: "Une réserve",
    read_the_paper: "Lire l'article",
    research_by: "Recherche de",
    from_the_paper: "D'après l'article",
    and_colleagues: "et collègues",
    and: "et",
    published_in: "publiée dans",
    in_year: "en",
    read_full: "Lisez l'article complet via le lien.",
    paper: "Article",
    one_caveat: "Une réserve :",
    figure_shows: "Cette figure de l'article montre",
};

const DE: Labels = Labels {
    new_research: "Neue Forschung",
    why_it_matters: "Warum es wichtig ist",
    what_they_did: "Was sie taten",
    what_they_found: "Was sie fanden",
    what_it_means: "Was es bedeutet",
    caveat: "Eine Einschränkung",
    read_the_paper: "Zum Artikel",
    research_by: "Forschung von",
    from_the_paper: "Aus dem Artikel",
    and_colleagues: "und Kollegen",
    and: "und",
    published_in: "veröffentlicht in",
    in_year: "im Jahr",
    read_full: "Den ganzen Artikel gibt es über den Link.",
    paper: "Artikel",
    one_caveat: "Eine Einschränkung:",
    figure_shows: "Diese Abbildung aus dem Artikel zeigt",
};

const IT: Labels = Labels {
    new_research: "Nuova ricerca",
    why_it_matters: "Perché è importante",
    what_they_did: "Cosa hanno fatto",
    what_they_found: "Cosa hanno scoperto",
    what_it_means: "Cosa significa",
    caveat: "Un limite",
    read_the_paper: "Leggi l'articolo",
    research_by: "Ricerca di",
    from_the_paper: "Dall'articolo",
    and_colleagues: "e colleghi",
    and: "e",
    published_in: "pubblicata su",
    in_year: "nel",
    read_full: "Leggi l'articolo completo dal link.",
    paper: "Articolo",
    one_caveat: "Un limite:",
    figure_shows: "Questa figura dell'articolo mostra",
};

const UK: Labels = Labels {
    new_research: "Нове дослідження",
    why_it_matters: "Чому це важливо",
    what_they_did: "Що зробили",
    what_they_found: "Що виявили",
    what_it_means: "Що це означає",
    caveat: "Застереження",
    read_the_paper: "Читайте статтю",
    research_by: "Дослідження:",
    from_the_paper: "Зі статті",
    and_colleagues: "та колеги",
    and: "і",
    published_in: "опубліковано в",
    in_year: "у",
    read_full: "Повна стаття за посиланням.",
    paper: "Стаття",
    one_caveat: "Застереження:",
    figure_shows: "Цей рисунок зі статті показує",
};

const RU: Labels = Labels {
    new_research: "Новое исследование",
    why_it_matters: "Почему это важно",
    what_they_did: "Что сделали",
    what_they_found: "Что обнаружили",
    what_it_means: "Что это значит",
    caveat: "Оговорка",
    read_the_paper: "Читайте статью",
    research_by: "Исследование:",
    from_the_paper: "Из статьи",
    and_colleagues: "и коллеги",
    and: "и",
    published_in: "опубликовано в",
    in_year: "в",
    read_full: "Полная статья по ссылке.",
    paper: "Статья",
    one_caveat: "Оговорка:",
    figure_shows: "Этот рисунок из статьи показывает",
};

const ZH: Labels = Labels {
    new_research: "新研究",
    why_it_matters: "为什么重要",
    what_they_did: "他们做了什么",
    what_they_found: "他们发现了什么",
    what_it_means: "这意味着什么",
    caveat: "需要注意",
    read_the_paper: "阅读论文",
    research_by: "研究者：",
    from_the_paper: "来自论文",
    and_colleagues: "及其同事",
    and: "和",
    published_in: "发表于",
    in_year: "",
    read_full: "通过链接阅读全文。",
    paper: "论文",
    one_caveat: "需要注意：",
    figure_shows: "论文中的这幅图显示",
};

const AR: Labels = Labels {
    new_research: "بحث جديد",
    why_it_matters: "لماذا يهم",
    what_they_did: "ماذا فعلوا",
    what_they_found: "ماذا وجدوا",
    what_it_means: "ماذا يعني",
    caveat: "تحفظ",
    read_the_paper: "اقرأ الورقة",
    research_by: "بحث أجراه",
    from_the_paper: "من الورقة",
    and_colleagues: "وزملاؤه",
    and: "و",
    published_in: "نُشر في",
    in_year: "عام",
    read_full: "اقرأ الورقة كاملة عبر الرابط.",
    paper: "الورقة",
    one_caveat: "تحفظ:",
    figure_shows: "يُظهر هذا الشكل من الورقة",
};

/// The labels for an ISO 639-1 language code; English when there is no table for it.
pub fn labels(language: &str) -> &'static Labels {
    match language.split(['-', '_']).next().unwrap_or("").to_ascii_lowercase().as_str() {
        "pt" => &PT,
        "es" => &ES,
        "fr" => &FR,
        "de" => &DE,
        "it" => &IT,
        "uk" => &UK,
        "ru" => &RU,
        "zh" => &ZH,
        "ar" => &AR,
        _ => &EN,
    }
}

/// Whether there is a label table for the language (else English labels are used).
pub fn has_table(language: &str) -> bool {
    matches!(
        language.split(['-', '_']).next().unwrap_or(""),
        "en" | "pt" | "es" | "fr" | "de" | "it" | "uk" | "ru" | "zh" | "ar"
    )
}
