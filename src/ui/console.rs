//! The console panel: transcript, prompt, history, Tab completion, Ctrl-L.

use super::state::Entry;
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ConsoleProps {
    pub entries: std::rc::Rc<Vec<Entry>>,
    pub prompt: String,
    pub history: Vec<String>,
    pub on_run: Callback<String>,
    pub on_clear: Callback<()>,
    pub complete: Callback<String, Vec<String>>,
}

#[function_component(Console)]
pub fn console(props: &ConsoleProps) -> Html {
    let input = use_node_ref();
    let output = use_node_ref();
    let cursor = use_state(|| None::<usize>);
    let hint = use_state(String::new);

    {
        let output = output.clone();
        let len = props.entries.len();
        let last_len = props.entries.last().map_or(0, |e| e.text.len());
        use_effect_with((len, last_len), move |_| {
            if let Some(el) = output.cast::<web_sys::Element>() {
                el.set_scroll_top(el.scroll_height());
            }
        });
    }

    let onkeydown = {
        let input = input.clone();
        let history = props.history.clone();
        let cursor = cursor.clone();
        let on_run = props.on_run.clone();
        let on_clear = props.on_clear.clone();
        let complete = props.complete.clone();
        let hint = hint.clone();
        Callback::from(move |e: KeyboardEvent| {
            let Some(el) = input.cast::<HtmlInputElement>() else { return };
            match e.key().as_str() {
                "Enter" => {
                    e.prevent_default();
                    let line = el.value();
                    el.set_value("");
                    cursor.set(None);
                    hint.set(String::new());
                    on_run.emit(line);
                }
                "ArrowUp" | "ArrowDown" if !history.is_empty() => {
                    e.prevent_default();
                    let up = e.key() == "ArrowUp";
                    let next = match (*cursor, up) {
                        (None, true) => Some(history.len() - 1),
                        (Some(0), true) => Some(0),
                        (Some(i), true) => Some(i - 1),
                        (Some(i), false) if i + 1 < history.len() => Some(i + 1),
                        _ => None,
                    };
                    el.set_value(next.map(|i| history[i].as_str()).unwrap_or(""));
                    cursor.set(next);
                }
                "Tab" => {
                    let line = el.value();
                    if line.is_empty() {
                        return;
                    }
                    e.prevent_default();
                    let options = complete.emit(line.clone());
                    let start = line.rfind(' ').map_or(0, |i| i + 1);
                    match options.as_slice() {
                        [] => hint.set(String::new()),
                        [only] => {
                            el.set_value(&format!("{}{only} ", &line[..start]));
                            hint.set(String::new());
                        }
                        many => {
                            let prefix = common_prefix(many);
                            el.set_value(&format!("{}{prefix}", &line[..start]));
                            hint.set(many.join("  "));
                        }
                    }
                }
                "l" | "L" if e.ctrl_key() => {
                    e.prevent_default();
                    on_clear.emit(());
                }
                _ => {}
            }
        })
    };

    let focus_input = {
        let input = input.clone();
        Callback::from(move |_: MouseEvent| {
            // Selecting text to copy must not steal the selection.
            let selected = web_sys::window()
                .and_then(|w| w.get_selection().ok().flatten())
                .is_some_and(|s| !s.is_collapsed());
            if !selected {
                if let Some(el) = input.cast::<HtmlInputElement>() {
                    let _ = el.focus();
                }
            }
        })
    };

    html! {
        <section class="console" aria-label="Console">
            <div id="console-output" class="console-output" role="log" aria-live="polite" tabindex="0" ref={output} onclick={focus_input}>
                if props.entries.is_empty() {
                    <p class="welcome">{ "A simulated Proxmox VE host. Try lsblk, then sudo fdisk /dev/sdb, or click the buttons: each one types its command here. Type help for the full list." }</p>
                }
                { for props.entries.iter().map(|e| html! {
                    <div class="entry">
                        if let Some(c) = &e.command { <div class="cmd">{ c }</div> }
                        <pre class="out">{ terminal_text(&e.text) }</pre>
                    </div>
                }) }
            </div>
            if !hint.is_empty() { <div class="completions" aria-live="polite">{ (*hint).clone() }</div> }
            <div class="prompt-line">
                <label for="console-input" class="prompt">{ if props.prompt.is_empty() { "answer:".to_string() } else { props.prompt.clone() } }</label>
                <input id="console-input" ref={input} type="text" aria-label="Console input"
                    autocomplete="off" autocapitalize="off" spellcheck="false" {onkeydown} />
            </div>
        </section>
    }
}

fn common_prefix(words: &[String]) -> String {
    let first = &words[0];
    let mut len = first.len();
    for w in words {
        len = len.min(first.bytes().zip(w.bytes()).take_while(|(a, b)| a == b).count());
    }
    first[..len].to_string()
}

/// What a terminal shows for `text`: a backspace moves back over the previous
/// character of the line, so progress counters (mke2fs) vanish as they do there.
fn terminal_text(text: &str) -> String {
    if !text.contains('\u{8}') {
        return text.to_string();
    }
    let mut lines: Vec<Vec<char>> = vec![Vec::new()];
    let mut col = 0usize;
    for c in text.chars() {
        let Some(line) = lines.last_mut() else { break };
        match c {
            '\n' => {
                lines.push(Vec::new());
                col = 0;
            }
            '\u{8}' => col = col.saturating_sub(1),
            c => {
                if col < line.len() {
                    line[col] = c;
                } else {
                    line.push(c);
                }
                col += 1;
            }
        }
    }
    lines.iter().map(|l| l.iter().collect::<String>()).collect::<Vec<_>>().join("\n")
}
