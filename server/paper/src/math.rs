//! Math spoken as words: MathML (JATS `mml:math`) and TeX (`tex-math`).

use roxmltree::Node;

/// Speaks a MathML element ("x squared plus alpha", "a over b").
pub fn speak_mathml(node: Node) -> String {
    let mut s = mml(node);
    s = crate::util::collapse_ws(&s);
    s.replace(" ,", ",").replace("( ", "(").replace(" )", ")")
}

fn children_elems<'a, 'i>(n: Node<'a, 'i>) -> Vec<Node<'a, 'i>> {
    n.children().filter(|c| c.is_element()).collect()
}

fn join_children(n: Node) -> String {
    children_elems(n).into_iter().map(mml).collect::<Vec<_>>().join(" ")
}

fn leaf_text(n: Node) -> String {
    let t: String = n.descendants().filter(|d| d.is_text()).map(|d| d.text().unwrap_or("")).collect();
    t.trim().to_string()
}

fn mml(n: Node) -> String {
    if n.is_text() {
        return String::new();
    }
    let name = n.tag_name().name();
    let kids = children_elems(n);
    match name {
        "mi" | "mn" | "ms" => speak_symbols(&leaf_text(n)),
        "mtext" => leaf_text(n),
        "mo" => speak_operator(&leaf_text(n)),
        "mspace" => " ".into(),
        "mphantom" | "annotation" | "annotation-xml" | "none" | "mprescripts" => String::new(),
        "semantics" => kids.first().map(|k| mml(*k)).unwrap_or_default(),
        "mfrac" if kids.len() == 2 => {
            let (a, b) = (mml(kids[0]), mml(kids[1]));
            format!("{} over {}", group(&a, kids[0]), group(&b, kids[1]))
        }
        "msqrt" => format!("the square root of {}", join_children(n)),
        "mroot" if kids.len() == 2 => {
            format!("the {} root of {}", ordinal(&mml(kids[1])), mml(kids[0]))
        }
        "msup" if kids.len() == 2 => format!("{}{}", mml(kids[0]), power(&mml(kids[1]))),
        "msub" if kids.len() == 2 => subscript(kids[0], &mml(kids[1])),
        "msubsup" if kids.len() == 3 => {
            let base = kids[0];
            if is_big_operator(base) {
                format!("{} from {} to {}", mml(base), mml(kids[1]), mml(kids[2]))
            } else {
                format!("{}{}", subscript(base, &mml(kids[1])), power(&mml(kids[2])))
            }
        }
        "munder" if kids.len() == 2 => {
            let base = kids[0];
            if is_big_operator(base) || leaf_text(base) == "lim" {
                format!("{} over {}", mml(base), mml(kids[1]))
            } else {
                format!(
                    "{} {}",
                    mml(base),
                    accent(&leaf_text(kids[1])).map(str::to_string).unwrap_or_else(|| mml(kids[1]))
                )
            }
        }
        "mover" if kids.len() == 2 => {
            let acc = leaf_text(kids[1]);
            match accent(&acc) {
                Some(word) => format!("{} {}", mml(kids[0]), word),
                None => format!("{} {}", mml(kids[0]), mml(kids[1])),
            }
        }
        "munderover" if kids.len() == 3 => {
            format!("{} from {} to {}", mml(kids[0]), mml(kids[1]), mml(kids[2]))
        }
        "mfenced" => {
            let open = n.attribute("open").unwrap_or("(");
            let close = n.attribute("close").unwrap_or(")");
            let inner = kids.into_iter().map(mml).collect::<Vec<_>>().join(", ");
            format!("{open}{inner}{close}")
        }
        "mtable" => kids.into_iter().map(mml).filter(|s| !s.trim().is_empty()).collect::<Vec<_>>().join("; "),
        "mtr" | "mlabeledtr" => kids.into_iter().map(mml).collect::<Vec<_>>().join(", "),
        "mmultiscripts" => join_children(n),
        _ => join_children(n),
    }
}

fn group(spoken: &str, node: Node) -> String {
    // Multi-term numerators/denominators read clearer with brackets around them.
    let complex = node.tag_name().name() == "mrow" && children_elems(node).len() > 1 && spoken.contains(' ');
    if complex {
        format!("({spoken})")
    } else {
        spoken.to_string()
    }
}

fn is_big_operator(n: Node) -> bool {
    matches!(leaf_text(n).as_str(), "∑" | "∏" | "∫" | "∮" | "⋃" | "⋂" | "lim" | "max" | "min" | "sup" | "inf")
}

