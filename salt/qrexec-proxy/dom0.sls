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
#   - /etc/qubes/policy.d/<policy_file>: for each explicit route, the two
#     policy lines `qrexec-proxy-admin policy` prints for it; for each source
#     of a transparent route, the three lines that redirect its calls of the
#     service (to the destination or to @default) to the proxy qube and let
#     the proxy qube call the destination; nothing else. The file is checked
#     with qubes-policy-lint before it replaces the previous one: a policy
#     file qrexec cannot parse would stop every qrexec call.
#
# Execute:
#   qubesctl top.enable qrexec-proxy.dom0
#   qubesctl state.apply
##
{%- from "qrexec-proxy/settings.jinja" import qrexec_proxy with context %}
{%- set template = qrexec_proxy.template %}
{%- set proxy = qrexec_proxy.proxy %}

{#- Appends LINES (lists of cells) to OUTPUT, aligned as the admin CLI aligns
    policy lines: each column two spaces wider than its longest cell. #}
{%- macro append_aligned(output, lines) %}
{%- set widths = [] %}
{%- for column in range(lines[0]|length) %}
{%- set lengths = [] %}
{%- for line in lines %}
{%- do lengths.append(line[column]|length) %}
{%- endfor %}
{%- do widths.append(lengths|max + 2) %}
{%- endfor %}
{%- for line in lines %}
{%- set cells = [] %}
{%- for cell in line %}
{%- do cells.append(cell if loop.last else cell.ljust(widths[loop.index0])) %}
{%- endfor %}
{%- do output.append(cells|join('')) %}
{%- endfor %}
{%- endmacro %}

{#- The policy file: a header, then two lines per explicit route, and three
    per source of a transparent route, aligned per group. #}
{%- set policy = [
      '## Managed by Salt: the state qrexec-proxy.dom0 writes this file from the',
      '## pillar qrexec-proxy:routes. Edit the pillar, not this file: the next',
      '## `qubesctl state.apply` replaces it.',
      '##',
      '## Each route is two lines, as `qrexec-proxy-admin policy` prints them: the',
      '## source may call the proxy qube with exactly this chain, destination and',
      '## service; the proxy qube may call that service in the destination.',
    ] %}
{%- if qrexec_proxy.routes|selectattr('transparent')|list %}
{%- do policy.extend([
      '##',
      '## A transparent route is three lines per source: the calls of its service',
      '## from the source to the destination, or to @default (no destination',
      '## named), go to the proxy qube instead (target=); the proxy qube may call',
      '## that service in the destination.',
    ]) %}
{%- endif %}
{%- if not qrexec_proxy.routes %}
{%- do policy.extend(['', '## No routes: this file allows nothing.']) %}
{%- endif %}
{%- for route in qrexec_proxy.routes %}
{%- set argument = '+' ~ route.argument if route.has_argument else '*' %}
{%- if route.transparent %}
{%- set action = ('ask' if route.ask else 'allow') ~ ' target=' ~ proxy.name %}
{%- for source in route.sources %}
{%- do policy.append('') %}
{%- do policy.append('## ' ~ source ~ ' -> ' ~ proxy.name ~ ' (chain ' ~ route.chain ~ ') -> '
                     ~ route.target ~ ': ' ~ route.service ~ ', transparent'
                     ~ (', ask' if route.ask else '')) %}
{%- do append_aligned(policy, [
      [route.service_name, argument, source, route.target, action],
      [route.service_name, argument, source, '@default', action],
      [route.service_name, argument, proxy.name, route.target, 'allow'],
    ]) %}
{%- endfor %}
{%- else %}
{%- do policy.append('') %}
{%- do policy.append('## ' ~ route.source ~ ' -> ' ~ proxy.name ~ ' (chain ' ~ route.chain ~ ') -> '
                     ~ route.target ~ ': ' ~ route.service) %}
{%- do append_aligned(policy, [
      ['qrexec-proxy', '+' ~ route.chain ~ '+' ~ route.target ~ '+' ~ route.service,
       route.source, proxy.name, 'allow'],
      [route.service_name, argument, proxy.name, route.target, 'allow'],
    ]) %}
{%- endif %}
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
