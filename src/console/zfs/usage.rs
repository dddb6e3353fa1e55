//! The command lists `usage(B_FALSE)` prints in OpenZFS 2.2.6
//! (`cmd/zpool/zpool_main.c`, `cmd/zfs/zfs_main.c` on Linux): for no
//! command, an unknown one, and `-?`.

/// `zpool`'s, from its `command_table` (blank lines are its `NULL` entries).
pub const ZPOOL_COMMANDS: &str = "\
usage: zpool command args ...\n\
where 'command' is one of the following:\n\
\n\
\tversion\n\
\n\
\tcreate [-fnd] [-o property=value] ... \n\
\t    [-O file-system-property=value] ... \n\
\t    [-m mountpoint] [-R root] <pool> <vdev> ...\n\
\tdestroy [-f] <pool>\n\
\n\
\tadd [-afgLnP] [-o property=value] <pool> <vdev> ...\n\
\tremove [-npsw] <pool> <device> ...\n\
\n\
\tlabelclear [-f] <vdev>\n\
\n\
\tcheckpoint [-d [-w]] <pool> ...\n\
\n\
\tlist [-gHLpPv] [-o property[,...]] [-T d|u] [pool] ... \n\
\t    [interval [count]]\n\
\tiostat [[[-c [script1,script2,...][-lq]]|[-rw]] [-T d | u] [-ghHLpPvy]\n\
\t    [[pool ...]|[pool vdev ...]|[vdev ...]] [[-n] interval [count]]\n\
\tstatus [--power] [-c [script1,script2,...]] [-DegiLpPstvx] [-T d|u] [pool] ...\n\
\t    [interval [count]]\n\
\n\
\tonline [--power][-e] <pool> <device> ...\n\
\toffline [--power]|[[-f][-t]] <pool> <device> ...\n\
\tclear [[--power]|[-nF]] <pool> [device]\n\
\treopen [-n] <pool>\n\
\n\
\tattach [-fsw] [-o property=value] <pool> <device> <new-device>\n\
\tdetach <pool> <device>\n\
\treplace [-fsw] [-o property=value] <pool> <device> [new-device]\n\
\tsplit [-gLnPl] [-R altroot] [-o mntopts]\n\
\t    [-o property=value] <pool> <newpool> [<device> ...]\n\
\n\
\tinitialize [-c | -s | -u] [-w] <pool> [<device> ...]\n\
\tresilver <pool> ...\n\
\tscrub [-s | -p] [-w] [-e] <pool> ...\n\
\ttrim [-dw] [-r <rate>] [-c | -s] <pool> [<device> ...]\n\
\n\
\timport [-d dir] [-D]\n\
\timport [-o mntopts] [-o property=value] ... \n\
\t    [-d dir | -c cachefile] [-D] [-l] [-f] [-m] [-N] [-R root] [-F [-n]] -a\n\
\timport [-o mntopts] [-o property=value] ... \n\
\t    [-d dir | -c cachefile] [-D] [-l] [-f] [-m] [-N] [-R root] [-F [-n]]\n\
\t    [--rewind-to-checkpoint] <pool | id> [newpool]\n\
\texport [-af] <pool> ...\n\
\tupgrade\n\
\tupgrade -v\n\
\tupgrade [-V version] <-a | pool ...>\n\
\treguid <pool>\n\
\n\
\thistory [-il] [<pool>] ...\n\
\tevents [-vHf [pool] | -c]\n\
\n\
\tget [-Hp] [-o \"all\" | field[,...]] <\"all\" | property[,...]> <pool> ...\n\
\tset <property=value> <pool>\n\
\tset <vdev_property=value> <pool> <vdev>\n\
\tsync [pool] ...\n\
\n\
\twait [-Hp] [-T d|u] [-t <activity>[,...]] <pool> [interval]\n\
\n\
For further help on a command or topic, run: zpool help [<topic>]\n";

