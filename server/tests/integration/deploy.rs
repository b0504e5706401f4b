//! The Compose deployment (`compose.yaml`, DEPLOY.md) checked against the code, with no Docker,
//! database or network: every setting an app service gets is one `Config` reads, and the whole
//! parses; every command is a subcommand the binary has; every dependency is a service; the web
//! service runs no jobs; `deploy/.env.example` lists exactly what compose.yaml interpolates.

use app::backend::config::{Config, ConfigError};
use serde::{
    de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor},
    Deserialize, Deserializer,
};
use std::{
    collections::{BTreeMap, BTreeSet},
    fmt,
    path::PathBuf,
    process::Command,
    sync::Mutex,
};

/// What this test reads of a Compose file: its services (every other key is ignored).
#[derive(Deserialize)]
struct Compose {
    services: BTreeMap<String, Service>,
}

/// A service's keys that matter here; the rest of the Compose spec is ignored.
#[derive(Deserialize)]
struct Service {
    /// `image: name:tag`
    image: Option<String>,
    /// `build: …`, in any form: only whether it is there.
    build: Option<IgnoredAny>,
    /// `command: [argv…]` or a string.
    command: Option<Words>,
    /// `environment: {NAME: value}` or `[NAME=value]`.
    environment: Option<Environment>,
    /// `depends_on: [name]` or `{name: {condition: …}}`.
    depends_on: Option<DependsOn>,
}

/// A command's words: a list, or one string split at spaces (Compose splits it like a shell;
/// this is enough for a string without quotes).
struct Words(Vec<String>);

/// A service's environment, name → value; `None` where Compose would take the value from the
/// shell (`NAME:` in a map, `NAME` in a list).
struct Environment(BTreeMap<String, Option<String>>);

/// Dependencies, name → condition (`None`: the short form, `service_started`).
struct DependsOn(BTreeMap<String, Option<String>>);

#[derive(Deserialize)]
struct Dependency {
    condition: Option<String>,
}

/// A scalar as Compose reads it: a string, or a number or boolean taken as its text.
struct Text(String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl Visitor<'_> for TextVisitor {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, number or boolean")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
                Ok(Text(v.to_owned()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
        }
        deserializer.deserialize_any(TextVisitor)
    }
}

impl<'de> Deserialize<'de> for Words {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct WordsVisitor;
        impl<'de> Visitor<'de> for WordsVisitor {
            type Value = Words;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a command as a string or a list of strings")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Words, E> {
                Ok(Words(v.split_whitespace().map(str::to_owned).collect()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Words, A::Error> {
                let mut words = Vec::new();
                while let Some(Text(word)) = seq.next_element::<Text>()? {
                    words.push(word);
                }
                Ok(Words(words))
            }
        }
        deserializer.deserialize_any(WordsVisitor)
    }
}

impl<'de> Deserialize<'de> for Environment {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EnvironmentVisitor;
        impl<'de> Visitor<'de> for EnvironmentVisitor {
            type Value = Environment;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of NAME: value or a list of NAME=value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Environment, A::Error> {
                let mut vars = BTreeMap::new();
                while let Some((name, value)) = map.next_entry::<String, Option<Text>>()? {
                    vars.insert(name, value.map(|Text(v)| v));
                }
                Ok(Environment(vars))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Environment, A::Error> {
                let mut vars = BTreeMap::new();
                while let Some(item) = seq.next_element::<String>()? {
                    let (name, value) = match item.split_once('=') {
                        Some((name, value)) => (name.to_owned(), Some(value.to_owned())),
                        None => (item.clone(), None),
                    };
                    vars.insert(name, value);
                }
                Ok(Environment(vars))
            }
        }
        deserializer.deserialize_any(EnvironmentVisitor)
    }
}

impl<'de> Deserialize<'de> for DependsOn {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DependsOnVisitor;
        impl<'de> Visitor<'de> for DependsOnVisitor {
            type Value = DependsOn;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of service names or a map of name: {condition: …}")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<DependsOn, A::Error> {
                let mut on = BTreeMap::new();
                while let Some((name, dependency)) = map.next_entry::<String, Dependency>()? {
                    on.insert(name, dependency.condition);
                }
                Ok(DependsOn(on))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<DependsOn, A::Error> {
                let mut on = BTreeMap::new();
                while let Some(name) = seq.next_element::<String>()? {
                    on.insert(name, None);
                }
                Ok(DependsOn(on))
            }
        }
        deserializer.deserialize_any(DependsOnVisitor)
    }
}

