use crate::domain::Permission;
use crate::ui::components::error_view::ErrorView;
use crate::ui::components::shell::MeResource;
use crate::ui::pages::queue::{inbox_resource, queue_resource, QueuePage};
use leptos::prelude::*;
use leptos_meta::Title;

/// The signed-in home page. (It becomes the reviewer's queue later.)
#[component]
pub fn HomePage() -> impl IntoView {
    let me = use_context::<MeResource>().map(|m| m.0);
    let inbox = me.map(inbox_resource);
    let queue = me.zip(inbox).map(|(me, inbox)| queue_resource(me, inbox));
    view! {
        <Title text="Home" />
        <Suspense fallback=|| {
            view! { <p class="muted">"Loading…"</p> }
        }>
            {move || {
                me.map(|me| Suspend::new(async move {
                    match me.await {
                        Ok(Some(me)) if me.role.can(Permission::ViewCases) => {
                            {
                                queue
                                    .zip(inbox)
                                    .map(|(queue, inbox)| view! { <QueuePage queue inbox /> })
                            }
                                .into_any()
                        }
                        Ok(Some(me)) => {
                            let admin = me.role.can(Permission::ManageUsers);
                            view! {
                                <h1>"Welcome, " {me.name.clone()}</h1>
                                <p>
                                    "You are signed in as " <strong>{me.role.label()}</strong> " ("
                                    {me.email.clone()} ")."
                                </p>
                                {admin.then(|| view! { <AdminCard /> })}
                            }
                                .into_any()
                        }
                        Ok(None) => {
                            view! {
                                <p>
                                    <a href="/login">"Sign in"</a>
                                </p>
                            }
                                .into_any()
                        }
                        Err(error) => view! { <ErrorView error /> }.into_any(),
                    }
                }))
            }}
        </Suspense>
    }
}

#[component]
fn AdminCard() -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Administration"</h2>
            <p>
                <a href="/admin/users">"Manage users and roles"</a>
            </p>
        </section>
    }
}
