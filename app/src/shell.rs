//! The HTML document, the app's routes and the session every page can see.

use crate::{
    accounts::{current_user, Login, Logout, Register, User},
    components::{
        gate::{RequireAdmin, RequireUser},
        header::SiteHeader,
    },
    error::AppError,
    pages::{
        admin_jobs::AdminJobsPage,
        admin_people::AdminPeoplePage,
        confirm::ConfirmEmailPage,
        error::ErrorPage,
        home::HomePage,
        job::JobPage,
        login::LoginPage,
        not_found::NotFoundPage,
        profile::ProfilePage,
        register::RegisterPage,
        reset::{ForgotPasswordPage, ResetPasswordPage},
        videos::VideosPage,
    },
};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};

/// The whole document, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_page_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover"/>
                <meta name="color-scheme" content="light dark"/>
                <meta name="description" content="Hidden Hill turns a scientific paper into a short, faithful vertical video with voice-over and word-synced captions."/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <link rel="stylesheet" href=stylesheet_href(&options)/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The stylesheet's address: `/pkg/hidden-hill.<hash>.css` when the site was built with hashed
/// names (`scripts/build-site` writes the hashes into `hash.txt`, which leptos's
/// `HydrationScripts` reads for the JS and WASM the same way, on every page), else
/// `/pkg/hidden-hill.css` (`cargo leptos watch`).
fn stylesheet_href(options: &LeptosOptions) -> String {
    let hash = options.hash_files.then(|| std::fs::read_to_string(options.hash_file.as_ref()).ok()).flatten().and_then(
        |hashes| {
            hashes.lines().find_map(|line| {
                line.split_once(':').filter(|(kind, _)| kind.trim() == "css").map(|(_, h)| h.trim().to_owned())
            })
        },
    );
    match hash {
        Some(hash) => format!("/{}/{}.{hash}.css", options.site_pkg_dir, options.output_name),
        None => format!("/{}/{}.css", options.site_pkg_dir, options.output_name),
    }
}

/// Each page response carries a CSP with this response's nonce (leptos_axum puts the same
/// nonce on its inline hydration script).
#[cfg(feature = "ssr")]
fn set_page_security_policy() {
    if let (Some(nonce), Some(response)) = (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>()) {
        let media_origin =
            use_context::<crate::backend::state::AppState>().and_then(|state| state.config.media_origin());
        let policy = crate::backend::security::page_policy(&nonce, media_origin.as_deref());
        if let Ok(value) = http::HeaderValue::from_str(&policy) {
            response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
        }
    }
}

/// The document title for a page's `<Title text=…>`. leptos_meta (0.8) writes the title into
/// `<head>` exactly as given, so on the server it is HTML-escaped here: a page title holds a
/// person's text (an upload's name, a DOI). In the browser it becomes `document.title`, which is
/// plain text already.
pub fn page_title(page: String) -> String {
    for_head(if page.is_empty() { "Hidden Hill".to_owned() } else { format!("{page} · Hidden Hill") })
}

#[cfg(feature = "ssr")]
fn for_head(title: String) -> String {
    html_escape::encode_text(&title).into_owned()
}

#[cfg(not(feature = "ssr"))]
fn for_head(title: String) -> String {
    title
}

/// The session as every component sees it: who is logged in, and the actions that change it
/// (the user is fetched again whenever one of them completes).
#[derive(Clone, Copy)]
pub struct Session {
    pub login: ServerAction<Login>,
    pub logout: ServerAction<Logout>,
    pub register: ServerAction<Register>,
    pub user: Resource<Result<Option<User>, AppError>>,
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let login = ServerAction::<Login>::new();
    let logout = ServerAction::<Logout>::new();
    let register = ServerAction::<Register>::new();
    let user = Resource::new(
        move || (login.version().get(), logout.version().get(), register.version().get()),
        |_| current_user(),
    );
    provide_context(Session { login, logout, register, user });

    // Browser tests wait for this mark: a click before hydration would be lost.
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        <Title formatter=page_title/>
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <SiteHeader/>
            <main id="main" tabindex="-1">
                <ErrorBoundary fallback=|errors| view! { <ErrorPage errors/> }>
                    <Routes fallback=NotFoundPage>
                        <Route path=path!("/") view=HomePage/>
                        <Route path=path!("/login") view=LoginPage/>
                        <Route path=path!("/register") view=RegisterPage/>
                        <Route path=path!("/forgot-password") view=ForgotPasswordPage/>
                        <Route path=path!("/reset-password") view=ResetPasswordPage/>
                        <Route path=path!("/confirm-email") view=ConfirmEmailPage/>
                        // Who may see a page is decided here, before it renders anything (a
                        // stranger gets only the log-in prompt, a non-admin the 404 page); Async,
                        // so that status (401, 404 for someone else's job) is known before the
                        // first byte.
                        <Route
                            path=path!("/videos")
                            view=|| view! { <RequireUser what="your videos"><VideosPage/></RequireUser> }
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/profile")
                            view=|| view! { <RequireUser what="your profile"><ProfilePage/></RequireUser> }
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/admin/jobs")
                            view=|| view! { <RequireAdmin><AdminJobsPage/></RequireAdmin> }
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/admin/people")
                            view=|| view! { <RequireAdmin><AdminPeoplePage/></RequireAdmin> }
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/jobs/:id")
                            view=|| view! { <RequireUser what="this job"><JobPage/></RequireUser> }
                            ssr=SsrMode::Async
                        />
                    </Routes>
                </ErrorBoundary>
            </main>
            <footer class="site-footer">
                <p>"Hidden Hill · paper in, video out. Every line of the script rests on a sentence of the paper."</p>
            </footer>
        </Router>
    }
}