fn read(path: &str) -> String {
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

fn compose() -> Compose {
    serde_saphyr::from_str::<Compose>(&read("compose.yaml")).unwrap_or_else(|e| panic!("compose.yaml: {e}"))
}

/// The services that run the app's image: those built from the Dockerfile, and those that use
/// an image one of them builds.
fn app_services(compose: &Compose) -> Vec<(&str, &Service)> {
    let built: BTreeSet<&str> =
        compose.services.values().filter(|s| s.build.is_some()).filter_map(|s| s.image.as_deref()).collect();
    let app: Vec<(&str, &Service)> = compose
        .services
        .iter()
        .filter(|(_, s)| s.build.is_some() || s.image.as_deref().is_some_and(|image| built.contains(image)))
        .map(|(name, s)| (name.as_str(), s))
        .collect();
    assert!(app.len() >= 3, "compose.yaml runs the app as migrate, web and worker; found {}", app.len());
    app
}

fn service<'a>(compose: &'a Compose, name: &str) -> &'a Service {
    compose.services.get(name).unwrap_or_else(|| panic!("compose.yaml has no {name} service"))
}

/// A plausible value for a variable that compose.yaml requires (`${NAME:?…}`, `${NAME}`) or leaves
/// empty, as an operator would put it in `.env`; `None` for one this test has no example of.
fn example(name: &str) -> Option<&'static str> {
    Some(match name {
        "POSTGRES_PASSWORD" => "3f1c9a0e5b7d2468ace13579bdf02468ace13579bdf02468",
        "DATABASE_URL" => "postgres://hiddenhill:example@postgres:5432/hiddenhill",
        "HH_PUBLIC_URL" => "https://video.example.org",
        "HH_ACCESS_CODE" => "plum-orchard-lantern",
        "HH_S3_ACCESS_KEY_ID" => "GK0123456789abcdef01234567",
        "HH_S3_SECRET_ACCESS_KEY" => "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "HH_S3_ENDPOINT" => "http://garage:3900",
        "HH_CLIENT_IP_HEADER" => "x-forwarded-for",
        "HH_LLM_URL" => "http://ollama:11434/v1",
        "HH_LLM_MODEL" => "qwen2.5:14b",
        "HH_NCBI_EMAIL" => "operator@example.org",
        "HH_SMTP_URL" => "smtps://hiddenhill:secret@smtp.example.org:465",
        "HH_MAIL_FROM" => "Hidden Hill <no-reply@example.org>",
        "HH_METRICS_TOKEN" => "0123456789abcdef0123456789abcdef0123456789abcdef",
        "HH_SENTRY_DSN" => "https://0123456789abcdef@o1.ingest.sentry.io/2",
        "HH_GEMINI_DAILY_REQUESTS" => "500",
        "HH_LLM_DAILY_TOKENS" => "2000000",
        "HH_RUNWAY_DAILY_CREDITS" => "3000",
        _ => return None,
    })
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Compose's interpolation of `text`, with made-up values: `${NAME:-default}` and
/// `${NAME-default}` give their default, `${NAME:?message}`, `${NAME?message}`, `${NAME}` and
/// `$NAME` the example value for NAME, `$$` a `$`. Nested forms are not supported.
fn interpolate(text: &str) -> String {
    let required = |name: &str| {
        example(name).unwrap_or_else(|| panic!("compose.yaml requires {name}: give it an example value in `example`"))
    };
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        rest = &rest[at + 1..];
        if let Some(after) = rest.strip_prefix('$') {
            out.push('$');
            rest = after;
        } else if let Some(body) = rest.strip_prefix('{') {
            let end = body.find('}').unwrap_or_else(|| panic!("an unclosed ${{ in {text:?}"));
            let expression = &body[..end];
            rest = &body[end + 1..];
            let (name, operator) =
                expression.split_at(expression.find(|c: char| !is_name_char(c)).unwrap_or(expression.len()));
            if let Some(default) = operator.strip_prefix(":-").or_else(|| operator.strip_prefix('-')) {
                out.push_str(default);
            } else if operator.is_empty() || operator.starts_with(":?") || operator.starts_with('?') {
                out.push_str(required(name));
            } else {
                panic!("{text:?}: ${{{expression}}} is a form this test does not know");
            }
        } else {
            let len = rest.find(|c: char| !is_name_char(c)).unwrap_or(rest.len());
            assert!(len > 0, "a lone $ in {text:?}: write $$ for a literal one");
            out.push_str(required(&rest[..len]));
            rest = &rest[len..];
        }
    }
    out.push_str(rest);
    out
}

