# -*- coding: utf-8 -*-
# vim: set syntax=yaml ts=2 sw=2 sts=2 et :
#
# Pillar of the Salt formula of qubes-qrexec-proxy: one tree, under the key
# qrexec-proxy, drives its three states:
#
#   qrexec-proxy.dom0      the template (optionally cloned), the proxy qube,
#                          and the dom0 policy of the routes
#   qrexec-proxy.template  the package qubes-qrexec-proxy in the template
#   qrexec-proxy.proxy     the chains and the transparent routes of the
#                          proxy qube, checked before they take effect
#
# Install it in dom0 as /srv/pillar/base/qrexec-proxy/init.sls, with
# init.top beside it (which gives this pillar to dom0, the template and the
# proxy qube: keep the names there equal to the ones here), then:
#
#   sudo qubesctl top.enable qrexec-proxy pillar=true
#
# Every value is checked when a state is rendered; a wrong one stops the
# state with a message and nothing is applied. Unknown keys are errors too.
#
# This example: the qube `work` sends files one way to a service of its own,
# my.StoreFile, in the qube `vault`, through the proxy qube sys-qrexec-proxy;
# commented out, a transparent route does the same for qvm-copy.

qrexec-proxy:

  # The template of the proxy qube.
  template:
    # Its name (required).
    name: debian-12-qrexec-proxy
    # Optional: the state qrexec-proxy.dom0 creates the template as a clone of
    # this one when it does not exist yet. Leave it out to use an existing
    # template as it is.
    clone_from: debian-12-xfce
    # Optional: install qubes-qrexec-proxy from this file in the template
    # (an absolute path; keep the file there, later runs check it) instead of
    # from the template's repositories. Salt installs a .deb with dpkg, which
    # installs no dependency: list the missing ones under `requires`.
    # package_file: /home/user/QubesIncoming/build/qubes-qrexec-proxy_0.1.0-1_amd64.deb
    # Optional: packages installed first, from the template's repositories,
    # e.g. on Debian 12 the libraries of a package_file (see
    # `dpkg-deb -f FILE Depends`).
    # requires:
    #   - libre2-9

  # The proxy qube: an AppVM of the template above.
  proxy:
    # Its name (required). The dom0 policy names it as the target of the
    # first hop and the source of the second.
    name: sys-qrexec-proxy
    # Optional, default gray: red, orange, yellow, green, gray, blue, purple
    # or black.
    label: gray
    # Optional, default none: the proxy needs no network. Give a qube name
    # only if a plugin of yours needs one.
    # netvm: sys-firewall
    # Optional: chains of this qube only, written to
    # /usr/local/etc/qubes-qrexec-proxy/chains.d/salt.json in the proxy qube
    # (format of config.json: see the README and `qrexec-proxy-admin plugins`).
    # They add to the template's chains (/etc/qubes-qrexec-proxy), and one of
    # the same name replaces the template's. Quote config keys that are
    # indexes ('0':, not 0:).
    chains:
      store-one-way:
        description: One file at a time from the source to the destination; nothing comes back.
        plugins: [max_conn, streamline, timeout, stop_dst]
        config:
          max_conn: {limit: 1}
          streamline: {buf_size: 10485760}
          timeout: {src2dst_timeout: 30, dst2src_timeout: 30}
      copy-one-way:
        description: qvm-copy one way; the proxy itself tells the sender the copy is done.
        plugins: [filecopy]
        config:
          filecopy: {one_way: true}

  # Optional, default 30-qrexec-proxy.policy: the dom0 policy file, in
  # /etc/qubes/policy.d. Files are read in name order and the first matching
  # rule wins: keep it before 90-default.policy.
  policy_file: 30-qrexec-proxy.policy

  # The calls the dom0 policy allows through the proxy qube, in two forms.
  #
  # An explicit route becomes the two lines `qrexec-proxy-admin policy CHAIN
  # --source SOURCE --target TARGET --service SERVICE --proxy PROXY` prints:
  # SOURCE may call `qrexec-proxy+CHAIN+TARGET+SERVICE` in the proxy qube, and
  # the proxy qube may call SERVICE in TARGET.
  #   source:  a qube name, @anyvm, @tag:TAG or @type:TYPE
  #   target:  a qube name
  #   chain:   a chain of the proxy qube (its template's or proxy:chains);
  #            the state qrexec-proxy.proxy checks that it is defined
  #   service: SERVICE or SERVICE+ARGUMENT, as the destination offers it
  #
  # A transparent route (transparent: true) changes nothing in the source:
  # its calls of SERVICE to TARGET, or to @default (tools that name no
  # destination, such as qvm-copy, which then no longer asks for one), go to
  # the proxy qube instead, which passes them through CHAIN to TARGET. For
  # each source,
  # three lines (PROXY: proxy:name; ARG: +ARGUMENT, or * for a SERVICE
  # without one):
  #   SERVICE  ARG  SOURCE  TARGET    allow target=PROXY
  #   SERVICE  ARG  SOURCE  @default  allow target=PROXY
  #   SERVICE  ARG  PROXY   TARGET    allow
  # The state qrexec-proxy.proxy writes these routes to
  # /usr/local/etc/qubes-qrexec-proxy/routes.d/salt.json in the proxy qube
  # (checked with `qrexec-proxy-admin check` before it replaces the file)
  # and makes the proxy qube answer SERVICE (`qrexec-proxy-admin route
  # enable SERVICE`).
  #   source:  a qube name, or a list of qube names (no @anyvm, @tag or @type:
  #            the policy redirects the calls of these qubes only)
  #   target, chain: as above
  #   service: SERVICE (calls with any argument) or SERVICE+ARGUMENT (that
  #            argument only, not empty)
  #   ask:     optional, default false: true asks in dom0 before each call
  #            (`ask target=PROXY` in the first two lines)
  # The proxy qube never learns which target a redirected call asked for: a
  # source's calls of a service go to one target. Two transparent routes
  # with a source in common may not name the same service with the same
  # argument, or the same service where one of them has no argument.
  #
  # Nothing else is allowed by the policy file.
  routes:
    - source: work
      target: vault
      chain: store-one-way
      service: my.StoreFile
    # A transparent route: in work, `qvm-copy-to-vm vault FILE`, or `qvm-copy
    # FILE` (dom0 then asks no more: the copy goes to vault), copies FILE
    # through the proxy qube and the one-way chain copy-one-way. qvm-copy
    # waits for the receiver's answer, which a one-way chain never lets
    # through: filecopy's one_way answers it instead (a chain such as
    # store-one-way would make qvm-copy give up before its last files).
    # - source: work
    #   target: vault
    #   chain: copy-one-way
    #   service: qubes.Filecopy
    #   transparent: true
