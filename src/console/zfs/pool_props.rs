//! `zpool get` and `zpool set`: the pool properties of `zpool_prop.c`, in
//! `zpool_prop_t` order, valued as `zpool_get_prop` prints them.
//! Simplified: the settable ones are stored and shown but change nothing
//! else (autoexpand does not grow a pool, failmode does not act). The
//! `feature@` rows are every feature enabled, as `zpool create` leaves
//! them, active as the lab's pool uses them.

use super::pool::bad_option;
use super::{getopt, nicenum, Columns};
use crate::console::Output;
use crate::core::machine::Machine;
use crate::core::zfs::Pool;

/// `zpool get`'s properties: name, column name, fixed width (numbers and
/// indexes; `None` for strings, which widen to their values).
pub(super) const POOL_PROPS: &[(&str, &str, Option<usize>)] = &[
    ("size", "SIZE", Some(5)),
    ("capacity", "CAP", Some(5)),
    ("altroot", "ALTROOT", None),
    ("health", "HEALTH", Some(8)),
    ("guid", "GUID", None),
    ("version", "VERSION", Some(7)),
    ("bootfs", "BOOTFS", None),
    ("delegation", "DELEGATION", Some(10)),
    ("autoreplace", "REPLACE", Some(7)),
    ("cachefile", "CACHEFILE", None),
    ("failmode", "FAILMODE", Some(8)),
    ("listsnapshots", "LISTSNAPS", Some(9)),
    ("autoexpand", "EXPAND", Some(6)),
    ("dedupratio", "DEDUP", Some(5)),
    ("free", "FREE", Some(5)),
    ("allocated", "ALLOC", Some(5)),
    ("readonly", "RDONLY", Some(6)),
    ("ashift", "ASHIFT", Some(6)),
    ("comment", "COMMENT", None),
    ("expandsize", "EXPANDSZ", Some(8)),
    ("freeing", "FREEING", Some(7)),
    ("fragmentation", "FRAG", Some(5)),
    ("leaked", "LEAKED", Some(6)),
    ("multihost", "MULTIHOST", Some(9)),
    ("checkpoint", "CKPOINT", Some(7)),
    ("load_guid", "LOAD_GUID", None),
    ("autotrim", "AUTOTRIM", Some(8)),
    ("compatibility", "COMPATIBILITY", None),
    ("bcloneused", "BCLONE_USED", Some(11)),
    ("bclonesaved", "BCLONE_SAVED", Some(12)),
    ("bcloneratio", "BCLONE_RATIO", Some(12)),
];

