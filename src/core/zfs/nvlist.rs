//! Name/value lists in their XDR encoding (`NV_ENCODE_XDR`), the form a vdev
//! label keeps the pool's configuration in, and the one libblkid reads to name
//! a `zfs_member`.
//!
//! Each pair is its encoded size, its decoded (in-memory) size, the name as
//! an XDR string, the data type, the element count and the value, all
//! big-endian; a list ends with two zero sizes. Simplified: only the types a
//! label uses (uint64, string, nvlist, nvlist array).

/// One value of a pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NvValue {
    U64(u64),
    Str(String),
    List(Nvlist),
    Lists(Vec<Nvlist>),
}

pub type Nvlist = Vec<(&'static str, NvValue)>;

const DATA_TYPE_UINT64: u32 = 8;
const DATA_TYPE_STRING: u32 = 9;
const DATA_TYPE_NVLIST: u32 = 19;
const DATA_TYPE_NVLIST_ARRAY: u32 = 20;
/// `sizeof (nvpair_t)` and `sizeof (nvlist_t)` in memory, for the decoded size.
const NVPAIR_BYTES: usize = 16;
const NVLIST_BYTES: usize = 24;

/// The stream: a 4-byte header (XDR, little-endian host), then the list.
pub fn encode(list: &Nvlist) -> Vec<u8> {
    let mut out = vec![1, 1, 0, 0];
    encode_list(&mut out, list);
    out
}

fn encode_list(out: &mut Vec<u8>, list: &Nvlist) {
    // nvl_version 0, nvl_nvflag NV_UNIQUE_NAME.
    out.extend(0u32.to_be_bytes());
    out.extend(1u32.to_be_bytes());
    for (name, value) in list {
        encode_pair(out, name, value);
    }
    out.extend([0; 8]);
}

fn encode_pair(out: &mut Vec<u8>, name: &str, value: &NvValue) {
    let mut body = Vec::new();
    xdr_string(&mut body, name);
    let (kind, count) = match value {
        NvValue::U64(_) => (DATA_TYPE_UINT64, 1),
        NvValue::Str(_) => (DATA_TYPE_STRING, 1),
        NvValue::List(_) => (DATA_TYPE_NVLIST, 1),
        NvValue::Lists(l) => (DATA_TYPE_NVLIST_ARRAY, l.len()),
    };
    body.extend(kind.to_be_bytes());
    body.extend((count as u32).to_be_bytes());
    match value {
        NvValue::U64(v) => body.extend(v.to_be_bytes()),
        NvValue::Str(s) => xdr_string(&mut body, s),
        NvValue::List(l) => encode_list(&mut body, l),
        NvValue::Lists(ls) => ls.iter().for_each(|l| encode_list(&mut body, l)),
    }
    out.extend(((body.len() + 8) as u32).to_be_bytes());
    out.extend((decoded_size(name, value) as u32).to_be_bytes());
    out.extend(body);
}

/// `NVP_SIZE_CALC`: the pair's size in memory, as the encoder records it.
fn decoded_size(name: &str, value: &NvValue) -> usize {
    let align = |n: usize| (n + 7) & !7;
    let data = match value {
        NvValue::U64(_) => 8,
        NvValue::Str(s) => s.len() + 1,
        NvValue::List(_) => NVLIST_BYTES,
        NvValue::Lists(l) => l.len() * (8 + NVLIST_BYTES),
    };
    align(NVPAIR_BYTES + name.len() + 1) + align(data)
}

fn xdr_string(out: &mut Vec<u8>, s: &str) {
    out.extend((s.len() as u32).to_be_bytes());
    out.extend(s.as_bytes());
    out.resize(out.len().next_multiple_of(4), 0);
}

/// Reads the top-level uint64 and string pairs of an encoded stream, and
/// those of nested lists under `parent/name`. Stops at anything malformed.
pub fn decode_flat(b: &[u8]) -> Vec<(String, NvValue)> {
    let mut out = Vec::new();
    decode_list(b, 4, "", &mut out);
    out
}

fn decode_list(b: &[u8], start: usize, prefix: &str, out: &mut Vec<(String, NvValue)>) -> Option<usize> {
    let be32 = |at: usize| b.get(at..at + 4).map(|x| u32::from_be_bytes([x[0], x[1], x[2], x[3]]) as usize);
    let mut at = start + 8;
    loop {
        let size = be32(at)?;
        if size == 0 {
            return Some(at + 8);
        }
        let name_len = be32(at + 8)?;
        let name = std::str::from_utf8(b.get(at + 12..at + 12 + name_len)?).ok()?;
        let v = at + 12 + name_len.next_multiple_of(4);
        let full = format!("{prefix}{name}");
        match be32(v)? as u32 {
            DATA_TYPE_UINT64 => out.push((full, NvValue::U64(u64::from_be_bytes(b.get(v + 8..v + 16)?.try_into().ok()?)))),
            DATA_TYPE_STRING => {
                let n = be32(v + 8)?;
                out.push((full, NvValue::Str(String::from_utf8_lossy(b.get(v + 12..v + 12 + n)?).into_owned())));
            }
            DATA_TYPE_NVLIST => {
                decode_list(b, v + 8, &format!("{full}/"), out)?;
            }
            _ => {}
        }
        at += size;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pair_is_laid_out_as_xdr() {
        let b = encode(&vec![("guid", NvValue::U64(0x0102_0304_0506_0708))]);
        assert_eq!(
            b,
            [
                1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, // header, version 0, NV_UNIQUE_NAME
                0, 0, 0, 32, 0, 0, 0, 32, // encoded size, decoded size NV_ALIGN(16 + 5) + 8
                0, 0, 0, 4, b'g', b'u', b'i', b'd', // name
                0, 0, 0, 8, 0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, // uint64, one element, value
                0, 0, 0, 0, 0, 0, 0, 0, // end of list
            ]
        );
    }

    #[test]
    fn nested_lists_decode_with_their_path() {
        let tree = vec![("type", NvValue::Str("mirror".into())), ("ashift", NvValue::U64(12))];
        let b = encode(&vec![("name", NvValue::Str("rpool".into())), ("vdev_tree", NvValue::List(tree)), ("guid", NvValue::U64(7))]);
        assert_eq!(
            decode_flat(&b),
            [
                ("name".to_string(), NvValue::Str("rpool".into())),
                ("vdev_tree/type".to_string(), NvValue::Str("mirror".into())),
                ("vdev_tree/ashift".to_string(), NvValue::U64(12)),
                ("guid".to_string(), NvValue::U64(7)),
            ]
        );
    }
}
