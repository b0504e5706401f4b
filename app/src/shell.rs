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
    lazy_route, path, Lazy, LazyRoute, SsrMode,
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

    view! {
        <Title formatter=page_title/>
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <SiteHeader/>
            <main id="main" tabindex="-1">
                <ErrorBoundary fallback=|errors| view! { <ErrorPage errors/> }>
                    <Routes fallback=NotFoundPage>
                        <Route path=path!("/") view=HomePage/>
                        <Route path=path!("/login") view={Lazy::<LoginRoute>::new()}/>
                        <Route path=path!("/register") view={Lazy::<RegisterRoute>::new()}/>
                        <Route path=path!("/forgot-password") view={Lazy::<ForgotPasswordRoute>::new()}/>
                        <Route path=path!("/reset-password") view={Lazy::<ResetPasswordRoute>::new()}/>
                        <Route path=path!("/confirm-email") view={Lazy::<ConfirmEmailRoute>::new()}/>
                        // Async, so that a protected page's status (401, 404 for someone else's
                        // job) is known before the first byte.
                        <Route path=path!("/videos") view={Lazy::<VideosRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/profile") view={Lazy::<ProfileRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/admin/jobs") view={Lazy::<AdminJobsRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/admin/people") view={Lazy::<AdminPeopleRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/jobs/:id") view={Lazy::<JobRoute>::new()} ssr=SsrMode::Async/>
                    </Routes>
                </ErrorBoundary>
            </main>
            <footer class="site-footer">
                <p>"Hidden Hill · paper in, video out. Every line of the script rests on a sentence of the paper."</p>
            </footer>
        </Router>
    }
}

/// The pages loaded on demand. The browser's first download holds the shell, the header, the
/// home page and the error pages; each page below is split into WASM files of its own
/// (`scripts/build-site` runs wasm-split), fetched when it is first shown and preloaded by the
/// server on the page that needs it. The server renders them like any page. Who may see a page
/// is decided here, before it renders anything: a stranger gets only the log-in prompt, a
/// non-admin the 404 page.
macro_rules! lazy_page {
    ($(#[$doc:meta])* $route:ident => $view:expr) => {
        $(#[$doc])*
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                $view.into_any()
            }
        }
    };
}

lazy_page!(/// `/login`.
    LoginRoute => view! { <LoginPage/> });
lazy_page!(/// `/register`.
    RegisterRoute => view! { <RegisterPage/> });
lazy_page!(/// `/forgot-password`.
    ForgotPasswordRoute => view! { <ForgotPasswordPage/> });
lazy_page!(/// `/reset-password`.
    ResetPasswordRoute => view! { <ResetPasswordPage/> });
lazy_page!(/// `/confirm-email`.
    ConfirmEmailRoute => view! { <ConfirmEmailPage/> });
lazy_page!(/// `/videos`, for anyone logged in.
    VideosRoute => view! { <RequireUser what="your videos"><VideosPage/></RequireUser> });
lazy_page!(/// `/profile`, for anyone logged in.
    ProfileRoute => view! { <RequireUser what="your profile"><ProfilePage/></RequireUser> });
lazy_page!(/// `/admin/jobs`, for admins.
    AdminJobsRoute => view! { <RequireAdmin><AdminJobsPage/></RequireAdmin> });
lazy_page!(/// `/admin/people`, for admins.
    AdminPeopleRoute => view! { <RequireAdmin><AdminPeoplePage/></RequireAdmin> });
lazy_page!(/// `/jobs/:id`, for its owner and admins (the page itself answers 404 to anyone else).
    JobRoute => view! { <RequireUser what="this job"><JobPage/></RequireUser> });