fn subscript(base: Node, sub: &str) -> String {
    format!("{} sub {}", mml(base), sub)
}

fn power(exp: &str) -> String {
    let e = exp.trim();
    match e {
        "2" => " squared".into(),
        "3" => " cubed".into(),
        "′" | "'" | "prime" => " prime".into(),
        "″" | "double prime" => " double prime".into(),
        "T" => " transposed".into(),
        "∗" | "*" | "times" => " star".into(),
        "minus 1" => " to the power of minus 1".into(),
        "" => String::new(),
        _ => format!(" to the power of {e}"),
    }
}

fn ordinal(n: &str) -> String {
    match n.trim() {
        "2" => "square".into(),
        "3" => "cube".into(),
        other => format!("{other}-th"),
    }
}

fn accent(a: &str) -> Option<&'static str> {
    Some(match a {
        "¯" | "‾" | "_" | "ˉ" | "―" | "—" | "-" => "bar",
        "^" | "ˆ" | "̂" => "hat",
        "~" | "˜" | "∼" => "tilde",
        "˙" | "." | "·" => "dot",
        "¨" | ".." => "double dot",
        "→" | "⃗" => "vector",
        _ => return None,
    })
}

/// Speaks an operator symbol.
pub fn speak_operator(op: &str) -> String {
    let w = match op {
        "+" => "plus",
        "-" | "−" | "–" => "minus",
        "=" => "equals",
        "≠" => "is not equal to",
        "≈" | "≃" | "≅" => "is approximately",
        "∼" | "~" => "is similar to",
        "∝" => "is proportional to",
        "<" => "is less than",
        ">" => "is greater than",
        "≤" | "⩽" => "is less than or equal to",
        "≥" | "⩾" => "is greater than or equal to",
        "≪" => "is much less than",
        "≫" => "is much greater than",
        "±" => "plus or minus",
        "∓" => "minus or plus",
        "×" | "·" | "⋅" | "∗" | "*" => "times",
        "÷" | "/" => "divided by",
        "∑" => "the sum",
        "∏" => "the product",
        "∫" => "the integral",
        "∂" => "partial",
        "∇" => "nabla",
        "→" => "tends to",
        "⇒" => "implies",
        "⇔" => "if and only if",
        "∈" => "in",
        "∉" => "not in",
        "⊂" | "⊆" => "is a subset of",
        "∪" => "union",
        "∩" => "intersection",
        "∞" => "infinity",
        "%" => "percent",
        "′" => "prime",
        "!" => "factorial",
        "|" => "|",
        "∣" => "given",
        "\u{2061}" | "\u{2062}" | "\u{2063}" | "\u{2064}" => "",
        other => return speak_symbols(other),
    };
    w.to_string()
}

const GREEK: &[(char, &str)] = &[
    ('α', "alpha"),
    ('β', "beta"),
    ('γ', "gamma"),
    ('δ', "delta"),
    ('ε', "epsilon"),
    ('ϵ', "epsilon"),
    ('ζ', "zeta"),
    ('η', "eta"),
    ('θ', "theta"),
    ('ϑ', "theta"),
    ('ι', "iota"),
    ('κ', "kappa"),
    ('λ', "lambda"),
    ('μ', "mu"),
    ('µ', "mu"),
    ('ν', "nu"),
    ('ξ', "xi"),
    ('π', "pi"),
    ('ρ', "rho"),
    ('σ', "sigma"),
    ('ς', "sigma"),
    ('τ', "tau"),
    ('υ', "upsilon"),
    ('φ', "phi"),
    ('ϕ', "phi"),
    ('χ', "chi"),
    ('ψ', "psi"),
    ('ω', "omega"),
    ('Γ', "capital gamma"),
    ('Δ', "capital delta"),
    ('Θ', "capital theta"),
    ('Λ', "capital lambda"),
    ('Ξ', "capital xi"),
    ('Π', "capital pi"),
    ('Σ', "capital sigma"),
    ('Φ', "capital phi"),
    ('Ψ', "capital psi"),
    ('Ω', "capital omega"),
    ('∞', "infinity"),
    ('∂', "partial"),
    ('ℓ', "l"),
    ('ħ', "h bar"),
    ('°', " degrees"),
];

