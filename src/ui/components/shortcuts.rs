//! Keyboard shortcuts, for people who work all day in the queue:
//! `j`/`k` move through the queue's rows (Enter opens), `/` jumps to search,
//! `?` shows help, and any element marked `data-shortcut="<key>"` is
//! clicked (buttons, radios) or focused (fields) by its key. They never fire
//! while typing in a field, or with Ctrl/Alt/Meta held.

use leptos::prelude::*;

/// An island: this, [`super::form_helpers::FormHelpers`] and
/// [`crate::app::HydrationMarker`] are the only code that ships to the browser.
#[island]
pub fn Shortcuts() -> impl IntoView {
    let help = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    {
        let handle = window_event_listener(leptos::ev::keydown, move |e| on_key(&e, help));
        on_cleanup(move || handle.remove());
    }
    view! {
        <Show when=move || help.get()>
            <div
                class="shortcut-help"
                role="dialog"
                aria-modal="false"
                aria-labelledby="shortcut-title"
            >
                <h2 id="shortcut-title">"Keyboard shortcuts"</h2>
                <dl class="summary">
                    <dt>
                        <kbd>"j"</kbd>
                        " / "
                        <kbd>"k"</kbd>
                    </dt>
                    <dd>"next / previous case in the queue (Enter opens it)"</dd>
                    <dt>
                        <kbd>"c"</kbd>
                    </dt>
                    <dd>"claim the case"</dd>
                    <dt>
                        <kbd>"a"</kbd>
                        " / "
                        <kbd>"d"</kbd>
                    </dt>
                    <dd>"approve / decline (then pick a reason and write the note)"</dd>
                    <dt>
                        <kbd>"n"</kbd>
                    </dt>
                    <dd>"write a note"</dd>
                    <dt>
                        <kbd>"/"</kbd>
                    </dt>
                    <dd>"search"</dd>
                    <dt>
                        <kbd>"?"</kbd>
                    </dt>
                    <dd>"this help (Esc closes)"</dd>
                </dl>
                <button type="button" on:click=move |_| help.set(false)>
                    "Close"
                </button>
            </div>
        </Show>
    }
}

#[cfg(feature = "hydrate")]
fn on_key(e: &web_sys::KeyboardEvent, help: RwSignal<bool>) {
    use wasm_bindgen::JsCast;
    if e.ctrl_key() || e.alt_key() || e.meta_key() {
        return;
    }
    let typing = e
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
        .is_some_and(|el| {
            let tag = el.tag_name().to_ascii_uppercase();
            matches!(tag.as_str(), "INPUT" | "TEXTAREA" | "SELECT") || el.is_content_editable()
        });
    let key = e.key();
    if key == "Escape" {
        help.set(false);
        return;
    }
    if typing {
        return;
    }
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    match key.as_str() {
        "?" => help.update(|h| *h = !*h),
        "j" | "k" => {
            let Ok(rows) = doc.query_selector_all("[data-shortcut-row]") else {
                return;
            };
            let n = rows.length();
            if n == 0 {
                return;
            }
            let current = (0..n).find(|i| {
                rows.item(*i)
                    .and_then(|r| r.dyn_into::<web_sys::Element>().ok())
                    .is_some_and(|r| r.class_list().contains("selected"))
            });
            let next = match (current, key.as_str()) {
                (None, _) => 0,
                (Some(i), "j") => (i + 1).min(n - 1),
                (Some(i), _) => i.saturating_sub(1),
            };
            for i in 0..n {
                if let Some(r) = rows
                    .item(i)
                    .and_then(|r| r.dyn_into::<web_sys::Element>().ok())
                {
                    let _ = r.class_list().toggle_with_force("selected", i == next);
                    let _ =
                        r.set_attribute("aria-selected", if i == next { "true" } else { "false" });
                    if i == next {
                        if let Some(link) = r
                            .query_selector("a")
                            .ok()
                            .flatten()
                            .and_then(|a| a.dyn_into::<web_sys::HtmlElement>().ok())
                        {
                            let _ = link.focus();
                        }
                    }
                }
            }
            e.prevent_default();
        }
        k if k.chars().count() == 1 => {
            let selector = format!("[data-shortcut=\"{}\"]", k.replace('"', ""));
            let Some(el) = doc
                .query_selector(&selector)
                .ok()
                .flatten()
                .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
            else {
                return;
            };
            e.prevent_default();
            let tag = el.tag_name().to_ascii_uppercase();
            let is_choice = el
                .dyn_ref::<web_sys::HtmlInputElement>()
                .is_some_and(|i| i.type_() == "radio" || i.type_() == "checkbox");
            if tag == "BUTTON" || is_choice {
                el.click();
                // After choosing approve/decline, go on to the reason.
                if is_choice {
                    if let Some(next) = doc
                        .query_selector("#reason")
                        .ok()
                        .flatten()
                        .and_then(|x| x.dyn_into::<web_sys::HtmlElement>().ok())
                    {
                        let _ = next.focus();
                    }
                }
            } else {
                let _ = el.focus();
            }
        }
        _ => {}
    }
}
