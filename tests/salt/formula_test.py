#!/usr/bin/env python3
"""Tests of the Salt formula (salt/), without a Salt install.

Every state and top file is rendered with Jinja2 and YAML as Salt renders
it (salt_emulation.py), against the pillar example and against test
pillars; the states are checked against the signatures of the state
functions (state_signatures.py); the dom0 policy lines are compared with
what the staged `qrexec-proxy-admin policy` prints; the chains and their
checks run with the staged `qrexec-proxy-admin`.

  formula_test.py --tree SOURCE_TREE --stage STAGE_DIR [unittest options]
"""

import argparse
import json
import os
import pathlib
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import unittest

import jinja2

# No __pycache__ in the source tree (it would end up in source archives).
sys.dont_write_bytecode = True
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from salt_emulation import SaltRenderer, load_yaml, parse_states, render_pillar  # noqa: E402
from state_signatures import GLOBAL_ARGUMENTS, REQUISITES, SIGNATURES  # noqa: E402

TREE = None  # the source tree
STAGE = None  # the staged install (DESTDIR of `cmake --install`)


def formula_root():
    return TREE / "salt"


def example_pillar():
    return render_pillar(formula_root() / "pillar/qrexec-proxy/init.sls")


def admin_path():
    return STAGE / "usr/bin/qrexec-proxy-admin"


def staged_template_dir():
    return STAGE / "etc/qubes-qrexec-proxy"


def staged_env():
    return dict(os.environ, PATH=f"{STAGE / 'usr/bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}")


def full_pillar():
    """Every optional branch of the formula, and routes of every kind:
    explicit ones (routes[0] to [4]), then transparent ones."""
    return {"qrexec-proxy": {
        "template": {
            "name": "fedora-41-qrexec-proxy",
            "package_file": "/home/user/QubesIncoming/build/qubes-qrexec-proxy-0.1.0-1.fc41.x86_64.rpm",
            "requires": ["re2", "systemd-libs"],
        },
        "proxy": {
            "name": "sys-qrexec-proxy-2",
            "label": "purple",
            "netvm": "sys-firewall",
            "chains": {
                "description": "chains of the test",
                "limited": {"plugins": ["byte_limit"],
                            "config": {"byte_limit": {"src2dst_limit": 1000, "dst2src_limit": 0}}},
                "x.y_z-1": {"description": "two passes", "plugins": ["pass", "pass"],
                            "config": {"1": {"mode": "audit"}}},
                "one-way": {"plugins": ["stop_dst", "timeout"],
                            "config": {"timeout": {"src2dst_timeout": 2.5}}},
            },
        },
        "policy_file": "20-my-proxy.policy",
        "routes": [
            {"source": "@anyvm", "target": "vault", "chain": "one-way", "service": "my.Store"},
            {"source": "@tag:backup-source", "target": "backup", "chain": "limited",
             "service": "my.Backup+full"},
            {"source": "@type:AppVM", "target": "a", "chain": "x.y_z-1", "service": "qubes.Svc+"},
            {"source": "a-very-long-source-qube-name-31", "target": "b", "chain": "limited",
             "service": "svc+arg+with+plus"},
            {"source": "work", "target": "vault", "chain": "timeout", "service": "qrexec-mirror",
             "transparent": False},
            {"source": "work", "target": "vault", "chain": "one-way", "service": "qubes.Filecopy",
             "transparent": True},
            {"source": ["personal", "untrusted-1"], "target": "vault", "chain": "limited",
             "service": "qubes.OpenInVM+doc", "transparent": True, "ask": True},
            {"source": ["dev"], "target": "backup", "chain": "one-way", "service": "qubes.Filecopy",
             "transparent": True, "ask": False},
            {"source": "work", "target": "a", "chain": "limited", "service": "my.Svc+x",
             "transparent": True},
        ],
    }}


def minimal_pillar():
    """Only the required keys: an existing template, no chains, no routes."""
    return {"qrexec-proxy": {"template": {"name": "debian-12-xfce"},
                             "proxy": {"name": "sys-qrexec-proxy"}}}


def render_states(pillar, sls):
    return parse_states(SaltRenderer(formula_root(), pillar).render(f"qrexec-proxy/{sls}.sls"))


def state_by_id(states, state_id):
    matches = [state for state in states if state.id == state_id]
    if len(matches) != 1:
        raise AssertionError(f"no single state {state_id} in {states}")
    return matches[0]


def sls_files():
    return sorted((formula_root() / "qrexec-proxy").glob("*.sls"))


def top_files():
    return sorted((formula_root() / "qrexec-proxy").glob("*.top"))


def run(command, env=None, cwd=None):
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd, timeout=60)


