//! The `storage-lab` command line: feeds lines to the same `Shell` the browser
//! uses and prints what the console would show, without the shell prompt.
//!
//! Interface (kept stable; external checks depend on it):
//! `storage-lab [--script FILE] [--echo] [--disks NAME=SIZE,...] [--seed N]`.

use crate::console::session::{parse_disks, Session, Start};
use crate::console::Shell;

/// Parsed command-line options.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Options {
    pub script: Option<String>,
    pub echo: bool,
    pub disks: Option<Vec<(String, u64)>>,
    pub seed: u64,
}

pub const USAGE: &str = "usage: storage-lab [--script FILE] [--echo] [--disks NAME=SIZE,...] [--seed N]\n\nReads commands from FILE or standard input and prints what the Storage Lab\nconsole prints. Lines after an interactive command (fdisk DEV, sfdisk DEV)\nanswer its prompts. Without --disks the default Proxmox VE lab machine is used.\n";

/// Parses the arguments (without the program name).
pub fn parse_args(args: &[String]) -> Result<Options, String> {
    let mut o = Options::default();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        let (key, inline) = match a.split_once('=') {
            Some((k, v)) if k.starts_with("--") => (k, Some(v.to_string())),
            _ => (a, None),
        };
        let mut value = || -> Result<String, String> {
            if let Some(v) = inline.clone() {
                return Ok(v);
            }
            i += 1;
            args.get(i).cloned().ok_or_else(|| format!("storage-lab: option {key} needs a value"))
        };
        match key {
            "--script" => o.script = Some(value()?),
            "--echo" => o.echo = true,
            "--disks" => o.disks = Some(parse_disks(&value()?).map_err(|e| format!("storage-lab: --disks: {e}"))?),
            "--seed" => {
                let v = value()?;
                o.seed = v.parse().map_err(|_| format!("storage-lab: --seed: '{v}' is not a non-negative integer"))?;
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("storage-lab: unknown option '{other}'")),
        }
        i += 1;
    }
    Ok(o)
}

/// Runs `input` through a fresh shell and returns everything it prints.
pub fn run(options: &Options, input: &str) -> Result<String, String> {
    let start = match &options.disks {
        Some(d) => Start::Disks(d.clone()),
        None => Start::Lab,
    };
    let session = Session::new(start, options.seed);
    let mut shell = Shell::new(session.machine().map_err(|e| format!("storage-lab: --disks: {e}"))?);
    let mut out = String::new();
    for line in input.lines() {
        if options.echo && !shell.is_interactive() && !line.trim().is_empty() {
            out.push_str(&format!("# {line}\n"));
        }
        let result = shell.run(line);
        out.push_str(&result.text);
        #[cfg(feature = "shell-scripts")]
        if shell.exited.is_some() {
            return Ok(out);
        }
    }
    #[cfg_attr(not(feature = "shell-scripts"), allow(unused_mut))]
    let mut rest = shell.end_of_input();
    #[cfg(feature = "shell-scripts")]
    rest.join_errors();
    out.push_str(&rest.text);
    Ok(out)
}

/// Convenience for tests: run a script on the given start.
pub fn run_script(disks: Option<&str>, seed: u64, script: &str) -> String {
    let options = Options {
        script: None,
        echo: false,
        disks: disks.map(|d| parse_disks(d).unwrap_or_default()),
        seed,
    };
    run(&options, script).unwrap_or_else(|e| e)
}

