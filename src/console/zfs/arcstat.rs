//! The ARC's numbers as the host shows them: `/proc/spl/kstat/zfs/arcstats`
//! (the SPL's named kstat, every field of OpenZFS 2.2's `arc_stats`) and
//! `arc_summary` (the Python report of `cmd/arc_summary`), from the core's
//! ARC model.
//!
//! Simplified: `arc_summary` prints its sections `arc`, `archits`, `dmu`,
//! `l2arc` and `zil` and its graph (`-g`); the module parameters behind
//! `-s spl`, `-s tunables`, `-r`, `-a` and `-d` are not modelled, so a full
//! report leaves out those two sections. The prefetcher and the ZIL are
//! not modelled, so their counters stay 0.

use crate::console::fmt::{civil, fixed};
use crate::console::Output;
use crate::core::zfs::arc::{c_max_bytes, c_min_bytes, Arc, ArcState, HOST_MEMORY_BYTES, HOST_USED_BYTES};
use crate::core::Machine;

/// `arc_set_sys_free` for the host's memory: three boosted low watermarks
/// and a 32nd of memory.
fn sys_free_bytes() -> u64 {
    let kib = HOST_MEMORY_BYTES / 1024;
    let wmark = (4 * kib.isqrt() * 1024).clamp(128 << 10, 64 << 20);
    let wmark = wmark + wmark * 150 / 100;
    wmark * 3 + HOST_MEMORY_BYTES / 32
}

/// Every `arcstats` field in `arc_stats` order, with its value.
fn arcstats(arc: &Arc) -> Vec<(&'static str, i128)> {
    let s = &arc.stats;
    let size = arc.size().bytes;
    let [mru, mfu] = [ArcState::Mru, ArcState::Mfu].map(|l| arc.list(l).bytes);
    let [mrug, mfug] = [ArcState::MruGhost, ArcState::MfuGhost].map(|l| arc.list(l).lsize);
    let free = HOST_MEMORY_BYTES - HOST_USED_BYTES - size;
    let counted: [(&str, u64); 40] = [
        ("hits", s.hits),
        ("misses", s.misses),
        ("demand_data_hits", s.demand_data_hits),
        ("demand_data_misses", s.demand_data_misses),
        ("mru_hits", s.mru_hits),
        ("mru_ghost_hits", s.mru_ghost_hits),
        ("mfu_hits", s.mfu_hits),
        ("mfu_ghost_hits", s.mfu_ghost_hits),
        ("deleted", s.deleted),
        ("evict_l2_eligible", s.evict_l2_eligible),
        ("evict_l2_eligible_mfu", s.evict_l2_eligible_mfu),
        ("evict_l2_eligible_mru", s.evict_l2_eligible_mru),
        ("hash_elements", arc.hash_elements()),
        ("hash_elements_max", s.hash_elements_max),
        ("meta", 1 << 30),
        ("pd", 1 << 31),
        ("pm", 1 << 31),
        ("c", arc.c_bytes),
        ("c_min", c_min_bytes()),
        ("c_max", c_max_bytes()),
        ("size", size),
        ("compressed_size", size),
        ("uncompressed_size", arc.size().lsize),
        ("data_size", size),
        ("mru_size", mru),
        ("mru_data", mru),
        ("mru_evictable_data", mru),
        ("mru_ghost_size", mrug),
        ("mru_ghost_data", mrug),
        ("mru_ghost_evictable_data", mrug),
        ("mfu_size", mfu),
        ("mfu_data", mfu),
        ("mfu_evictable_data", mfu),
        ("mfu_ghost_size", mfug),
        ("mfu_ghost_data", mfug),
        ("mfu_ghost_evictable_data", mfug),
        ("memory_all_bytes", HOST_MEMORY_BYTES),
        ("memory_free_bytes", free),
        ("arc_dnode_limit", c_max_bytes() / 10),
        ("arc_sys_free", sys_free_bytes()),
    ];
    FIELDS
        .split_whitespace()
        .map(|name| {
            let value = match name {
                "memory_available_bytes" => free as i128 - sys_free_bytes() as i128,
                _ => counted.iter().find(|(n, _)| *n == name).map_or(0, |(_, v)| *v as i128),
            };
            (name, value)
        })
        .collect()
}