class RenderingTest(unittest.TestCase):
    """Every file renders, with the structure Salt expects."""

    def test_the_pillar_example_is_complete(self):
        pillar = example_pillar()["qrexec-proxy"]
        self.assertEqual(set(pillar), {"template", "proxy", "policy_file", "routes"})
        self.assertTrue(pillar["routes"], "the example shows a route")
        self.assertTrue(pillar["proxy"]["chains"], "the example shows a chain")

    def test_every_state_file_renders_against_each_pillar(self):
        for pillar_name, pillar in [("example", example_pillar()), ("full", full_pillar()),
                                    ("minimal", minimal_pillar())]:
            for path in sls_files():
                with self.subTest(pillar=pillar_name, sls=path.name):
                    states = render_states(pillar, path.stem)
                    self.assertTrue(states)
                    self.assertEqual(len({state.id for state in states}), len(states))

    def test_no_pillar_stops_every_state_file(self):
        for path in sls_files():
            with self.subTest(sls=path.name):
                with self.assertRaisesRegex(jinja2.TemplateError, "no pillar data"):
                    render_states({}, path.stem)

    def test_state_top_files(self):
        example = example_pillar()
        names = {"template": example["qrexec-proxy"]["template"]["name"],
                 "proxy": example["qrexec-proxy"]["proxy"]["name"]}
        for path in top_files():
            with self.subTest(top=path.name):
                top = SaltRenderer(formula_root(), example).render(f"qrexec-proxy/{path.name}")
                targets = top["base"]
                sls = f"qrexec-proxy.{path.stem}"
                if path.stem == "dom0":
                    self.assertEqual(targets, {"dom0": [{"match": "nodegroup"}, sls]})
                else:
                    self.assertEqual(targets, {names[path.stem]: [sls]})
                # `qubesctl top.enable qrexec-proxy.NAME` enables qrexec-proxy/NAME.top,
                # whose sls is qrexec-proxy/NAME.sls under the same file root.
                self.assertTrue((formula_root() / (sls.replace(".", "/") + ".sls")).is_file())
        self.assertEqual({path.stem for path in top_files()}, {"dom0", "template", "proxy"})

    def test_vm_top_files_target_nothing_without_a_valid_name(self):
        for pillar in [{}, {"qrexec-proxy": {}},
                       {"qrexec-proxy": {"template": {"name": "a': b"}, "proxy": {"name": "x y"}}}]:
            for stem in ["template", "proxy"]:
                with self.subTest(pillar=pillar, top=stem):
                    top = SaltRenderer(formula_root(), pillar).render(f"qrexec-proxy/{stem}.top")
                    self.assertEqual(top, {"base": {}})

    def test_pillar_top_gives_the_pillar_to_dom0_the_template_and_the_proxy_only(self):
        pillar = example_pillar()["qrexec-proxy"]
        top = render_pillar(formula_root() / "pillar/qrexec-proxy/init.top")
        (target, entries), = top["base"].items()
        self.assertEqual(entries, [{"match": "list"}, "qrexec-proxy"])
        self.assertEqual(sorted(target.split(",")),
                         sorted(["dom0", pillar["template"]["name"], pillar["proxy"]["name"]]))

    def test_minion_conf_points_file_roots_at_the_formula(self):
        conf = load_yaml((formula_root() / "minion.d/formula-qrexec-proxy.conf").read_text())
        self.assertEqual(conf, {"file_roots": {"base": ["/srv/formulas/base/qrexec-proxy-formula"]}})

    def test_the_dom0_package_ships_every_file_of_the_formula(self):
        expected = TREE / "tests/packaging/expected/qubes-qrexec-proxy-dom0.rpm.list"
        listed = {line for line in expected.read_text().splitlines()
                  if line and not line.startswith("#")}
        root = "/srv/formulas/base/qrexec-proxy-formula/"
        for path in sorted((formula_root() / "qrexec-proxy").rglob("*")):
            with self.subTest(path=path.name):
                relative = path.relative_to(formula_root()).as_posix()
                self.assertIn(root + relative + ("/" if path.is_dir() else ""), listed)
        self.assertIn("/etc/salt/minion.d/formula-qrexec-proxy.conf", listed)
        examples = "/usr/share/doc/qubes-qrexec-proxy-dom0/examples/pillar/qrexec-proxy/"
        for name in ["init.sls", "init.top"]:
            self.assertIn(examples + name, listed)

    def test_readme_names_tops_that_exist(self):
        readme = (TREE / "README.md").read_text()
        commands = re.findall(r"qubesctl top\.enable ([^`\n]+)", readme)
        self.assertTrue(commands)
        for command in commands:
            words = command.split()
            pillar = "pillar=true" in words
            for name in [word for word in words if "=" not in word]:
                with self.subTest(top=name):
                    path = name.replace(".", "/")
                    if pillar:
                        self.assertTrue((formula_root() / "pillar" / path / "init.top").is_file())
                    else:
                        self.assertTrue((formula_root() / (path + ".top")).is_file())


