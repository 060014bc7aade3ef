use crate::ui::components::shell::{AppShell, Shell};
use crate::ui::pages::audit::AuditPage;
use crate::ui::pages::audit_event::AuditEventPage;
use crate::ui::pages::case::CasePage;
use crate::ui::pages::customer::CustomerPage;
use crate::ui::pages::customer_new::NewCustomerPage;
use crate::ui::pages::customers::CustomersPage;
use crate::ui::pages::metrics::MetricsPage;
use crate::ui::pages::operations::OperationsPage;
use crate::ui::pages::second_factor::SecondFactorPage;
use crate::ui::pages::two_factor::TwoFactorPage;
use crate::ui::pages::{
    home::HomePage, login::LoginPage, not_found::NotFound, user::UserPage, users::UsersPage,
};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{path, SsrMode};

/// The HTML document around the app (rendered on the server only).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::server::security::provide_nonce();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" type="image/png" href="/favicon.png" />
                <HydrationScripts options islands=true />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Stylesheet id="leptos" href="/pkg/kyc-desk.css" />
        <Title formatter=|text: String| {
            if text.is_empty() { "KYC Desk".to_string() } else { format!("{text} · KYC Desk") }
        } />
        <Router>
            // Any other address: "not found", inside the app's shell.
            <Routes fallback=|| {
                view! {
                    <Shell>
                        <NotFound />
                    </Shell>
                }
            }>
                <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async />
                <ParentRoute path=path!("") view=AppShell ssr=SsrMode::Async>
                    <Route path=path!("") view=HomePage ssr=SsrMode::Async />
                    <Route path=path!("cases/:id") view=CasePage ssr=SsrMode::Async />
                    <Route path=path!("customers") view=CustomersPage ssr=SsrMode::Async />
                    <Route path=path!("customers/new") view=NewCustomerPage ssr=SsrMode::Async />
                    <Route path=path!("customers/:id") view=CustomerPage ssr=SsrMode::Async />
                    <Route path=path!("audit") view=AuditPage ssr=SsrMode::Async />
                    <Route path=path!("audit/:seq") view=AuditEventPage ssr=SsrMode::Async />
                    <Route path=path!("metrics") view=MetricsPage ssr=SsrMode::Async />
                    <Route path=path!("admin/users") view=UsersPage ssr=SsrMode::Async />
                    <Route path=path!("admin/users/:id") view=UserPage ssr=SsrMode::Async />
                    <Route path=path!("admin/operations") view=OperationsPage ssr=SsrMode::Async />
                    <Route
                        path=path!("login/second-factor")
                        view=SecondFactorPage
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("account/two-factor") view=TwoFactorPage ssr=SsrMode::Async />
                </ParentRoute>
            </Routes>
        </Router>
        // Last, so every island before it has hydrated when it runs.
        <HydrationMarker />
    }
}

/// Marks the page as hydrated once the browser has run the page's islands
/// (effects run only there), so end-to-end tests know when it is
/// interactive. An island of its own: every page has it, the sign-in page
/// included.
#[island]
pub fn HydrationMarker() -> impl IntoView {
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
}
