//! Component tests in headless Chromium (wasm-bindgen-test): the real App and
//! reducer in a real DOM. Tests poll for the expected DOM; none sleeps a fixed time.
#![cfg(target_arch = "wasm32")]

use gloo_timers::future::TimeoutFuture;
use std::rc::Rc;
use storage_lab::console::session::{Session, Start};
use storage_lab::ui::state::{Action, Lab};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use yew::Reducible;

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().and_then(|w| w.document()).expect("document")
}

/// Polls `cond` every 20 ms until it holds or 5 s pass.
async fn wait_for(what: &str, cond: impl Fn() -> bool) {
    for _ in 0..250 {
        if cond() {
            return;
        }
        TimeoutFuture::new(20).await;
    }
    panic!("timed out waiting for {what}");
}

fn query(sel: &str) -> Option<web_sys::Element> {
    document().query_selector(sel).ok().flatten()
}

async fn mount() -> web_sys::Element {
    if let Ok(Some(storage)) = web_sys::window().unwrap().local_storage() {
        let _ = storage.remove_item("storage-lab.session");
    }
    let root = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&root).unwrap();
    yew::Renderer::<storage_lab::ui::App>::with_root(root.clone()).render();
    wait_for("the console input", || query("#console-input").is_some()).await;
    root
}

fn type_line(line: &str) {
    let input: web_sys::HtmlInputElement = query("#console-input").unwrap().dyn_into().unwrap();
    input.set_value(line);
    let init = web_sys::KeyboardEventInit::new();
    init.set_key("Enter");
    init.set_bubbles(true);
    let ev = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    input.dispatch_event(&ev).unwrap();
}

fn output_text() -> String {
    query("#console-output").and_then(|e| e.text_content()).unwrap_or_default()
}

#[wasm_bindgen_test]
async fn app_sets_ready_and_runs_typed_commands() {
    let root = mount().await;
    wait_for("data-ready", || document().body().unwrap().has_attribute("data-ready")).await;
    type_line("lsblk -d -o NAME,MAJ:MIN");
    wait_for("lsblk output", || output_text().contains("sdb       8:16")).await;
    assert!(output_text().contains("root@pve:~# lsblk -d -o NAME,MAJ:MIN"));
    root.remove();
}

#[wasm_bindgen_test]
async fn new_partition_button_types_fdisk_and_draws_a_pending_partition() {
    let root = mount().await;
    let button: web_sys::HtmlElement = query("[data-action=new-partition]").unwrap().dyn_into().unwrap();
    button.click();
    wait_for("a pending sdb1", || query("[data-dev=sdb1][data-pending]").is_some()).await;
    assert!(output_text().contains("root@pve:~# fdisk /dev/sdb"), "{}", output_text());
    let write: web_sys::HtmlElement = query("[data-action=write-table]").unwrap().dyn_into().unwrap();
    write.click();
    wait_for("sdb1 written", || query("[data-dev=sdb1]").is_some() && query("[data-dev=sdb1][data-pending]").is_none()).await;
    assert!(output_text().contains("Syncing disks."));
    root.remove();
}

#[wasm_bindgen_test]
fn undo_removes_a_whole_dialog_and_redo_brings_it_back() {
    let lab = Rc::new(Lab::new(Session::new(Start::Disks(vec![("sdb".into(), 1 << 30)]), 3)));
    let lines: Vec<String> = ["lsblk", "fdisk /dev/sdb", "g", "n", "", "", "+100M", "w"].iter().map(|s| s.to_string()).collect();
    let lab = lab.reduce(Action::Run(lines));
    assert_eq!(lab.shell.machine.disks()[0].kernel_partitions.len(), 1);
    let lab = lab.reduce(Action::Undo);
    assert_eq!(lab.session.lines, vec!["lsblk".to_string()]);
    assert!(lab.shell.machine.disks()[0].kernel_partitions.is_empty());
    let lab = lab.reduce(Action::Redo);
    assert_eq!(lab.shell.machine.disks()[0].kernel_partitions.len(), 1);
    let lab = lab.reduce(Action::Reset);
    assert!(lab.session.lines.is_empty());
}

/// Figure 5's plot comes from the log: undo takes the last point away,
/// redo brings it back, reset empties it.
#[wasm_bindgen_test]
fn undo_and_redo_move_the_host_space_plot_with_the_log() {
    let qcow2 = "/var/lib/vz/images/101/a.qcow2";
    let lab = Rc::new(Lab::new(Session::new(Start::Lab, 0)));
    let lab = lab.reduce(Action::Run(vec!["mkdir -p /var/lib/vz/images/101".into(), format!("qemu-img create -f qcow2 {qcow2} 1G")]));
    let lab = lab.reduce(Action::Run(vec![format!("qemu-io -c 'write 0 1M' {qcow2}")]));
    // du of the real qemu-img 10.0.2's image: 200704, then 1314816.
    assert_eq!(lab.space.series[0].points, vec![(1, 200704), (2, 1314816)]);
    let lab = lab.reduce(Action::Undo);
    assert_eq!((lab.space.steps, &lab.space.series[0].points), (1, &vec![(1, 200704)]));
    let lab = lab.reduce(Action::Redo);
    assert_eq!(lab.space.series[0].points, vec![(1, 200704), (2, 1314816)]);
    let lab = lab.reduce(Action::Reset);
    assert!(lab.space.series.is_empty());
}

