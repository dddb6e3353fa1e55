//! vgcfgbackup: each VG's metadata as a backup file, in /etc/lvm/backup/VG or
//! in the file `-f` names (`%s` there stands for the VG's name).

use super::metadata::vg_text;
use super::*;
use crate::console::{Output, Shell};
use crate::core::media::Chunk;

pub(super) fn vgcfgbackup(shell: &mut Shell, a: &Args, line: &str) -> Output {
    let mut t = String::new();
    let mut status = 0;
    let mut names = a.positional.clone();
    if names.is_empty() {
        names = shell.machine.lvm().vgs.iter().map(|v| v.name.clone()).collect();
        crate::core::order::small_sort(&mut names);
    }
    let mut last_file = None;
    for name in names {
        if let Err(line) = backup_one(shell, a, line, &name, &mut last_file, &mut t) {
            if !line.is_empty() {
                err_msg(&mut t, line);
            }
            status = 5;
        }
    }
    Output { text: t, exit_status: status, ..Output::default() }
}

/// Backs up one VG; the error is lvm2's message (empty when already printed).
fn backup_one(shell: &mut Shell, a: &Args, line: &str, name: &str, last_file: &mut Option<String>, t: &mut String) -> Result<(), &'static str> {
    let Some(vg) = shell.machine.lvm().vg(name).cloned() else {
        not_found_vg(t, name);
        return Err("");
    };
    let (path, description) = match &a.file {
        Some(template) => {
            let path = shell.abs(&template.replace("%s", name).replace("%%", "%"));
            if last_file.as_deref() == Some(path.as_str()) {
                return Err("VGs must be backed up into different files. Use %s in filename for VG name.");
            }
            *last_file = Some(path.clone());
            (path, line.to_string())
        }
        None => {
            let _ = shell.machine.mkdir("/etc/lvm/backup", true);
            (format!("/etc/lvm/backup/{name}"), format!("Created *after* executing '{line}'"))
        }
    };
    let text = vg_text(&shell.machine, &vg, &description, true);
    let written = shell.machine.create_file(&path, true).and_then(|_| shell.machine.write_file(&path, 0, Chunk::bytes(text.as_bytes())));
    if written.is_err() {
        return Err("Couldn't create temporary text file name.");
    }
    msg(t, &format!("Volume group \"{name}\" successfully backed up."));
    Ok(())
}
