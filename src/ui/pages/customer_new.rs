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
                aria-invalid=invalid(error, name)
                aria-describedby=described
            />
            {hint.map(|h| view! { <p class="hint">{h}</p> })}
            <FieldError error name />
        </div>
    }
}

/// One fieldset per provider; inputs are posted as `refs[{name}]`.
#[component]
fn RefFieldsets(sets: Vec<RefFieldset>, error: Signal<Option<AppError>>) -> impl IntoView {
    sets.into_iter()
        .map(|set| {
            let fields = set
                .fields
                .into_iter()
                .map(|f| {
                    let described = format!("{}-error", f.name);
                    let posted = format!("refs[{}]", f.name);
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
    view! {
        <Title text="Add customer" />
        <p>
            <a href="/customers">"← Customers"</a>
        </p>
        <h1>"Add customer"</h1>
        <ActionForm action=add>
            <FormAlert error />
            <section class="card" aria-labelledby="who">
                <h2 id="who">"Customer"</h2>
                <TextField
                    id="external_id"
                    name="external_id"
                    label="External id"
                    error
                    required=true
                    maxlength=128
                    hint="The customer's id in the onboarding app."
                />
                <TextField
                    id="display_name"
                    name="display_name"
                    label="Name"
                    error
                    required=true
                    maxlength=100
                />
                <TextField
                    id="email"
                    name="email"
                    label="E-mail (optional)"
                    error
                    kind="email"
                    maxlength=254
                />
                <TextField
                    id="country"
                    name="country"
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
                <Suspense fallback=|| {
                    view! { <p class="muted">"Loading…"</p> }
                }>
                    {move || Suspend::new(async move {
                        match fieldsets.await {
                            Ok(sets) => view! { <RefFieldsets sets error /> }.into_any(),
                            Err(error) => view! { <ErrorView error /> }.into_any(),
                        }
                    })}
                </Suspense>
            </section>
            <button type="submit" class="button-primary" disabled=move || add.pending().get()>
                "Add customer"
            </button>
        </ActionForm>
    }
}