#[wasm_bindgen_test]
fn a_broken_session_keeps_the_current_state_and_says_why() {
    let lab = Rc::new(Lab::new(Session::new(Start::Lab, 0)));
    let lab = lab.reduce(Action::Run(vec!["pvcreate /dev/sdb".into()]));
    let broken = Session { start: Start::Disks(vec![("hda".into(), 1 << 30)]), seed: 1, lines: vec![] };
    let after = lab.clone().reduce(Action::Load(broken));
    assert_eq!(after.session.lines, lab.session.lines);
    assert!(after.error.as_deref().unwrap_or_default().contains("Could not load the session"));
}

#[wasm_bindgen_test]
fn a_paused_animation_moves_only_by_steps() {
    let lab = Rc::new(Lab::new(Session::new(Start::Disks(vec![("sdb".into(), 1 << 30)]), 3)));
    let lab = lab.reduce(Action::TogglePause);
    let lab = lab.reduce(Action::Run(vec!["sfdisk /dev/sdb".into(), "label: gpt".into(), ",100M".into(), "write".into()]));
    assert!(lab.anim.timeline.len() > 2, "sfdisk produced events");
    let lab = lab.reduce(Action::Tick);
    assert_eq!(lab.anim.cursor, 0, "the timer does not move a paused animation");
    let lab = lab.reduce(Action::Step);
    assert_eq!(lab.anim.cursor, 1);
    let lab = lab.reduce(Action::Skip);
    assert!(!lab.anim.pending());
}

#[wasm_bindgen_test]
fn stepping_back_and_forth_walks_the_frames_of_lvcreate() {
    let lab = Rc::new(Lab::new(Session::new(Start::Disks(vec![("sdb".into(), 1 << 30)]), 3)));
    let lab = lab.reduce(Action::Run(vec!["pvcreate /dev/sdb".into(), "vgcreate vg /dev/sdb".into()]));
    let lab = lab.reduce(Action::Skip);
    let lab = lab.reduce(Action::Run(vec!["lvcreate -n a -L 100M vg".into()]));
    assert_eq!(lab.figure, storage_lab::view::FigureId::Lvm, "the LVM figure follows lvcreate");
    let lab = lab.reduce(Action::Skip);
    let after = lab.scene(&storage_lab::view::Scene::of(&lab.shell)).without_focus();
    let lab = lab.reduce(Action::StepBack);
    assert!(lab.anim.paused, "stepping back pauses");
    assert_eq!(lab.anim.cursor, 1);
    let lab = lab.reduce(Action::StepBack);
    assert!(lab.scene(&storage_lab::view::Scene::of(&lab.shell)).vg("vg").is_some_and(|v| v.lvs.is_empty()), "frame 0 has no LV yet");
    let lab = lab.reduce(Action::Step);
    assert!(lab.anim.caption().unwrap_or_default().contains("vg/a is created"));
    let lab = lab.reduce(Action::Step);
    assert_eq!(lab.scene(&storage_lab::view::Scene::of(&lab.shell)).without_focus(), after);
}

#[wasm_bindgen_test]
fn a_pinned_figure_stays_and_speeds_are_the_four_offered() {
    let lab = Rc::new(Lab::new(Session::new(Start::Disks(vec![("sdb".into(), 1 << 30)]), 3)));
    let lab = lab.reduce(Action::TogglePin);
    let lab = lab.reduce(Action::Run(vec!["pvcreate /dev/sdb".into()]));
    assert_eq!(lab.figure, storage_lab::view::FigureId::Blocks);
    let lab = lab.reduce(Action::SetSpeed(4.0));
    assert_eq!(lab.anim.step_ms(500), 125);
    let lab = lab.reduce(Action::SetSpeed(3.0));
    assert_eq!(lab.anim.speed, 1.0, "an unknown speed falls back to 1x");
}