/// OpenZFS 2.2.6's features in `spa_feature_t` order (`zfeature_common.c`):
/// name, whether it is read-only compatible, and its description.
pub(super) const FEATURES: &[(&str, bool, &str)] = &[
    ("async_destroy", true, "Destroy filesystems asynchronously."),
    ("empty_bpobj", true, "Snapshots use less space."),
    ("lz4_compress", false, "LZ4 compression algorithm support."),
    ("multi_vdev_crash_dump", false, "Crash dumps to multiple vdev pools."),
    ("spacemap_histogram", true, "Spacemaps maintain space histograms."),
    ("enabled_txg", true, "Record txg at which a feature is enabled"),
    ("hole_birth", false, "Retain hole birth txg for more precise zfs send"),
    ("extensible_dataset", false, "Enhanced dataset functionality, used by other features."),
    ("embedded_data", false, "Blocks which compress very well use even less space."),
    ("bookmarks", true, "\"zfs bookmark\" command"),
    ("filesystem_limits", true, "Filesystem and snapshot limits."),
    ("large_blocks", false, "Support for blocks larger than 128KB."),
    ("large_dnode", false, "Variable on-disk size of dnodes."),
    ("sha512", false, "SHA-512/256 hash algorithm."),
    ("skein", false, "Skein hash algorithm."),
    ("edonr", false, "Edon-R hash algorithm."),
    ("userobj_accounting", true, "User/Group object accounting."),
    ("encryption", false, "Support for dataset level encryption"),
    ("project_quota", true, "space/object accounting based on project ID."),
    ("device_removal", false, "Top-level vdevs can be removed, reducing logical pool size."),
    ("obsolete_counts", true, "Reduce memory used by removed devices when their blocks are freed or remapped."),
    ("zpool_checkpoint", true, "Pool state can be checkpointed, allowing rewind later."),
    ("spacemap_v2", true, "Space maps representing large segments are more efficient."),
    ("allocation_classes", true, "Support for separate allocation classes."),
    ("resilver_defer", true, "Support for deferring new resilvers when one is already running."),
    ("bookmark_v2", false, "Support for larger bookmarks"),
    ("redaction_bookmarks", false, "Support for bookmarks which store redaction lists for zfs redacted send/recv."),
    ("redacted_datasets", false, "Support for redacted datasets, produced by receiving a redacted zfs send stream."),
    ("bookmark_written", false, "Additional accounting, enabling the written#<bookmark> property (space written since a bookmark), and estimates of send stream sizes for incrementals from bookmarks."),
    ("log_spacemap", true, "Log metaslab changes on a single spacemap and flush them periodically."),
    ("livelist", true, "Improved clone deletion performance."),
    ("device_rebuild", true, "Support for sequential mirror/dRAID device rebuilds"),
    ("zstd_compress", false, "zstd compression algorithm support."),
    ("draid", false, "Support for distributed spare RAID"),
    ("zilsaxattr", true, "Support for xattr=sa extended attribute logging in ZIL."),
    ("head_errlog", false, "Support for per-dataset on-disk error logs."),
    ("blake3", false, "BLAKE3 hash algorithm."),
    ("block_cloning", true, "Support for block cloning via Block Reference Table."),
    ("vdev_zaps_v2", false, "Support for root vdev ZAP."),
];

/// A feature's state (`zpool_prop_get_feature`), or None for a name that
/// is no feature. Active: those `zpool create` activates (on enable, by
/// its first sync, or when it mounts the root filesystem), `empty_bpobj`
/// once a dataset below the root or a snapshot has a deadlist entry, and
/// `livelist` while a clone exists.
fn feature_state(p: &Pool, prop: &str) -> Option<&'static str> {
    let name = prop.strip_prefix("feature@").filter(|f| FEATURES.iter().any(|x| x.0 == *f))?;
    let active = match name {
        "lz4_compress" | "spacemap_histogram" | "enabled_txg" | "hole_birth" | "extensible_dataset" | "embedded_data" | "userobj_accounting"
        | "project_quota" | "spacemap_v2" | "log_spacemap" | "head_errlog" | "vdev_zaps_v2" => true,
        "empty_bpobj" => p.datasets.len() > 1 || p.datasets.iter().any(|d| !d.snapshots.is_empty()),
        "livelist" => p.datasets.iter().any(|d| d.origin().is_some()),
        _ => false,
    };
    Some(if active { "active" } else { "enabled" })
}

pub(super) fn pool_prop(p: &Pool, prop: &str, literal: bool) -> (String, &'static str) {
    let bytes = |n: u64| if literal { n.to_string() } else { nicenum(n, true) };
    let (size, alloc) = (p.size_bytes(), p.allocated_bytes());
    if let Some((_, v)) = p.props.iter().find(|s| s.0 == prop) {
        let v = if v.is_empty() { "-".to_string() } else { v.clone() };
        return (v, "local");
    }
    match prop {
        "size" => (bytes(size), "-"),
        "capacity" => ((alloc * 100).checked_div(size).unwrap_or(0).to_string() + if literal { "" } else { "%" }, "-"),
        "altroot" => ("-".into(), "default"),
        "health" => (p.health().into(), "-"),
        "guid" => (p.guid.to_string(), "-"),
        "failmode" => ("wait".into(), "default"),
        "dedupratio" => (if literal { "1.00" } else { "1.00x" }.into(), "-"),
        "free" => (bytes(size.saturating_sub(alloc)), "-"),
        "allocated" => (bytes(alloc), "-"),
        "readonly" => ("off".into(), "-"),
        "ashift" if p.ashift == 9 => ("0".into(), "default"),
        "ashift" => (p.ashift.to_string(), "local"),
        "expandsize" | "checkpoint" => ("-".into(), "-"),
        "freeing" | "leaked" => ("0".into(), "-"),
        "fragmentation" => (if literal { "0" } else { "0%" }.into(), "-"),
        "version" | "bootfs" | "cachefile" | "comment" => ("-".into(), "default"),
        "delegation" => ("on".into(), "default"),
        // Set at each import; the lab derives one from the pool's guid.
        "load_guid" => (p.guid.rotate_left(23).to_string(), "-"),
        "bcloneused" | "bclonesaved" => ("0".into(), "-"),
        "bcloneratio" => (if literal { "1.00" } else { "1.00x" }.into(), "-"),
        _ => ("off".into(), "default"),
    }
}

