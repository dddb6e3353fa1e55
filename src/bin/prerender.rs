//! Renders the app's first screen (the default lab machine in Figure 1, the
//! toolbar and the console's welcome) as static HTML into a built
//! `index.html`, so the page reads before the WebAssembly arrives, and without
//! JavaScript at all. The app removes it and mounts itself in the same task.
//!
//! It also makes Trunk's loader fetch the wasm only after that first paint
//! (index.html's `__firstPaint`): the paint then depends on the HTML and CSS
//! alone, and the app's swap cannot discard it as the page's largest paint.
//!
//! Usage: `prerender INDEX_HTML` (Trunk's post-build hook passes the staged file).

use storage_lab::ui::App;

/// Where the first screen goes: Trunk keeps `<body>` as index.html writes it.
const BODY: &str = "<body>";
/// Trunk's loader starts the wasm with this call.
const INIT: &str = "const wasm = await init(";

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: prerender INDEX_HTML");
        std::process::exit(2);
    };
    let page = std::fs::read_to_string(&path).unwrap_or_else(|e| fail(&format!("cannot read {path}: {e}")));
    let page = with_first_screen(&page, &render()).unwrap_or_else(|e| fail(&format!("{path}: {e}")));
    let page = load_after_first_paint(&page).unwrap_or_else(|e| fail(&format!("{path}: {e}")));
    std::fs::write(&path, page).unwrap_or_else(|e| fail(&format!("cannot write {path}: {e}")));
}

fn render() -> String {
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap_or_else(|e| fail(&e.to_string()));
    runtime.block_on(yew::LocalServerRenderer::<App>::new().hydratable(false).render())
}

fn with_first_screen(page: &str, screen: &str) -> Result<String, String> {
    let at = page.find(BODY).ok_or(format!("no {BODY}"))? + BODY.len();
    Ok(format!("{}{screen}{}", &page[..at], &page[at..]))
}

/// Drops the wasm's preload link and makes the loader wait for `__firstPaint`.
fn load_after_first_paint(page: &str) -> Result<String, String> {
    if !page.contains(INIT) {
        return Err(format!("Trunk's loader no longer calls `{INIT}`"));
    }
    let page = page.replacen(INIT, &format!("await window.__firstPaint;\n{INIT}"), 1);
    let preload = page
        .match_indices("<link")
        .map(|(at, _)| (at, at + page[at..].find('>').map_or(0, |e| e + 1)))
        .find(|&(from, to)| page[from..to].contains("rel=preload") && page[from..to].contains(".wasm"));
    match preload {
        Some((from, to)) => Ok(format!("{}{}", &page[..from], &page[to..])),
        None => Err("no preload link for the wasm".into()),
    }
}

fn fail(why: &str) -> ! {
    eprintln!("prerender: {why}");
    std::process::exit(1);
}