/// The names compose.yaml interpolates (`${NAME…}`, not `$${…}`).
fn interpolated_names(text: &str) -> BTreeSet<String> {
    text.match_indices("${")
        .filter(|(at, _)| !text[..*at].ends_with('$'))
        .map(|(at, _)| text[at + 2..].chars().take_while(|c| is_name_char(*c)).collect::<String>())
        .collect()
}

/// The service's `environment`, interpolated as Compose would with the example values.
fn settings(name: &str, service: &Service) -> BTreeMap<String, String> {
    let Some(Environment(vars)) = &service.environment else { panic!("{name} has no environment") };
    vars.iter()
        .map(|(var, value)| {
            let value = match value {
                Some(value) => interpolate(value),
                None => example(var)
                    .unwrap_or_else(|| panic!("{name}: {var} comes from the shell; give it an example"))
                    .to_owned(),
            };
            (var.clone(), value)
        })
        .collect()
}

/// The Dockerfile's `ENV` settings (`NAME=value` pairs, continued lines joined): what every
/// container of the image starts with before Compose adds its own.
fn dockerfile_env() -> BTreeMap<String, String> {
    let text = read("Dockerfile").replace("\\\n", " ");
    let mut env = BTreeMap::new();
    for line in text.lines().filter_map(|l| l.strip_prefix("ENV ")) {
        for pair in line.split_whitespace() {
            let (name, value) =
                pair.split_once('=').unwrap_or_else(|| panic!("Dockerfile: ENV {pair:?} is not NAME=value"));
            env.insert(name.to_owned(), value.to_owned());
        }
    }
    assert!(!env.is_empty(), "the Dockerfile sets no ENV");
    env
}

/// `Config::from_lookup` over `env` as `Config::from_env` reads the process environment (blank
/// values count as unset), and every name it asked for.
fn read_config(env: &BTreeMap<String, String>) -> (Result<Config, ConfigError>, BTreeSet<String>) {
    let asked = Mutex::new(BTreeSet::new());
    let result = Config::from_lookup(|name| {
        asked.lock().unwrap().insert(name.to_owned());
        env.get(name).filter(|v| !v.trim().is_empty()).cloned()
    });
    (result, asked.into_inner().unwrap())
}

/// What a container of `service` starts with: the image's `ENV`, then the service's settings.
fn container_env(image: &BTreeMap<String, String>, settings: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut env = image.clone();
    env.extend(settings.clone());
    env
}

