//! The default lab machine: a Proxmox VE host as its installer leaves it.

use super::storage::NewFs;
use super::Machine;
use crate::core::ext4::Geometry;
use crate::core::label::{Label, PartType, Partition};
use crate::core::lvm::{self, Lvm};
use crate::core::signature::{self, Ext4Layout};
use crate::core::units::{GIB, MIB, SECTOR_BYTES};

impl Machine {
    /// A Proxmox VE host with PVE's LVM layout on `sda`, a ZFS mirror `rpool`
    /// on the two NVMe disks (with the `zfs` feature; the browser has no ZFS
    /// yet, so there they are blank), and two blank SATA disks.
    pub fn lab(seed: u64) -> Machine {
        let mut m = Machine::empty(seed);
        let disks = [
            ("sda", 128 * GIB, "QEMU HARDDISK"),
            ("sdb", 500 * GIB, "QEMU HARDDISK"),
            ("sdc", 500 * GIB, "QEMU HARDDISK"),
            ("nvme0n1", 256 * GIB, "QEMU NVMe Ctrl"),
            ("nvme1n1", 256 * GIB, "QEMU NVMe Ctrl"),
        ];
        for (name, size, model) in disks {
            // The names and sizes are fixed and valid, so attaching cannot fail.
            let _ = m.attach_disk(name, size, Some(model.into()));
        }
        m.install_pve_layout();
        #[cfg(feature = "zfs")]
        m.install_rpool(seed);
        m
    }

    /// PVE's installer layout on sda: BIOS boot, a 1 GiB ESP, and an LVM PV with
    /// swap, root and the `data` thin pool, sized as the installer sizes them.
    fn install_pve_layout(&mut self) {
        let Some(sda) = self.disk_named("sda").map(|d| d.dev) else { return };
        self.partition_sda(sda);
        let (Some(esp), Some(pv)) = (self.resolve("/dev/sda2"), self.resolve("/dev/sda3")) else { return };
        let _ = self.vgcreate("pve", &[pv], lvm::DEFAULT_EXTENT_BYTES);
        let extent = lvm::DEFAULT_EXTENT_BYTES;
        let hd = 128 * GIB;
        let swap_ext = (8 * GIB).min(hd / 8) / extent;
        let root_ext = (hd / 4).min(96 * GIB) / extent;
        let minfree_ext = (hd / 8).min(16 * GIB) / extent;
        let vg_ext = self.lvm.vg("pve").map_or(0, |v| self.lvm.vg_extent_count(v));
        let _ = self.lvcreate_linear("pve", "swap", swap_ext);
        let _ = self.lvcreate_linear("pve", "root", root_ext);
        let rest = vg_ext.saturating_sub(swap_ext + root_ext + minfree_ext);
        // The installer leaves room for the pool's metadata and its spare.
        let data_ext = rest.saturating_sub(2 * Lvm::thin_meta_extents(rest * extent, lvm::DEFAULT_THIN_CHUNK_BYTES, extent));
        let chunk = Lvm::thin_chunk_bytes(data_ext * extent);
        let meta = Lvm::thin_meta_extents(data_ext * extent, chunk, extent);
        let _ = self.lvcreate_thin_pool("pve", "data", data_ext, meta, chunk);
        // The installer's last change to the VG, which its metadata records.
        self.note_metadata_write("pve", &format!("lvconvert --yes --type thin-pool --poolmetadatasize {}K pve/data", meta * extent / 1024));
        let serial = self.rng.next_u32();
        let _ = self.mkfs(esp, NewFs::Vfat { serial, label: String::new() });
        let (Some(root), Some(swap)) = (self.lv_dev("pve", "root"), self.lv_dev("pve", "swap")) else { return };
        let root_uuid = self.new_fs_uuid();
        let swap_uuid = self.new_fs_uuid();
        let hash_seed = signature::uuid_bytes(&self.new_fs_uuid());
        if let Some(geometry) = Geometry::for_size(root_ext * extent) {
            let layout = Ext4Layout { geometry, uuid: signature::uuid_bytes(&root_uuid), hash_seed, label: String::new(), now: self.clock as u32 };
            let _ = self.mkfs(root, NewFs::Ext4(layout));
            if let Some(f) = self.filesystem_mut(&root_uuid) {
                // The installed system's files are not modelled, only the space they take.
                f.tree.reserve_system_blocks((3 * GIB + 300 * MIB) / geometry.block_size);
            }
        }
        let _ = self.mkfs(swap, NewFs::Swap { uuid: swap_uuid, label: String::new() });
        let _ = self.mount(root, "/");
        self.make_root_dirs();
        let _ = self.mkdir("/boot/efi", true);
        let _ = self.mount(esp, "/boot/efi");
        let _ = self.swapon(swap);
        #[cfg(feature = "mount-table")]
        self.write_fstab(esp);
    }

