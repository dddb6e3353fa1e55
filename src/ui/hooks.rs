//! Effects: browser storage, the URL, media queries and the animation timer.
//! Nothing here changes state except by dispatching an `Action`.

use super::state::{Action, Lab};
use crate::console::session::{LoadError, Session, Start};
use gloo::timers::callback::Interval;
use yew::prelude::*;

pub const STORAGE_KEY: &str = "storage-lab.session";

/// The browser window; natively (pre-rendering) there is none, and the
/// defaults below are what the pre-rendered page shows.
fn window() -> Option<web_sys::Window> {
    #[cfg(target_arch = "wasm32")]
    return web_sys::window();
    #[cfg(not(target_arch = "wasm32"))]
    None
}

fn local_storage() -> Option<web_sys::Storage> {
    window()?.local_storage().ok().flatten()
}

/// The session to start with: a shared link wins over the saved session. A
/// broken link or saved value yields an error message and the default session.
pub fn initial_session() -> (Session, Option<String>) {
    let default = Session::new(Start::Lab, 0);
    let hash = window().and_then(|w| w.location().hash().ok()).unwrap_or_default();
    if hash.starts_with("#s=") {
        return match Session::from_fragment(&hash) {
            Ok(s) => (s, None),
            Err(e) => (default, Some(format!("The shared link could not be opened: {e}. Starting a fresh session."))),
        };
    }
    let saved = local_storage().and_then(|s| s.get_item(STORAGE_KEY).ok().flatten());
    match saved {
        None => (default, None),
        Some(text) => match Session::from_text(&text) {
            Ok(s) => (s, None),
            Err(e) => {
                let why = match e {
                    LoadError::NotASession => "it is not a Storage Lab session".to_string(),
                    other => other.to_string(),
                };
                (default, Some(format!("The saved session could not be restored ({why}). Starting a fresh session.")))
            }
        },
    }
}

/// Saves the session log whenever it changes.
#[hook]
pub fn use_persist(lab: &UseReducerHandle<Lab>) {
    let revision = lab.revision;
    let script = lab.session.to_json();
    use_effect_with(revision, move |_| {
        if let Some(s) = local_storage() {
            let _ = s.set_item(STORAGE_KEY, &script);
        }
    });
}

/// Plays the animation: one frame per tick at the chosen speed.
#[hook]
pub fn use_animation(lab: &UseReducerHandle<Lab>, base_ms: u32) {
    let playing = lab.anim.playing();
    let ms = lab.anim.step_ms(base_ms);
    let dispatcher = lab.dispatcher();
    use_effect_with((playing, lab.revision, ms), move |(playing, _, ms)| {
        let interval = playing.then(|| Interval::new(*ms, move || dispatcher.dispatch(Action::Tick)));
        move || drop(interval)
    });
}

/// Tells the reducer whether the user asked for reduced motion.
#[hook]
pub fn use_reduced_motion(lab: &UseReducerHandle<Lab>) {
    let dispatcher = lab.dispatcher();
    use_effect_with((), move |_| {
        let reduce = window()
            .and_then(|w| w.match_media("(prefers-reduced-motion: reduce)").ok().flatten())
            .is_some_and(|m| m.matches());
        dispatcher.dispatch(Action::SetReducedMotion(reduce));
    });
}

/// Marks the page ready for tests and benchmarks once the app has rendered.
#[hook]
pub fn use_ready_marker() {
    use_effect_with((), |_| {
        if let Some(body) = window().and_then(|w| w.document()).and_then(|d| d.body()) {
            let _ = body.set_attribute("data-ready", "");
        }
        if let Some(w) = window() {
            let now = w.performance().map(|p| p.now()).unwrap_or(0.0);
            let _ = js_sys::Reflect::set(&w, &"__readyAt".into(), &now.into());
        }
    });
}

