#!/usr/bin/env python3
"""Tests of the transparent routes of the Salt formula (salt/): the pillar
checks and the exact dom0 policy lines (proxy_routes_test.py tests what the
proxy state does with them).

  transparent_routes_test.py --tree SOURCE_TREE --stage STAGE_DIR [unittest options]
"""

import json
import pathlib
import sys
import tempfile
import unittest

import jinja2

# No __pycache__ in the source tree (it would end up in source archives).
sys.dont_write_bytecode = True
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import formula_test as formula  # noqa: E402
from formula_test import example_pillar, full_pillar, render_states, state_by_id  # noqa: E402
from salt_emulation import render_pillar  # noqa: E402


def policy_contents(pillar):
    state = state_by_id(render_states(pillar, "dom0"), "qrexec-proxy-policy")
    return state.arguments["contents"]


class TransparentPillarTest(unittest.TestCase):
    """A wrong transparent route stops the rendering with a message."""

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

    def added(self, route):
        def change(pillar):
            pillar["routes"].append(route)
        return change

    def test_the_full_pillar_has_transparent_routes(self):
        routes = full_pillar()["qrexec-proxy"]["routes"]
        self.assertEqual([index for index, route in enumerate(routes) if route.get("transparent")],
                         [5, 6, 7, 8])
        render_states(full_pillar(), "dom0")

    def test_sources_are_qube_names(self):
        only_names = "a transparent route takes qube names only"
        cases = [
            (self.route(5, source="@anyvm"), only_names),
            (self.route(5, source="@tag:work"), only_names),
            (self.route(5, source="@type:AppVM"), only_names),
            (self.route(5, source="@dispvm"), only_names),
            (self.route(6, source=["personal", "@anyvm"]), 'routes[6]:source "@anyvm"'),
            (self.route(6, source=["personal", "default"]), 'routes[6]:source "default"'),
            (self.route(6, source=["personal", 7]), 'routes[6]:source "7"'),
            (self.route(6, source=[]), "routes[6]:source must be a qube name or a list of qube names"),
            (self.route(6, source={"work": True}), "routes[6]:source must be a qube name or a list"),
            (self.route(6, source=42), "routes[6]:source must be a qube name or a list"),
            (self.route(6, source=["personal", "personal"]), '"personal" is listed twice'),
            (self.route(6, source=["personal", "sys-qrexec-proxy-2"]),
             "routes[6]: the proxy qube cannot be the source or the target"),
            (self.route(5, source="sys-qrexec-proxy-2"), "routes[5]: the proxy qube cannot be"),
            (self.route(5, target="sys-qrexec-proxy-2"), "routes[5]: the proxy qube cannot be"),
            (self.route(5, target="@default"), "routes[5]:target"),
            (self.route(5, target=["vault"]), "routes[5]:target"),
            # An explicit route takes no list, as before.
            (self.route(0, source=["work"]), "routes[0]:source"),
        ]
        for change, message in cases:
            with self.subTest(message=message):
                self.assert_refused(change, message)

    def test_flags(self):
        cases = [
            (self.route(0, ask=True), "routes[0]: ask is for transparent routes only"),
            (self.route(0, ask=False), "routes[0]: ask is for transparent routes only"),
            (self.route(5, transparent=False, ask=True), "routes[5]: ask is for transparent routes only"),
            (self.route(5, ask="yes"), 'routes[5]:ask "yes" is not true or false'),
            (self.route(5, ask=1), 'routes[5]:ask "1" is not true or false'),
            (self.route(5, transparent="yes"), 'routes[5]:transparent "yes" is not true or false'),
            (self.route(5, transparent=1), 'routes[5]:transparent "1" is not true or false'),
            (self.route(5, transparent=None), "routes[5]:transparent"),
            (self.route(5, asks=True), 'routes[5]: unknown key "asks"'),
            (self.route(5, description="mine"), 'routes[5]: unknown key "description"'),
        ]
        for change, message in cases:
            with self.subTest(message=message):
                self.assert_refused(change, message)

    def test_services_and_chains(self):
        own = "cannot redirect the proxy's own service qrexec-proxy"
        cases = [
            (self.route(5, service="qrexec-proxy"), own),
            (self.route(5, service="qrexec-proxy+one-way+vault+qubes.Filecopy"), own),
            (self.route(5, service="*"), "routes[5]:service"),
            (self.route(5, service="qubes.Filecopy *"), "routes[5]:service"),
            (self.route(5, service="../qubes.Filecopy"), "routes[5]:service"),
            (self.route(5, service="a/b"), "routes[5]:service"),
            (self.route(5, service="qubes.Filecopy+"),
             "routes[5]:service: a transparent route's argument is not empty"),
            (self.route(5, chain="a+b"), "routes[5]:chain"),
        ]
        for change, message in cases:
            with self.subTest(message=message):
                self.assert_refused(change, message)

    def test_missing_keys(self):
        def change(pillar):
            del pillar["routes"][6]["target"]
        self.assert_refused(change, "routes[6]: target is missing")

    def test_one_route_per_source_service_and_argument(self):
        # The proxy qube never learns the target a redirected call asked
        # for: whatever the target, two routes may not take the same calls.
        cases = [
            ({"source": "work", "target": "vault", "service": "qubes.Filecopy"},
             "routes[9]: the calls of qubes.Filecopy from work are taken by routes[5] already "
             "(qubes.Filecopy): a source has one route per service and argument, whatever the target"),
            ({"source": "work", "target": "c", "service": "qubes.Filecopy"},
             "the calls of qubes.Filecopy from work are taken by routes[5] already"),
            # Any argument (no '+') takes the calls with an argument too, and the reverse.
            ({"source": "work", "target": "c", "service": "qubes.Filecopy+x"},
             "the calls of qubes.Filecopy+x from work are taken by routes[5] already"),
            ({"source": "untrusted-1", "target": "c", "service": "qubes.OpenInVM"},
             "the calls of qubes.OpenInVM from untrusted-1 are taken by routes[6] already (qubes.OpenInVM+doc)"),
            ({"source": ["other", "untrusted-1"], "target": "vault", "service": "qubes.OpenInVM+doc"},
             "the calls of qubes.OpenInVM+doc from untrusted-1 are taken by routes[6] already"),
            ({"source": "work", "target": "b", "service": "my.Svc+x"},
             "the calls of my.Svc+x from work are taken by routes[8] already (my.Svc+x)"),
        ]
        for route, message in cases:
            with self.subTest(route=route):
                self.assert_refused(self.added(dict(route, chain="one-way", transparent=True)), message)

    def test_what_takes_other_calls(self):
        pillar = full_pillar()
        pillar["qrexec-proxy"]["routes"] += [
            # The explicit route of the same call: another way in.
            {"source": "work", "target": "vault", "chain": "one-way", "service": "qubes.Filecopy"},
            # Another argument, another source.
            {"source": "personal", "target": "c", "chain": "one-way", "service": "qubes.OpenInVM+pdf",
             "transparent": True},
            {"source": "work", "target": "c", "chain": "one-way", "service": "my.Svc+y",
             "transparent": True},
            {"source": "other", "target": "vault", "chain": "one-way", "service": "qubes.Filecopy",
             "transparent": True},
        ]
        for sls in ["dom0", "proxy"]:
            self.assertTrue(render_states(pillar, sls))

    def test_all_problems_are_named_at_once(self):
        def change(pillar):
            pillar["routes"][5]["source"] = "@anyvm"
            pillar["routes"][6]["ask"] = "no"
            pillar["routes"][0]["ask"] = True
        for message in ["routes[5]:source", "routes[6]:ask", "routes[0]: ask"]:
            self.assert_refused(change, message)