/// The fields of OpenZFS 2.2's `arc_stats` on Linux, in order.
const FIELDS: &str = "hits iohits misses demand_data_hits demand_data_iohits demand_data_misses \
demand_metadata_hits demand_metadata_iohits demand_metadata_misses prefetch_data_hits prefetch_data_iohits \
prefetch_data_misses prefetch_metadata_hits prefetch_metadata_iohits prefetch_metadata_misses mru_hits \
mru_ghost_hits mfu_hits mfu_ghost_hits uncached_hits deleted mutex_miss access_skip evict_skip \
evict_not_enough evict_l2_cached evict_l2_eligible evict_l2_eligible_mfu evict_l2_eligible_mru \
evict_l2_ineligible evict_l2_skip hash_elements hash_elements_max hash_collisions hash_chains \
hash_chain_max meta pd pm c c_min c_max size compressed_size uncompressed_size overhead_size hdr_size \
data_size metadata_size dbuf_size dnode_size bonus_size anon_size anon_data anon_metadata \
anon_evictable_data anon_evictable_metadata mru_size mru_data mru_metadata mru_evictable_data \
mru_evictable_metadata mru_ghost_size mru_ghost_data mru_ghost_metadata mru_ghost_evictable_data \
mru_ghost_evictable_metadata mfu_size mfu_data mfu_metadata mfu_evictable_data mfu_evictable_metadata \
mfu_ghost_size mfu_ghost_data mfu_ghost_metadata mfu_ghost_evictable_data mfu_ghost_evictable_metadata \
uncached_size uncached_data uncached_metadata uncached_evictable_data uncached_evictable_metadata \
l2_hits l2_misses l2_prefetch_asize l2_mru_asize l2_mfu_asize l2_bufc_data_asize l2_bufc_metadata_asize \
l2_feeds l2_rw_clash l2_read_bytes l2_write_bytes l2_writes_sent l2_writes_done l2_writes_error \
l2_writes_lock_retry l2_evict_lock_retry l2_evict_reading l2_evict_l1cached l2_free_on_write \
l2_abort_lowmem l2_cksum_bad l2_io_error l2_size l2_asize l2_hdr_size l2_log_blk_writes \
l2_log_blk_avg_asize l2_log_blk_asize l2_log_blk_count l2_data_to_meta_ratio l2_rebuild_success \
l2_rebuild_unsupported l2_rebuild_io_errors l2_rebuild_dh_errors l2_rebuild_cksum_lb_errors \
l2_rebuild_lowmem l2_rebuild_size l2_rebuild_asize l2_rebuild_bufs l2_rebuild_bufs_precached \
l2_rebuild_log_blks memory_throttle_count memory_direct_count memory_indirect_count memory_all_bytes \
memory_free_bytes memory_available_bytes arc_no_grow arc_tempreserve arc_loaned_bytes arc_prune \
arc_meta_used arc_dnode_limit async_upgrade_sync predictive_prefetch demand_hit_predictive_prefetch \
demand_iohit_predictive_prefetch prescient_prefetch demand_hit_prescient_prefetch \
demand_iohit_prescient_prefetch arc_need_free arc_sys_free arc_raw_size cached_only_in_progress \
abd_chunk_waste_size";

/// The kstat's id: the SPL numbers kstats as it creates them.
const ARCSTATS_KID: u32 = 13;
/// When the module created the kstat: 5 s after boot, in nanoseconds.
const ARCSTATS_CRTIME_NS: u64 = 5_000_000_000;

/// `/proc/spl/kstat/zfs/arcstats`: `kstat_seq_show_headers` (id, type 1
/// named, flags, count, 272 bytes per `kstat_named_t`, creation and snapshot
/// times), then a row per field (type 4 is `uint64`, 3 `int64`).
pub fn arcstats_file(m: &Machine) -> String {
    let rows = arcstats(&m.zfs().arc);
    let snaptime = ARCSTATS_CRTIME_NS + (m.now() - crate::core::machine::BOOT_TIME) * 1_000_000_000;
    let mut out = format!("{ARCSTATS_KID} 1 0x01 {} {} {ARCSTATS_CRTIME_NS} {snaptime}\n", rows.len(), rows.len() * 272);
    out.push_str(&format!("{:<31} {:<4} {}\n", "name", "type", "data"));
    for (name, value) in rows {
        let kind = if name == "memory_available_bytes" { 3 } else { 4 };
        out.push_str(&format!("{name:<31} {kind:<4} {value}\n"));
    }
    out
}