    /// The /etc/fstab Proxmox VE's installer writes: the root LV, the ESP by
    /// its UUID, swap and proc.
    #[cfg(feature = "mount-table")]
    fn write_fstab(&mut self, esp: crate::core::device::DevId) {
        let esp_uuid = self.probe(esp).map(|s| s.uuid).unwrap_or_default();
        let text = format!(
            "# <file system> <mount point> <type> <options> <dump> <pass>\n/dev/pve/root / ext4 errors=remount-ro 0 1\n\
             UUID={esp_uuid} /boot/efi vfat defaults 0 1\n/dev/pve/swap none swap sw 0 0\nproc /proc proc defaults 0 0\n"
        );
        let _ = self.create_file("/etc/fstab", true);
        let _ = self.write_file("/etc/fstab", 0, crate::core::media::Chunk::bytes(text.as_bytes()));
    }

    /// `rpool` as an admin makes it a day before the lab starts: a mirror of
    /// the whole NVMe disks (OpenZFS labels each GPT, partitions 1 and 9),
    /// `rpool/data`, and VM 100's 32G disk as a zvol in it.
    #[cfg(feature = "zfs")]
    fn install_rpool(&mut self, seed: u64) {
        use super::zfs::NewDataset;
        use crate::core::zfs::{Props, VdevKind};
        let (Some(a), Some(b)) = (self.resolve("/dev/nvme0n1"), self.resolve("/dev/nvme1n1")) else { return };
        // Its own random stream and time, so that everything else on the host
        // (serials, UUIDs, times) is the same with and without ZFS.
        let rng = std::mem::replace(&mut self.rng, crate::core::rng::Rng::new(seed ^ 0x7270_6f6f_6c00));
        let now = self.clock;
        self.clock = now - 86_400;
        let zvol = NewDataset::Volume { size_bytes: 32 * GIB, volblocksize: None, sparse: false };
        let _ = self.zpool_create("rpool", &[(VdevKind::Mirror, vec![a, b])], Some(12), false, Default::default());
        self.zpool_log_history("rpool", "zpool create -o ashift=12 rpool mirror /dev/nvme0n1 /dev/nvme1n1");
        self.tick();
        let _ = self.zfs_create("rpool/data", NewDataset::Filesystem, Props::default());
        self.zpool_log_history("rpool", "zfs create rpool/data");
        self.tick();
        let _ = self.zfs_create("rpool/data/vm-100-disk-0", zvol, Props::default());
        self.zpool_log_history("rpool", "zfs create -V 33554432k rpool/data/vm-100-disk-0");
        self.clock = now;
        self.rng = rng;
    }

    fn partition_sda(&mut self, sda: crate::core::device::DevId) {
        let total = self.disk(sda).map_or(0, |d| d.total_sectors());
        let guid = self.new_guid();
        let Ok(mut label) = Label::new_gpt(total, guid) else { return };
        label.first_lba = 34;
        let bios = PartType::gpt_named("21686148-6449-6E6F-744E-656564454649");
        let esp = PartType::gpt_named("C12A7328-F81F-11D2-BA4B-00A0C93EC93B");
        let lvm_type = PartType::gpt_named("E6D6D379-F507-44C2-A23C-238F2A3DF928");
        let esp_sectors = GIB / SECTOR_BYTES;
        let parts = [
            (1, 34, 2048 - 34, bios),
            (2, 2048, esp_sectors, esp),
            (3, 2048 + esp_sectors, label.last_lba - (2048 + esp_sectors) + 1, lvm_type),
        ];
        for (number, start_lba, size_sectors, part_type) in parts {
            let unique_guid = self.new_guid();
            let _ = label.add(Partition { number, start_lba, size_sectors, part_type, unique_guid, name: String::new(), bootable: false });
        }
        let _ = self.write_label(sda, &label);
    }
}
