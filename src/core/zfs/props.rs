//! ZFS properties the lab keeps and shows but whose effect it does not
//! model (`compression`, `atime`, `sync`, ...), and user properties
//! (`module:name`), with the values `zfs_prop.c` registers for each.
//! Simplified: data is never compressed or deduplicated, access times are
//! not kept, and `readonly` stops writes through files only (a zvol
//! stays writable).

/// The kinds of dataset a property applies to.
pub const FS: u8 = 1;
pub const VOL: u8 = 2;
pub const SNAP: u8 = 4;

/// One of ZFS's index properties, as `zprop_register_index` registers it.
pub struct Stored {
    pub name: &'static str,
    /// `zfs list -o`'s column heading.
    pub column: &'static str,
    pub default: &'static str,
    /// Children take the value of their nearest ancestor that sets it.
    pub inherit: bool,
    pub applies: u8,
    /// The values, as ZFS lists them when it refuses one.
    pub values: &'static str,
    /// The longest value name, for `zprop_width`.
    widest: usize,
}

const fn stored(name: &'static str, column: &'static str, default: &'static str, applies: u8, values: &'static str, widest: usize) -> Stored {
    Stored { name, column, default, inherit: true, applies, values, widest }
}

const ON_OFF: &str = "on | off";
const CACHE: &str = "all | none | metadata";

/// In `zfs_prop_t` order, which `zfs get all` follows.
pub const STORED: &[Stored] = &[
    stored("compression", "COMPRESS", "on", FS | VOL, "on | off | lzjb | gzip | gzip-[1-9] | zle | lz4 | zstd | zstd-[1-19] | zstd-fast | zstd-fast-[1-10,20,30,40,50,60,70,80,90,100,500,1000]", 14),
    stored("atime", "ATIME", "on", FS, ON_OFF, 3),
    stored("devices", "DEVICES", "on", FS | SNAP, ON_OFF, 3),
    stored("exec", "EXEC", "on", FS | SNAP, ON_OFF, 3),
    stored("setuid", "SETUID", "on", FS | SNAP, ON_OFF, 3),
    stored("readonly", "RDONLY", "off", FS | VOL, ON_OFF, 3),
    stored("snapdir", "SNAPDIR", "hidden", FS, "hidden | visible", 7),
    Stored { name: "canmount", column: "CANMOUNT", default: "on", inherit: false, applies: FS, values: "on | off | noauto", widest: 6 },
    stored("primarycache", "PRIMARYCACHE", "all", FS | VOL | SNAP, CACHE, 8),
    stored("secondarycache", "SECONDARYCACHE", "all", FS | VOL | SNAP, CACHE, 8),
    stored("logbias", "LOGBIAS", "latency", FS | VOL, "latency | throughput", 10),
    stored("dedup", "DEDUP", "off", FS | VOL, "on | off | verify | sha256[,verify] | sha512[,verify] | skein[,verify] | edonr,verify | blake3[,verify]", 13),
    stored("sync", "SYNC", "standard", FS | VOL, "standard | always | disabled", 8),
    stored("acltype", "ACLTYPE", "off", FS | SNAP, "off | nfsv4 | posix", 8),
    stored("relatime", "RELATIME", "on", FS, ON_OFF, 3),
];

impl Stored {
    pub fn named(name: &str) -> Option<&'static Stored> {
        STORED.iter().find(|s| s.name == name)
    }

    /// `zprop_width`: the heading or the longest value.
    pub fn width(&self) -> usize {
        self.column.len().max(self.widest)
    }

    /// `value` as ZFS stores and prints it, or `None` when ZFS refuses it.
    pub fn read(&self, value: &str) -> Option<String> {
        let alias = match (self.name, value) {
            ("compression", "gzip-6") => "gzip",
            ("acltype", "disabled" | "noacl") => "off",
            ("acltype", "posixacl") => "posix",
            _ => value,
        };
        self.values.split(" | ").any(|alt| matches(alt, value) || matches(alt, alias)).then(|| alias.to_string())
    }
}

/// One alternative of a property's value list: a name, `name[,verify]`
/// (optional suffix) or `name-[1-9,20]` (numbers and ranges).
fn matches(alt: &str, value: &str) -> bool {
    let Some((prefix, set)) = alt.strip_suffix(']').and_then(|a| a.split_once('[')) else {
        return alt == value;
    };
    let Some(rest) = value.strip_prefix(prefix) else {
        return false;
    };
    if let Some(suffix) = set.strip_prefix(',') {
        return rest.is_empty() || rest.strip_prefix(',') == Some(suffix);
    }
    let Ok(n) = rest.parse::<u32>() else {
        return false;
    };
    !rest.starts_with(['0', '+']) && set.split(',').any(|item| match item.split_once('-') {
        Some((lo, hi)) => lo.parse().is_ok_and(|lo: u32| lo <= n) && hi.parse().is_ok_and(|hi: u32| n <= hi),
        None => item.parse() == Ok(n),
    })
}

/// `zfs_prop_user`: a name with a colon, of ZFS's name characters, at most
/// 256 bytes.
pub fn is_user_property(name: &str) -> bool {
    name.contains(':') && name.len() <= 256 && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.:".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_read_as_zfs_registers_them() {
        let c = Stored::named("compression").expect("compression");
        for ok in ["on", "lz4", "gzip-9", "zstd-19", "zstd-fast-1000", "zstd-fast-7"] {
            assert_eq!(c.read(ok).as_deref(), Some(ok), "{ok}");
        }
        assert_eq!(c.read("gzip-6").as_deref(), Some("gzip"));
        for bad in ["gzip-0", "gzip-10", "zstd-20", "zstd-fast-11", "zstd-fast-", "lz5", "LZ4", "gzip-06"] {
            assert_eq!(c.read(bad), None, "{bad}");
        }
        let d = Stored::named("dedup").expect("dedup");
        assert_eq!(d.read("sha256,verify").as_deref(), Some("sha256,verify"));
        assert_eq!(d.read("edonr"), None);
        assert_eq!(Stored::named("acltype").and_then(|a| a.read("posixacl")).as_deref(), Some("posix"));
        assert!(is_user_property("com.example:note") && !is_user_property("note") && !is_user_property("a:B"));
    }
}