const LINE_LENGTH: usize = 72;
const INDENT: &str = "        ";
const USAGE: &str = "usage: arc_summary [-h] [-a] [-d] [-g] [-p PAGE] [-r] [-s SECTION]\n";
const HELP: &str = "\nPrint ARC and other statistics for OpenZFS\n\noptions:
  -h, --help            show this help message and exit
  -a, --alternate       use alternate formatting for tunables and SPL
  -d, --description     print descriptions with tunables and SPL
  -g, --graph           print graph on ARC use and exit
  -p PAGE, --page PAGE  print page by number (DEPRECATED, use \"-s\")
  -r, --raw             dump all available data with minimal formatting
  -s SECTION, --section SECTION
                        print info from one section (arc archits dmu l2arc spl
                        tunables vdev zil)
";

#[derive(Default)]
struct Args {
    graph: bool,
    page: Option<i64>,
    section: Option<String>,
    /// `-r`, `-a` or `-d`: about module parameters the lab lacks.
    params: Option<&'static str>,
}

fn usage_error(why: &str) -> Output {
    Output::error(format!("{USAGE}arc_summary: error: {why}\n"), 2)
}

/// argparse over `arc_summary`'s options.
fn parse(args: &[String]) -> Result<Args, Output> {
    let mut a = Args::default();
    let mut rest = args.iter();
    let mut unknown = Vec::new();
    while let Some(arg) = rest.next() {
        let (flags, value): (Vec<char>, Option<String>) = match arg.as_str() {
            "--help" => (vec!['h'], None),
            "--alternate" => (vec!['a'], None),
            "--description" => (vec!['d'], None),
            "--graph" => (vec!['g'], None),
            "--raw" => (vec!['r'], None),
            "--page" => (vec!['p'], None),
            "--section" => (vec!['s'], None),
            s if s.starts_with("--page=") => (vec!['p'], Some(s[7..].to_string())),
            s if s.starts_with("--section=") => (vec!['s'], Some(s[10..].to_string())),
            s if s.starts_with('-') && !s.starts_with("--") && s.len() > 1 => short(&s[1..]),
            _ => {
                unknown.push(arg.clone());
                continue;
            }
        };
        for f in flags {
            match f {
                'h' => return Err(Output::text(format!("{USAGE}{HELP}"), 0)),
                'a' => a.params = Some("-a"),
                'd' => a.params = Some("-d"),
                'r' => a.params = Some("-r"),
                'g' => a.graph = true,
                'p' | 's' => {
                    let opt = if f == 'p' { "-p/--page" } else { "-s/--section" };
                    let Some(v) = value.clone().or_else(|| rest.next().cloned()) else {
                        return Err(usage_error(&format!("argument {opt}: expected one argument")));
                    };
                    if f == 's' {
                        a.section = Some(v);
                    } else {
                        a.page = Some(v.trim().parse().map_err(|_| usage_error(&format!("argument {opt}: invalid int value: '{v}'")))?);
                    }
                }
                c => {
                    unknown.push(format!("-{c}"));
                }
            }
        }
    }
    if !unknown.is_empty() {
        return Err(usage_error(&format!("unrecognized arguments: {}", unknown.join(" "))));
    }
    Ok(a)
}

/// `-gs arc` or `-sarc`: flags until one that takes the rest as its value.
fn short(s: &str) -> (Vec<char>, Option<String>) {
    let mut flags = Vec::new();
    for (i, c) in s.char_indices() {
        flags.push(c);
        if matches!(c, 'p' | 's') {
            let rest = &s[i + 1..];
            return (flags, (!rest.is_empty()).then(|| rest.to_string()));
        }
    }
    (flags, None)
}

pub fn arc_summary(m: &Machine, args: &[String]) -> Output {
    let a = match parse(args) {
        Ok(a) => a,
        Err(out) => return out,
    };
    let arc = &m.zfs().arc;
    let stats: Vec<(&str, i128)> = arcstats(arc);
    let k = |name: &str| stats.iter().find(|(n, _)| *n == name).map_or(0, |(_, v)| *v);
    if a.graph {
        return Output::text(graph(&k), 0);
    }
    if let Some(opt) = a.params {
        return Output::error(format!("arc_summary: {opt}: the lab does not model ZFS's module parameters\n"), 1);
    }
    let mut out = header(m);
    let section = match (&a.section, a.page) {
        (Some(s), _) => Some(s.clone()),
        // `if ARGS.page:` takes page 0 for none.
        (None, Some(p)) if p != 0 => {
            out.push_str("WARNING: Pages are deprecated, please use \"--section\"\n\n");
            match p {
                1 => Some("arc".into()),
                2 => Some("archits".into()),
                3 => Some("l2arc".into()),
                4 => Some("dmu".into()),
                // OpenZFS 2.2 lists the page but has no such section: the
                // lookup fails outside its `try`.
                5 => return Output { text: out, err: "KeyError: 'vdev'\n".into(), exit_status: 1, ..Output::default() },
                6 => Some("tunables".into()),
                _ => return Output::text(format!("{out}Error: Page \"{p}\" not supported\n"), 1),
            }
        }
        (None, _) => None,
    };
    match section.as_deref() {
        None => {
            for s in ["arc", "archits", "dmu", "l2arc", "zil"] {
                out.push_str(&self::section(s, &k).unwrap_or_default());
            }
        }
        Some(s @ ("spl" | "tunables")) => return Output::error(format!("arc_summary: -s {s}: the lab does not model ZFS's module parameters\n"), 1),
        Some(s) => match self::section(s, &k) {
            Some(text) => out.push_str(&text),
            None => return Output::text(format!("{out}Error: Section \"{s}\" unknown\n"), 1),
        },
    }
    Output::text(out, 0)
}

/// `print_header`: the title and date, the kernel and module versions.
fn header(m: &Machine) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let secs = m.now();
    let (y, mo, d, h, mi, s) = civil(secs);
    let date = format!("{} {} {d:02} {h:02}:{mi:02}:{s:02} {y}", DAYS[(secs / 86400 % 7) as usize], MONTHS[(mo as usize - 1) % 12]);
    let version = "2.2.6-pve1";
    let sys = format!("Linux {}", m.kernel_release());
    let machine = format!("Machine: {} (x86_64)", m.hostname());
    let pad = |a: &str, b: &str| format!("{a:<w$}{b}\n", w = LINE_LENGTH.saturating_sub(b.len()));
    format!("\n{}\n{}{}{}\n", "-".repeat(LINE_LENGTH), pad("ZFS Subsystem Report", &date), pad(&sys, version), pad(&machine, version))
}

