//! The browser front end: Yew function components over the shared `Shell`.
//!
//! Only the `Lab` reducer owns state; components read it and dispatch actions.
//! Every button dispatches `Action::Run` with the command lines it stands for,
//! so the console shows the command behind each click. The figure on screen
//! draws a frame of the latest command's timeline.

mod bench;
mod blocks;
mod console;
mod figures;
mod form;
mod hooks;
mod images;
mod lvm;
pub mod state;
mod tree;

use crate::console::complete;
use crate::view::{FigureId, FIGURES};
use gloo::events::EventListener;
use state::{Action, Lab, SPEEDS};
use yew::prelude::*;

/// Mounts the app on `<body>` in place of the pre-rendered first screen
/// (src/bin/prerender.rs).
pub fn start() {
    let Some(w) = web_sys::window() else { return };
    // The benchmark reads when the WebAssembly started running.
    let now = w.performance().map(|p| p.now()).unwrap_or(0.0);
    let _ = js_sys::Reflect::set(&w, &"__startAt".into(), &now.into());
    // The old screen goes and the app renders in the same task, so nothing is
    // painted in between.
    if let Some(old) = w.document().and_then(|d| d.query_selector("body > .app").ok().flatten()) {
        old.remove();
    }
    yew::Renderer::<App>::new().render();
}

/// The key a shortcut stands for, or None while typing in a field.
fn shortcut(e: &web_sys::Event) -> Option<web_sys::KeyboardEvent> {
    let e = wasm_bindgen::JsCast::dyn_ref::<web_sys::KeyboardEvent>(e)?;
    let typing = e
        .target()
        .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
        .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA"));
    (!typing && !e.ctrl_key() && !e.meta_key() && !e.alt_key()).then(|| e.clone())
}

fn focus_console() {
    if let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("console-input")) {
        if let Ok(el) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el) {
            let _ = el.focus();
        }
    }
}

/// What a key does; figures bring themselves on screen by their own key.
fn key_action(key: &str, speed: f64) -> Option<Action> {
    let faster = SPEEDS.into_iter().find(|s| *s > speed).unwrap_or(speed);
    let slower = SPEEDS.into_iter().rev().find(|s| *s < speed).unwrap_or(speed);
    Some(match key {
        "u" => Action::Undo,
        "r" => Action::Redo,
        "s" => Action::Skip,
        "a" => Action::Replay,
        "k" => Action::TogglePause,
        "." | "ArrowRight" => Action::Step,
        "," | "ArrowLeft" => Action::StepBack,
        "]" => Action::SetSpeed(faster),
        "[" => Action::SetSpeed(slower),
        "f" => Action::TogglePin,
        k => return FIGURES.iter().find(|f| k.chars().eq(std::iter::once(f.key))).map(|f| Action::Show(f.id)),
    })
}

#[hook]
fn use_shortcuts(lab: &UseReducerHandle<Lab>, present: &UseStateHandle<bool>) {
    let lab = lab.clone();
    let present = present.clone();
    use_effect_with((), move |_| {
        let listener = web_sys::window().and_then(|w| w.document()).map(|doc| {
            EventListener::new(&doc, "keydown", move |e| {
                let Some(e) = shortcut(e) else { return };
                match e.key().as_str() {
                    "p" => present.set(!*present),
                    "/" => {
                        e.prevent_default();
                        focus_console();
                    }
                    key => {
                        if let Some(action) = key_action(key, lab.anim.speed) {
                            lab.dispatch(action);
                        }
                    }
                }
            })
        });
        move || drop(listener)
    });
}