# The example pillar's policy file, byte for byte, as the formula wrote it
# before transparent routes: explicit routes keep this output.
EXAMPLE_POLICY = """\
## Managed by Salt: the state qrexec-proxy.dom0 writes this file from the
## pillar qrexec-proxy:routes. Edit the pillar, not this file: the next
## `qubesctl state.apply` replaces it.
##
## Each route is two lines, as `qrexec-proxy-admin policy` prints them: the
## source may call the proxy qube with exactly this chain, destination and
## service; the proxy qube may call that service in the destination.

## work -> sys-qrexec-proxy (chain store-one-way) -> vault: my.StoreFile
qrexec-proxy  +store-one-way+vault+my.StoreFile  work              sys-qrexec-proxy  allow
my.StoreFile  *                                  sys-qrexec-proxy  vault             allow
"""

TRANSPARENT_HEADER = """\
##
## A transparent route is three lines per source: the calls of its service
## from the source to the destination, or to @default (no destination
## named), go to the proxy qube instead (target=); the proxy qube may call
## that service in the destination.
"""

TRANSPARENT_GROUPS = """
## work -> sys-qrexec-proxy (chain store-one-way) -> vault: qubes.Filecopy, transparent
qubes.Filecopy  *  work              vault     allow target=sys-qrexec-proxy
qubes.Filecopy  *  work              @default  allow target=sys-qrexec-proxy
qubes.Filecopy  *  sys-qrexec-proxy  vault     allow

## personal -> sys-qrexec-proxy (chain store-one-way) -> vault: qubes.OpenInVM+doc, transparent, ask
qubes.OpenInVM  +doc  personal          vault     ask target=sys-qrexec-proxy
qubes.OpenInVM  +doc  personal          @default  ask target=sys-qrexec-proxy
qubes.OpenInVM  +doc  sys-qrexec-proxy  vault     allow

## dev -> sys-qrexec-proxy (chain store-one-way) -> vault: qubes.OpenInVM+doc, transparent, ask
qubes.OpenInVM  +doc  dev               vault     ask target=sys-qrexec-proxy
qubes.OpenInVM  +doc  dev               @default  ask target=sys-qrexec-proxy
qubes.OpenInVM  +doc  sys-qrexec-proxy  vault     allow

## a-very-long-source-qube-name-31 -> sys-qrexec-proxy (chain store-one-way) -> backup: my.Svc+x, transparent
my.Svc  +x  a-very-long-source-qube-name-31  backup    allow target=sys-qrexec-proxy
my.Svc  +x  a-very-long-source-qube-name-31  @default  allow target=sys-qrexec-proxy
my.Svc  +x  sys-qrexec-proxy                 backup    allow
"""