fn section(name: &str, k: &dyn Fn(&str) -> i128) -> Option<String> {
    match name {
        "arc" => Some(section_arc(k)),
        "archits" => Some(section_archits(k)),
        "dmu" => Some(section_dmu()),
        "l2arc" => Some("L2ARC not detected, skipping section\n\n".into()),
        "zil" => Some(section_zil()),
        _ => None,
    }
}

/// `f_bytes`: binary units to one decimal, plain bytes below 1 KiB.
fn f_bytes(v: f64) -> String {
    let bytes = v.trunc();
    const UNITS: [&str; 8] = ["YiB", "ZiB", "EiB", "PiB", "TiB", "GiB", "MiB", "KiB"];
    if bytes < 1024.0 {
        return format!("{} Bytes", bytes as i128);
    }
    let (scale, unit) = UNITS.iter().enumerate().map(|(i, u)| (2f64.powi(80 - 10 * i as i32), *u)).find(|(l, _)| bytes >= *l).unwrap_or((1024.0, "KiB"));
    format!("{} {unit}", fixed(bytes / scale, 1))
}

/// `f_hits`: SI letters to one decimal from 1000 on.
fn f_hits(v: i128) -> String {
    const SI: [&str; 8] = ["Y", "Z", "E", "P", "T", "G", "M", "k"];
    if v < 1000 {
        return v.to_string();
    }
    let (scale, sym) = SI.iter().enumerate().map(|(i, s)| (10f64.powi(24 - 3 * i as i32), *s)).find(|(l, _)| v as f64 >= *l).unwrap_or((1000.0, "k"));
    format!("{}{sym}", fixed(v as f64 / scale, 1))
}

