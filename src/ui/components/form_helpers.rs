//! Two helps for forms that work as plain HTML forms without them: a filter marked
//! `data-apply-on-change` applies as soon as it changes (the Apply button stays, for browsers
//! without JavaScript), and choosing approve or decline leaves only that decision's reasons
//! (the reason list's `optgroup`s carry `data-kind`; the server refuses a reason that does not
//! fit either way).

use leptos::prelude::*;

/// An island with no markup of its own: one `change` listener for the whole page.
#[island]
pub fn FormHelpers() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    {
        let handle = window_event_listener(leptos::ev::change, |e| on_change(&e));
        on_cleanup(move || handle.remove());
    }
}

#[cfg(feature = "hydrate")]
fn on_change(e: &web_sys::Event) {
    use wasm_bindgen::JsCast;
    let Some(el) = e
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
    else {
        return;
    };
    let input = el.dyn_ref::<web_sys::HtmlInputElement>();
    if el.has_attribute("data-apply-on-change") {
        let form = el
            .dyn_ref::<web_sys::HtmlSelectElement>()
            .and_then(|s| s.form())
            .or_else(|| input.and_then(|i| i.form()));
        if let Some(form) = form {
            let _ = form.request_submit();
        }
        return;
    }
    let Some(choice) = input.filter(|i| i.name() == "decision") else {
        return;
    };
    let Some(form) = choice.form() else {
        return;
    };
    let kind = choice.value();
    if let Ok(groups) = form.query_selector_all("optgroup[data-kind]") {
        for i in 0..groups.length() {
            let Some(group) = groups
                .item(i)
                .and_then(|g| g.dyn_into::<web_sys::Element>().ok())
            else {
                continue;
            };
            if group.get_attribute("data-kind").as_deref() == Some(kind.as_str()) {
                let _ = group.remove_attribute("disabled");
                let _ = group.remove_attribute("hidden");
            } else {
                let _ = group.set_attribute("disabled", "");
                let _ = group.set_attribute("hidden", "");
            }
        }
    }
    // A reason of the other decision no longer fits: choose again.
    if let Some(select) = form
        .query_selector("select[name=reason]")
        .ok()
        .flatten()
        .and_then(|s| s.dyn_into::<web_sys::HtmlSelectElement>().ok())
    {
        let chosen_other = select
            .item(select.selected_index().max(0) as u32)
            .and_then(|o| o.parent_element())
            .is_some_and(|g| g.has_attribute("disabled"));
        if chosen_other {
            select.set_value("");
        }
    }
}
