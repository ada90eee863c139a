# -*- coding: utf-8 -*-
# vim: set syntax=yaml ts=2 sw=2 sts=2 et :
##
# qrexec-proxy.template
# =====================
#
# In the template of the proxy qube (template:name of the pillar
# qrexec-proxy): the package qubes-qrexec-proxy, with the package manager of
# the template (apt or dnf). From the template's repositories, or from the
# file template:package_file in the template when given; then Salt installs
# the file itself (with dpkg on Debian, which installs no dependency: list the
# missing ones in template:requires).
#
# Execute (in dom0):
#   qubesctl top.enable qrexec-proxy.template
#   qubesctl --skip-dom0 --targets=TEMPLATE state.apply
# then restart the proxy qube if it was running, so that it sees the package.
##
{%- from "qrexec-proxy/settings.jinja" import qrexec_proxy with context %}
{%- set template = qrexec_proxy.template %}
{%- if template.requires %}

qrexec-proxy-requires:
  pkg.installed:
    - pkgs: {{ template.requires|tojson }}
{%- endif %}

qrexec-proxy-package:
  pkg.installed:
    - name: qubes-qrexec-proxy
{%- if template.package_file %}
    - sources:
      - qubes-qrexec-proxy: '{{ template.package_file }}'
{%- endif %}
{%- if template.requires %}
    - require:
      - pkg: qrexec-proxy-requires
{%- endif %}