#[test]
fn every_setting_compose_gives_the_app_is_one_it_reads_and_they_parse() {
    let compose = compose();
    let image = dockerfile_env();
    for (name, service) in app_services(&compose) {
        let set = settings(name, service);
        // As deployed (optional settings blank), then with every blank one filled in, so that a
        // setting read only beside another (HH_LLM_API_KEY with HH_LLM_URL) is asked for too.
        let filled: BTreeMap<String, String> = set
            .iter()
            .map(|(k, v)| {
                let v = if v.trim().is_empty() { example(k).unwrap_or("example-value").to_owned() } else { v.clone() };
                (k.clone(), v)
            })
            .collect();
        let mut asked: BTreeSet<String> = BTreeSet::new();
        for (how, values) in [("as deployed", &set), ("with every optional setting filled in", &filled)] {
            let (result, names) = read_config(&container_env(&image, values));
            if let Err(e) = result {
                panic!("{name}'s settings, {how}, do not parse: {e}");
            }
            asked.extend(names);
        }
        // RUST_LOG is tracing's; the Dockerfile's own ENV (HH_PYTHON: the voice's Python) are the
        // image's build settings, read outside Config.
        let unknown: Vec<&String> = set
            .keys()
            .filter(|k| !asked.contains(k.as_str()) && k.as_str() != "RUST_LOG" && !image.contains_key(k.as_str()))
            .collect();
        assert!(unknown.is_empty(), "{name} sets {unknown:?}, which app/src/backend/config.rs does not read");
    }
}

#[test]
fn every_app_command_is_a_subcommand_of_the_binary() {
    let compose = compose();
    for (name, service) in app_services(&compose) {
        let Some(Words(command)) = &service.command else { panic!("{name} has no command: name its subcommand") };
        assert_eq!(
            command.first().map(String::as_str),
            Some("hidden-hill"),
            "{name} runs {command:?}; the image's binary is hidden-hill"
        );
        let out = Command::new(env!("CARGO_BIN_EXE_hidden-hill"))
            .args(&command[1..])
            .arg("--help")
            .output()
            .expect("the binary runs");
        assert!(
            out.status.success(),
            "{name}: `{} --help` fails: {}",
            command.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for (name, subcommand) in [("migrate", "migrate"), ("web", "serve"), ("worker", "worker")] {
        let command = service(&compose, name).command.as_ref().map(|Words(w)| w.join(" "));
        assert_eq!(command, Some(format!("hidden-hill {subcommand}")), "what the {name} service runs");
    }
}

#[test]
fn dependencies_are_services_and_the_web_service_runs_no_jobs() {
    let compose = compose();
    for (name, service) in &compose.services {
        for dependency in service.depends_on.iter().flat_map(|DependsOn(on)| on.keys()) {
            assert!(
                compose.services.contains_key(dependency),
                "{name} depends on {dependency}, which is not a service"
            );
        }
    }
    let condition = |name: &str, on: &str| {
        service(&compose, name).depends_on.as_ref().and_then(|DependsOn(d)| d.get(on).cloned().flatten())
    };
    assert_eq!(condition("migrate", "postgres").as_deref(), Some("service_healthy"));
    for name in ["web", "worker"] {
        assert_eq!(
            condition(name, "migrate").as_deref(),
            Some("service_completed_successfully"),
            "{name} starts once the migrations are applied"
        );
    }

    let web = settings("web", service(&compose, "web"));
    assert_eq!(web.get("HH_WORKERS").map(String::as_str), Some("0"), "the web service runs no jobs");
    let (config, _) = read_config(&container_env(&dockerfile_env(), &web));
    assert_eq!(config.expect("the web service's settings parse").workers, 0);
    let worker = settings("worker", service(&compose, "worker"));
    let (config, _) = read_config(&container_env(&dockerfile_env(), &worker));
    assert!(config.expect("the worker service's settings parse").workers >= 1);
}

#[test]
fn the_env_example_lists_exactly_what_compose_interpolates() {
    let used = interpolated_names(&read("compose.yaml"));
    let listed: BTreeSet<String> = read("deploy/.env.example")
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .map(|(name, _)| name.trim().to_owned())
        .collect();
    let missing: Vec<&String> = used.difference(&listed).collect();
    let unused: Vec<&String> = listed.difference(&used).collect();
    assert!(missing.is_empty(), "compose.yaml uses {missing:?}, which deploy/.env.example does not list");
    assert!(unused.is_empty(), "deploy/.env.example lists {unused:?}, which compose.yaml does not use");
}
