#!/usr/bin/env python3
"""Tests of what the proxy state of the Salt formula (salt/) does with the
transparent routes: the routes file of the proxy qube and its check (with
the chains' check), and the entries that make the proxy qube answer the
services of the routes.

The commands these states run against qrexec-proxy-admin `check` and
`route enable|disable` run here against admin_stub.py, which records each
command line and the config it was asked to check, so that a test can say
exactly what the state asked for; the same states are also run against
the staged admin CLI itself (test_the_admin_cli_checks_the_routes,
test_with_the_admin_cli), which must agree.

  proxy_routes_test.py --tree SOURCE_TREE --stage STAGE_DIR [unittest options]
"""

import json
import os
import pathlib
import shlex
import sys

# No __pycache__ in the source tree (it would end up in source archives).
sys.dont_write_bytecode = True
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import formula_test as formula  # noqa: E402
from formula_test import (example_pillar, full_pillar, minimal_pillar, parse_stateful_output,  # noqa: E402
                          render_states, run, staged_env, state_by_id)

ROUTE_KEYS = {"source", "service", "target", "chain", "description"}


class StubTest(formula.ProxyQubeTest):
    """A proxy qube with admin_stub.py as its qrexec-proxy-admin."""

    ENTRY_DIR = "/usr/local/etc/qubes-rpc"
    BINARY = "/usr/lib/qubes-qrexec-proxy/qrexec-proxy"

    def setUp(self):
        super().setUp()
        self.template_dir = self.work / "etc"
        (self.template_dir / "routes.d").mkdir(parents=True)
        (self.qube_dir / "routes.d").mkdir()
        self.entry_dir = self.work / "qubes-rpc"
        self.binary = self.work / "qrexec-proxy"
        self.binary.write_text("#!/bin/sh\n")
        self.log = self.work / "admin.log"
        self.record = self.work / "checked"
        bin_dir = self.work / "bin"
        bin_dir.mkdir()
        (bin_dir / "qrexec-proxy-admin").symlink_to(pathlib.Path(__file__).resolve().parent / "admin_stub.py")
        self.env = dict(os.environ, PATH=f"{bin_dir}:{os.environ.get('PATH', '/usr/bin:/bin')}",
                        STUB_LOG=str(self.log), STUB_RECORD=str(self.record),
                        STUB_ENTRY_DIR=str(self.entry_dir), STUB_BINARY=str(self.binary))

    def logged(self):
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def recorded(self):
        """The config the stub was asked to check: relative path -> text."""
        return {path.relative_to(self.record).as_posix(): path.read_text()
                for path in sorted(self.record.rglob("*")) if path.is_file()}

    def install(self, pillar, state_id):
        """Puts the file of STATE_ID in place as Salt would, or removes it."""
        state = state_by_id(render_states(pillar, "proxy"), state_id)
        path = self.qube_dir / pathlib.Path(state.name).relative_to(self.QUBE_DIR)
        if state.function == "file.managed":
            path.write_text(state.arguments["contents"])
        else:
            self.assertEqual(state.function, "file.absent")
            path.unlink(missing_ok=True)


