# -*- coding: utf-8 -*-
# vim: set syntax=yaml ts=2 sw=2 sts=2 et :
##
# qrexec-proxy.dom0
# =================
#
# In dom0, from the pillar qrexec-proxy:
#   - the template of the proxy qube: cloned from template:clone_from when
#     given, else it must exist already;
#   - the proxy qube, an AppVM of that template, with no network unless
#     proxy:netvm names one (the proxy needs none);
#   - /etc/qubes/policy.d/<policy_file>: for each route, the two policy lines
#     `qrexec-proxy-admin policy` prints for it, and nothing else. The file is
#     checked with qubes-policy-lint before it replaces the previous one: a
#     policy file qrexec cannot parse would stop every qrexec call.
#
# Execute:
#   qubesctl top.enable qrexec-proxy.dom0
#   qubesctl state.apply
##
{%- from "qrexec-proxy/settings.jinja" import qrexec_proxy with context %}
{%- set template = qrexec_proxy.template %}
{%- set proxy = qrexec_proxy.proxy %}

{#- The policy file: a header, then two lines per route, aligned per route as
    the admin CLI aligns them (columns two spaces apart). #}
{%- set policy = [
      '## Managed by Salt: the state qrexec-proxy.dom0 writes this file from the',
      '## pillar qrexec-proxy:routes. Edit the pillar, not this file: the next',
      '## `qubesctl state.apply` replaces it.',
      '##',
      '## Each route is two lines, as `qrexec-proxy-admin policy` prints them: the',
      '## source may call the proxy qube with exactly this chain, destination and',
      '## service; the proxy qube may call that service in the destination.',
    ] %}
{%- if not qrexec_proxy.routes %}
{%- do policy.extend(['', '## No routes: this file allows nothing.']) %}
{%- endif %}
{%- for route in qrexec_proxy.routes %}
{%- set first = ['qrexec-proxy', '+' ~ route.chain ~ '+' ~ route.target ~ '+' ~ route.service,
                 route.source, proxy.name, 'allow'] %}
{%- set second = [route.service_name, '+' ~ route.argument if route.has_argument else '*',
                  proxy.name, route.target, 'allow'] %}
{%- do policy.append('') %}
{%- do policy.append('## ' ~ route.source ~ ' -> ' ~ proxy.name ~ ' (chain ' ~ route.chain ~ ') -> '
                     ~ route.target ~ ': ' ~ route.service) %}
{%- for line in [first, second] %}
{%- set cells = [] %}
{%- for cell in line %}
{%- if loop.last %}
{%- do cells.append(cell) %}
{%- else %}
{%- do cells.append(cell.ljust([first[loop.index0]|length, second[loop.index0]|length]|max + 2)) %}
{%- endif %}
{%- endfor %}
{%- do policy.append(cells|join('')) %}
{%- endfor %}
{%- endfor %}

{%- if template.clone_from %}

qrexec-proxy-template:
  qvm.clone:
    - name: '{{ template.name }}'
    - source: '{{ template.clone_from }}'
{%- else %}

qrexec-proxy-template:
  qvm.exists:
    - name: '{{ template.name }}'
{%- endif %}

qrexec-proxy-qube:
  qvm.present:
    - name: '{{ proxy.name }}'
    - template: '{{ template.name }}'
    - label: {{ proxy.label }}
    - require:
      - qvm: qrexec-proxy-template

# qvm.present leaves an existing qube alone: its preferences are set here.
qrexec-proxy-qube-prefs:
  qvm.prefs:
    - name: '{{ proxy.name }}'
    - template: '{{ template.name }}'
    - label: {{ proxy.label }}
    - netvm: '{{ proxy.netvm }}'
    - require:
      - qvm: qrexec-proxy-qube

qrexec-proxy-policy:
  file.managed:
    - name: /etc/qubes/policy.d/{{ qrexec_proxy.policy_file }}
    - user: root
    - group: root
    - mode: '0644'
    - check_cmd: /usr/bin/qubes-policy-lint
    - contents: |
        {{ policy|join('\n')|indent(8) }}
