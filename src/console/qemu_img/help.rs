//! `qemu-img --help` and `qemu-img COMMAND --help`: QEMU 10.0.2's own texts
//! (help/*.txt, written by the real tool), for the commands the lab has.

const TOP: &str = include_str!("help/qemu-img.txt");
const COMMANDS: [(&str, &str); 10] = [
    ("create", include_str!("help/create.txt")),
    ("info", include_str!("help/info.txt")),
    ("check", include_str!("help/check.txt")),
    ("map", include_str!("help/map.txt")),
    ("measure", include_str!("help/measure.txt")),
    ("resize", include_str!("help/resize.txt")),
    ("compare", include_str!("help/compare.txt")),
    ("convert", include_str!("help/convert.txt")),
    ("snapshot", include_str!("help/snapshot.txt")),
    ("dd", include_str!("help/dd.txt")),
];

/// The help `args` ask for: `--help` (or `-h`) alone, or among a command's options.
pub fn text(args: &[String]) -> Option<&'static str> {
    let (cmd, rest) = args.split_first()?;
    if cmd == "-h" || cmd == "--help" {
        return Some(TOP);
    }
    if !rest.iter().any(|a| a == "-h" || a == "--help") {
        return None;
    }
    COMMANDS.iter().find(|c| c.0 == cmd).map(|c| c.1)
}