/// `f_perc`: one decimal, `n/a` over zero, `< 0.1 %` for a tiny share.
fn f_perc(a: f64, b: f64) -> String {
    if b == 0.0 {
        return "n/a".into();
    }
    let text = format!("{} %", fixed(100.0 * a / b, 1));
    if text == "0.0 %" && a > 0.0 {
        return "< 0.1 %".into();
    }
    text
}

fn prt_1(out: &mut String, text: &str, value: &str) {
    let spc = LINE_LENGTH.saturating_sub(text.len() + value.len());
    out.push_str(&format!("{text}{}{value}\n", " ".repeat(spc)));
}

fn prt_i1(out: &mut String, text: &str, value: &str) {
    prt_1(out, &format!("{INDENT}{text}"), value);
}

fn prt_2(out: &mut String, text: &str, v1: &str, v2: &str) {
    let values = format!("{v1:>9}  {v2:>9}");
    let spc = LINE_LENGTH.saturating_sub(text.len() + values.len() + 2);
    out.push_str(&format!("{text}{}  {values}\n", " ".repeat(spc)));
}

fn prt_i2(out: &mut String, text: &str, v1: &str, v2: &str) {
    prt_2(out, &format!("{INDENT}{text}"), v1, v2);
}

fn section_arc(k: &dyn Fn(&str) -> i128) -> String {
    let f = |n: &str| k(n) as f64;
    let mut o = String::new();
    let throttle = k("memory_throttle_count");
    prt_1(&mut o, "ARC status:", if throttle == 0 { "HEALTHY" } else { "THROTTLED" });
    prt_i1(&mut o, "Memory throttle count:", &throttle.to_string());
    o.push('\n');
    let (size, max) = (f("size"), f("c_max"));
    prt_2(&mut o, "ARC size (current):", &f_perc(size, max), &f_bytes(size));
    prt_i2(&mut o, "Target size (adaptive):", &f_perc(f("c"), max), &f_bytes(f("c")));
    prt_i2(&mut o, "Min size (hard limit):", &f_perc(f("c_min"), max), &f_bytes(f("c_min")));
    prt_i2(&mut o, "Max size (high water):", &format!("{}:1", k("c_max") / k("c_min")), &f_bytes(max));
    let caches = ["anon", "mfu", "mru", "uncached"].iter().map(|l| f(&format!("{l}_data")) + f(&format!("{l}_metadata"))).sum::<f64>();
    let share = |o: &mut String, title: &str, field: &str| prt_i2(o, title, &f_perc(f(field), caches), &f_bytes(f(field)));
    share(&mut o, "Anonymous data size:", "anon_data");
    share(&mut o, "Anonymous metadata size:", "anon_metadata");
    let s = 4294967296f64;
    let target = |o: &mut String, title: &str, v: f64| prt_i2(o, title, &f_perc(v, s), &f_bytes(v / 65536.0 * caches / 65536.0));
    let (meta, pd, pm) = (f("meta"), f("pd"), f("pm"));
    for (list, data_v, meta_v) in [("MFU", (s - pd) * (s - meta) / s, (s - pm) * meta / s), ("MRU", pd * (s - meta) / s, pm * meta / s)] {
        let l = list.to_lowercase();
        target(&mut o, &format!("{list} data target:"), data_v);
        share(&mut o, &format!("{list} data size:"), &format!("{l}_data"));
        prt_i1(&mut o, &format!("{list} ghost data size:"), &f_bytes(f(&format!("{l}_ghost_data"))));
        target(&mut o, &format!("{list} metadata target:"), meta_v);
        share(&mut o, &format!("{list} metadata size:"), &format!("{l}_metadata"));
        prt_i1(&mut o, &format!("{list} ghost metadata size:"), &f_bytes(f(&format!("{l}_ghost_metadata"))));
    }
    share(&mut o, "Uncached data size:", "uncached_data");
    share(&mut o, "Uncached metadata size:", "uncached_metadata");
    let of_size = |o: &mut String, title: &str, field: &str| prt_i2(o, title, &f_perc(f(field), size), &f_bytes(f(field)));
    of_size(&mut o, "Bonus size:", "bonus_size");
    prt_i2(&mut o, "Dnode cache target:", &f_perc(f("arc_dnode_limit"), max), &f_bytes(f("arc_dnode_limit")));
    prt_i2(&mut o, "Dnode cache size:", &f_perc(f("dnode_size"), f("arc_dnode_limit")), &f_bytes(f("dnode_size")));
    of_size(&mut o, "Dbuf size:", "dbuf_size");
    of_size(&mut o, "Header size:", "hdr_size");
    of_size(&mut o, "L2 header size:", "l2_hdr_size");
    of_size(&mut o, "ABD chunk waste size:", "abd_chunk_waste_size");
    o.push_str("\nARC hash breakdown:\n");
    prt_i1(&mut o, "Elements max:", &f_hits(k("hash_elements_max")));
    prt_i2(&mut o, "Elements current:", &f_perc(f("hash_elements"), f("hash_elements_max")), &f_hits(k("hash_elements")));
    prt_i1(&mut o, "Collisions:", &f_hits(k("hash_collisions")));
    prt_i1(&mut o, "Chain max:", &f_hits(k("hash_chain_max")));
    prt_i1(&mut o, "Chains:", &f_hits(k("hash_chains")));
    o.push_str("\nARC misc:\n");
    prt_i1(&mut o, "Deleted:", &f_hits(k("deleted")));
    prt_i1(&mut o, "Mutex misses:", &f_hits(k("mutex_miss")));
    prt_i1(&mut o, "Eviction skips:", &f_hits(k("evict_skip")));
    prt_i1(&mut o, "Eviction skips due to L2 writes:", &f_hits(k("evict_l2_skip")));
    prt_i1(&mut o, "L2 cached evictions:", &f_bytes(f("evict_l2_cached")));
    prt_i1(&mut o, "L2 eligible evictions:", &f_bytes(f("evict_l2_eligible")));
    for (title, field) in [("L2 eligible MFU evictions:", "evict_l2_eligible_mfu"), ("L2 eligible MRU evictions:", "evict_l2_eligible_mru")] {
        prt_i2(&mut o, title, &f_perc(f(field), f("evict_l2_eligible")), &f_bytes(f(field)));
    }
    prt_i1(&mut o, "L2 ineligible evictions:", &f_bytes(f("evict_l2_ineligible")));
    o.push('\n');
    o
}

