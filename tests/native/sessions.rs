//! Saved sessions and links: a corpus of logs made with earlier builds must
//! replay to the same state, files round-trip through JSON, and bad files get
//! a clear error.

use std::path::Path;
use storage_lab::console::session::{Session, Start, FORMAT_VERSION, MAX_SESSION_LINES};
use storage_lab::console::Shell;

/// The commands whose output is compared after a corpus session replays.
const PROBE: &[&str] = &["lsblk -o NAME,SIZE,TYPE,FSTYPE,MOUNTPOINTS", "pvs", "vgs", "lvs -a", "swapon --show", "findmnt -n -o TARGET,SOURCE /mnt/data"];

fn state_after(session: &Session) -> String {
    let (mut shell, _, _): (Shell, _, _) = session.replay().expect("the session's machine");
    let mut out = String::new();
    for cmd in PROBE {
        let o = shell.run(cmd);
        out.push_str(&format!("$ {cmd}\n{}{}", o.err, o.text));
    }
    out
}

#[test]
fn saved_sessions_replay_to_the_state_recorded_with_them() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sessions");
    let mut names: Vec<_> = std::fs::read_dir(&dir).expect("tests/sessions").filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "json" || x == "txt")).collect();
    names.sort();
    assert!(names.len() >= 4, "the corpus has sessions for both figures and a version 1 script");
    let mut problems = Vec::new();
    for path in names {
        let text = std::fs::read_to_string(&path).expect("session file");
        let session = Session::from_text(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let expected_path = path.with_extension("expected");
        let actual = state_after(&session);
        if std::env::var_os("BLESS").is_some() {
            std::fs::write(&expected_path, &actual).expect("write .expected");
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if actual != expected {
            problems.push(format!("{}:\n--- recorded\n{expected}--- now\n{actual}", path.display()));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_session_survives_json_and_a_link() {
    let s = Session { start: Start::Disks(vec![("sdb".into(), 1 << 30)]), seed: 9, lines: vec!["lsblk".into(), "printf 'a\\tb'".into(), "é".into()] };
    assert_eq!(Session::from_json(&s.to_json()), Ok(s.clone()));
    assert_eq!(Session::from_fragment(&format!("#{}", s.to_fragment())), Ok(s.clone()));
    let json = s.to_json();
    assert!(json.contains("\"format\": \"storage-lab-session\""), "{json}");
    assert!(json.contains(&format!("\"version\": {FORMAT_VERSION}")), "{json}");
}

#[test]
fn old_links_in_the_version_1_script_form_still_open() {
    let v1 = "# storage-lab session v1\n# seed: 4\n# disks: lab\nlsblk\n";
    let link = format!("#s={}", storage_lab::console::session::base64url_encode(v1.as_bytes()));
    let s = Session::from_fragment(&link).expect("a v1 link");
    assert_eq!((s.seed, s.start, s.lines), (4, Start::Lab, vec!["lsblk".to_string()]));
}

#[test]
fn bad_session_files_say_what_is_wrong() {
    let err = |text: &str| Session::from_text(text).map(|_| ()).unwrap_err().to_string();
    assert_eq!(err("{\"format\": \"storage-lab-session\", \"version\": 2"), "the session file is not valid: it ends too early (line 1, column 46)");
    assert_eq!(err("{\"format\": \"storage-lab-session\", \"version\": 2, \"seed\": 1, \"start\": \"lab\"}"), "the session file is not valid: it does not have a session's fields (line 1, column 74)");
    assert_eq!(err("{\"format\": \"photo-album\", \"version\": 2, \"seed\": 1, \"start\": \"lab\", \"lines\": []}"), "this is not a Storage Lab session");
    assert_eq!(
        err("{\"format\": \"storage-lab-session\", \"version\": 9, \"seed\": 1, \"start\": \"lab\", \"lines\": []}"),
        "the session was saved by a newer Storage Lab (format 9; this one reads up to 2)"
    );
    assert_eq!(
        err("{\"format\": \"storage-lab-session\", \"version\": 2, \"seed\": 1, \"start\": {\"disks\": [{\"name\": \"hda\", \"size_bytes\": 1024}]}, \"lines\": []}"),
        "the session's disk list is invalid: 'hda' is not a disk name like sdb, nvme0n1 or loop0"
    );
    assert_eq!(err("hello"), "this is not a Storage Lab session");
    let huge = format!("{{\"format\": \"storage-lab-session\", \"version\": 2, \"seed\": 1, \"start\": \"lab\", \"lines\": [{}]}}", vec!["\"lsblk\""; MAX_SESSION_LINES + 1].join(","));
    assert_eq!(err(&huge), "the session is too large to load (at most 20000 lines)");
}
