use crate::api::cases::{inbox_counts, list_queue};
use crate::domain::query_value;
use crate::domain::verification::{CheckCategory, Provider, ReviewStatus, UpstreamStatus};
use crate::domain::Permission;
use crate::error::AppError;
use crate::ui::components::badges::{human, ReviewBadge, UpstreamBadge};
use crate::ui::components::error_view::ErrorView;
use crate::view::{InboxView, Me, Page, QueueItem};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

const PARAMS: [&str; 8] = [
    "view", "provider", "upstream", "review", "category", "age", "sort", "assignee",
];

/// The queue's cases for the URL's filters; `None` for someone whose role
/// does not show cases (`me` is awaited first, so their page asks for
/// nothing). Made once, at the top of the page that shows the queue: a
/// resource made inside a `Suspense` is made again each time the server
/// walks the view (the queue was read three times a page).
pub type QueueResource = Resource<Result<Option<Page<QueueItem>>, AppError>>;

/// With no view asked for, the person's landing view (from `inbox`) is shown.
pub fn queue_resource(
    me: Resource<Result<Option<Me>, AppError>>,
    inbox: InboxResource,
) -> QueueResource {
    let query = use_query_map();
    let param = move |k: &str| query.read().get(k).filter(|s| !s.is_empty());
    Resource::new(
        move || (PARAMS.map(param), param("after")),
        move |(params, after)| async move {
            let [view, provider, upstream, review, category, age, sort, assignee] = params;
            let view = match view {
                Some(v) => Some(v),
                None => inbox.await?.map(|i| i.landing),
            };
            match me.await? {
                Some(me) if me.role.can(Permission::ViewCases) => list_queue(
                    view, provider, upstream, review, category, age, sort, assignee, after,
                )
                .await
                .map(Some),
                _ => Ok(None),
            }
        },
    )
}

/// The caller's inbox counts (made beside the queue's resource, for the same reason).
pub type InboxResource = Resource<Result<Option<InboxView>, AppError>>;

pub fn inbox_resource(me: Resource<Result<Option<Me>, AppError>>) -> InboxResource {
    let query = use_query_map();
    let param = move |k: &str| query.read().get(k).filter(|s| !s.is_empty());
    Resource::new(
        move || PARAMS.map(param),
        move |_| async move {
            match me.await? {
                Some(me) if me.role.can(Permission::ViewCases) => inbox_counts().await.map(Some),
                _ => Ok(None),
            }
        },
    )
}

/// "Mine (3)", "Unassigned (99+)".
fn counted(label: &str, n: Option<i64>, cap: i64) -> String {
    match n {
        Some(n) if n >= cap => format!("{label} ({}+)", cap - 1),
        Some(n) => format!("{label} ({n})"),
        None => label.to_string(),
    }
}

/// The inboxes this person has, each with its count: officers also see the escalated cases
/// and the proposals waiting for their confirmation.
fn inboxes(counts: Option<&InboxView>) -> Vec<(&'static str, String)> {
    let cap = counts.map_or(0, |c| c.cap);
    let mut views = vec![
        ("mine", counted("Mine", counts.map(|c| c.mine), cap)),
        (
            "unassigned",
            counted("Unassigned", counts.map(|c| c.unassigned), cap),
        ),
    ];
    if let Some(c) = counts.filter(|c| c.escalated.is_some()) {
        views.push(("escalated", counted("Escalated", c.escalated, cap)));
        views.push((
            "awaiting",
            counted("Awaiting my confirmation", c.awaiting_me, cap),
        ));
    }
    views.push(("all", "All".to_string()));
    views
}

