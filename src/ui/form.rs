//! The action toolbars: a list of fields rendered by one template, so every
//! figure's buttons cost the bundle one piece of code instead of one per button.

use crate::core::order::VecMap;
use yew::prelude::*;

#[derive(Clone, PartialEq)]
pub enum Field {
    Select { id: &'static str, label: &'static str, options: Vec<(String, String)>, value: String, disabled: bool },
    Text { id: &'static str, label: &'static str, value: String },
    /// A button that types `lines` into the console.
    Button { action: &'static str, label: &'static str, lines: Vec<String>, enabled: bool },
    Break,
}

/// The values typed into a toolbar's fields, by field id.
pub type Values = VecMap<&'static str, String>;

/// A toolbar's field values and the callback that records what is typed.
#[hook]
pub fn use_values() -> (UseStateHandle<Values>, Callback<(&'static str, String)>) {
    let values = use_state(Values::new);
    let on_input = {
        let values = values.clone();
        Callback::from(move |(id, v): (&'static str, String)| {
            let mut next = (*values).clone();
            next.insert(id, v);
            values.set(next);
        })
    };
    (values, on_input)
}

/// A field's current value, or `default` before the user touched it.
pub fn value(values: &Values, id: &'static str, default: &str) -> String {
    values.get(id).cloned().unwrap_or_else(|| default.to_string())
}

fn field(f: &Field, on_input: &Callback<(&'static str, String)>, on_run: &Callback<Vec<String>>) -> Html {
    match f {
        Field::Select { id, label, options, value, disabled } => {
            let (cb, id) = (on_input.clone(), *id);
            let onchange = Callback::from(move |e: Event| {
                let el: web_sys::HtmlSelectElement = e.target_unchecked_into();
                cb.emit((id, el.value()));
            });
            html! {
                <label>{ label }
                    <select {id} {onchange} disabled={*disabled || options.is_empty()}>
                        { for options.iter().map(|(v, text)| html! { <option value={v.clone()} selected={v == value}>{ text }</option> }) }
                    </select>
                </label>
            }
        }
        Field::Text { id, label, value } => {
            let (cb, id) = (on_input.clone(), *id);
            let oninput = Callback::from(move |e: InputEvent| {
                let el: web_sys::HtmlInputElement = e.target_unchecked_into();
                cb.emit((id, el.value()));
            });
            html! { <label>{ label }<input {id} class="short" value={value.clone()} {oninput} /></label> }
        }
        Field::Button { action, label, lines, enabled } => {
            let (cb, run) = (on_run.clone(), lines.clone());
            let onclick = Callback::from(move |_: MouseEvent| cb.emit(run.clone()));
            html! { <button data-action={*action} title={lines.join(" ⏎ ")} {onclick} disabled={!enabled}>{ label }</button> }
        }
        Field::Break => html! { <span class="sep" aria-hidden="true"></span> },
    }
}

/// A toolbar: a plain function, not a component, since its owner redraws
/// it only when its fields change anyway (./x dist: 1.2 KiB smaller gzipped).
pub fn form(label: &'static str, fields: &[Field], on_input: &Callback<(&'static str, String)>, on_run: &Callback<Vec<String>>, help: Option<&'static str>) -> Html {
    html! {
        <div class="actions" role="toolbar" aria-label={label}>
            { for fields.iter().map(|f| field(f, on_input, on_run)) }
            if let Some(help) = help { <p id="size-help" class="help">{ help }</p> }
        </div>
    }
}