/// Replaces Greek letters and a few symbols by their names ("α" → "alpha").
pub fn speak_symbols(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if let Some((_, name)) = GREEK.iter().find(|(g, _)| *g == c) {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
            out.push_str(name);
            out.push(' ');
        } else if ('\u{1D400}'..='\u{1D7FF}').contains(&c) {
            // Mathematical alphanumeric symbols (𝑥, 𝐀): keep as plain letters when possible.
            out.push(math_alnum_plain(c));
        } else {
            out.push(c);
        }
    }
    out.trim().to_string()
}

fn math_alnum_plain(c: char) -> char {
    let cp = c as u32;
    if (0x1D7CE..=0x1D7FF).contains(&cp) {
        return char::from_digit((cp - 0x1D7CE) % 10, 10).unwrap_or('?');
    }
    if (0x1D400..=0x1D6A3).contains(&cp) {
        let i = (cp - 0x1D400) % 52;
        let base = if i < 26 { b'A' + i as u8 } else { b'a' + (i - 26) as u8 };
        return base as char;
    }
    c
}

// ---------------------------------------------------------------- TeX

/// Turns TeX math (as in JATS `tex-math`, possibly a whole LaTeX document) into readable words.
pub fn speak_tex(src: &str) -> String {
    let mut s = src;
    if let Some(i) = s.find("\\begin{document}") {
        s = &s[i + "\\begin{document}".len()..];
    }
    if let Some(i) = s.find("\\end{document}") {
        s = &s[..i];
    }
    let s = s.trim().trim_matches('$').trim();
    let s = s.trim_start_matches("\\[").trim_end_matches("\\]");
    let s = s.trim_start_matches("\\(").trim_end_matches("\\)");
    let toks = tokenize(s);
    let mut p = TexParser { toks, pos: 0, depth: 0 };
    let out = p.seq(None);
    crate::util::collapse_ws(&out).replace(" ,", ",").replace("( ", "(").replace(" )", ")")
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Cmd(String),
    Open,
    Close,
    Sup,
    Sub,
    Char(char),
}

fn tokenize(s: &str) -> Vec<Tok> {
    let cs: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < cs.len() {
        let c = cs[i];
        match c {
            '\\' => {
                let mut j = i + 1;
                while j < cs.len() && cs[j].is_ascii_alphabetic() {
                    j += 1;
                }
                if j == i + 1 && j < cs.len() {
                    j += 1; // \{ \, \; etc.
                }
                out.push(Tok::Cmd(cs[i + 1..j].iter().collect()));
                i = j;
                continue;
            }
            '{' => out.push(Tok::Open),
            '}' => out.push(Tok::Close),
            '^' => out.push(Tok::Sup),
            '_' => out.push(Tok::Sub),
            '$' | '&' => out.push(Tok::Char(' ')),
            '%' => {
                // TeX comment to end of line
                while i < cs.len() && cs[i] != '\n' {
                    i += 1;
                }
            }
            c => out.push(Tok::Char(c)),
        }
        i += 1;
    }
    out
}

struct TexParser {
    toks: Vec<Tok>,
    pos: usize,
    depth: usize,
}

impl TexParser {
    fn seq(&mut self, until_close: Option<()>) -> String {
        let mut out = String::new();
        while self.pos < self.toks.len() {
            if until_close.is_some() && self.toks[self.pos] == Tok::Close {
                self.pos += 1;
                return out;
            }
            if until_close.is_none() && self.toks[self.pos] == Tok::Close {
                self.pos += 1;
                continue;
            }
            let piece = self.atom_with_scripts();
            push_piece(&mut out, &piece);
        }
        out
    }

    fn atom_with_scripts(&mut self) -> String {
        let mut s = self.atom();
        loop {
            match self.toks.get(self.pos) {
                Some(Tok::Sup) => {
                    self.pos += 1;
                    let e = self.atom();
                    s = format!("{s}{}", power(e.trim()));
                }
                Some(Tok::Sub) => {
                    self.pos += 1;
                    let e = self.atom();
                    s = format!("{s} sub {}", e.trim());
                }
                _ => return s,
            }
        }
    }