/// The verification queue: the person's inboxes (mine, unassigned, and for officers escalated
/// and awaiting their confirmation) or all, filtered in the URL.
#[component]
pub fn QueuePage(queue: QueueResource, inbox: InboxResource) -> impl IntoView {
    let query = use_query_map();
    let param = move |k: &str| query.read().get(k).filter(|s| !s.is_empty());
    // The view shown: the one asked for, else the person's landing view.
    let view_is = move |v: &str, counts: Option<&InboxView>| {
        let landing = counts.map_or("mine", |c| c.landing.as_str());
        param("view").as_deref().unwrap_or(landing) == v
    };
    let filter_query = move || {
        let q = query.read();
        PARAMS
            .iter()
            .filter_map(|k| {
                q.get(k)
                    .filter(|v| !v.is_empty())
                    .map(|v| format!("{k}={}", query_value(&v)))
            })
            .collect::<Vec<_>>()
            .join("&")
    };
    let select = move |name: &'static str,
                       label: &'static str,
                       any: &'static str,
                       options: Vec<(&'static str, String)>| {
        view! {
            <div class="field">
                <label for=name>{label}</label>
                <select id=name name=name data-apply-on-change="">
                    <option value="">{any}</option>
                    {options
                        .into_iter()
                        .map(|(v, l)| {
                            view! {
                                <option value=v selected=move || param(name).as_deref() == Some(v)>
                                    {l}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
        }
    };
    view! {
        <Title text="Queue" />
        <h1>"Verification queue"</h1>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let counts = inbox.await.ok().flatten();
                let waiting = counts
                    .as_ref()
                    .and_then(|c| c.awaiting_me)
                    .filter(|n| *n > 0 && !view_is("awaiting", counts.as_ref()));
                waiting
                    .map(|n| {
                        view! {
                            <p class="alert" role="status">
                                <a href="/?view=awaiting">
                                    {format!(
                                        "{n} proposal{} wait{} for your confirmation",
                                        if n == 1 { "" } else { "s" },
                                        if n == 1 { "s" } else { "" },
                                    )}
                                </a>
                            </p>
                        }
                    })
            })}
        </Transition>
        <Form method="GET" action="/" attr:class="filters" attr:role="search">
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let counts = inbox.await.ok().flatten();
                    view! {
                        <fieldset class="segmented inboxes">
                            <legend>"Show"</legend>
                            {inboxes(counts.as_ref())
                                .into_iter()
                                .map(|(v, l)| {
                                    let checked = view_is(v, counts.as_ref());
                                    view! {
                                        <label>
                                            <input
                                                type="radio"
                                                name="view"
                                                value=v
                                                checked=checked
                                                data-apply-on-change=""
                                            />
                                            {l}
                                        </label>
                                    }
                                })
                                .collect_view()}
                        </fieldset>
                    }
                })}
            </Transition>
            {select(
                "provider",
                "Provider",
                "Any",
                Provider::ALL.iter().map(|p| (p.as_str(), p.label().to_string())).collect(),
            )}
            {select(
                "upstream",
                "Upstream status",
                "Any",
                UpstreamStatus::ALL.iter().map(|s| (s.as_str(), human(s.as_str()))).collect(),
            )}
            {select(
                "review",
                "Review status",
                "Open",
                ReviewStatus::ALL.iter().map(|s| (s.as_str(), human(s.as_str()))).collect(),
            )}
            {select(
                "category",
                "Failed check",
                "Any",
                CheckCategory::ALL.iter().map(|c| (c.as_str(), c.label().to_string())).collect(),
            )}
            <div class="field">
                <label for="age">"Older than (hours)"</label>
                <input
                    id="age"
                    name="age"
                    inputmode="numeric"
                    size="4"
                    value=move || param("age").unwrap_or_default()
                />
            </div>
            {select(
                "sort",
                "Sort",
                "Oldest first",
                vec![("updated", "Recently updated".to_string())],
            )}
            <div class="field">
                <label for="search-cases">"Find a customer"</label>
                <input
                    id="search-cases"
                    type="search"
                    form="customer-search"
                    name="q"
                    data-shortcut="/"
                    placeholder="Name, e-mail, id"
                />
            </div>
            <button type="submit">"Apply"</button>
        </Form>
        <form id="customer-search" method="get" action="/customers" class="visually-hidden"></form>
        <Transition fallback=|| {
            view! { <p class="muted">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match queue.await {
                    Ok(None) => {
                        view! { <p class="muted">"Your role does not show cases."</p> }.into_any()
                    }
                    Ok(Some(page)) if page.items.is_empty() => {
                        view! {
                            <p class="muted">
                                "Nothing here. Try "
                                <a href="/?view=unassigned">"unassigned cases"</a>"."
                            </p>
                        }
                            .into_any()
                    }
                    Ok(Some(page)) => {
                        let next = page
                            .next_cursor
                            .map(|c| {
                                let fq = filter_query();
                                if fq.is_empty() {
                                    format!("/?after={c}")
                                } else {
                                    format!("/?{fq}&after={c}")
                                }
                            });
                        view! {
                            <table class="table queue">
                                <caption class="visually-hidden">"Cases"</caption>
                                <thead>
                                    <tr>
                                        <th scope="col">"Customer"</th>
                                        <th scope="col">"Provider"</th>
                                        <th scope="col">"Upstream"</th>
                                        <th scope="col">"Review"</th>
                                        <th scope="col">"Failed checks"</th>
                                        <th scope="col">"Assignee"</th>
                                        <th scope="col">"Age"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {page
                                        .items
                                        .into_iter()
                                        .map(|c| view! { <QueueRow c /> })
                                        .collect_view()}
                                </tbody>
                            </table>
                            {next
                                .map(|href| {
                                    view! {
                                        <p>
                                            <a href=href>"More →"</a>
                                        </p>
                                    }
                                })}
                        }
                            .into_any()
                    }
                    Err(e) if e.is_validation() => {
                        view! {
                            <p class="alert alert-error" role="alert">
                                {e.message()}
                            </p>
                        }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorView error /> }.into_any(),
                }
            })}
        </Transition>
        <p class="muted small">"Keys: j / k move, Enter opens, / search, ? help."</p>
    }
}

/// One case of the queue (`j`/`k` move between rows, `Enter` opens).
#[component]
fn QueueRow(c: QueueItem) -> impl IntoView {
    let failed = c
        .failed
        .iter()
        .map(|f| view! { <span class="tag tag-bad">{f.label()}</span> })
        .collect_view();
    view! {
        <tr data-shortcut-row="">
            <td>
                <a href=format!("/cases/{}", c.id)>{c.customer}</a>
            </td>
            <td>{c.provider.label()}</td>
            <td>
                <UpstreamBadge status=c.upstream_status raw=c.upstream_status_raw />
            </td>
            <td>
                <ReviewBadge status=c.review_status />
            </td>
            <td>{failed}</td>
            <td>{c.assignee.unwrap_or_else(|| "—".into())}</td>
            <td title=c.created_at>{c.age}</td>
        </tr>
    }
}
