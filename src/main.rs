//! Entry point. In the browser it mounts the Yew app; natively it is the
//! `storage-lab` command-line interpreter.

#[cfg(target_arch = "wasm32")]
fn main() {
    storage_lab::ui::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    use std::io::{Read, Write};
    use storage_lab::cli;

    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = match cli::parse_args(&args) {
        Ok(o) => o,
        Err(e) if e.is_empty() => {
            print!("{}", cli::USAGE);
            return;
        }
        Err(e) => {
            eprintln!("{e}\n{}", cli::USAGE);
            std::process::exit(2);
        }
    };
    let input = match &options.script {
        Some(path) => match std::fs::read(path) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) => {
                eprintln!("storage-lab: cannot read {path}: {e}");
                std::process::exit(2);
            }
        },
        None => {
            let mut bytes = Vec::new();
            if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
                eprintln!("storage-lab: cannot read standard input: {e}");
                std::process::exit(2);
            }
            String::from_utf8_lossy(&bytes).into_owned()
        }
    };
    match cli::run(&options, &input) {
        Ok(text) => {
            let _ = std::io::stdout().write_all(text.as_bytes());
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    }
}