/// Play, pause, step back and forth, skip, replay, speed and the caption (a
/// plain function: the app redraws it with every frame anyway; 0.8 KiB
/// smaller gzipped than the component).
fn controls(a: &state::Anim, pinned: bool, on: &Callback<Action>) -> Html {
    let send = |make: fn() -> Action| {
        let on = on.clone();
        Callback::from(move |_: MouseEvent| on.emit(make()))
    };
    let on_speed = {
        let on = on.clone();
        Callback::from(move |e: Event| {
            let i = e.target_dyn_into::<web_sys::HtmlSelectElement>().map_or(1, |s| s.selected_index());
            on.emit(Action::SetSpeed(SPEEDS.get(i as usize).copied().unwrap_or(1.0)));
        })
    };
    let total = a.timeline.len();
    let caption = a.caption().unwrap_or_else(|| if total == 0 { "Run a command to see what it changes.".into() } else { "Before the command: step forward to see each change.".into() });
    html! {
        <div class="controls" role="toolbar" aria-label="Animation">
            <button id="step-back" onclick={send(|| Action::StepBack)} disabled={a.cursor == 0} aria-keyshortcuts=",">{ "◀ Back" }</button>
            <button id="pause" onclick={send(|| Action::TogglePause)} aria-pressed={a.paused.to_string()} aria-keyshortcuts="k">{ if a.paused { "Play" } else { "Pause" } }</button>
            <button id="step" onclick={send(|| Action::Step)} disabled={!a.pending()} aria-keyshortcuts=".">{ "Step ▶" }</button>
            <button id="skip" onclick={send(|| Action::Skip)} disabled={!a.pending()} aria-keyshortcuts="s">{ "Skip" }</button>
            <button id="replay" onclick={send(|| Action::Replay)} disabled={total == 0} aria-keyshortcuts="a">{ "Replay" }</button>
            <label>{ "Speed " }
                <select id="speed" onchange={on_speed}>
                    // Labels are written out: formatting floats would cost the bundle a float printer.
                    { for SPEEDS.iter().zip(["0.5×", "1×", "2×", "4×"]).map(|(s, label)| html! { <option selected={(*s - a.speed).abs() < 1e-9}>{ label }</option> }) }
                </select>
            </label>
            <button id="pin" onclick={send(|| Action::TogglePin)} aria-pressed={pinned.to_string()} aria-keyshortcuts="f"
                title="Keep this figure on screen when a command belongs to another one">{ if pinned { "Pinned" } else { "Pin figure" } }</button>
            <span id="step-count" class="stepcount">{ format!("step {} of {}", a.cursor, total) }</span>
            <p id="caption" class="stepcaption" aria-live="polite">{ caption }</p>
        </div>
    }
}

