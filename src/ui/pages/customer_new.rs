use crate::api::auth::typed_draft;
use crate::api::customers::{customer_form, AddCustomer};
use crate::error::AppError;
use crate::ui::components::error_view::ErrorView;
use crate::ui::components::field::{action_error, invalid, FieldError, FormAlert};
use crate::view::RefFieldset;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
fn TextField(
    id: &'static str,
    name: &'static str,
    label: &'static str,
    error: Signal<Option<AppError>>,
    #[prop(optional)] required: bool,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = 200)] maxlength: u32,
    /// What was typed before the server refused the form.
    #[prop(optional)]
    value: Option<String>,
) -> impl IntoView {
    let described = format!("{name}-error");
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input
                id=id
                name=name
                type=kind
                required=required
                maxlength=maxlength
                autocomplete="off"
                value=value
                aria-invalid=invalid(error, name)
                aria-describedby=described
            />
            {hint.map(|h| view! { <p class="hint">{h}</p> })}
            <FieldError error name />
        </div>
    }
}

/// What was typed into a refused form, by input name.
type Typed = std::collections::BTreeMap<String, String>;

/// One fieldset per provider; inputs are posted as `refs[{name}]`.
#[component]
fn RefFieldsets(
    sets: Vec<RefFieldset>,
    error: Signal<Option<AppError>>,
    typed: Typed,
) -> impl IntoView {
    sets.into_iter()
        .map(|set| {
            let fields = set
                .fields
                .into_iter()
                .map(|f| {
                    let described = format!("{}-error", f.name);
                    let posted = format!("refs[{}]", f.name);
                    let value = typed.get(&posted).cloned();
                    let name = f.name.clone();
                    let invalid = move || {
                        error
                            .get()
                            .and_then(|e| e.field_message(&name))
                            .map(|_| "true")
                    };
                    view! {
                        <div class="field">
                            <label for=f.name.clone()>{f.label}</label>
                            <input
                                id=f.name.clone()
                                name=posted
                                type="text"
                                value=value
                                maxlength=f.maxlength
                                autocomplete="off"
                                aria-invalid=invalid
                                aria-describedby=described
                            />
                            <FieldError error name=f.name />
                        </div>
                    }
                })
                .collect_view();
            view! {
                <fieldset>
                    <legend>{set.legend}</legend>
                    {fields}
                </fieldset>
            }
        })
        .collect_view()
}

/// Reviewers and officers register a customer with their provider references.
#[component]
pub fn NewCustomerPage() -> impl IntoView {
    let add = ServerAction::<AddCustomer>::new();
    let error = action_error(add);
    // Each provider says which parts of a reference to it to ask for.
    let fieldsets = Resource::new_blocking(|| (), |_| customer_form());
    // What was typed, when the server refused the form.
    let draft = Resource::new_blocking(|| (), |_| typed_draft("/customers/new".to_string()));
    view! {
        <Title text="Add customer" />
        <p>
            <a href="/customers">"← Customers"</a>
        </p>
        <h1>"Add customer"</h1>
        <Suspense fallback=|| {
            view! { <p class="muted">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                let typed: Typed = draft.await.ok().flatten().map(|d| d.fields).unwrap_or_default();
                let sets = fieldsets.await;
                view! {
                    <ActionForm action=add>
                        <FormAlert error />
                        <section class="card" aria-labelledby="who">
                            <h2 id="who">"Customer"</h2>
                            <TextField
                                id="external_id"
                                name="external_id"
                                value=typed.get("external_id").cloned().unwrap_or_default()
                                label="External id"
                                error
                                required=true
                                maxlength=128
                                hint="The customer's id in the onboarding app."
                            />
                            <TextField
                                id="display_name"
                                name="display_name"
                                value=typed.get("display_name").cloned().unwrap_or_default()
                                label="Name"
                                error
                                required=true
                                maxlength=100
                            />
                            <TextField
                                id="email"
                                name="email"
                                value=typed.get("email").cloned().unwrap_or_default()
                                label="E-mail (optional)"
                                error
                                kind="email"
                                maxlength=254
                            />
                            <TextField
                                id="country"
                                name="country"
                                value=typed.get("country").cloned().unwrap_or_default()
                                label="Country (optional)"
                                error
                                maxlength=2
                                hint="Two letters, e.g. KZ or ZA."
                            />
                        </section>
                        <section class="card" aria-labelledby="refs">
                            <h2 id="refs">"Provider references"</h2>
                            <p class="hint">
                                "Fill in the providers this customer went through; leave the others empty."
                            </p>
                            {match sets {
                                Ok(sets) => {
                                    view! { <RefFieldsets sets error typed=typed.clone() /> }
                                        .into_any()
                                }
                                Err(error) => view! { <ErrorView error /> }.into_any(),
                            }}
                        </section>
                        <button
                            type="submit"
                            class="button-primary"
                            disabled=move || add.pending().get()
                        >
                            "Add customer"
                        </button>
                    </ActionForm>
                }
            })}
        </Suspense>
    }
}
