//! The browser front end: Yew function components over the shared `Shell`.
//!
//! Only the `Lab` reducer owns state; components read it and dispatch actions.
//! Every button dispatches `Action::Run` with the command lines it stands for,
//! so the console shows the command behind each click.

mod blocks;
mod console;
mod form;
mod hooks;
mod lvm;
pub mod state;

use crate::console::complete;
use crate::view::{block_figure, lvm_figure, DiskView, PartState};
use gloo::events::EventListener;
use state::{animation_marks, Action, Figure, Lab};
use yew::prelude::*;

/// Mounts the app on `<body>`.
pub fn start() {
    // The benchmark reads when the WebAssembly started running.
    if let Some(w) = web_sys::window() {
        let now = w.performance().map(|p| p.now()).unwrap_or(0.0);
        let _ = js_sys::Reflect::set(&w, &"__startAt".into(), &now.into());
    }
    yew::Renderer::<App>::new().render();
}

fn details(disks: &[DiskView], selected: &str) -> Html {
    for d in disks {
        if d.name == selected {
            return html! {
                <dl class="details" aria-live="polite">
                    <dt>{ "Device" }</dt><dd>{ format!("/dev/{} · {} · {}", d.name, d.transport, d.size_text) }</dd>
                    <dt>{ "Name" }</dt><dd>{ &d.naming }</dd>
                    if !d.model.is_empty() { <dt>{ "Model" }</dt><dd>{ &d.model }</dd> }
                    <dt>{ "Table" }</dt><dd>{ d.label.map_or("none (blank disk)".to_string(), |l| if l == "dos" { "MBR (dos): at most 4 primary partitions, disks up to 2 TiB".into() } else { "GPT: 128 entries, primary header at the start and a backup at the end, each with CRC32".into() }) }</dd>
                    <dt>{ "Partitions" }</dt><dd>{ d.parts.len() }</dd>
                    if !d.holders.is_empty() { <dt>{ "Used by" }</dt><dd>{ d.holders.join(", ") }</dd> }
                </dl>
            };
        }
        if let Some(p) = d.parts.iter().find(|p| p.name == selected) {
            let state = match p.state {
                PartState::Active => "registered by the kernel (it shows in lsblk)",
                PartState::Pending => "only in fdisk's memory: w writes it, q forgets it",
                PartState::WrittenNotActive => "on disk, but the kernel kept the old table because the disk is busy",
                PartState::Stale => "deleted on disk, but the kernel still uses it until the disk is free or the machine reboots",
            };
            return html! {
                <dl class="details" aria-live="polite">
                    <dt>{ "Partition" }</dt><dd>{ format!("/dev/{} · {} · {}", p.name, p.size_text, p.type_name) }</dd>
                    <dt>{ "Name" }</dt><dd>{ format!("partition {} of /dev/{}", p.number, d.name) }</dd>
                    <dt>{ "State" }</dt><dd>{ state }</dd>
                    <dt>{ "Used by" }</dt><dd>{ if p.holders.is_empty() { "nothing".to_string() } else { p.holders.join(", ") } }</dd>
                </dl>
            };
        }
    }
    html! {}
}

