"""The Salt state functions the formula may use, with their arguments.

Written down from the sources of the state functions (the versions Qubes OS
4.2 ships: qubes-mgmt-salt-dom0-qvm 4.2, Salt 3006/3007), so that the tests
can check every rendered state against them without a Salt install:

- qvm.*: QubesOS/qubes-mgmt-salt-dom0-qvm, _states/ext_state_qvm.py. Each
  state function there is a thin wrapper, e.g. `present(name, *varargs,
  **kwargs)` calls the module function qvm.create; its arguments are the
  argparse options of that module function in _modules/ext_module_qvm.py
  (`qvm.parser.add_argument('--template', ...)`), the flags its `flags:` list
  takes, and `name`.
- file.*, pkg.*, cmd.*: saltstack/salt, salt/states/file.py (`def managed(`,
  `def directory(`, `def absent(`), salt/states/pkg.py (`def installed(`),
  salt/states/cmd.py (`def run(`): their named parameters. They also take
  **kwargs, passed on to execution modules; the formula keeps to the named
  ones.
- Arguments every state takes: salt/state.py, STATE_REQUISITE_KEYWORDS,
  STATE_REQUISITE_IN_KEYWORDS and STATE_RUNTIME_KEYWORDS, plus `name`.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Signature:
    required: frozenset
    allowed: frozenset
    # argument -> the values it accepts (argparse `choices`)
    choices: dict = field(default_factory=dict)
    # flags the `flags:` list accepts (qvm module functions)
    flags: frozenset = frozenset()


# salt/state.py: requisites and runtime keywords every state function takes.
REQUISITES = frozenset(
    ["onchanges", "onchanges_any", "onfail", "onfail_any", "onfail_all", "onfail_stop",
     "prereq", "watch", "watch_any", "require", "require_any", "listen",
     "onchanges_in", "onfail_in", "prereq_in", "watch_in", "require_in", "listen_in"])
GLOBAL_ARGUMENTS = REQUISITES | frozenset(
    ["name", "names", "check_cmd", "failhard", "onlyif", "unless", "creates", "retry",
     "order", "parallel", "reload_modules", "reload_grains", "reload_pillar", "runas",
     "fire_event", "saltenv", "use", "use_in"])

# _modules/ext_module_qvm.py, prefs(): properties.add_argument(...)
QVM_LABELS = ("red", "yellow", "green", "blue", "purple", "orange", "gray", "black")
QVM_PREFS = frozenset(
    ["action", "get", "set", "autostart", "debug", "default-user", "default_user",
     "default-dispvm", "default_dispvm", "management-dispvm", "management_dispvm", "guivm",
     "audiovm", "template-for-dispvms", "template_for_dispvms", "dispvm-allowed", "virt-mode",
     "virt_mode", "label", "last-backup", "last_backup", "include-in-backups",
     "include_in_backups", "installed-by-rpm", "installed_by_rpm", "ip", "kernel",
     "kernelopts", "mac", "maxmem", "memory", "netvm", "pci-strictreset", "pci_strictreset",
     "pcidevs", "provides-network", "template", "qrexec-timeout", "qrexec_timeout",
     "updateable", "vcpus"])

SIGNATURES = {
    # exists(name, ...) -> qvm.check(vmname, check='exists', flags=[quiet])
    "qvm.exists": Signature(frozenset(["name"]), frozenset(["flags"]),
                            flags=frozenset(["quiet"])),
    # clone(name, source, ...) -> qvm.clone(source, name, path=, flags=[shutdown,
    # force-root, quiet])
    "qvm.clone": Signature(frozenset(["name", "source"]), frozenset(["path", "flags"]),
                           flags=frozenset(["shutdown", "force-root", "quiet"])),
    # present(name, ...) -> qvm.create(vmname, template=, label=, class=, mem=,
    # vcpus=, root-move-from=, root-copy-from=, flags=[proxy, hvm, hvm-template,
    # net, standalone, quiet])
    "qvm.present": Signature(
        frozenset(["name"]),
        frozenset(["template", "label", "class", "mem", "vcpus", "root-move-from",
                   "root-copy-from", "flags"]),
        choices={"label": QVM_LABELS},
        flags=frozenset(["proxy", "hvm", "hvm-template", "net", "standalone", "quiet"])),
    # prefs(name, ...) -> qvm.prefs(vmname, action, PROPERTY=VALUE...)
    "qvm.prefs": Signature(frozenset(["name"]), QVM_PREFS, choices={"label": QVM_LABELS}),
    # salt/states/file.py: def managed(name, source=None, ...)
    "file.managed": Signature(
        frozenset(["name"]),
        frozenset(["source", "source_hash", "source_hash_name", "keep_source", "user", "group",
                   "mode", "attrs", "template", "makedirs", "dir_mode", "context", "replace",
                   "defaults", "backup", "show_changes", "create", "contents", "tmp_dir",
                   "tmp_ext", "contents_pillar", "contents_grains", "contents_newline",
                   "contents_delimiter", "encoding", "encoding_errors", "allow_empty",
                   "follow_symlinks", "check_cmd", "skip_verify", "selinux", "verify_ssl",
                   "use_etag"])),
    # salt/states/file.py: def directory(name, user=None, ...)
    "file.directory": Signature(
        frozenset(["name"]),
        frozenset(["user", "group", "recurse", "max_depth", "dir_mode", "file_mode",
                   "makedirs", "clean", "exclude_pat", "follow_symlinks", "force",
                   "backupname", "allow_symlink", "children_only"])),
    # salt/states/file.py: def absent(name, **kwargs)
    "file.absent": Signature(frozenset(["name"]), frozenset()),
    # salt/states/pkg.py: def installed(name, version=None, ...)
    "pkg.installed": Signature(
        frozenset(["name"]),
        frozenset(["version", "refresh", "fromrepo", "skip_verify", "skip_suggestions", "pkgs",
                   "sources", "allow_updates", "pkg_verify", "normalize", "ignore_epoch",
                   "reinstall", "update_holds"])),
    # salt/states/cmd.py: def run(name, cwd=None, ...)
    "cmd.run": Signature(
        frozenset(["name"]),
        frozenset(["cwd", "root", "runas", "shell", "env", "prepend_path", "stateful", "umask",
                   "output_loglevel", "hide_output", "timeout", "ignore_timeout", "use_vt",
                   "success_retcodes", "success_stdout", "success_stderr"])),
}