    /// One argument: a group or a single token.
    fn atom(&mut self) -> String {
        if self.depth > 200 {
            self.pos = self.toks.len();
            return String::new();
        }
        let Some(t) = self.toks.get(self.pos).cloned() else { return String::new() };
        self.pos += 1;
        self.depth += 1;
        let r = match t {
            Tok::Open => self.seq(Some(())),
            Tok::Close => String::new(),
            Tok::Sup | Tok::Sub => String::new(),
            Tok::Char(c) => {
                let s = c.to_string();
                if c.is_alphanumeric() || c == '.' {
                    speak_symbols(&s)
                } else if c == '(' || c == ')' || c == '[' || c == ']' || c == ',' || c == ' ' {
                    s
                } else {
                    format!(" {} ", speak_operator(&s))
                }
            }
            Tok::Cmd(name) => self.command(&name),
        };
        self.depth -= 1;
        r
    }

    fn command(&mut self, name: &str) -> String {
        match name {
            "frac" | "dfrac" | "tfrac" => {
                let a = self.atom();
                let b = self.atom();
                let wrap =
                    |x: String| if x.trim().contains(' ') { format!("({})", x.trim()) } else { x.trim().to_string() };
                format!(" {} over {} ", wrap(a), wrap(b))
            }
            "sqrt" => {
                // optional [n]
                if self.toks.get(self.pos) == Some(&Tok::Char('[')) {
                    let mut n = String::new();
                    self.pos += 1;
                    while let Some(t) = self.toks.get(self.pos) {
                        self.pos += 1;
                        match t {
                            Tok::Char(']') => break,
                            Tok::Char(c) => n.push(*c),
                            _ => {}
                        }
                    }
                    let x = self.atom();
                    return format!(" the {} root of {} ", ordinal(&n), x.trim());
                }
                let x = self.atom();
                format!(" the square root of {} ", x.trim())
            }
            "mathrm" | "mathit" | "mathbf" | "mathsf" | "mathtt" | "mathcal" | "mathbb" | "boldsymbol" | "bm"
            | "text" | "textrm" | "textit" | "textbf" | "mbox" | "operatorname" | "hbox" | "rm" | "it" | "bf"
            | "mathnormal" | "displaystyle" | "textstyle" | "scriptstyle" | "left" | "right" | "big" | "Big"
            | "bigg" | "Bigg" | "bigl" | "bigr" | "Bigl" | "Bigr" | "limits" | "nolimits" | "mathop" => {
                if matches!(
                    name,
                    "displaystyle"
                        | "textstyle"
                        | "scriptstyle"
                        | "left"
                        | "right"
                        | "big"
                        | "Big"
                        | "bigg"
                        | "Bigg"
                        | "bigl"
                        | "bigr"
                        | "Bigl"
                        | "Bigr"
                        | "limits"
                        | "nolimits"
                        | "rm"
                        | "it"
                        | "bf"
                ) {
                    return String::new();
                }
                self.atom()
            }
            "bar" | "overline" => format!("{} bar", self.atom().trim()),
            "hat" | "widehat" => format!("{} hat", self.atom().trim()),
            "tilde" | "widetilde" => format!("{} tilde", self.atom().trim()),
            "dot" => format!("{} dot", self.atom().trim()),
            "vec" => format!("vector {}", self.atom().trim()),
            "begin" | "end" => {
                let _env = self.atom();
                String::new()
            }
            "usepackage" | "documentclass" | "setlength" | "pagestyle" => {
                // drop optional and mandatory arguments
                if self.toks.get(self.pos) == Some(&Tok::Char('[')) {
                    while let Some(t) = self.toks.get(self.pos) {
                        self.pos += 1;
                        if *t == Tok::Char(']') {
                            break;
                        }
                    }
                }
                let _ = self.atom();
                if name == "setlength" {
                    let _ = self.atom();
                }
                String::new()
            }
            "\\" | "," | ";" | ":" | "!" | " " | "quad" | "qquad" => " ".into(),
            "{" => "{".into(),
            "}" => "}".into(),
            "%" => " percent ".into(),
            other => match tex_symbol(other) {
                Some(w) => format!(" {w} "),
                None => format!(" {other} "),
            },
        }
    }
}

fn push_piece(out: &mut String, piece: &str) {
    if piece.is_empty() {
        return;
    }
    let starts_alnum = piece.chars().next().is_some_and(|c| c.is_alphanumeric());
    let ends_word = out.chars().last().is_some_and(|c| c.is_alphabetic());
    let out_last_alpha_run_is_word =
        out.split(' ').next_back().is_some_and(|w| w.len() > 1 && w.chars().all(|c| c.is_alphabetic()));
    // Separate spoken words from what follows them ("alpha x", not "alphax").
    if (ends_word && starts_alnum && out_last_alpha_run_is_word)
        || starts_alnum
            && out.chars().last().is_some_and(|c| c.is_ascii_digit())
            && piece.chars().next().is_some_and(|c| c.is_alphabetic())
    {
        out.push(' ');
    }
    out.push_str(piece);
}