def example_with_transparent_routes():
    pillar = example_pillar()
    pillar["qrexec-proxy"]["routes"] += [
        {"source": "work", "target": "vault", "chain": "store-one-way", "service": "qubes.Filecopy",
         "transparent": True},
        {"source": ["personal", "dev"], "target": "vault", "chain": "store-one-way",
         "service": "qubes.OpenInVM+doc", "transparent": True, "ask": True},
        {"source": "a-very-long-source-qube-name-31", "target": "backup", "chain": "store-one-way",
         "service": "my.Svc+x", "transparent": True, "ask": False},
    ]
    return pillar


def uncommented_example(work):
    """The pillar example with its commented transparent route in use
    (rendered in the directory WORK)."""
    path = formula.formula_root() / "pillar/qrexec-proxy/init.sls"
    text = path.read_text()
    block = ("    # - source: work\n    #   target: vault\n    #   chain: copy-one-way\n"
             "    #   service: qubes.Filecopy\n    #   transparent: true\n")
    if text.count(block) != 1:
        raise AssertionError("the pillar example shows no commented transparent route")
    uncommented = pathlib.Path(work) / "init.sls"
    uncommented.write_text(text.replace(block, block.replace("    # ", "    ")))
    return render_pillar(uncommented)


class TransparentPolicyTest(unittest.TestCase):
    """The dom0 lines of transparent routes, exactly."""

    def test_explicit_routes_are_written_as_before(self):
        self.assertEqual(policy_contents(example_pillar()), EXAMPLE_POLICY)

    def test_the_exact_lines(self):
        self.assertEqual(policy_contents(example_with_transparent_routes()),
                         EXAMPLE_POLICY.replace("\n\n", "\n" + TRANSPARENT_HEADER + "\n", 1)
                         + TRANSPARENT_GROUPS)

    def test_transparent_false_is_an_explicit_route(self):
        pillar = example_pillar()
        pillar["qrexec-proxy"]["routes"][0]["transparent"] = False
        self.assertEqual(policy_contents(pillar), EXAMPLE_POLICY)

    def test_only_transparent_routes(self):
        pillar = example_with_transparent_routes()
        del pillar["qrexec-proxy"]["routes"][0]
        contents = policy_contents(pillar)
        header = EXAMPLE_POLICY[:EXAMPLE_POLICY.index("\n\n") + 1]
        self.assertEqual(contents, header + TRANSPARENT_HEADER + TRANSPARENT_GROUPS)

    def test_the_commented_example(self):
        with tempfile.TemporaryDirectory(prefix="salt-pillar-test.") as work:
            pillar = uncommented_example(work)
        route = pillar["qrexec-proxy"]["routes"][1]
        self.assertEqual(route, {"source": "work", "target": "vault", "chain": "copy-one-way",
                                 "service": "qubes.Filecopy", "transparent": True})
        contents = policy_contents(pillar)
        self.assertTrue(contents.endswith(
            "\n## work -> sys-qrexec-proxy (chain copy-one-way) -> vault: qubes.Filecopy, transparent\n"
            "qubes.Filecopy  *  work              vault     allow target=sys-qrexec-proxy\n"
            "qubes.Filecopy  *  work              @default  allow target=sys-qrexec-proxy\n"
            "qubes.Filecopy  *  sys-qrexec-proxy  vault     allow\n"), contents)
        routes = state_by_id(render_states(pillar, "proxy"), "qrexec-proxy-routes")
        self.assertEqual([{key: value for key, value in written.items() if key != "description"}
                          for written in json.loads(routes.arguments["contents"])],
                         [{"source": "work", "target": "vault", "chain": "copy-one-way",
                           "service": "qubes.Filecopy"}])

    def test_the_policy_test_accepts_the_exact_lines(self):
        test = formula.PolicyTest("test_routes_of_every_kind")
        test.setUp()
        try:
            test.check_pillar(example_with_transparent_routes())
        finally:
            test.doCleanups()


if __name__ == "__main__":
    sys.exit(formula.main(__doc__))