#[function_component(App)]
pub fn app() -> Html {
    let startup = use_memo((), |_| hooks::initial_session());
    let embed = use_memo((), |_| hooks::embed_param().and_then(|e| FigureId::from_slug(&e)));
    let lab = {
        let startup = startup.clone();
        let embed = *embed;
        use_reducer(move || {
            let mut lab = Lab::new(startup.0.clone());
            if lab.error.is_none() {
                lab.error = startup.1.clone();
            }
            if let Some(figure) = embed {
                lab.figure = figure;
                lab.pinned = true;
            }
            lab
        })
    };
    let selected = use_state(|| None::<String>);
    let present = use_state(|| false);
    let share = use_state(String::new);
    let narrow = hooks::use_narrow();
    let (form_values, on_form_input) = form::use_values();

    hooks::use_ready_marker();
    hooks::use_reduced_motion(&lab);
    hooks::use_persist(&lab);
    hooks::use_animation(&lab, 500);
    use_shortcuts(&lab, &present);

    let on_action = {
        let lab = lab.clone();
        Callback::from(move |a: Action| lab.dispatch(a))
    };
    let dispatch = |make: fn() -> Action| {
        let lab = lab.clone();
        Callback::from(move |_: MouseEvent| lab.dispatch(make()))
    };
    let on_run_lines = {
        let lab = lab.clone();
        Callback::from(move |lines: Vec<String>| lab.dispatch(Action::Run(lines)))
    };
    let on_run = {
        let lab = lab.clone();
        Callback::from(move |line: String| lab.dispatch(Action::Run(vec![line])))
    };
    let on_clear = {
        let lab = lab.clone();
        Callback::from(move |_| lab.dispatch(Action::ClearScreen))
    };
    let completer = {
        let shell = lab.shell.clone();
        Callback::from(move |line: String| complete(&shell.machine, &line))
    };
    let on_select = {
        let selected = selected.clone();
        Callback::from(move |name: String| selected.set(Some(name)))
    };
    let on_share = {
        let lab = lab.clone();
        let share = share.clone();
        Callback::from(move |_: MouseEvent| {
            let url = hooks::share_url(&lab.session.to_fragment());
            hooks::copy_to_clipboard(&url);
            share.set(url);
        })
    };
    let on_export = {
        let lab = lab.clone();
        Callback::from(move |_: MouseEvent| hooks::download("storage-lab-session.json", &lab.session.to_json()))
    };
    let on_download = {
        let lab = lab.clone();
        Callback::from(move |path: String| {
            if let Err(message) = hooks::download_image(&lab.shell.machine, &path) {
                lab.dispatch(Action::Fail(message));
            }
        })
    };
    let on_import = {
        let lab = lab.clone();
        Callback::from(move |e: Event| {
            let Some(input) = e.target_dyn_into::<web_sys::HtmlInputElement>() else { return };
            let lab = lab.clone();
            hooks::read_chosen_file(&input, move |text| {
                let loaded = text.map_err(|e| format!("the file could not be read ({e})")).and_then(|t| crate::console::session::Session::from_text(&t).map_err(|e| e.to_string()));
                lab.dispatch(match loaded {
                    Ok(session) => Action::Load(session),
                    Err(why) => Action::Fail(format!("The session file could not be imported: {why}. Your current session is unchanged.")),
                });
            });
            input.set_value("");
        })
    };
    let toggle_present = {
        let present = present.clone();
        Callback::from(move |_: MouseEvent| present.set(!*present))
    };

    let busy_other = matches!(lab.shell.interactive, Some(crate::console::Interactive::Sfdisk(_)) | Some(crate::console::Interactive::Confirm(_)));
    let nav_button = |f: &'static crate::view::figures::Figure| {
        let lab = lab.clone();
        let current = lab.figure == f.id;
        let id = f.id;
        html! {
            <button data-figure={f.slug} aria-current={current.then_some("page")} class={classes!("nav", current.then_some("current"))}
                aria-keyshortcuts={f.key.to_string()} onclick={Callback::from(move |_| lab.dispatch(Action::Show(id)))}>{ f.nav }</button>
        }
    };
    let now = crate::view::Scene::of(&lab.shell);
    let cx = figures::PanelContext {
        scene: lab.scene(&now),
        now,
        on_run: on_run_lines,
        busy_dialog: busy_other,
        selected: (*selected).clone(),
        on_select,
        compact: narrow,
        models: lab.shell.machine.disks().iter().map(|d| (d.name.clone(), d.model.clone().unwrap_or_default())).collect(),
        on_download,
        values: (*form_values).clone(),
        on_input: on_form_input,
        space: lab.space.clone(),
    };
    let embedded = embed.is_some();
    html! {
        <div class={classes!("app", (*present).then_some("present"), embedded.then_some("embedded"))}>
            if !embedded {
                <header class="top">
                    <h1>{ "Storage Lab" }</h1>
                    <nav aria-label="Figures">{ for FIGURES.iter().map(nav_button) }</nav>
                    <div class="toolbar" role="toolbar" aria-label="Session">
                        <button id="undo" onclick={dispatch(|| Action::Undo)} aria-keyshortcuts="u">{ "Undo" }</button>
                        <button id="redo" onclick={dispatch(|| Action::Redo)} disabled={lab.redo.is_empty()} aria-keyshortcuts="r">{ "Redo" }</button>
                        <button id="reset" onclick={dispatch(|| Action::Reset)}>{ "Reset" }</button>
                        <button id="share" onclick={on_share}>{ "Share link" }</button>
                        <button id="export" onclick={on_export} title="Save this session as a JSON file">{ "Export" }</button>
                        <input id="import" class="visually-hidden" type="file" accept=".json,application/json" onchange={on_import} />
                        <label class="button" for="import" title="Load a session from a JSON file">{ "Import" }</label>
                        <button id="present" onclick={toggle_present} aria-pressed={(*present).to_string()} aria-keyshortcuts="p">{ "Presenter mode" }</button>
                    </div>
                    if !share.is_empty() {
                        <label class="share">{ "Link to this session (copied): " }<input id="share-link" readonly=true value={(*share).clone()} /></label>
                    }
                </header>
            }
            if let Some(err) = &lab.error {
                <div class="alert" role="alert">
                    <span>{ err }</span>
                    <button onclick={dispatch(|| Action::DismissError)}>{ "Dismiss" }</button>
                </div>
            }
            <main class="stage">
                <section class="figure-panel" aria-label="Figure" data-shown={lab.figure.slug()}>
                    // Embedded, the figure's title is the page's heading.
                    if embedded { <h1 class="caption">{ lab.figure.info().title }</h1> } else { <h2 class="caption">{ lab.figure.info().title }</h2> }
                    { controls(&lab.anim, lab.pinned, &on_action) }
                    { figures::panel(lab.figure, &cx) }
                </section>
                <console::Console entries={lab.entries.clone()} prompt={lab.input_prompt()} history={lab.shell.history.clone()}
                    on_run={on_run} on_clear={on_clear} complete={completer} />
            </main>
            if !embedded {
                <footer class="keys">{ "Keys: u undo · r redo · k pause/play · , . step back/forward · s skip · a replay · [ ] speed · f pin figure · 1 2 5 figures · p presenter · / console · Tab completes · ↑↓ history · Ctrl-L clears" }</footer>
            }
        </div>
    }
}