pub(super) fn get(m: &mut Machine, args: &[String]) -> Output {
    let usage = &format!("\tget [-Hp] [-o \"all\" | field[,...]] <\"all\" | property[,...]> <pool> ...\n{}", prop_table());
    let (opts, operands) = match getopt(args, "Hp", "o") {
        Ok(v) => v,
        Err(c) => return bad_option(c, usage),
    };
    let Some((props, pools)) = operands.split_first() else {
        return Output::error(format!("missing property argument\nusage:\n{usage}"), 2);
    };
    if let Some(first) = pools.first().filter(|n| m.zfs().pool(n).is_none()) {
        return Output::error(format!("Cannot get properties of {first}: no such pool available.\n"), 1);
    }
    let fields: Vec<usize> = match opts.iter().rev().find(|o| o.0 == 'o').map(|o| o.1.as_str()) {
        None | Some("all") => vec![0, 1, 2, 3],
        Some(list) => match list.split(',').map(|f| ["name", "property", "value", "source"].iter().position(|g| *g == f).ok_or(f)).collect() {
            Ok(v) => v,
            Err(bad) => return Output::error(format!("invalid column name '{bad}'\nusage:\n{usage}"), 2),
        },
    };
    // (name, the value column's least width, fixed width): a feature's
    // least width is its name's (`zpool_expand_proplist`).
    let native = |p: &(&str, &str, Option<usize>)| (p.0.to_string(), p.1.len(), p.2);
    let feature = |name: String| (name.clone(), name.len(), None);
    let wanted: Vec<(String, usize, Option<usize>)> = if props == "all" {
        POOL_PROPS.iter().map(native).chain(FEATURES.iter().map(|f| feature(format!("feature@{}", f.0)))).collect()
    } else {
        let mut v = Vec::new();
        for w in props.split(',') {
            match POOL_PROPS.iter().find(|p| p.0 == w) {
                Some(p) => v.push(native(p)),
                None if w.starts_with("feature@") => v.push(feature(w.to_string())),
                None => return Output::error(format!("bad property list: invalid property '{w}'\nusage:\n{usage}"), 2),
            }
        }
        v
    };
    let literal = opts.iter().any(|o| o.0 == 'p');
    let names = super::vdevs::pool_order(m, pools.to_vec());
    let mut out = Output::default();
    let mut rows = Vec::new();
    for n in &names {
        let Some(p) = m.zfs().pool(n) else {
            out.err.push_str(&super::vdevs::cannot_open_pool(n));
            out.exit_status = 1;
            continue;
        };
        for (w, ..) in &wanted {
            if w.starts_with("feature@") {
                // An unknown feature's row is left out (ENOTSUP), silently.
                if let Some(state) = feature_state(p, w) {
                    rows.push([n.clone(), w.clone(), state.to_string(), "local".to_string()]);
                }
                continue;
            }
            let (value, source) = pool_prop(p, w, literal);
            rows.push([n.clone(), w.clone(), value, source.to_string()]);
        }
    }
    let name_w = names.iter().map(String::len).fold(4, usize::max);
    let prop_w = wanted.iter().map(|w| w.0.len()).fold(8, usize::max);
    let value_w = wanted
        .iter()
        .map(|(w, least, fixed)| match fixed {
            Some(fixed) if !literal => (*fixed).max(*least),
            _ => rows.iter().filter(|r| r[1] == *w).map(|r| r[2].len()).fold((*least).max(fixed.unwrap_or(0)), usize::max),
        })
        .fold(5, usize::max);
    let all_widths = [name_w, prop_w, value_w, name_w + 14];
    let cols = Columns { widths: fields.iter().map(|&f| all_widths[f]).collect(), right: vec![false; fields.len()] };
    let scripted = opts.iter().any(|o| o.0 == 'H');
    if !scripted && !rows.is_empty() {
        out.text.push_str(&cols.line(&fields.iter().map(|&f| ["NAME", "PROPERTY", "VALUE", "SOURCE"][f].to_string()).collect::<Vec<_>>(), false));
    }
    for r in &rows {
        out.text.push_str(&cols.line(&fields.iter().map(|&f| r[f].clone()).collect::<Vec<_>>(), scripted));
    }
    out
}

