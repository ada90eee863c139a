# -*- coding: utf-8 -*-
# vim: set syntax=yaml ts=2 sw=2 sts=2 et :
##
# qrexec-proxy.proxy
# ==================
#
# In the proxy qube (proxy:name of the pillar qrexec-proxy):
#   - the chains of proxy:chains go to
#     /usr/local/etc/qubes-qrexec-proxy/chains.d/salt.json, the chains of
#     this qube only, kept across reboots. The new file takes effect only once
#     `qrexec-proxy-admin check` accepts the whole config as the service will
#     read it with the new file in place (files/check-chains, run by Salt on
#     the candidate before it replaces salt.json). No chains: no salt.json.
#   - the chains the routes name must then be defined in this qube (from the
#     template's config or from salt.json): files/check-route-chains.
# The package comes from the template (state qrexec-proxy.template).
#
# Execute (in dom0):
#   qubesctl top.enable qrexec-proxy.proxy
#   qubesctl --skip-dom0 --targets=PROXY state.apply
##
{%- from "qrexec-proxy/settings.jinja" import qrexec_proxy with context %}
{%- set template_dir = '/etc/qubes-qrexec-proxy' %}
{%- set qube_dir = '/usr/local/etc/qubes-qrexec-proxy' %}
{%- set chains_file = 'salt.json' %}
{%- set helpers = '/run/qubes-qrexec-proxy-salt' %}
{%- set chains = {'description': 'Managed by Salt: the state qrexec-proxy.proxy writes this file from the pillar qrexec-proxy:proxy:chains. Edit the pillar, not this file.'} %}
{%- do chains.update(qrexec_proxy.proxy.chains) %}
{%- set route_chains = [] %}
{%- for route in qrexec_proxy.routes %}
{%- if route.chain not in route_chains %}
{%- do route_chains.append(route.chain) %}
{%- endif %}
{%- endfor %}

# The checks run from a directory of root's that is gone at the next boot.
{%- for helper in ['check-chains', 'check-route-chains'] %}

qrexec-proxy-{{ helper }}:
  file.managed:
    - name: {{ helpers }}/{{ helper }}
    - source: salt://qrexec-proxy/files/{{ helper }}
    - user: root
    - group: root
    - mode: '0700'
    - makedirs: True
    - dir_mode: '0700'
{%- endfor %}

qrexec-proxy-chains-dir:
  file.directory:
    - name: {{ qube_dir }}/chains.d
    - user: root
    - group: root
    - dir_mode: '0755'
    - makedirs: True
{%- if qrexec_proxy.proxy.chains %}

qrexec-proxy-chains:
  file.managed:
    - name: {{ qube_dir }}/chains.d/{{ chains_file }}
    - user: root
    - group: root
    - mode: '0644'
    - check_cmd: /bin/sh {{ helpers }}/check-chains {{ template_dir }} {{ qube_dir }} {{ chains_file }}
    - contents: |
        {{ chains|tojson(indent=2)|indent(8) }}
    - require:
      - file: qrexec-proxy-check-chains
      - file: qrexec-proxy-chains-dir
{%- else %}

qrexec-proxy-chains:
  file.absent:
    - name: {{ qube_dir }}/chains.d/{{ chains_file }}
{%- endif %}
{%- if route_chains %}

qrexec-proxy-route-chains:
  cmd.run:
    - name: /bin/sh {{ helpers }}/check-route-chains {{ template_dir }} {{ qube_dir }} {{ route_chains|join(' ') }}
    - stateful: True
    - require:
      - file: qrexec-proxy-check-route-chains
      - file: qrexec-proxy-chains-dir
      - file: qrexec-proxy-chains
{%- endif %}