class PillarCheckTest(unittest.TestCase):
    """A wrong pillar stops the rendering with a message: nothing is applied."""

    def assert_refused(self, change, message):
        pillar = full_pillar()
        change(pillar["qrexec-proxy"])
        for sls in ["dom0", "template", "proxy"]:
            with self.assertRaises(jinja2.TemplateError) as raised:
                render_states(pillar, sls)
            self.assertIn(message, str(raised.exception))

    def route(self, index, **values):
        def change(pillar):
            pillar["routes"][index].update(values)
        return change

    def test_routes_that_would_widen_the_policy(self):
        cases = [
            (self.route(0, service="*"), "routes[0]:service"),
            (self.route(0, service="qubes.Filecopy more"), "routes[0]:service"),
            (self.route(0, service="svc+*"), "has an invalid argument"),
            (self.route(0, target="@anyvm"), "routes[0]:target"),
            (self.route(0, target="@dispvm"), "routes[0]:target"),
            (self.route(0, target="default"), "routes[0]:target"),
            (self.route(0, source="*"), "routes[0]:source"),
            (self.route(0, source="@anyvm allow\nqubes.VMShell * @anyvm"), "routes[0]:source"),
            (self.route(0, source="@tag:"), "not a valid tag"),
            (self.route(0, source="@type:Anything"), "not a qube type"),
            (self.route(0, chain="*"), "routes[0]:chain"),
            (self.route(0, chain="a+b"), "routes[0]:chain"),
            (self.route(0, chain=".hidden"), "routes[0]:chain"),
            (self.route(0, chain="x" * 65), "routes[0]:chain"),
            (self.route(0, source="sys-qrexec-proxy-2"), "cannot be the source or the target"),
            (self.route(1, target="sys-qrexec-proxy-2"), "cannot be the source or the target"),
            (self.route(0, sevice="my.Store"), 'unknown key "sevice"'),
            (self.route(0, service=None), "routes[0]:service"),
            (self.route(0, target=42), "routes[0]:target"),
        ]
        for change, message in cases:
            with self.subTest(message=message):
                self.assert_refused(change, message)

    def test_missing_route_keys(self):
        def change(pillar):
            del pillar["routes"][2]["chain"]
        self.assert_refused(change, "routes[2]: chain is missing")

    def test_qubes_and_files(self):
        def set_value(section, key, value):
            def change(pillar):
                pillar[section][key] = value
            return change
        cases = [
            (set_value("proxy", "name", "none"), "proxy:name"),
            (set_value("proxy", "name", "1proxy"), "proxy:name"),
            (set_value("proxy", "name", "p" * 32), "proxy:name"),
            (set_value("proxy", "name", "fedora-41-qrexec-proxy"), "its own template"),
            (set_value("proxy", "label", "pink"), "proxy:label"),
            (set_value("proxy", "netvm", "sys firewall"), "proxy:netvm"),
            (set_value("proxy", "chains", ["a"]), "proxy:chains must be a mapping"),
            (set_value("proxy", "chains", {"c": {"plugins": ["pass"], "config": {0: {}}}}),
             "the key 0 is not a string"),
            (set_value("proxy", "memory", 400), 'unknown key "memory"'),
            (set_value("template", "name", ""), "template:name"),
            (set_value("template", "clone_from", "fedora-41-qrexec-proxy"), "names the template itself"),
            (set_value("template", "package_file", "relative.rpm"), "template:package_file"),
            (set_value("template", "package_file", "/tmp/a b.rpm"), "template:package_file"),
            (set_value("template", "requires", "re2"), "template:requires must be a list"),
            (set_value("template", "requires", ["re2; rm"]), "is not a package name"),
        ]
        for change, message in cases:
            with self.subTest(message=message):
                self.assert_refused(change, message)

    def test_top_level(self):
        for key, value, message in [("policy_file", "../x.policy", "policy_file"),
                                    ("policy_file", "30-x.conf", "policy_file"),
                                    ("policy_file", ".policy", "policy_file"),
                                    ("routes", {"source": "a"}, "routes must be a list"),
                                    ("route", [], 'unknown key "route"')]:
            with self.subTest(key=key, value=value):
                def change(pillar, key=key, value=value):
                    pillar[key] = value
                self.assert_refused(change, message)

    def test_all_problems_are_named_at_once(self):
        def change(pillar):
            pillar["proxy"]["label"] = "pink"
            pillar["routes"][3]["target"] = "@anyvm"
        self.assert_refused(change, "proxy:label")
        self.assert_refused(change, "routes[3]:target")


def signature_problems(states):
    """What is wrong with the states of one sls, against the signatures of
    their state functions: an empty list when nothing is."""
    problems = []
    by_module = {}
    for state in states:
        by_module.setdefault(state.module, set()).update({state.id, state.name})
    for state in states:
        def problem(text, state=state):
            problems.append(f"{state.id} ({state.function}): {text}")
        signature = SIGNATURES.get(state.function)
        if signature is None:
            problem("not a state function of state_signatures.py")
            continue
        missing = signature.required - set(state.arguments) - {"name"}  # name defaults to the ID
        if missing:
            problem(f"missing required arguments {sorted(missing)}")
        unknown = set(state.arguments) - signature.allowed - signature.required - GLOBAL_ARGUMENTS
        if unknown:
            problem(f"arguments not in the signature: {sorted(unknown)}")
        for argument, choices in signature.choices.items():
            if argument in state.arguments and state.arguments[argument] not in choices:
                problem(f"{argument}: {state.arguments[argument]!r} is not one of {choices}")
        for flag in state.arguments.get("flags", []):
            if flag not in signature.flags:
                problem(f"unknown flag {flag!r}")
        for requisite in REQUISITES & set(state.arguments):
            for reference in state.arguments[requisite]:
                if not isinstance(reference, dict) or len(reference) != 1:
                    problem(f"{requisite}: {reference!r} is not `- module: ID`")
                    continue
                (module, target), = reference.items()
                if target not in by_module.get(module, set()):
                    problem(f"{requisite}: no {module} state {target!r} in this sls")
        if not isinstance(state.name, str):
            problem(f"name {state.name!r} is not a string")
            continue
        if state.module == "file":
            if not state.name.startswith("/"):
                problem("name is not an absolute path")
            for mode in ["mode", "dir_mode"]:
                if mode in state.arguments and not re.fullmatch(r"0[0-7]{3}", str(state.arguments[mode])):
                    problem(f"{mode} {state.arguments[mode]!r} is not a quoted octal mode")
            source = state.arguments.get("source")
            if source is not None and not (
                    source.startswith("salt://") and (formula_root() / source[len("salt://"):]).is_file()):
                problem(f"source {source!r} is not a file of the formula")
    return problems