/// `zpool set`'s usage, with the property table `usage()` adds once the
/// property type is the pool's (read-only first, then by name).
const SET_USAGE: &str = "\
\tset <property=value> <pool>\n\
\tset <vdev_property=value> <pool> <vdev>\n\
\n\
the following properties are supported:\n\
\n\
\tPROPERTY             EDIT   VALUES\n\
\n\
\tallocated              NO   <size>\n\
\tbcloneratio            NO   <1.00x or higher if cloned>\n\
\tbclonesaved            NO   <size>\n\
\tbcloneused             NO   <size>\n\
\tcapacity               NO   <size>\n\
\tcheckpoint             NO   <size>\n\
\tdedupratio             NO   <1.00x or higher if deduped>\n\
\texpandsize             NO   <size>\n\
\tfragmentation          NO   <percent>\n\
\tfree                   NO   <size>\n\
\tfreeing                NO   <size>\n\
\tguid                   NO   <guid>\n\
\thealth                 NO   <state>\n\
\tleaked                 NO   <size>\n\
\tload_guid              NO   <load_guid>\n\
\tsize                   NO   <size>\n\
\taltroot               YES   <path>\n\
\tashift                YES   <ashift, 9-16, or 0=default>\n\
\tautoexpand            YES   on | off\n\
\tautoreplace           YES   on | off\n\
\tautotrim              YES   on | off\n\
\tbootfs                YES   <filesystem>\n\
\tcachefile             YES   <file> | none\n\
\tcomment               YES   <comment-string>\n\
\tcompatibility         YES   <file[,file...]> | off | legacy\n\
\tdelegation            YES   on | off\n\
\tfailmode              YES   wait | continue | panic\n\
\tlistsnapshots         YES   on | off\n\
\tmultihost             YES   on | off\n\
\treadonly              YES   on | off\n\
\tversion               YES   <version>\n\
\tfeature@...           YES   disabled | enabled | active\n\
\n\
The feature@ properties must be appended with a feature name.\n\
See zpool-features(7).\n";

/// The property table `usage()` prints for `zpool get`, `list` and `set`,
/// which set the property type to the pool's before reading options.
pub(super) fn prop_table() -> &'static str {
    &SET_USAGE[SET_USAGE.find("\nthe following").unwrap_or(SET_USAGE.len())..]
}

fn set_usage_error(what: &str) -> Output {
    Output::error(format!("{what}\nusage:\n{SET_USAGE}"), 2)
}

/// `zpool set PROPERTY=VALUE POOL`, with `zpool_valid_proplist`'s checks.
pub(super) fn set(m: &mut Machine, args: &[String]) -> Output {
    if let Some(c) = args.iter().find_map(|a| a.strip_prefix('-').and_then(|r| r.chars().next())) {
        return set_usage_error(&format!("invalid option '{c}'"));
    }
    let (pair, pool) = match args {
        [] => return set_usage_error("missing property=value argument"),
        [_] => return set_usage_error("missing pool name"),
        [pair, pool] => (pair, pool),
        [_, _, _] => return Output::error("the lab does not model vdev properties\n", 1),
        _ => return set_usage_error("too many pool names"),
    };
    let Some((property, value)) = pair.split_once('=') else {
        return set_usage_error("missing value in property=value argument");
    };
    let Some(p) = m.zfs().pool(pool) else {
        return Output::error(format!("cannot open '{pool}': is not a pool\n"), 22);
    };
    match settable(Some(p), property, value) {
        Ok(None) => Output::default(),
        Ok(Some(stored)) => match m.zpool_set(pool, property, &stored) {
            Ok(mut events) => {
                events.insert(0, crate::core::Event::PropertySet { dataset: pool.clone(), property: property.into(), value: stored });
                Output { events, ..Output::default() }
            }
            Err(e) => Output::error(format!("cannot set property for '{pool}': {e}\n"), 1),
        },
        Err(why) => Output::error(format!("cannot set property for '{pool}': {why}\n"), 1),
    }
}

