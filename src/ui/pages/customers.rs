use crate::api::customers::{list_customers, ImportIdent};
use crate::domain::query_value;
use crate::domain::verification::Provider;
use crate::domain::Permission;
use crate::ui::components::error_view::ErrorView;
use crate::ui::components::field::{action_error, FormAlert};
use crate::ui::components::shell::MeResource;
use crate::view::CustomerSummary;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

/// Customers: search and filters live in the URL (a GET form), keyset pages.
#[component]
pub fn CustomersPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |k: &str| query.read().get(k).filter(|s| !s.is_empty());
    let customers = Resource::new(
        move || {
            (
                param("q"),
                param("provider"),
                param("country"),
                param("after"),
            )
        },
        |(q, provider, country, after)| list_customers(q, provider, country, after),
    );
    let me = use_context::<MeResource>().map(|m| m.0);
    let can_add = move || {
        me.and_then(|m| m.get())
            .and_then(|r| r.ok().flatten())
            .is_some_and(|m| m.role.can(Permission::WorkCases))
    };
    let import = ServerAction::<ImportIdent>::new();
    let import_error = action_error(import);
    let imported = move || {
        let q = query.read();
        q.get("imported").map(|n| {
            format!(
                "Read {n} ident applications: {} new customers, {} skipped.",
                q.get("created").unwrap_or_default(),
                q.get("skipped").unwrap_or_default()
            )
        })
    };
    let next_href = move |cursor: String| {
        let q = query.read();
        let mut parts = vec![format!("after={cursor}")];
        for k in ["q", "provider", "country"] {
            if let Some(v) = q.get(k).filter(|s| !s.is_empty()) {
                parts.push(format!("{k}={}", query_value(&v)));
            }
        }
        format!("/customers?{}", parts.join("&"))
    };
    view! {
        <Title text="Customers" />
        <div class="page-head">
            <h1>"Customers"</h1>
            <Suspense fallback=|| ()>
                {move || {
                    can_add()
                        .then(|| {
                            view! {
                                <div class="actions">
                                    <ActionForm action=import attr:class="inline">
                                        <button
                                            type="submit"
                                            disabled=move || import.pending().get()
                                        >
                                            "Import from Provide ident"
                                        </button>
                                    </ActionForm>
                                    <a class="button button-primary" href="/customers/new">
                                        "Add customer"
                                    </a>
                                </div>
                            }
                        })
                }}
            </Suspense>
        </div>
        <FormAlert error=import_error />
        {move || {
            imported()
                .map(|m| {
                    view! {
                        <p class="alert alert-ok" role="status">
                            {m}
                        </p>
                    }
                })
        }}
        <Form method="GET" action="/customers" attr:class="filters" attr:role="search">
            <div class="field">
                <label for="q">"Search"</label>
                <input
                    id="q"
                    name="q"
                    type="search"
                    placeholder="Name, e-mail, external id or provider ref"
                    value=move || param("q").unwrap_or_default()
                />
            </div>
            <div class="field">
                <label for="provider">"Provider"</label>
                <select id="provider" name="provider" data-apply-on-change="">
                    <option value="">"Any"</option>
                    {Provider::ALL
                        .iter()
                        .map(|p| {
                            let v = p.as_str();
                            view! {
                                <option
                                    value=v
                                    selected=move || param("provider").as_deref() == Some(v)
                                >
                                    {p.label()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="country">"Country"</label>
                <input
                    id="country"
                    name="country"
                    maxlength="2"
                    size="3"
                    value=move || param("country").unwrap_or_default()
                />
            </div>
            <button type="submit">"Search"</button>
        </Form>
        <Transition fallback=|| {
            view! { <p class="muted">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match customers.await {
                    Ok(page) if page.items.is_empty() => {
                        view! { <p class="muted">"No customers match."</p> }.into_any()
                    }
                    Ok(page) => {
                        view! {
                            <table class="table">
                                <caption class="visually-hidden">"Customers"</caption>
                                <thead>
                                    <tr>
                                        <th scope="col">"Name"</th>
                                        <th scope="col">"External id"</th>
                                        <th scope="col">"Country"</th>
                                        <th scope="col">"Registered"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {page
                                        .items
                                        .into_iter()
                                        .map(|c| view! { <CustomerRow c /> })
                                        .collect_view()}
                                </tbody>
                            </table>
                            {page
                                .next_cursor
                                .map(|c| {
                                    view! {
                                        <p>
                                            <a href=next_href(c)>"Next page →"</a>
                                        </p>
                                    }
                                })}
                        }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorView error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn CustomerRow(c: CustomerSummary) -> impl IntoView {
    let registered = c.created_at.replace('T', " ").replace('Z', " UTC");
    view! {
        <tr>
            <td>
                <a href=format!("/customers/{}", c.id)>{c.display_name}</a>
            </td>
            <td>
                <code>{c.external_id}</code>
            </td>
            <td>{c.country}</td>
            <td>{registered}</td>
        </tr>
    }
}
