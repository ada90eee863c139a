#!/usr/bin/env python3
"""A stand-in for qrexec-proxy-admin in the Salt tests: the route commands
and the check of a staged config, which the tests must see without
depending on what the admin CLI of the tree knows of routes.

A test links it as qrexec-proxy-admin into a private bin directory first
on PATH, with in the environment:

  STUB_LOG           each command line is appended as one JSON list
  STUB_RECORD        `check` copies the last --config-dir here (the config
                     it was asked to check)
  STUB_CHECK_STATUS  the exit status of `check` (default 0)
  STUB_ENTRY_DIR     where `route enable` makes its entries
  STUB_BINARY        what an entry links to

and does what the interface of the admin CLI says:

  check                  prints one line naming routes.d/salt.json of the
                         last --config-dir, exits STUB_CHECK_STATUS
  route enable SERVICE   refuses (1) a SERVICE no routes.d/*.json of the
                         --config-dirs names, or an entry that is not its
                         own; else makes STUB_ENTRY_DIR/SERVICE, a symlink
                         to STUB_BINARY (0, also when it is there already)
  route disable SERVICE  removes an entry of its own (0); refuses (1) a
                         missing entry or anything else
"""

import json
import os
import shutil
import sys


def routed_services(config_dirs):
    services = set()
    for config_dir in config_dirs:
        routes_dir = os.path.join(config_dir, "routes.d")
        if not os.path.isdir(routes_dir):
            continue
        for name in os.listdir(routes_dir):
            if name.startswith(".") or not name.endswith(".json"):
                continue
            with open(os.path.join(routes_dir, name), encoding="utf-8") as file:
                services.update(route["service"] for route in json.load(file))
    return services


def own_entry(path):
    return os.path.islink(path) and os.readlink(path) == os.environ["STUB_BINARY"]


def main(argv):
    with open(os.environ["STUB_LOG"], "a", encoding="utf-8") as log:
        log.write(json.dumps(argv[1:]) + "\n")
    arguments, config_dirs = argv[1:], []
    while arguments[:1] == ["--config-dir"]:
        config_dirs.append(arguments[1])
        arguments = arguments[2:]
    if arguments == ["check"]:
        if os.environ.get("STUB_RECORD"):
            shutil.copytree(config_dirs[-1], os.environ["STUB_RECORD"], symlinks=True)
        print(f"{config_dirs[-1]}/routes.d/salt.json: checked by the stub")
        return int(os.environ.get("STUB_CHECK_STATUS", "0"))
    if len(arguments) == 3 and arguments[:2] == ["route", "enable"]:
        service = arguments[2]
        entry = os.path.join(os.environ["STUB_ENTRY_DIR"], service)
        if service not in routed_services(config_dirs):
            print(f"no route names the service {service}", file=sys.stderr)
            return 1
        if os.path.lexists(entry):
            if own_entry(entry):
                return 0
            print(f"{entry} exists and is not an entry of the proxy", file=sys.stderr)
            return 1
        os.makedirs(os.environ["STUB_ENTRY_DIR"], exist_ok=True)
        os.symlink(os.environ["STUB_BINARY"], entry)
        return 0
    if len(arguments) == 3 and arguments[:2] == ["route", "disable"]:
        entry = os.path.join(os.environ["STUB_ENTRY_DIR"], arguments[2])
        if not own_entry(entry):
            print(f"{entry} is not an entry of the proxy", file=sys.stderr)
            return 1
        os.unlink(entry)
        return 0
    print(f"the stub does not know {arguments}", file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv))
