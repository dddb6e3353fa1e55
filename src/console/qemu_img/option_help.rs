//! `qemu-img create -o help` (or `?`): the creation options of the image
//! format, and with a file name those of the `file` protocol merged in, as
//! `qemu_opts_print_help` lists them (sorted, the format's own winning).

/// (name, type, help) of qcow2's `qcow2_create_opts`.
const QCOW2: [(&str, &str, &str); 21] = [
    ("backing_file", "str", "File name of a base image"),
    ("backing_fmt", "str", "Image format of the base image"),
    ("cluster_size", "size", "qcow2 cluster size"),
    ("compat", "str", "Compatibility level (v2 [0.10] or v3 [1.1])"),
    ("compression_type", "str", "Compression method used for image cluster compression"),
    ("data_file", "str", "File name of an external data file"),
    ("data_file_raw", "bool (on/off)", "The external data file must stay valid as a raw image"),
    ("encrypt.cipher-alg", "str", "Name of encryption cipher algorithm"),
    ("encrypt.cipher-mode", "str", "Name of encryption cipher mode"),
    ("encrypt.format", "str", "Encrypt the image, format choices: 'aes', 'luks'"),
    ("encrypt.hash-alg", "str", "Name of encryption hash algorithm"),
    ("encrypt.iter-time", "num", "Time to spend in PBKDF in milliseconds"),
    ("encrypt.ivgen-alg", "str", "Name of IV generator algorithm"),
    ("encrypt.ivgen-hash-alg", "str", "Name of IV generator hash algorithm"),
    ("encrypt.key-secret", "str", "ID of secret providing qcow AES key or LUKS passphrase"),
    ("encryption", "bool (on/off)", "Encrypt the image with format 'aes'. (Deprecated in favor of encrypt.format=aes)"),
    ("extended_l2", "bool (on/off)", "Extended L2 tables"),
    ("lazy_refcounts", "bool (on/off)", "Postpone refcount updates"),
    ("preallocation", "str", "Preallocation mode (allowed values: off, metadata, falloc, full)"),
    ("refcount_bits", "num", "Width of a reference count entry in bits"),
    ("size", "size", "Virtual disk size"),
];

const RAW: [(&str, &str, &str); 1] = [("size", "size", "Virtual disk size")];

/// The `file` protocol's (`raw_create_opts` of file-posix).
const FILE: [(&str, &str, &str); 4] = [
    ("extent_size_hint", "size", "Extent size hint for the image file, 0 to disable"),
    ("nocow", "bool (on/off)", "Turn off copy-on-write (valid only on btrfs)"),
    ("preallocation", "str", "Preallocation mode (allowed values: off, falloc, full)"),
    ("size", "size", "Virtual disk size"),
];

/// Whether `-o` asked for help (`has_help_option`: an item `help` or `?`).
pub fn asked(options: &[(String, String)]) -> bool {
    options.iter().any(|(k, _)| k == "help" || k == "?")
}

/// The list for `format` (raw or qcow2), with the protocol's options when
/// a file is named.
pub fn text(format: &str, with_file: bool) -> String {
    let own: &[(&str, &str, &str)] = if format == "qcow2" { &QCOW2 } else { &RAW };
    let mut opts: Vec<(&str, &str, &str)> = own.to_vec();
    if with_file {
        opts.extend(FILE.iter().filter(|f| !own.iter().any(|o| o.0 == f.0)));
        opts.sort_by_key(|o| o.0);
    }
    let mut out = if with_file { "Supported options:\n".to_string() } else { format!("Supported {format} options:\n") };
    for (name, kind, help) in opts {
        out += &format!("  {:<22} - {help}\n", format!("{name}=<{kind}>"));
    }
    if !with_file {
        out += "\nThe protocol level may support further options.\nSpecify the target filename to include those options.\n";
    }
    out
}