fn tex_symbol(cmd: &str) -> Option<&'static str> {
    Some(match cmd {
        "alpha" => "alpha",
        "beta" => "beta",
        "gamma" => "gamma",
        "delta" => "delta",
        "epsilon" | "varepsilon" => "epsilon",
        "zeta" => "zeta",
        "eta" => "eta",
        "theta" | "vartheta" => "theta",
        "iota" => "iota",
        "kappa" => "kappa",
        "lambda" => "lambda",
        "mu" => "mu",
        "nu" => "nu",
        "xi" => "xi",
        "pi" => "pi",
        "rho" => "rho",
        "sigma" => "sigma",
        "tau" => "tau",
        "upsilon" => "upsilon",
        "phi" | "varphi" => "phi",
        "chi" => "chi",
        "psi" => "psi",
        "omega" => "omega",
        "Gamma" => "capital gamma",
        "Delta" => "capital delta",
        "Theta" => "capital theta",
        "Lambda" => "capital lambda",
        "Pi" => "capital pi",
        "Sigma" => "capital sigma",
        "Phi" => "capital phi",
        "Psi" => "capital psi",
        "Omega" => "capital omega",
        "times" | "cdot" | "ast" => "times",
        "div" => "divided by",
        "pm" => "plus or minus",
        "mp" => "minus or plus",
        "leq" | "le" | "leqslant" => "is less than or equal to",
        "geq" | "ge" | "geqslant" => "is greater than or equal to",
        "neq" | "ne" => "is not equal to",
        "approx" | "simeq" | "cong" => "is approximately",
        "sim" => "is similar to",
        "propto" => "is proportional to",
        "ll" => "is much less than",
        "gg" => "is much greater than",
        "sum" => "the sum",
        "prod" => "the product",
        "int" => "the integral",
        "oint" => "the contour integral",
        "partial" => "partial",
        "nabla" => "nabla",
        "infty" => "infinity",
        "to" | "rightarrow" => "tends to",
        "Rightarrow" => "implies",
        "in" => "in",
        "notin" => "not in",
        "cup" => "union",
        "cap" => "intersection",
        "log" => "log",
        "ln" => "ln",
        "exp" => "exp",
        "sin" => "sine",
        "cos" => "cosine",
        "tan" => "tangent",
        "lim" => "the limit",
        "max" => "max",
        "min" => "min",
        "prime" => "prime",
        "circ" => "degrees",
        "ldots" | "cdots" | "dots" => "dot dot dot",
        "mid" => "given",
        "lbrace" => "{",
        "rbrace" => "}",
        "langle" => "⟨",
        "rangle" => "⟩",
        "vert" | "lvert" | "rvert" => "|",
        "Vert" => "‖",
        "degree" => "degrees",
        "percent" => "percent",
        "hbar" => "h bar",
        "ell" => "l",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mathml(xml: &str) -> String {
        let doc = roxmltree::Document::parse(xml).unwrap();
        speak_mathml(doc.root_element())
    }

    #[test]
    fn mathml_words() {
        let m = r#"<math xmlns="http://www.w3.org/1998/Math/MathML"><msup><mi>x</mi><mn>2</mn></msup><mo>+</mo><mfrac><mi>a</mi><mi>b</mi></mfrac><mo>=</mo><mi>α</mi></math>"#;
        assert_eq!(mathml(m), "x squared plus a over b equals alpha");
        let m = r#"<mml:math xmlns:mml="http://www.w3.org/1998/Math/MathML"><mml:msqrt><mml:mi>n</mml:mi></mml:msqrt></mml:math>"#;
        assert_eq!(mathml(m), "the square root of n");
    }

    #[test]
    fn tex_words() {
        assert_eq!(speak_tex(r"$\frac{a}{b}$"), "a over b");
        assert_eq!(speak_tex(r"x^{2}+\alpha"), "x squared plus alpha");
        assert_eq!(
            speak_tex(
                r"\documentclass[12pt]{minimal}\usepackage{amsmath}\begin{document}$$p \leq 0.05$$\end{document}"
            ),
            "p is less than or equal to 0.05"
        );
        assert_eq!(speak_tex(r"\sqrt{x_i}"), "the square root of x sub i");
    }
}