class SignatureTest(unittest.TestCase):
    """Every rendered state calls a known state function with its arguments."""

    def test_states_against_each_pillar(self):
        for pillar_name, pillar in [("example", example_pillar()), ("full", full_pillar()),
                                    ("minimal", minimal_pillar())]:
            for path in sls_files():
                with self.subTest(pillar=pillar_name, sls=path.name):
                    self.assertEqual(signature_problems(render_states(pillar, path.stem)), [])

    def test_the_check_finds_wrong_states(self):
        states = parse_states(load_yaml("""
q:
  qvm.present:
    - name: q
    - netvm: ''
    - flags: [fast]
p:
  qvm.prefs:
    - label: pink
    - require:
      - qvm: nothing
c:
  qvm.clone:
    - name: c
f:
  file.managed:
    - name: relative
    - mode: 644
    - source: salt://qrexec-proxy/files/none
x:
  file.copy:
    - name: /x
"""))
        problems = "\n".join(signature_problems(states))
        for expected in ["q (qvm.present): arguments not in the signature: ['netvm']",
                         "unknown flag 'fast'", "'pink' is not one of",
                         "require: no qvm state 'nothing'",
                         "c (qvm.clone): missing required arguments ['source']",
                         "name is not an absolute path", "mode 644 is not a quoted octal mode",
                         "is not a file of the formula", "x (file.copy): not a state function"]:
            self.assertIn(expected, problems)

    def test_dom0_states(self):
        pillar = example_pillar()
        states = render_states(pillar, "dom0")
        template = pillar["qrexec-proxy"]["template"]
        proxy = pillar["qrexec-proxy"]["proxy"]
        clone = state_by_id(states, "qrexec-proxy-template")
        self.assertEqual((clone.function, clone.name, clone.arguments["source"]),
                         ("qvm.clone", template["name"], template["clone_from"]))
        present = state_by_id(states, "qrexec-proxy-qube")
        self.assertEqual((present.function, present.name, present.arguments["template"]),
                         ("qvm.present", proxy["name"], template["name"]))
        prefs = state_by_id(states, "qrexec-proxy-qube-prefs")
        self.assertEqual(prefs.function, "qvm.prefs")
        # qvm.prefs turns '' (and 'none') into no netvm.
        self.assertEqual(prefs.arguments["netvm"], "")
        self.assertEqual(prefs.arguments["template"], template["name"])
        full = render_states(full_pillar(), "dom0")
        self.assertEqual(state_by_id(full, "qrexec-proxy-qube-prefs").arguments["netvm"],
                         "sys-firewall")
        self.assertEqual(state_by_id(full, "qrexec-proxy-template").function, "qvm.exists")

    def test_template_states(self):
        states = render_states(example_pillar(), "template")
        self.assertEqual([(state.function, state.name) for state in states],
                         [("pkg.installed", "qubes-qrexec-proxy")])
        self.assertNotIn("sources", states[0].arguments)
        pillar = full_pillar()
        states = render_states(pillar, "template")
        requires = state_by_id(states, "qrexec-proxy-requires")
        self.assertEqual(requires.arguments["pkgs"], ["re2", "systemd-libs"])
        package = state_by_id(states, "qrexec-proxy-package")
        self.assertEqual(package.arguments["sources"],
                         [{"qubes-qrexec-proxy": pillar["qrexec-proxy"]["template"]["package_file"]}])
        self.assertEqual(package.arguments["require"], [{"pkg": "qrexec-proxy-requires"}])


# A v5 policy rule as qrexec parses it, restricted to what the formula may
# write: SERVICE ARGUMENT SOURCE TARGET allow|ask [target=QUBE], a literal
# service, and a literal target or @default.
QUBE = r"[A-Za-z][A-Za-z0-9_-]{0,30}"
SOURCE = rf"(?:{QUBE}|@anyvm|@tag:[A-Za-z0-9_-]+|@type:(?:AppVM|DispVM|StandaloneVM|TemplateVM|AdminVM))"
RULE = re.compile(rf"(?P<service>[A-Za-z0-9_][A-Za-z0-9_.-]*)\s+(?P<argument>\*|\+[A-Za-z0-9_.+-]*)"
                  rf"\s+(?P<source>{SOURCE})\s+(?P<target>{QUBE}|@default)\s+(?P<action>allow|ask)"
                  rf"(?:\s+target=(?P<redirect>{QUBE}))?")