class RoutesFileTest(StubTest):
    """routes.d/salt.json: the transparent routes, checked with the chains
    that will be in place, and the chains checked with the routes."""

    def routes_state(self, pillar):
        return state_by_id(render_states(pillar, "proxy"), "qrexec-proxy-routes")

    def test_contents_are_the_transparent_routes(self):
        pillar = full_pillar()
        states = render_states(pillar, "proxy")
        state = state_by_id(states, "qrexec-proxy-routes")
        self.assertEqual((state.function, state.name), ("file.managed", f"{self.QUBE_DIR}/routes.d/salt.json"))
        self.assertEqual((state.arguments["user"], state.arguments["mode"]), ("root", "0644"))
        written = json.loads(state.arguments["contents"])
        self.assertIsInstance(written, list)
        expected = []
        for index, route in enumerate(pillar["qrexec-proxy"]["routes"]):
            if route.get("transparent"):
                expected.append({key: route[key] for key in ["source", "service", "target", "chain"]})
                self.assertIn(f"qrexec-proxy:routes[{index}]", written[len(expected) - 1]["description"])
        for route in written:
            self.assertEqual(set(route), ROUTE_KEYS)
            self.assertIn("Managed by Salt", route.pop("description"))
        self.assertEqual(written, expected)
        self.assertEqual(written[1]["source"], ["personal", "untrusted-1"], "a list stays a list")
        # The chains are checked with the same routes, written first.
        next_routes = state_by_id(states, "qrexec-proxy-next-routes")
        self.assertEqual(next_routes.name, self.NEXT_ROUTES)
        self.assertEqual(next_routes.arguments["contents"], state.arguments["contents"])
        self.assertEqual(next_routes.arguments["mode"], "0600")

    def test_no_transparent_routes_no_file(self):
        for pillar in [example_pillar(), minimal_pillar()]:
            with self.subTest(pillar=pillar["qrexec-proxy"]["template"]["name"]):
                states = render_states(pillar, "proxy")
                state = state_by_id(states, "qrexec-proxy-routes")
                self.assertEqual((state.function, state.name),
                                 ("file.absent", f"{self.QUBE_DIR}/routes.d/salt.json"))
                self.assertNotIn("qrexec-proxy-next-routes", [state.id for state in states])
        chains = state_by_id(render_states(example_pillar(), "proxy"), "qrexec-proxy-chains")
        self.assertTrue(chains.arguments["check_cmd"].endswith(" routes.d/salt.json= chains.d/salt.json"))

    def test_the_order_of_the_states(self):
        states = render_states(full_pillar(), "proxy")
        ids = [state.id for state in states]
        order = ["qrexec-proxy-next-routes", "qrexec-proxy-chains", "qrexec-proxy-routes",
                 "qrexec-proxy-route-chains", "qrexec-proxy-entries"]
        self.assertEqual([state_id for state_id in ids if state_id in order], order)
        requires = {state.id: state.arguments.get("require", []) for state in states}
        self.assertIn({"file": "qrexec-proxy-next-routes"}, requires["qrexec-proxy-chains"])
        self.assertIn({"file": "qrexec-proxy-chains"}, requires["qrexec-proxy-routes"])
        self.assertIn({"file": "qrexec-proxy-routes-dir"}, requires["qrexec-proxy-routes"])
        self.assertIn({"file": "qrexec-proxy-check-config"}, requires["qrexec-proxy-routes"])
        self.assertIn({"file": "qrexec-proxy-routes"}, requires["qrexec-proxy-entries"])
        self.assertIn({"cmd": "qrexec-proxy-route-chains"}, requires["qrexec-proxy-entries"])
        absent = state_by_id(render_states(example_pillar(), "proxy"), "qrexec-proxy-routes")
        self.assertEqual(absent.arguments["require"], [{"file": "qrexec-proxy-chains"}])

    def qube_config(self):
        """A qube config beside Salt's files: what the service reads, and
        what it does not."""
        (self.qube_dir / "config.json").write_text('{"mine": {"plugins": ["pass"]}}')
        (self.qube_dir / "proxy.json").write_text('{"max_records_per_call": 10}')
        (self.qube_dir / "chains.d/other.json").write_text('{"other": {"plugins": []}}')
        (self.qube_dir / "routes.d/mine.json").write_text(
            '[{"source": "a", "service": "my.Mine", "target": "b", "chain": "mine"}]')
        (self.qube_dir / "routes.d/.hidden.json").write_text("not read")
        (self.qube_dir / "routes.d/notes.txt").write_text("not read")
        (self.qube_dir / "chains.d/salt.json").write_text('{"old": {"plugins": ["pass"]}}')
        (self.qube_dir / "routes.d/salt.json").write_text(
            '[{"source": "a", "service": "my.Old", "target": "b", "chain": "old"}]')
        return {"config.json": '{"mine": {"plugins": ["pass"]}}',
                "proxy.json": '{"max_records_per_call": 10}',
                "chains.d/other.json": '{"other": {"plugins": []}}',
                "routes.d/mine.json": (self.qube_dir / "routes.d/mine.json").read_text()}

    def check_with_stub(self, pillar, state_id, status=0):
        before = self.snapshot()
        result = self.check_candidate(pillar, state_id, env=dict(self.env, STUB_CHECK_STATUS=str(status)))
        self.assertEqual(self.snapshot(), before, "the check changes nothing in place")
        (call,) = self.logged()
        self.assertEqual(call[:3], ["--config-dir", str(formula.staged_template_dir()), "--config-dir"])
        self.assertEqual(call[4:], ["check"])
        self.assertFalse(os.path.exists(call[3]), "the staging directory is removed")
        return result

    def test_the_chains_are_checked_with_the_next_routes(self):
        pillar = full_pillar()
        kept = self.qube_config()
        result = self.check_with_stub(pillar, "qrexec-proxy-chains")
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        # The stub names routes.d/salt.json of what it checked: shown where it will be.
        self.assertEqual(result.stdout, f"{self.qube_dir}/routes.d/salt.json: checked by the stub\n")
        states = render_states(pillar, "proxy")
        self.assertEqual(self.recorded(), dict(
            kept, **{"chains.d/salt.json": state_by_id(states, "qrexec-proxy-chains").arguments["contents"],
                     "routes.d/salt.json": state_by_id(states, "qrexec-proxy-routes").arguments["contents"]}))

    def test_without_transparent_routes_the_chains_are_checked_without_salt_routes(self):
        kept = self.qube_config()
        result = self.check_with_stub(example_pillar(), "qrexec-proxy-chains")
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        chains = state_by_id(render_states(example_pillar(), "proxy"), "qrexec-proxy-chains")
        self.assertEqual(self.recorded(), dict(kept, **{"chains.d/salt.json": chains.arguments["contents"]}))

    def test_the_routes_are_checked_with_the_chains_in_place(self):
        pillar = full_pillar()
        kept = self.qube_config()
        self.install(pillar, "qrexec-proxy-chains")
        result = self.check_with_stub(pillar, "qrexec-proxy-routes", status=1)
        self.assertEqual(result.returncode, 1, "the check's verdict is the helper's")
        self.assertIn(f"{self.qube_dir}/routes.d/salt.json", result.stdout)
        self.assertNotIn("qrexec-proxy-check.", result.stdout, "the staging path is not shown")
        self.assertEqual(self.recorded(), dict(
            kept, **{"chains.d/salt.json": (self.qube_dir / "chains.d/salt.json").read_text(),
                     "routes.d/salt.json": self.routes_state(pillar).arguments["contents"]}))

    def test_the_check_refuses_wrong_arguments(self):
        helper = str(formula.formula_root() / "qrexec-proxy/files/check-config")
        candidate = self.work / "candidate"
        candidate.write_text("[]")
        common = ["/bin/sh", helper, str(self.template_dir), str(self.qube_dir)]
        for arguments, message in [
                (["routes.d/salt.json"], "usage:"),
                (["routes.d/../x.json", str(candidate)], "invalid file name"),
                (["routes.d/.x.json", str(candidate)], "invalid file name"),
                (["routes.d/x.txt", str(candidate)], "does not end in .json"),
                (["other.d/x.json", str(candidate)], "is not in chains.d or routes.d"),
                (["config.json", str(candidate)], "is not in chains.d or routes.d"),
                (["routes.d/salt.json", "chains.d/salt.json", str(candidate)], "usage:"),
                (["routes.d/a b.json=", "chains.d/salt.json", str(candidate)], "invalid file name"),
                ([f"routes.d/salt.json={self.work}/missing", "chains.d/salt.json", str(candidate)],
                 "does not exist")]:
            with self.subTest(arguments=arguments):
                result = run(common + arguments, env=self.env)
                self.assertEqual(result.returncode, 2, result.stdout)
                self.assertIn(message, result.stdout)
                self.assertEqual(self.logged(), [])

    def test_the_admin_cli_checks_the_routes(self):
        pillar = full_pillar()
        result = self.check_candidate(pillar, "qrexec-proxy-chains")
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.install(pillar, "qrexec-proxy-chains")
        result = self.check_candidate(pillar, "qrexec-proxy-routes")
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        routes = json.loads(self.routes_state(pillar).arguments["contents"])
        routes[0]["transparent"] = True
        result = self.check_candidate(pillar, "qrexec-proxy-routes", contents=json.dumps(routes))
        self.assertEqual(result.returncode, 1, result.stdout)
        self.assertIn(f"{self.qube_dir}/routes.d/salt.json", result.stdout)