fn bootfs(p: &Pool, value: &str) -> Result<Option<String>, String> {
    if !value.starts_with(&format!("{}/", p.name)) && value != p.name {
        return Err(format!("'{value}' is an invalid name"));
    }
    if p.dataset(value).is_none() {
        return Err("no such pool or dataset".into());
    }
    Ok(Some(value.to_string()))
}

const READONLY: &[&str] = &[
    "allocated", "bcloneratio", "bclonesaved", "bcloneused", "capacity", "checkpoint", "dedupratio", "expandsize",
    "fragmentation", "free", "freeing", "guid", "health", "leaked", "load_guid", "size",
];

/// The value `zpool set` stores (`None`: nothing changes), or libzfs'
/// reason for refusing it; `p` is `None` while `zpool create` checks its
/// `-o` values, before the pool exists.
pub(super) fn settable(p: Option<&Pool>, property: &str, value: &str) -> Result<Option<String>, String> {
    // Every feature is enabled already: enabling one again changes nothing.
    if let Some(name) = property.strip_prefix("feature@") {
        return match value {
            _ if !FEATURES.iter().any(|f| f.0 == name) => Err(format!("feature '{name}' unsupported by kernel")),
            "enabled" => Ok(None),
            "disabled" => Err(format!("property '{property}' can only be set to 'disabled' at creation time")),
            _ => Err(format!("property '{property}' can only be set to 'enabled' or 'disabled'")),
        };
    }
    let one_of = |values: &str| match values.split(" | ").any(|v| v == value) {
        true => Ok(Some(value.to_string())),
        false => Err(format!("'{property}' must be one of '{values}'")),
    };
    match property {
        "autoexpand" | "autoreplace" | "autotrim" | "delegation" | "listsnapshots" | "multihost" => one_of("on | off"),
        "failmode" => one_of("wait | continue | panic"),
        "compatibility" => one_of("off | legacy").map_err(|_| format!("the lab knows compatibility=off and legacy only, not '{value}'")),
        "altroot" if p.is_none() => Err("the lab does not model altroot".into()),
        "altroot" => Err("property 'altroot' can only be set during pool creation or import".into()),
        "readonly" => Err("property 'readonly' can only be set at import time".into()),
        "ashift" | "version" => {
            let n = super::parse_size(value).ok_or_else(|| format!("bad numeric value '{value}'"))?;
            match property {
                "ashift" if n == 0 || (9..=16).contains(&n) => Ok(Some(n.to_string())),
                "ashift" => Err(format!("property 'ashift' number {n} is invalid, only values between 9 and 16 are allowed.")),
                _ if n == 5000 => Ok(None),
                _ => Err(format!("property 'version' number {n} is invalid.")),
            }
        }
        "cachefile" if value.is_empty() || value == "none" || value.starts_with('/') => Ok(Some(value.to_string())),
        "cachefile" => Err("property 'cachefile' must be empty, an absolute path, or 'none'".into()),
        "comment" if value.chars().any(|c| !(' '..='~').contains(&c)) => Err("comment may only have printable characters".into()),
        "comment" if value.len() > 32 => Err("comment must not exceed 32 characters".into()),
        "comment" => Ok(Some(value.to_string())),
        "bootfs" if value.is_empty() => Ok(Some(String::new())),
        "bootfs" => match p {
            None => Err("the lab sets bootfs with zpool set, once the dataset exists".into()),
            Some(p) => bootfs(p, value),
        },
        p if READONLY.contains(&p) => Err(format!("'{p}' is readonly")),
        p if p.starts_with("feature@") || p.contains(':') => Err(format!("the lab does not model '{p}'")),
        p => Err(format!("invalid property '{p}'")),
    }
}
