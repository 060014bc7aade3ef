use crate::api::customers::AddCustomer;
use crate::error::AppError;
use crate::ui::components::field::{action_error, invalid, FieldError, FormAlert};
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
            <input id=id name=name type=kind required=required maxlength=maxlength autocomplete="off"
                aria-invalid=invalid(error, name) aria-describedby=described />
            {hint.map(|h| view! { <p class="hint">{h}</p> })}
            <FieldError error name />
        </div>
    }
}

/// Reviewers and officers register a customer with their provider references.
#[component]
pub fn NewCustomerPage() -> impl IntoView {
    let add = ServerAction::<AddCustomer>::new();
    let error = action_error(add);
    view! {
        <Title text="Add customer" />
        <p><a href="/customers">"← Customers"</a></p>
        <h1>"Add customer"</h1>
        <ActionForm action=add>
            <FormAlert error />
            <section class="card" aria-labelledby="who">
                <h2 id="who">"Customer"</h2>
                <TextField id="external_id" name="external_id" label="External id" error required=true maxlength=128
                    hint="The customer's id in the onboarding app." />
                <TextField id="display_name" name="display_name" label="Name" error required=true maxlength=100 />
                <TextField id="email" name="email" label="E-mail (optional)" error kind="email" maxlength=254 />
                <TextField id="country" name="country" label="Country (optional)" error maxlength=2
                    hint="Two letters, e.g. KZ or ZA." />
            </section>
            <section class="card" aria-labelledby="refs">
                <h2 id="refs">"Provider references"</h2>
                <p class="hint">"Fill in the providers this customer went through; leave the others empty."</p>
                <fieldset>
                    <legend>"Eclipse"</legend>
                    <TextField id="eclipse_tenant_id" name="eclipse_tenant_id" label="Tenant id" error maxlength=20 />
                    <TextField id="eclipse_customer_id" name="eclipse_customer_id" label="Customer id" error maxlength=20 />
                </fieldset>
                <fieldset>
                    <legend>"biometric.kz"</legend>
                    <TextField id="biometric_kz_session_id" name="biometric_kz_session_id" label="Session id" error maxlength=36 />
                </fieldset>
                <fieldset>
                    <legend>"Provide ident"</legend>
                    <TextField id="ident_application_id" name="ident_application_id" label="Application id" error maxlength=36 />
                </fieldset>
                <fieldset>
                    <legend>"WIDTH"</legend>
                    <TextField id="width_execution_id" name="width_execution_id" label="Execution id" error maxlength=128 />
                    <TextField id="width_customer_id" name="width_customer_id" label="WIDTH customer id (optional)" error maxlength=128 />
                    <TextField id="width_reference_id" name="width_reference_id" label="Reference id (optional)" error maxlength=128 />
                </fieldset>
            </section>
            <button type="submit" class="button-primary" disabled=move || add.pending().get()>"Add customer"</button>
        </ActionForm>
    }
}