fn section_archits(k: &dyn Fn(&str) -> i128) -> String {
    let mut o = String::new();
    let all = k("hits") + k("iohits") + k("misses");
    prt_1(&mut o, "ARC total accesses:", &f_hits(all));
    for (title, field) in [("Total hits:", "hits"), ("Total I/O hits:", "iohits"), ("Total misses:", "misses")] {
        prt_i2(&mut o, title, &f_perc(k(field) as f64, all as f64), &f_hits(k(field)));
    }
    o.push('\n');
    for (kind, field) in [("demand data", "demand_data"), ("demand metadata", "demand_metadata"), ("prefetch data", "prefetch_data"), ("prefetch metadata", "prefetch_metadata")] {
        let parts = [("hits", "hits"), ("I/O hits", "iohits"), ("misses", "misses")].map(|(t, f)| (t, k(&format!("{field}_{f}"))));
        let total: i128 = parts.iter().map(|p| p.1).sum();
        prt_2(&mut o, &format!("ARC {kind} accesses:"), &f_perc(total as f64, all as f64), &f_hits(total));
        let mut title = kind.to_string();
        title[..1].make_ascii_uppercase();
        for (t, v) in parts {
            prt_i2(&mut o, &format!("{title} {t}:"), &f_perc(v as f64, total as f64), &f_hits(v));
        }
        o.push('\n');
    }
    let prefetches = k("predictive_prefetch") + k("prescient_prefetch");
    for kind in ["predictive", "prescient"] {
        let n = k(&format!("{kind}_prefetch"));
        let (hit, iohit) = (k(&format!("demand_hit_{kind}_prefetch")), k(&format!("demand_iohit_{kind}_prefetch")));
        prt_2(&mut o, &format!("ARC {kind} prefetches:"), &f_perc(n as f64, prefetches as f64), &f_hits(n));
        prt_i2(&mut o, &format!("Demand hits after {kind}:"), &f_perc(hit as f64, n as f64), &f_hits(hit));
        prt_i2(&mut o, &format!("Demand I/O hits after {kind}:"), &f_perc(iohit as f64, n as f64), &f_hits(iohit));
        let never = n - hit - iohit;
        prt_i2(&mut o, &format!("Never demanded after {kind}:"), &f_perc(never as f64, n as f64), &f_hits(never));
        o.push('\n');
    }
    o.push_str("ARC states hits of all accesses:\n");
    let states = [
        ("Most frequently used (MFU):", "mfu_hits"),
        ("Most recently used (MRU):", "mru_hits"),
        ("Most frequently used (MFU) ghost:", "mfu_ghost_hits"),
        ("Most recently used (MRU) ghost:", "mru_ghost_hits"),
        ("Uncached:", "uncached_hits"),
    ];
    for (title, field) in states {
        prt_i2(&mut o, title, &f_perc(k(field) as f64, all as f64), &f_hits(k(field)));
    }
    o.push('\n');
    o
}