#[wasm_bindgen_test]
fn undo_from_a_checkpoint_gives_the_state_a_full_replay_gives() {
    let lab = Rc::new(Lab::new(Session::new(Start::Disks(vec![("sdb".into(), 1 << 30)]), 3)));
    let mut lines = vec!["pvcreate /dev/sdb".to_string(), "vgcreate vg /dev/sdb".to_string()];
    for i in 0..150 {
        lines.push(format!("lvcreate -n lv{i} -L 4M vg"));
        lines.push("fdisk /dev/sdb".into());
        lines.push("q".into());
    }
    let lab = lab.reduce(Action::Run(lines.clone()));
    let lab = lab.reduce(Action::Run(vec!["lvremove -y vg/lv3".into()]));
    let lab = lab.reduce(Action::Undo);
    assert_eq!(lab.session.lines, lines);
    let lab = lab.reduce(Action::Undo);
    assert_eq!(lab.session.lines.len(), lines.len() - 2, "fdisk and its answer q go together");
    let fresh = Lab::new(lab.session.clone());
    assert_eq!(storage_lab::view::Scene::of(&lab.shell), storage_lab::view::Scene::of(&fresh.shell));
    assert_eq!(lab.entries, fresh.entries);
    assert_eq!(lab.shell.machine.lvm().vgs[0].lvs.len(), 150);
}

/// The reducer with `qemu-img snapshot` in wasm (default features; the
/// release bundle leaves the command out for now, see ARCHITECTURE.md).
#[cfg(feature = "qcow2-snapshots")]
#[wasm_bindgen_test]
fn the_reducer_takes_applies_and_undoes_a_qcow2_snapshot_in_wasm() {
    let lab = Rc::new(Lab::new(Session::new(Start::Disks(vec![("sdb".into(), 4 << 30)]), 3)));
    let setup = ["mkfs.ext4 -q /dev/sdb", "mkdir -p /mnt/lab", "mount /dev/sdb /mnt/lab", "qemu-img create -f qcow2 /mnt/lab/vm.qcow2 1G", "qemu-io -c 'write -P 0xab 0 4k' /mnt/lab/vm.qcow2"];
    let lab = lab.reduce(Action::Run(setup.iter().map(|s| s.to_string()).collect()));
    let lab = lab.reduce(Action::Run(vec!["qemu-img snapshot -c before_update /mnt/lab/vm.qcow2".into()]));
    let lab = lab.reduce(Action::Run(vec!["qemu-io -c 'write -P 0x11 0 4k' /mnt/lab/vm.qcow2".into(), "qemu-img snapshot -a before_update /mnt/lab/vm.qcow2".into()]));
    let lab = lab.reduce(Action::Run(vec!["qemu-io -c 'read -P 0xab 0 4k' /mnt/lab/vm.qcow2".into()]));
    let screen = |lab: &Lab| lab.entries.iter().map(|e| e.text.as_str()).collect::<Vec<_>>().join("\n");
    assert!(screen(&lab).contains("read 4096/4096 bytes at offset 0\n"), "{}", screen(&lab));
    assert!(!screen(&lab).contains("Pattern verification failed"), "{}", screen(&lab));
    let lab = lab.reduce(Action::Run(vec!["qemu-img snapshot -l /mnt/lab/vm.qcow2".into()]));
    assert!(screen(&lab).contains("1       before_update         0 B"), "{}", screen(&lab));
    let lab = (0..5).fold(lab, |lab, _| lab.reduce(Action::Undo));
    let image = lab.shell.machine.read_file("/mnt/lab/vm.qcow2", 60, 4).unwrap_or_default();
    assert_eq!(image, vec![0, 0, 0, 0], "nb_snapshots after undoing the snapshot");
}

#[wasm_bindgen_test]
fn a_qcow2_read_follows_to_figure_5_and_its_walk_stays_after_the_last_frame() {
    let img = "/var/lib/vz/images/101/vm-101-disk-0.qcow2";
    let lab = Rc::new(Lab::new(Session::new(Start::Disks(vec![("sdb".into(), 1 << 30)]), 3)));
    let lab = lab.reduce(Action::Run(vec!["mkdir -p /var/lib/vz/images/101".into(), format!("qemu-img create -f qcow2 {img} 1G"), format!("qemu-io -c 'write -P 1 0 64k' {img}")]));
    assert_eq!(lab.figure, storage_lab::view::FigureId::Images, "Figure 5 follows qemu-img create");
    let lab = lab.reduce(Action::Skip);
    let lab = lab.reduce(Action::Run(vec![format!("qemu-io -c 'read 0 4k' {img}")]));
    assert_eq!(lab.anim.timeline.len(), 3, "the read, the L1 entry, the L2 entry");
    let lab = lab.reduce(Action::Skip);
    let lookup = lab.scene(&storage_lab::view::Scene::of(&lab.shell)).lookup.expect("the walk is still drawn");
    // Real qemu-img: the first data cluster of a fresh 64 KiB-cluster image
    // sits at 0x50000, after the header, refcount table and block, L1 and L2.
    assert_eq!((lookup.l1, lookup.l2), (Some((0, 0x40000)), Some((0, 0x50000))));
}