#[function_component(App)]
pub fn app() -> Html {
    let startup = use_memo((), |_| hooks::initial_session());
    let lab = {
        let startup = startup.clone();
        use_reducer(move || {
            let mut lab = Lab::new(startup.0.clone());
            if lab.error.is_none() {
                lab.error = startup.1.clone();
            }
            lab
        })
    };
    let embed = use_memo((), |_| hooks::embed_param().and_then(|e| Figure::from_id(&e)));
    let figure = use_state(|| embed.unwrap_or(Figure::Blocks));
    let selected = use_state(|| None::<String>);
    let present = use_state(|| false);
    let share = use_state(String::new);
    let narrow = hooks::use_narrow();

    hooks::use_ready_marker();
    hooks::use_reduced_motion(&lab);
    hooks::use_persist(&lab);
    hooks::use_animation(&lab, 380);

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
        let machine = lab.shell.machine.clone();
        Callback::from(move |line: String| complete(&machine, &line))
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
    let toggle_present = {
        let present = present.clone();
        Callback::from(move |_: MouseEvent| present.set(!*present))
    };

    // Keyboard shortcuts for the lecture hall, ignored while typing in a field.
    {
        let lab = lab.clone();
        let figure = figure.clone();
        let present = present.clone();
        use_effect_with((), move |_| {
            let listener = web_sys::window().and_then(|w| w.document()).map(|doc| {
                EventListener::new(&doc, "keydown", move |e| {
                    let Some(e) = wasm_bindgen::JsCast::dyn_ref::<web_sys::KeyboardEvent>(e) else { return };
                    let typing = e
                        .target()
                        .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
                        .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA"));
                    if typing || e.ctrl_key() || e.meta_key() || e.alt_key() {
                        return;
                    }
                    match e.key().as_str() {
                        "u" => lab.dispatch(Action::Undo),
                        "r" => lab.dispatch(Action::Redo),
                        "s" => lab.dispatch(Action::Skip),
                        "a" => lab.dispatch(Action::Replay),
                        "k" => lab.dispatch(Action::TogglePause),
                        "." => lab.dispatch(Action::Step),
                        "1" => figure.set(Figure::Blocks),
                        "2" => figure.set(Figure::Lvm),
                        "p" => present.set(!*present),
                        "/" => {
                            e.prevent_default();
                            if let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("console-input")) {
                                if let Ok(el) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el) {
                                    let _ = el.focus();
                                }
                            }
                        }
                        _ => {}
                    }
                })
            });
            move || drop(listener)
        });
    }

    let (hidden, active) = animation_marks(&lab.anim);
    let busy_other = matches!(lab.shell.interactive, Some(crate::console::Interactive::Sfdisk(_)) | Some(crate::console::Interactive::Confirm(_)));
    let nav_button = |f: Figure, label: &'static str| {
        let figure = figure.clone();
        let current = *figure == f;
        html! {
            <button data-figure={f.id()} aria-current={current.then_some("page")} class={classes!("nav", current.then_some("current"))}
                onclick={Callback::from(move |_| figure.set(f))}>{ label }</button>
        }
    };
    let panel = match *figure {
        Figure::Blocks => {
            let disks = block_figure(&lab.shell);
            html! {
                <>
                    <h2 class="caption">{ "Figure 1 · Block devices and partitions" }</h2>
                    <blocks::BlockActions disks={disks.clone()} on_run={on_run_lines.clone()} busy_dialog={busy_other} />
                    <blocks::BlocksFigure disks={disks.clone()} hidden={hidden.clone()} active={active.clone()} selected={(*selected).clone()} on_select={on_select} compact={narrow} />
                    { selected.as_deref().map(|s| details(&disks, s)).unwrap_or_default() }
                    <p class="legend">{ "Names: sda, sdb… are SATA/SCSI disks in probe order and sdb1 their partitions; nvme0n1 is NVMe controller 0, namespace 1, and nvme0n1p1 its first partition (the p keeps the numbers apart). Click a disk or partition for details." }</p>
                    <p class="legend"><span class="sw active"></span>{ "in use" }<span class="sw pending"></span>{ "planned (not written)" }<span class="sw written"></span>{ "written, kernel not told" }<span class="sw stale"></span>{ "old table still in use" }</p>
                </>
            }
        }
        Figure::Lvm => {
            let fig = lvm_figure(&lab.shell.machine);
            html! {
                <>
                    <h2 class="caption">{ "Figure 2 · LVM: physical volumes → volume group → logical volumes" }</h2>
                    <lvm::LvmActions figure={fig.clone()} on_run={on_run_lines.clone()} busy_dialog={busy_other} />
                    <lvm::LvmFigureView figure={fig} hidden={hidden.clone()} active={active.clone()} compact={narrow} />
                </>
            }
        }
    };
    let embedded = embed.is_some();
    html! {
        <div class={classes!("app", (*present).then_some("present"), embedded.then_some("embedded"))}>
            if !embedded {
                <header class="top">
                    <h1>{ "Storage Lab" }</h1>
                    <nav aria-label="Figures">
                        { nav_button(Figure::Blocks, "1 · Disks & partitions") }
                        { nav_button(Figure::Lvm, "2 · LVM") }
                    </nav>
                    <div class="toolbar" role="toolbar" aria-label="Session">
                        <button id="undo" onclick={dispatch(|| Action::Undo)} aria-keyshortcuts="u">{ "Undo" }</button>
                        <button id="redo" onclick={dispatch(|| Action::Redo)} disabled={lab.redo.is_empty()} aria-keyshortcuts="r">{ "Redo" }</button>
                        <button id="reset" onclick={dispatch(|| Action::Reset)}>{ "Reset" }</button>
                        <button id="pause" onclick={dispatch(|| Action::TogglePause)} aria-pressed={lab.anim.paused.to_string()} aria-keyshortcuts="k">{ if lab.anim.paused { "Play" } else { "Pause" } }</button>
                        <button id="step" onclick={dispatch(|| Action::Step)} disabled={!lab.anim.pending()} aria-keyshortcuts=".">{ "Step" }</button>
                        <button id="skip" onclick={dispatch(|| Action::Skip)} disabled={!lab.anim.pending()} aria-keyshortcuts="s">{ "Skip animation" }</button>
                        <button id="share" onclick={on_share}>{ "Share link" }</button>
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
                <section class="figure-panel" aria-label="Figure">{ panel }</section>
                <console::Console entries={lab.entries.clone()} prompt={lab.input_prompt()} history={lab.shell.history.clone()}
                    on_run={on_run} on_clear={on_clear} complete={completer} />
            </main>
            if !embedded {
                <footer class="keys">{ "Keys: u undo · r redo · k pause/play · . step · s skip animation · a replay · 1/2 figures · p presenter · / console · Tab completes · ↑↓ history · Ctrl-L clears" }</footer>
            }
        </div>
    }
}