class RouteEntriesTest(StubTest):
    """The entries of the transparent routes' services: enabled once the
    routes are in place, and removed once no route names them."""

    def entries_command(self, pillar, template_dir=None, binary=None):
        states = render_states(pillar, "proxy")
        state = state_by_id(states, "qrexec-proxy-entries")
        self.assertEqual(state.function, "cmd.run")
        self.assertIs(state.arguments["stateful"], True)
        return self.helper_command(states, state.arguments["name"], "route-entries",
                                   template_dir=template_dir or self.template_dir,
                                   paths={self.ENTRY_DIR: str(self.entry_dir),
                                          self.BINARY: str(binary or self.binary)})

    def apply(self, pillar, env=None, **where):
        """The routes file, then the entries, as the proxy state runs them."""
        self.install(pillar, "qrexec-proxy-routes")
        result = run(self.entries_command(pillar, **where), env=env or self.env)
        state = parse_stateful_output(result.stdout) if result.returncode == 0 else None
        return result, state

    def entries(self):
        if not self.entry_dir.exists():
            return {}
        return {path.name: os.readlink(path) if path.is_symlink() else "file"
                for path in sorted(self.entry_dir.iterdir())}

    def route_commands(self):
        return [call[4:] for call in self.logged()]

    def test_the_command(self):
        states = render_states(full_pillar(), "proxy")
        argv = shlex.split(state_by_id(states, "qrexec-proxy-entries").arguments["name"])
        self.assertEqual(argv, ["/usr/bin/python3", f"{self.HELPERS}/route-entries", self.TEMPLATE_DIR,
                                self.QUBE_DIR, self.ENTRY_DIR, self.BINARY,
                                "qubes.Filecopy", "qubes.OpenInVM+doc", "my.Svc+x"])
        argv = shlex.split(state_by_id(render_states(example_pillar(), "proxy"),
                                       "qrexec-proxy-entries").arguments["name"])
        self.assertEqual(argv[4:], [self.ENTRY_DIR, self.BINARY])

    def test_enable_then_nothing_to_do(self):
        result, state = self.apply(full_pillar())
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual(state["changed"], "yes")
        self.assertEqual(state["comment"], "entries of the proxy: enabled qubes.Filecopy, "
                                           "enabled qubes.OpenInVM+doc, enabled my.Svc+x")
        services = ["qubes.Filecopy", "qubes.OpenInVM+doc", "my.Svc+x"]
        self.assertEqual(self.entries(), {service: str(self.binary) for service in services})
        self.assertEqual(self.route_commands(), [["route", "enable", service] for service in services])
        for call in self.logged():
            self.assertEqual(call[:4], ["--config-dir", str(self.template_dir),
                                        "--config-dir", str(self.qube_dir)])
        result, state = self.apply(full_pillar())
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual(state["changed"], "no")
        self.assertEqual(self.route_commands(), [["route", "enable", service] for service in services] * 2)

    def test_entries_no_route_names_are_disabled(self):
        self.apply(full_pillar())
        self.entry_dir.joinpath("old.Service").symlink_to(self.binary)
        self.entry_dir.joinpath("my.Mine").symlink_to(self.binary)
        self.entry_dir.joinpath("my.Template").symlink_to(self.binary)
        self.entry_dir.joinpath(".hidden").symlink_to(self.binary)
        self.entry_dir.joinpath("my.Script").write_text("#!/bin/sh\n")
        self.entry_dir.joinpath("my.Other").symlink_to("/bin/true")
        (self.qube_dir / "routes.d/mine.json").write_text(
            '[{"source": "a", "service": "my.Mine", "target": "b", "chain": "c"}]')
        (self.template_dir / "routes.d/template.json").write_text(
            '[{"source": "a", "service": "my.Template", "target": "b", "chain": "c"}]')
        pillar = full_pillar()
        del pillar["qrexec-proxy"]["routes"][6]  # qubes.OpenInVM+doc
        self.log.unlink()
        result, state = self.apply(pillar)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual(state["changed"], "yes")
        self.assertEqual(state["comment"],
                         "entries of the proxy: disabled old.Service, disabled qubes.OpenInVM+doc")
        self.assertEqual(self.route_commands(), [
            ["route", "enable", "qubes.Filecopy"], ["route", "enable", "my.Svc+x"],
            ["route", "disable", "old.Service"], ["route", "disable", "qubes.OpenInVM+doc"]])
        binary = str(self.binary)
        self.assertEqual(self.entries(), {
            ".hidden": binary, "my.Mine": binary, "my.Other": "/bin/true", "my.Script": "file",
            "my.Svc+x": binary, "my.Template": binary, "qubes.Filecopy": binary})
        # No transparent route left: Salt's entries go.
        result, state = self.apply(example_pillar())
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual(state["comment"],
                         "entries of the proxy: disabled my.Svc+x, disabled qubes.Filecopy")
        self.assertFalse((self.qube_dir / "routes.d/salt.json").exists())
        self.assertEqual(set(self.entries()), {".hidden", "my.Mine", "my.Other", "my.Script", "my.Template"})

    def test_with_the_admin_cli(self):
        """The same with the staged admin CLI: the helper finds the entries
        the CLI makes, and the CLI removes them."""
        program = formula.STAGE / "usr/lib/qubes-qrexec-proxy/qrexec-proxy"
        self.assertTrue(program.is_file())
        where = {"template_dir": formula.staged_template_dir(), "binary": program}
        env = dict(staged_env(), QREXEC_PROXY_RPC_DIR=str(self.entry_dir))
        pillar = full_pillar()
        self.install(pillar, "qrexec-proxy-chains")
        result, state = self.apply(pillar, env=env, **where)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual(state["changed"], "yes")
        services = ["qubes.Filecopy", "qubes.OpenInVM+doc", "my.Svc+x"]
        self.assertEqual(self.entries(), {service: str(program) for service in services})
        self.entry_dir.joinpath("my.Script").write_text("#!/bin/sh\n")
        result, state = self.apply(pillar, env=env, **where)
        self.assertEqual((result.returncode, state["changed"]), (0, "no"), result.stdout)
        del pillar["qrexec-proxy"]["routes"][6]  # qubes.OpenInVM+doc
        result, state = self.apply(pillar, env=env, **where)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual(state["comment"], "entries of the proxy: disabled qubes.OpenInVM+doc")
        self.assertEqual(self.entries(), {"qubes.Filecopy": str(program), "my.Svc+x": str(program),
                                          "my.Script": "file"})

    def test_no_routes_no_entries_need_nothing(self):
        result, state = self.apply(minimal_pillar(), env=dict(self.env, PATH="/nonexistent"))
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual(state["changed"], "no")
        self.assertEqual(self.logged(), [])

    def test_a_refused_enable_fails_the_state(self):
        pillar = full_pillar()
        self.entry_dir.mkdir()
        self.entry_dir.joinpath("stale.Service").symlink_to(self.binary)
        self.entry_dir.joinpath("qubes.OpenInVM+doc").write_text("#!/bin/sh\n")  # not the proxy's
        result, _ = self.apply(pillar)
        self.assertEqual(result.returncode, 1, result.stdout)
        self.assertIn("is not an entry of the proxy", result.stdout)
        self.assertIn("`qrexec-proxy-admin route enable qubes.OpenInVM+doc` failed (exit status 1)",
                      result.stdout)
        self.assertEqual(self.route_commands(), [["route", "enable", "qubes.Filecopy"],
                                                 ["route", "enable", "qubes.OpenInVM+doc"]])
        self.assertIn("stale.Service", self.entries(), "nothing is disabled after a failure")

    def test_unreadable_routes_disable_nothing(self):
        self.entry_dir.mkdir()
        self.entry_dir.joinpath("stale.Service").symlink_to(self.binary)
        (self.qube_dir / "routes.d/other.json").write_text("[")
        result, _ = self.apply(example_pillar())
        self.assertEqual(result.returncode, 1, result.stdout)
        self.assertIn("cannot read the routes", result.stdout)
        self.assertIn("stale.Service", self.entries())
        self.assertEqual(self.logged(), [])

    def test_without_the_package_the_state_says_so(self):
        result, _ = self.apply(full_pillar(), env=dict(self.env, PATH="/nonexistent"))
        self.assertEqual(result.returncode, 1)
        self.assertIn("qubes-qrexec-proxy is not installed in this qube", result.stdout)
        self.assertEqual(self.entries(), {})

    def test_wrong_services_are_refused(self):
        helper = str(formula.formula_root() / "qrexec-proxy/files/route-entries")
        for service in ["a/b", "../x", ".x", "", "a b"]:
            with self.subTest(service=service):
                result = run([sys.executable, helper, str(self.template_dir), str(self.qube_dir),
                              str(self.entry_dir), str(self.binary), service], env=self.env)
                self.assertEqual(result.returncode, 2, result.stdout)
                self.assertIn("is not a service name", result.stdout)
        self.assertEqual(self.logged(), [])


if __name__ == "__main__":
    sys.exit(formula.main(__doc__))