/// `zfs`'s, with the footer every command's usage ends with.
pub const ZFS_COMMANDS: &str = "\
usage: zfs command args ...\n\
where 'command' is one of the following:\n\
\n\
\tversion\n\
\n\
\tcreate [-Pnpuv] [-o property=value] ... <filesystem>\n\
\tcreate [-Pnpsv] [-b blocksize] [-o property=value] ... -V <size> <volume>\n\
\tdestroy [-fnpRrv] <filesystem|volume>\n\
\tdestroy [-dnpRrv] <filesystem|volume>@<snap>[%<snap>][,...]\n\
\tdestroy <filesystem|volume>#<bookmark>\n\
\n\
\tsnapshot [-r] [-o property=value] ... <filesystem|volume>@<snap> ...\n\
\trollback [-rRf] <snapshot>\n\
\tclone [-p] [-o property=value] ... <snapshot> <filesystem|volume>\n\
\tpromote <clone-filesystem>\n\
\trename [-f] <filesystem|volume|snapshot> <filesystem|volume|snapshot>\n\
\trename -p [-f] <filesystem|volume> <filesystem|volume>\n\
\trename -u [-f] <filesystem> <filesystem>\n\
\trename -r <snapshot> <snapshot>\n\
\tbookmark <snapshot|bookmark> <newbookmark>\n\
\tprogram [-jn] [-t <instruction limit>] [-m <memory limit (b)>]\n\
\t    <pool> <program file> [lua args...]\n\
\n\
\tlist [-Hp] [-r|-d max] [-o property[,...]] [-s property]...\n\
\t    [-S property]... [-t type[,...]] [filesystem|volume|snapshot] ...\n\
\n\
\tset [-u] <property=value> ... <filesystem|volume|snapshot> ...\n\
\tget [-rHp] [-d max] [-o \"all\" | field[,...]]\n\
\t    [-t type[,...]] [-s source[,...]]\n\
\t    <\"all\" | property[,...]> [filesystem|volume|snapshot|bookmark] ...\n\
\tinherit [-rS] <property> <filesystem|volume|snapshot> ...\n\
\tupgrade [-v]\n\
\tupgrade [-r] [-V version] <-a | filesystem ...>\n\
\n\
\tuserspace [-Hinp] [-o field[,...]] [-s field] ...\n\
\t    [-S field] ... [-t type[,...]] <filesystem|snapshot|path>\n\
\tgroupspace [-Hinp] [-o field[,...]] [-s field] ...\n\
\t    [-S field] ... [-t type[,...]] <filesystem|snapshot|path>\n\
\tprojectspace [-Hp] [-o field[,...]] [-s field] ... \n\
\t    [-S field] ... <filesystem|snapshot|path>\n\
\n\
\tproject [-d|-r] <directory|file ...>\n\
\tproject -c [-0] [-d|-r] [-p id] <directory|file ...>\n\
\tproject -C [-k] [-r] <directory ...>\n\
\tproject [-p id] [-r] [-s] <directory ...>\n\
\n\
\tmount\n\
\tmount [-flvO] [-o opts] <-a|-R filesystem|filesystem>\n\
\tunmount [-fu] <-a | filesystem|mountpoint>\n\
\tshare [-l] <-a [nfs|smb] | filesystem>\n\
\tunshare <-a [nfs|smb] | filesystem|mountpoint>\n\
\n\
\tsend [-DLPbcehnpsVvw] [-i|-I snapshot]\n\
\t     [-R [-X dataset[,dataset]...]]     <snapshot>\n\
\tsend [-DnVvPLecw] [-i snapshot|bookmark] <filesystem|volume|snapshot>\n\
\tsend [-DnPpVvLec] [-i bookmark|snapshot] --redact <bookmark> <snapshot>\n\
\tsend [-nVvPe] -t <receive_resume_token>\n\
\tsend [-PnVv] --saved filesystem\n\
\treceive [-vMnsFhu] [-o <property>=<value>] ... [-x <property>] ...\n\
\t    <filesystem|volume|snapshot>\n\
\treceive [-vMnsFhu] [-o <property>=<value>] ... [-x <property>] ... \n\
\t    [-d | -e] <filesystem>\n\
\treceive -A <filesystem|volume>\n\
\n\
\tallow <filesystem|volume>\n\
\tallow [-ldug] <\"everyone\"|user|group>[,...] <perm|@setname>[,...]\n\
\t    <filesystem|volume>\n\
\tallow [-ld] -e <perm|@setname>[,...] <filesystem|volume>\n\
\tallow -c <perm|@setname>[,...] <filesystem|volume>\n\
\tallow -s @setname <perm|@setname>[,...] <filesystem|volume>\n\
\n\
\tunallow [-rldug] <\"everyone\"|user|group>[,...]\n\
\t    [<perm|@setname>[,...]] <filesystem|volume>\n\
\tunallow [-rld] -e [<perm|@setname>[,...]] <filesystem|volume>\n\
\tunallow [-r] -c [<perm|@setname>[,...]] <filesystem|volume>\n\
\tunallow [-r] -s @setname [<perm|@setname>[,...]] <filesystem|volume>\n\
\n\
\thold [-r] <tag> <snapshot> ...\n\
\tholds [-rHp] <snapshot> ...\n\
\trelease [-r] <tag> <snapshot> ...\n\
\tdiff [-FHth] <snapshot> [snapshot|filesystem]\n\
\tload-key [-rn] [-L <keylocation>] <-a | filesystem|volume>\n\
\tunload-key [-r] <-a | filesystem|volume>\n\
\tchange-key [-l] [-o keyformat=<value>]\n\
\t    [-o keylocation=<value>] [-o pbkdf2iters=<value>]\n\
\t    <filesystem|volume>\n\
\tchange-key -i [-l] <filesystem|volume>\n\
\tredact <snapshot> <bookmark> <redaction_snapshot> ...\n\
\twait [-t <activity>] <filesystem>\n\
\tzone <nsfile> <filesystem>\n\
\tunzone <nsfile> <filesystem>\n\
\n\
Each dataset is of the form: pool/[dataset/]*dataset[@name]\n\
\n\
For the property list, run: zfs set|get\n\
\n\
For the delegated permission list, run: zfs allow|unallow\n\
\n\
For further help on a command or topic, run: zfs help [<topic>]\n";