def route_sources(route):
    return [route["source"]] if isinstance(route["source"], str) else list(route["source"])


def transparent_lines(route, source, proxy):
    """The three policy lines of a transparent route for one source, each
    column two spaces wider than its longest cell, as the CLI aligns."""
    name, plus, argument = route["service"].partition("+")
    argument = "+" + argument if plus else "*"
    action = ("ask" if route.get("ask") else "allow") + " target=" + proxy
    rows = [[name, argument, source, route["target"], action],
            [name, argument, source, "@default", action],
            [name, argument, proxy, route["target"], "allow"]]
    widths = [max(len(row[column]) for row in rows) + 2 for column in range(4)]
    return ["".join(cell.ljust(width) for cell, width in zip(row, widths)) + row[4] for row in rows]


class PolicyTest(unittest.TestCase):
    """The dom0 policy file holds exactly the CLI's two lines per explicit
    route and three redirect lines per source of a transparent route."""

    def setUp(self):
        self.work = pathlib.Path(tempfile.mkdtemp(prefix="salt-policy-test."))
        self.addCleanup(shutil.rmtree, self.work)

    def policy_file(self, pillar):
        state = state_by_id(render_states(pillar, "dom0"), "qrexec-proxy-policy")
        self.assertEqual(state.function, "file.managed")
        return state

    def qube_dir_with_chains(self, pillar):
        """The proxy qube's per-qube config as the proxy state writes it:
        its chains and routes."""
        qube_dir = self.work / "qube"
        (qube_dir / "chains.d").mkdir(parents=True, exist_ok=True)
        (qube_dir / "routes.d").mkdir(exist_ok=True)
        states = render_states(pillar, "proxy")
        for state_id, file in [("qrexec-proxy-chains", "chains.d/salt.json"),
                               ("qrexec-proxy-routes", "routes.d/salt.json")]:
            state = state_by_id(states, state_id)
            if state.function == "file.managed":
                (qube_dir / file).write_text(state.arguments["contents"])
            else:
                (qube_dir / file).unlink(missing_ok=True)
        return qube_dir

    def cli_route_lines(self, route, source, proxy, qube_dir):
        """The dom0 lines `route policy` prints for SOURCE's calls of the
        route's service, its comment line left out."""
        result = run([str(admin_path()), "--config-dir", str(staged_template_dir()),
                      "--config-dir", str(qube_dir), "route", "policy", source, route["service"],
                      "--proxy", proxy] + (["--ask"] if route.get("ask") else []))
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        return [line for line in result.stdout.splitlines() if not line.startswith("#")]

    def cli_lines(self, route, proxy, qube_dir):
        result = run([str(admin_path()), "--config-dir", str(staged_template_dir()),
                      "--config-dir", str(qube_dir), "policy", route["chain"],
                      "--source", route["source"], "--target", route["target"],
                      "--service", route["service"], "--proxy", proxy])
        self.assertEqual(result.returncode, 0, result.stderr)
        lines = result.stdout.splitlines()
        self.assertEqual(len(lines), 2, result.stdout)
        return lines

    def check_pillar(self, pillar):
        settings = pillar["qrexec-proxy"]
        state = self.policy_file(pillar)
        expected_file = "/etc/qubes/policy.d/" + settings.get("policy_file", "30-qrexec-proxy.policy")
        self.assertEqual(state.name, expected_file)
        self.assertEqual(state.arguments["check_cmd"], "/usr/bin/qubes-policy-lint")
        return self.check_contents(state.arguments["contents"], pillar)

    def check_contents(self, contents, pillar):
        """Fails unless CONTENTS is a header, then for each explicit route of
        PILLAR the two lines the CLI prints, and for each source of a
        transparent route its three lines, in order, and nothing else."""
        settings = pillar["qrexec-proxy"]
        proxy = settings["proxy"]["name"]
        self.assertTrue(contents.endswith("\n") and not contents.endswith("\n\n"))
        lines = contents.splitlines()
        self.assertTrue(lines[0].startswith("## Managed by Salt"), lines[0])
        rules = [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
        qube_dir = self.qube_dir_with_chains(pillar)
        groups = []  # (route, its lines)
        for route in settings.get("routes", []):
            if route.get("transparent"):
                for source in route_sources(route):
                    group = transparent_lines(route, source, proxy)
                    self.assertEqual(self.cli_route_lines(route, source, proxy, qube_dir), group)
                    groups.append((route, group))
            else:
                groups.append((route, self.cli_lines(route, proxy, qube_dir)))
        expected = []
        for route, group in groups:
            self.assertIn(group[0], lines)
            start = lines.index(group[0])
            self.assertEqual(lines[start:start + len(group)], group, "the group as one block")
            expected.extend(group)
        # Nothing but the routes' lines, in the pillar's order.
        self.assertEqual(rules, expected)
        matches = []
        for rule in rules:
            self.assertNotIn("\t", rule)
            match = RULE.fullmatch(rule)
            self.assertIsNotNone(match, f"{rule!r}: a well-formed v5 rule of a literal service and target")
            self.assertNotIn(match["target"], ["default", "none"])
            matches.append(match)
        for route, group in groups:
            rows, matches = matches[:len(group)], matches[len(group):]
            if route.get("transparent"):
                self.check_transparent_rows(rows, route, proxy)
            else:
                self.check_explicit_rows(rows, proxy)
        return lines

    def check_explicit_rows(self, rows, proxy):
        first, second = rows
        for row in rows:
            self.assertEqual((row["action"], row["redirect"]), ("allow", None))
        self.assertEqual((first["service"], first["target"]), ("qrexec-proxy", proxy))
        self.assertEqual(second["source"], proxy)
        chain_target_service = first["argument"][1:].split("+", 2)
        self.assertEqual(chain_target_service[1], second["target"])

    def check_transparent_rows(self, rows, route, proxy):
        """A source's calls of the service to the target or to @default go to
        the proxy qube (allow or ask, target=PROXY); the proxy qube may call
        the target. A source is one qube, never the proxy qube."""
        first, second, third = rows
        name = route["service"].partition("+")[0]
        for row in rows:
            self.assertEqual((row["service"], row["argument"]), (name, first["argument"]))
        action = "ask" if route.get("ask") else "allow"
        for row in [first, second]:
            self.assertRegex(row["source"], rf"^{QUBE}$")
            self.assertNotEqual(row["source"], proxy)
            self.assertIn(row["source"], route_sources(route))
            self.assertEqual((row["action"], row["redirect"]), (action, proxy))
        self.assertEqual(first["source"], second["source"])
        self.assertEqual((first["target"], second["target"]), (route["target"], "@default"))
        self.assertEqual((third["source"], third["target"], third["action"], third["redirect"]),
                         (proxy, route["target"], "allow", None))

    def test_example(self):
        self.check_pillar(example_pillar())

    def test_routes_of_every_kind(self):
        lines = self.check_pillar(full_pillar())
        # An empty argument stays '+': the call's argument must be empty.
        self.assertRegex("\n".join(lines), r"(?m)^qubes\.Svc +\+ +sys-qrexec-proxy-2 +a +allow$")
        self.assertRegex("\n".join(lines), r"(?m)^my\.Svc +\+x +work +@default +allow target=sys-qrexec-proxy-2$")

    def test_no_routes_allow_nothing(self):
        state = self.policy_file(minimal_pillar())
        self.assertEqual(state.name, "/etc/qubes/policy.d/30-qrexec-proxy.policy")
        for line in state.arguments["contents"].splitlines():
            self.assertTrue(line == "" or line.startswith("##"), line)

    def test_the_comparison_can_fail(self):
        pillar = example_pillar()
        contents = self.policy_file(pillar).arguments["contents"]
        rule = next(line for line in contents.splitlines() if line.startswith("qrexec-proxy "))
        for name, tampered in [
                ("spacing", contents.replace(rule, " ".join(rule.split()))),
                ("an extra rule", contents + "qubes.VMShell  *  work  vault  allow\n"),
                ("a wider argument", contents.replace(rule, rule.replace("+store-one-way", "*", 1))),
                ("no header", contents.replace("## Managed by Salt", "##", 1))]:
            with self.subTest(name):
                self.assertNotEqual(tampered, contents)
                with self.assertRaises(AssertionError):
                    self.check_contents(tampered, pillar)

    def test_the_comparison_of_transparent_routes_can_fail(self):
        pillar = full_pillar()
        contents = self.policy_file(pillar).arguments["contents"]
        self.check_contents(contents, pillar)
        lines = contents.splitlines(keepends=True)
        copy = next(line for line in lines if line.startswith("qubes.Filecopy  *  work "))
        default = next(line for line in lines if "@default" in line and line.startswith("qubes.Filecopy"))
        asked = next(line for line in lines if line.startswith("qubes.OpenInVM") and " ask " in line)
        for name, tampered in [
                ("allow instead of ask", contents.replace(asked, asked.replace(" ask target=", " allow target=", 1))),
                ("no @default line", contents.replace(default, "", 1)),
                ("no redirect", contents.replace(copy, copy.replace(" target=sys-qrexec-proxy-2", ""), 1)),
                ("@anyvm as source", contents.replace(copy, copy.replace("  work  ", "  @anyvm", 1), 1)),
                ("a source left out", contents.replace("".join(
                    line for line in lines if "untrusted-1" in line), "", 1))]:
            with self.subTest(name):
                self.assertNotEqual(tampered, contents)
                with self.assertRaises(AssertionError):
                    self.check_contents(tampered, pillar)


def parse_stateful_output(stdout):
    """What Salt's cmd.run makes of stdout with stateful: True
    (salt/states/cmd.py, _reinterpreted_state): JSON, or key=value pairs on
    the last line."""
    try:
        data = json.loads(stdout)
        if isinstance(data, dict):
            return data
    except ValueError:
        pass
    index = stdout.rstrip().rfind("\n")
    last = stdout[index + 1:] if index != -1 else stdout
    data = {}
    for item in shlex.split(last):
        key, value = item.split("=")  # ValueError: Salt fails the state
        data[key] = value
    return data


class ProxyQubeTest(unittest.TestCase):
    """What the tests of the proxy state share: a private per-qube config
    directory, and the state's commands run there."""

    HELPERS = "/run/qubes-qrexec-proxy-salt"
    TEMPLATE_DIR = "/etc/qubes-qrexec-proxy"
    QUBE_DIR = "/usr/local/etc/qubes-qrexec-proxy"
    NEXT_ROUTES = "/run/qubes-qrexec-proxy-salt/routes.json"

    def setUp(self):
        self.work = pathlib.Path(tempfile.mkdtemp(prefix="salt-proxy-test."))
        self.addCleanup(shutil.rmtree, self.work)
        self.qube_dir = self.work / "usr-local-etc"
        (self.qube_dir / "chains.d").mkdir(parents=True)
        self.next_routes = self.work / "next-routes.json"

    def helper_command(self, states, command, helper, template_dir=None, paths=None):
        """COMMAND of a state, as Salt runs it, with the real locations
        replaced by the test's: the helper from the formula, the staged
        template config (or TEMPLATE_DIR) and the test's per-qube directory;
        the other arguments with the real paths of PATHS (real -> test's)
        and the next routes file replaced."""
        argv = shlex.split(command)
        installed = state_by_id(states, f"qrexec-proxy-{helper}")
        interpreter = "/usr/bin/python3" if helper == "route-entries" else "/bin/sh"
        self.assertEqual(argv[:4], [interpreter, installed.name, self.TEMPLATE_DIR, self.QUBE_DIR])
        self.assertEqual(installed.name, f"{self.HELPERS}/{helper}")
        self.assertEqual(installed.arguments["source"], f"salt://qrexec-proxy/files/{helper}")
        paths = dict(paths or {}, **{self.NEXT_ROUTES: str(self.next_routes)})
        rest = []
        for argument in argv[4:]:
            for real, local in paths.items():
                argument = argument.replace(real, local)
            rest.append(argument)
        return [sys.executable if helper == "route-entries" else "/bin/sh",
                str(formula_root() / "qrexec-proxy/files" / helper),
                str(template_dir or staged_template_dir()), str(self.qube_dir)] + rest

    def check_candidate(self, pillar, state_id="qrexec-proxy-chains", contents=None, env=None):
        """Runs the check_cmd of the file of STATE_ID the way file.managed
        does: the command, then the path of a temporary file holding the new
        contents. The next routes file is the one the state writes first."""
        states = render_states(pillar, "proxy")
        state = state_by_id(states, state_id)
        self.assertEqual(state.function, "file.managed")
        next_routes = [state for state in states if state.id == "qrexec-proxy-next-routes"]
        if next_routes:
            self.next_routes.write_text(next_routes[0].arguments["contents"])
        command = self.helper_command(states, state.arguments["check_cmd"], "check-config")
        candidate = self.work / "__salt.tmp.candidate"
        candidate.write_text(state.arguments["contents"] if contents is None else contents)
        return run(command + [str(candidate)], env=env or staged_env())

    def snapshot(self):
        return {path.relative_to(self.qube_dir).as_posix():
                (os.readlink(path) if path.is_symlink() else path.read_bytes() if path.is_file() else None)
                for path in sorted(self.qube_dir.rglob("*"))}


class ChainsTest(ProxyQubeTest):
    """The proxy's chains: written from the pillar, checked before they
    take effect, with the routes' chains checked after."""

    def chains_state(self, pillar):
        return state_by_id(render_states(pillar, "proxy"), "qrexec-proxy-chains")

    def test_contents_are_the_pillar_chains(self):
        for pillar in [example_pillar(), full_pillar()]:
            chains = pillar["qrexec-proxy"]["proxy"]["chains"]
            written = json.loads(self.chains_state(pillar).arguments["contents"])
            if "description" not in chains:
                self.assertIn("Managed by Salt", written.pop("description"))
            self.assertEqual(written, chains)

    def test_no_chains_no_file(self):
        state = self.chains_state(minimal_pillar())
        self.assertEqual((state.function, state.name), ("file.absent", f"{self.QUBE_DIR}/chains.d/salt.json"))

    def test_the_example_passes_the_check(self):
        before = self.snapshot()
        result = self.check_candidate(example_pillar())
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("The config is valid", result.stdout)
        self.assertEqual(self.snapshot(), before, "the check changes nothing in place")

    def test_the_full_pillar_passes_with_the_rest_of_the_qube_config(self):
        (self.qube_dir / "config.json").write_text('{"mine": {"plugins": ["pass"]}}')
        (self.qube_dir / "chains.d/other.json").write_text('{"other": {"plugins": []}}')
        # Not read by the service, so not by the check either:
        (self.qube_dir / "chains.d/.hidden.json").write_text("not json")
        (self.qube_dir / "chains.d/notes.txt").write_text("not json")
        # The file the candidate replaces: its chains do not count.
        (self.qube_dir / "chains.d/salt.json").write_text('{"limited": {"plugins": ["pass"]}}')
        # Its explicit routes only: a routes file would count as one more file
        # for an admin CLI that reads routes (RoutesFileTest checks them).
        pillar = full_pillar()
        pillar["qrexec-proxy"]["routes"] = [
            route for route in pillar["qrexec-proxy"]["routes"] if not route.get("transparent")]
        before = self.snapshot()
        result = self.check_candidate(pillar)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("4 files", result.stdout)  # the template's, config.json, 2 in chains.d
        self.assertEqual(self.snapshot(), before)

    def test_an_invalid_chain_is_refused_and_named_where_it_would_be(self):
        contents = json.dumps({"bad": {"plugins": ["no_such_plugin"]}})
        result = self.check_candidate(example_pillar(), contents=contents)
        self.assertEqual(result.returncode, 1, result.stdout)
        self.assertIn(f"{self.qube_dir}/chains.d/salt.json", result.stdout)
        self.assertIn("no_such_plugin", result.stdout)
        self.assertNotIn("qrexec-proxy-check.", result.stdout, "the staging path is not shown")

    def test_broken_json_is_refused(self):
        result = self.check_candidate(example_pillar(), contents='{"a": ')
        self.assertEqual(result.returncode, 1, result.stdout)
        self.assertIn("salt.json:1:", result.stdout)

    def test_a_chain_defined_twice_in_the_qube_is_refused(self):
        (self.qube_dir / "config.json").write_text('{"store-one-way": {"plugins": ["pass"]}}')
        result = self.check_candidate(example_pillar())
        self.assertEqual(result.returncode, 1, result.stdout)
        self.assertIn("store-one-way", result.stdout)

    def test_a_broken_neighbour_fails_the_check(self):
        # The service would fail every call: the new file must not go in either.
        (self.qube_dir / "chains.d/other.json").write_text("{")
        result = self.check_candidate(example_pillar())
        self.assertEqual(result.returncode, 1, result.stdout)
        self.assertIn(f"{self.qube_dir}/chains.d/other.json", result.stdout)

    def test_without_the_package_the_check_says_so(self):
        tools = self.work / "tools"
        tools.mkdir()
        for tool in ["sh", "mktemp", "cp", "rm", "mkdir", "sed"]:
            (tools / tool).symlink_to(shutil.which(tool))
        result = self.check_candidate(example_pillar(), env=dict(os.environ, PATH=str(tools)))
        self.assertEqual(result.returncode, 1)
        self.assertIn("qubes-qrexec-proxy is not installed in this qube", result.stdout)

    def route_check(self, pillar):
        states = render_states(pillar, "proxy")
        state = state_by_id(states, "qrexec-proxy-route-chains")
        self.assertEqual(state.function, "cmd.run")
        self.assertIs(state.arguments["stateful"], True)
        self.assertIn({"file": "qrexec-proxy-chains"}, state.arguments["require"])
        self.assertIn({"file": "qrexec-proxy-routes"}, state.arguments["require"])
        chains = {route["chain"] for route in pillar["qrexec-proxy"]["routes"]}
        command = self.helper_command(states, state.arguments["name"], "check-route-chains")
        self.assertEqual(set(command[4:]), chains)
        return command

    def install_chains(self, pillar):
        contents = self.chains_state(pillar).arguments["contents"]
        (self.qube_dir / "chains.d/salt.json").write_text(contents)

    def test_route_chains_defined(self):
        for pillar in [example_pillar(), full_pillar()]:
            with self.subTest(pillar=pillar["qrexec-proxy"]["proxy"]["name"]):
                self.install_chains(pillar)
                result = run(self.route_check(pillar), env=staged_env())
                self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
                state = parse_stateful_output(result.stdout)
                self.assertEqual(state["changed"], "no")
                self.assertIn("chains of the routes defined", state["comment"])

    def test_a_route_to_a_missing_chain_fails(self):
        pillar = example_pillar()
        pillar["qrexec-proxy"]["routes"].append(
            {"source": "work", "target": "vault", "chain": "typo-chain", "service": "my.StoreFile"})
        self.install_chains(pillar)
        result = run(self.route_check(pillar), env=staged_env())
        self.assertEqual(result.returncode, 1, result.stdout)
        self.assertIn("typo-chain", result.stdout)
        self.assertNotIn("store-one-way (see", result.stdout)

    def test_a_route_check_fails_on_an_invalid_config(self):
        pillar = example_pillar()
        self.install_chains(pillar)
        (self.qube_dir / "config.json").write_text('{"x": {"plugins": ["nope"]}}')
        result = run(self.route_check(pillar), env=staged_env())
        self.assertEqual(result.returncode, 1, result.stdout)
        self.assertIn("nope", result.stdout)

    def test_no_routes_no_route_check(self):
        states = render_states(minimal_pillar(), "proxy")
        self.assertNotIn("qrexec-proxy-route-chains", [state.id for state in states])


def main(description=__doc__):
    """Runs the tests of the module __main__ (this one, or a script of
    tests/salt that imports it) over --tree and --stage."""
    global TREE, STAGE
    parser = argparse.ArgumentParser(description=description.splitlines()[0])
    parser.add_argument("--tree", required=True, type=pathlib.Path)
    parser.add_argument("--stage", required=True, type=pathlib.Path)
    options, rest = parser.parse_known_args()
    TREE, STAGE = options.tree.resolve(), options.stage.resolve()
    if not admin_path().is_file():
        print(f"no staged qrexec-proxy-admin at {admin_path()}: build and stage first (tools/build)")
        return 1
    program = unittest.main(argv=[sys.argv[0]] + rest, exit=False, verbosity=2)
    return 0 if program.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
