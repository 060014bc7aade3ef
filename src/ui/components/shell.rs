use crate::api::auth::{current_user, Logout};
use crate::domain::Permission;
use crate::error::AppError;
use crate::ui::components::error_view::ErrorView;
use crate::ui::components::form_helpers::FormHelpers;
use crate::ui::components::shortcuts::Shortcuts;
use crate::view::Me;
use leptos::prelude::*;
use leptos_router::components::{Outlet, A};

/// The signed-in user, loaded once by the shell for every page under it.
#[derive(Clone, Copy)]
pub struct MeResource(pub Resource<Result<Option<Me>, AppError>>);

/// Pages for signed-in people: header with navigation, user and sign-out.
#[component]
pub fn AppShell() -> impl IntoView {
    view! {
        <Shell>
            <Outlet />
        </Shell>
    }
}

/// The shell around a page: what [`AppShell`] puts around each route, and around "not found".
#[component]
pub fn Shell(children: Children) -> impl IntoView {
    let me = Resource::new_blocking(|| (), |_| current_user());
    provide_context(MeResource(me));
    view! {
        <a class="skip-link" href="#main">
            "Skip to content"
        </a>
        <header class="topbar">
            <a class="brand" href="/">
                "KYC Desk"
            </a>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match me.await {
                        Ok(Some(me)) => view! { <SignedIn me /> }.into_any(),
                        Ok(None) => {
                            view! {
                                <p class="topbar-user">
                                    "You are signed out. " <a href="/login">"Sign in"</a>
                                </p>
                            }
                                .into_any()
                        }
                        Err(error) => view! { <ErrorView error /> }.into_any(),
                    }
                })}
            </Suspense>
        </header>
        <main id="main" class="content">
            {children()}
        </main>
        <Shortcuts />
        <FormHelpers />
    }
}

/// What each role may open; the server checks again on every request.
const NAV: &[(&str, &str, Permission)] = &[
    ("/", "Queue", Permission::ViewCases),
    ("/customers", "Customers", Permission::ViewCases),
    ("/metrics", "Metrics", Permission::ViewMetrics),
    ("/audit", "Audit log", Permission::ViewAudit),
    ("/admin/users", "Users", Permission::ManageUsers),
    (
        "/admin/operations",
        "Operations",
        Permission::ViewOperations,
    ),
];

#[component]
fn SignedIn(me: Me) -> impl IntoView {
    let logout = ServerAction::<Logout>::new();
    // A person who still owes a second-factor step sees only that step.
    let links = NAV
        .iter()
        .filter(|(_, _, p)| me.second_factor_due.is_none() && me.role.can(*p))
        .map(|(href, label, _)| {
            view! {
                <li>
                    <A href=*href exact=true>
                        {*label}
                    </A>
                </li>
            }
        })
        .collect_view();
    // Below 700 px the navigation and the account fold into a menu, opened without JavaScript
    // (a checkbox and its label); wider, they are always shown.
    view! {
        <input type="checkbox" id="menu-toggle" class="menu-toggle" aria-controls="menu" />
        <label for="menu-toggle" class="menu-button">
            "Menu"
        </label>
        <div id="menu" class="menu">
            <nav aria-label="Main">
                <ul class="nav">{links}</ul>
            </nav>
            <div class="topbar-user">
                <span class="user-name">{me.name.clone()}</span>
                <a href="/account/two-factor">"Account"</a>
                <span class="role-badge">{me.role.label()}</span>
                <ActionForm action=logout>
                    <button type="submit" class="button-link">
                        "Sign out"
                    </button>
                </ActionForm>
            </div>
        </div>
    }
}