/// The prefetcher's counters (`zfetchstats`), all 0 in the lab.
fn section_dmu() -> String {
    let mut o = String::new();
    prt_1(&mut o, "DMU predictive prefetcher calls:", "0");
    for title in ["Stream hits:", "Hits ahead of stream:", "Hits behind stream:", "Stream misses:", "Streams limit reached:"] {
        prt_i2(&mut o, title, "n/a", "0");
    }
    prt_i1(&mut o, "Stream strides:", "0");
    prt_i1(&mut o, "Prefetches issued", "0");
    o.push('\n');
    o
}

/// The ZIL's counters, all 0 in the lab (it has no intent log).
fn section_zil() -> String {
    let mut o = String::new();
    prt_1(&mut o, "ZIL committed transactions:", "0");
    prt_i1(&mut o, "Commit requests:", "0");
    prt_i1(&mut o, "Flushes to stable storage:", "0");
    prt_i2(&mut o, "Transactions to SLOG storage pool:", "0 Bytes", "0");
    prt_i2(&mut o, "Transactions to non-SLOG storage pool:", "0 Bytes", "0");
    o.push('\n');
    o
}

/// `draw_graph`: one line of sizes, and a bar of the ARC's share of
/// `c_max` split into MFU (F), MRU (R) and other (O).
fn graph(k: &dyn Fn(&str) -> i128) -> String {
    const WIDTH: usize = 60;
    let f = |n: &str| k(n) as f64;
    let max = f("c_max");
    let info = format!(
        "ARC: {} ({})  MFU: {}  MRU: {}  META: {} DNODE {} ({})",
        f_bytes(f("size")),
        f_perc(f("size"), max),
        f_bytes(f("mfu_size")),
        f_bytes(f("mru_size")),
        f_bytes(f("arc_meta_used")),
        f_bytes(f("dnode_size")),
        f_bytes(f("arc_dnode_limit"))
    );
    let info_spc = " ".repeat(WIDTH.saturating_sub(info.len()) / 2);
    let ticks = |v: f64| v / max * WIDTH as f64;
    let (mfu, mru, total) = (ticks(f("mfu_size")), ticks(f("mru_size")), ticks(f("size")));
    let other = total - (mfu + mru);
    let bar = format!("{}{}{}", "F".repeat(mfu as usize), "R".repeat(mru as usize), "O".repeat(other.max(0.0) as usize));
    let line = format!("    +{}+", "-".repeat(WIDTH - 2));
    format!("\n    {info_spc}{info}\n{line}\n    |{bar}{}|\n{line}\n\n", " ".repeat((WIDTH - 2).saturating_sub(bar.len())))
}