/// The page URL with `fragment`, written into the address bar.
pub fn share_url(fragment: &str) -> String {
    let Some(w) = window() else { return String::new() };
    let loc = w.location();
    let base = format!(
        "{}{}{}",
        loc.origin().unwrap_or_default(),
        loc.pathname().unwrap_or_default(),
        loc.search().unwrap_or_default()
    );
    let url = format!("{base}#{fragment}");
    if let Ok(h) = w.history() {
        let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
    url
}

/// Copies text to the clipboard when the browser allows it.
pub fn copy_to_clipboard(text: &str) {
    if let Some(w) = window() {
        let _ = w.navigator().clipboard().write_text(text);
    }
}

/// Offers `text` as a file download named `name`.
pub fn download(name: &str, text: &str) {
    let Some(doc) = window().and_then(|w| w.document()) else { return };
    let Ok(a) = doc.create_element("a") else { return };
    let Ok(a) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlAnchorElement>(a) else { return };
    let encoded = String::from(js_sys::encode_uri_component(text));
    a.set_href(&format!("data:application/json;charset=utf-8,{encoded}"));
    a.set_download(name);
    a.click();
}

#[wasm_bindgen::prelude::wasm_bindgen(inline_js = "
export function saveParts(name, parts, gzip) {
  const zero = new Uint8Array(1 << 20);
  let i = 0, left = 0;
  const stream = new ReadableStream({ pull(c) {
    if (left === 0 && i < parts.length && typeof parts[i] === 'number') left = parts[i++];
    if (left > 0) { const n = Math.min(left, zero.length); left -= n; c.enqueue(zero.subarray(0, n)); }
    else if (i < parts.length) c.enqueue(parts[i++]);
    else c.close();
  } });
  const body = gzip ? stream.pipeThrough(new CompressionStream('gzip')) : stream;
  return new Response(body).blob().then((blob) => {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = name;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 60000);
  });
}")]
extern "C" {
    /// Streams `parts` (byte arrays, and numbers for runs of zeros) into a
    /// file download, gzip-compressed by the browser when asked.
    #[wasm_bindgen::prelude::wasm_bindgen(js_name = saveParts)]
    fn save_parts(name: &str, parts: js_sys::Array, gzip: bool) -> js_sys::Promise;
}

/// Offers the image file at `path` as a download: qcow2 as it is, raw
/// gzip-compressed (it is as long as the whole disk).
pub fn download_image(m: &crate::core::Machine, path: &str) -> Result<(), String> {
    use crate::core::image::{file_parts, Part, DOWNLOAD_MAX_DATA_BYTES};
    let parts = file_parts(m, path).map_err(|_| format!("{path} holds more than {} MiB of written data: too much to download from the browser.", DOWNLOAD_MAX_DATA_BYTES >> 20))?;
    let array = js_sys::Array::new();
    for p in parts {
        match p {
            Part::Data(bytes) => array.push(&js_sys::Uint8Array::from(&bytes[..])),
            Part::Zeros(n) => array.push(&(n as f64).into()),
        };
    }
    let name = path.rsplit('/').next().unwrap_or("disk");
    let gzip = !name.ends_with(".qcow2");
    let _ = save_parts(&if gzip { format!("{name}.gz") } else { name.to_string() }, array, gzip);
    Ok(())
}

/// Reads the first file chosen in an `<input type=file>` as text; the reader
/// lives until it calls back.
pub fn read_chosen_file(input: &web_sys::HtmlInputElement, done: impl FnOnce(Result<String, String>) + 'static) {
    let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
    let file = gloo::file::File::from(file);
    let slot: std::rc::Rc<std::cell::RefCell<Option<gloo::file::callbacks::FileReader>>> = Default::default();
    let keep = slot.clone();
    let reader = gloo::file::callbacks::read_as_text(&file, move |result| {
        done(result.map_err(|e| e.to_string()));
        keep.borrow_mut().take();
    });
    slot.borrow_mut().replace(reader);
}

/// Reads `?embed=NAME` from the URL.
pub fn embed_param() -> Option<String> {
    let search = window()?.location().search().ok()?;
    search.trim_start_matches('?').split('&').find_map(|kv| kv.strip_prefix("embed=").map(str::to_string))
}

/// True while the figures should use their compact layouts; follows window resizes.
#[hook]
pub fn use_narrow() -> bool {
    // The wide layouts (860 units) shrink below 1:1 in a panel under 1000 px,
    // which at 1280 px is most screens; the compact ones grow instead, so figure
    // text stays at 12 px or more (16 px in presenter mode).
    let query = "(max-width: 1700px)";
    let narrow = use_state(|| {
        // Without a window (pre-rendering) the compact layout: most screens are narrower.
        window().map_or(true, |w| w.match_media(query).ok().flatten().is_some_and(|m| m.matches()))
    });
    {
        let narrow = narrow.clone();
        use_effect_with((), move |_| {
            let listener = window().map(|w| {
                let w2 = w.clone();
                gloo::events::EventListener::new(&w, "resize", move |_| {
                    let now = w2.match_media(query).ok().flatten().is_some_and(|m| m.matches());
                    narrow.set(now);
                })
            });
            move || drop(listener)
        });
    }
    *narrow
}
